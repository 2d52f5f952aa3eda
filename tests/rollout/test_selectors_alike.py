"""``decisions_for`` shares one decision among entities alike: each entity still gets what the rule decides for it
alone — ACT dates before and after the Portaria, none, overrides, kinds and UFs of several waves."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest

from rollout import schedule
from rollout.models import EntityOverride
from rollout.selectors import all_waves, decisions_for, rule_entity

pytestmark = pytest.mark.django_db
BRT = ZoneInfo("America/Sao_Paulo")


@pytest.mark.parametrize("at", [dt.datetime(2024, 6, 8, 12, tzinfo=BRT), dt.datetime(2026, 12, 7, 9, tzinfo=BRT)])
def test_each_entity_gets_the_decision_the_rule_makes_for_it_alone(entity_factory, at):
    rng = random.Random(3)
    portaria = schedule.PORTARIA_PUBLISHED_ON
    acts = [None, portaria - dt.timedelta(days=400), portaria - dt.timedelta(days=1), portaria]
    acts += [portaria + dt.timedelta(days=n) for n in (1, 30, 200)]
    entities = [
        entity_factory(
            kind=rng.choice(("oab", "municipio", "outra")),
            uf=rng.choice(("SP", "AM", "RJ", "BA", "RS")),
            act_signed_on=rng.choice(acts),
        )
        for _ in range(80)
    ]
    for entity in entities[::7]:
        EntityOverride.objects.create(entity=entity, cutover_on=dt.date(2024, 9, 2), reason="prorrogação")
    waves = all_waves()
    overrides = {o.entity_id: o.as_rule() for o in EntityOverride.objects.all()}

    decisions = decisions_for(entities, at=at)

    for entity in entities:
        rule = rule_entity(entity)
        alone = schedule.decide(rule, schedule.covering_wave(rule, waves), overrides.get(entity.pk), at=at)
        assert decisions[entity.pk] == alone, (entity.kind, entity.uf, entity.act_signed_on)
