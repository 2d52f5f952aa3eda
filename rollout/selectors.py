"""Reading the schedule for entities: a constant number of queries however many entities are asked about."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from rollout import schedule
from rollout.models import EntityOverride, Wave

if TYPE_CHECKING:
    from portal.models import PartnerEntity


def rule_entity(entity: PartnerEntity) -> schedule.Entity:
    return schedule.Entity(kind=entity.kind, uf=entity.uf, act_signed_on=entity.act_signed_on)


def all_waves() -> list[schedule.Wave]:
    return [wave.as_rule() for wave in Wave.objects.all()]


def decisions_for(
    entities: Iterable[PartnerEntity], *, at: dt.datetime, waves: list[schedule.Wave] | None = None
) -> dict[int, schedule.Decision]:
    """The decision for each entity at ``at`` (two queries: the waves and the overrides of these entities)."""
    entities = list(entities)
    waves = all_waves() if waves is None else waves
    overrides = {
        o.entity_id: o.as_rule() for o in EntityOverride.objects.filter(entity_id__in=[e.pk for e in entities])
    }
    decisions = {}
    for entity in entities:
        rule = rule_entity(entity)
        decisions[entity.pk] = schedule.decide(
            rule, schedule.covering_wave(rule, waves), overrides.get(entity.pk), at=at
        )
    return decisions


def decision_for(entity: PartnerEntity, *, at: dt.datetime) -> schedule.Decision:
    return decisions_for([entity], at=at)[entity.pk]
