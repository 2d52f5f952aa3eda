"""Reading the schedule for entities: a constant number of queries however many entities are asked about."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Protocol

from rollout import schedule
from rollout.models import EntityOverride, Wave


class Schedulable(Protocol):
    """What the schedule reads of an entity: a ``PartnerEntity``, or a row read as a tuple (thousands of entities)."""

    @property
    def pk(self) -> Any: ...
    @property
    def kind(self) -> str: ...
    @property
    def uf(self) -> str: ...
    @property
    def act_signed_on(self) -> dt.date | None: ...


#: From this many entities on, :func:`decisions_for` reads every override instead of those of the entities asked.
MANY = 200


def rule_entity(entity: Schedulable) -> schedule.Entity:
    return schedule.Entity(kind=entity.kind, uf=entity.uf, act_signed_on=entity.act_signed_on)


def all_waves() -> list[schedule.Wave]:
    return [wave.as_rule() for wave in Wave.objects.all()]


def decisions_for(
    entities: Iterable[Schedulable], *, at: dt.datetime, waves: list[schedule.Wave] | None = None
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
    # The rule is pure: entities alike share one decision — the status pages ask about thousands of entities, most
    # of them alike. ``schedule.decide`` reads the entity's covering wave (found from its kind and UF), its override,
    # and its ACT date only when signed on or after the Portaria; entities alike in these get the same decision.
    covering: dict[tuple[str, str], schedule.Wave | None] = {}
    decided: dict[tuple[schedule.Wave | None, schedule.Override | None, dt.date | None], schedule.Decision] = {}
    for entity in entities:
        place = (entity.kind, entity.uf)
        if place not in covering:
            covering[place] = schedule.covering_wave(schedule.Entity(entity.kind, entity.uf, None), waves)
        wave, override, act = covering[place], overrides.get(entity.pk), entity.act_signed_on
        key = (wave, override, act if act is not None and act >= schedule.PORTARIA_PUBLISHED_ON else None)
        decision = decided.get(key)
        if decision is None:
            decision = decided[key] = schedule.decide(rule_entity(entity), wave, override, at=at)
        decisions[entity.pk] = decision
    return decisions


def decision_for(entity: Schedulable, *, at: dt.datetime) -> schedule.Decision:
    return decisions_for([entity], at=at)[entity.pk]
