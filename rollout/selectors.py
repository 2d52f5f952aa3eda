"""Reading the schedule for entities: a constant number of queries however many entities are asked about."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from rollout import schedule
from rollout.models import EntityOverride, Wave

if TYPE_CHECKING:
    from portal.models import PartnerEntity


#: From this many entities on, :func:`decisions_for` reads every override instead of those of the entities asked.
MANY = 200


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
    asked = {e.pk for e in entities}
    # Overrides are few (one per entity staff gave a date of its own): for many entities read them all rather than
    # send thousands of ids in an IN list (the status pages ask about every entity of the country).
    rows = EntityOverride.objects.all() if len(asked) > MANY else EntityOverride.objects.filter(entity_id__in=asked)
    overrides = {o.entity_id: o.as_rule() for o in rows if o.entity_id in asked}
    decisions = {}
    # The rule is pure: entities alike (kind, UF, ACT date, override) share one decision — the status pages ask
    # about thousands of entities, most of them alike.
    decided: dict[tuple[schedule.Entity, schedule.Override | None], schedule.Decision] = {}
    for entity in entities:
        rule = rule_entity(entity)
        override = overrides.get(entity.pk)
        key = (rule, override)
        if key not in decided:
            decided[key] = schedule.decide(rule, schedule.covering_wave(rule, waves), override, at=at)
        decisions[entity.pk] = decided[key]
    return decisions


def decision_for(entity: PartnerEntity, *, at: dt.datetime) -> schedule.Decision:
    return decisions_for([entity], at=at)[entity.pk]
