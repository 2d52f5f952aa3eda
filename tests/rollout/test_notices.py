"""How an entity's schedule reads on its members' dashboard, and the decision knowing an entity's own date."""

from __future__ import annotations

import datetime as dt

from rollout.notices import entity_schedule
from rollout.schedule import Decision, Entity, Override, Phase, Wave, decide, earliest_decision, midnight

SC = Entity(kind="oab", uf="SC", act_signed_on=dt.date(2023, 2, 6))
SUL = Wave("Etapa 6 — Sul", ("oab",), ("PR", "SC"), dt.date(2024, 7, 22), dt.date(2024, 8, 2))
RS = Wave("Etapa 6 — Sul (RS)", ("oab",), ("RS",), None, None, "emergência climática")
AUGUST = midnight(dt.date(2024, 8, 20))


def test_an_override_is_the_entitys_own_date():
    decision = decide(SC, SUL, Override(dt.date(2024, 9, 30), "prorrogação"), at=AUGUST)
    assert (decision.phase, decision.password_allowed, decision.own_date) == (Phase.WINDOW, True, True)
    assert not decide(SC, SUL, None, at=AUGUST).own_date


def test_an_entity_with_its_own_later_date_reads_so():
    schedule = entity_schedule(decide(SC, SUL, Override(dt.date(2024, 9, 30), "prorrogação"), at=AUGUST))
    assert schedule.line == "a partir de 30/09/2024"
    assert (schedule.date, schedule.own_date, schedule.password_allowed) == ("30/09/2024", True, True)


def test_a_wave_date_that_passed_reads_since():
    schedule = entity_schedule(decide(SC, SUL, None, at=AUGUST))
    assert (schedule.line, schedule.date, schedule.own_date) == ("desde 03/08/2024", "03/08/2024", False)


def test_without_a_date_the_line_says_why():
    rs = Entity(kind="oab", uf="RS", act_signed_on=None)
    schedule = entity_schedule(decide(rs, RS, None, at=AUGUST))
    assert schedule.line == "Data da migração a definir (emergência climática)."
    assert (schedule.date, schedule.password_allowed) == ("", True)


def test_earliest_decision_is_the_one_with_the_first_cutover():
    late = Decision(Phase.AWARENESS, True, midnight(dt.date(2024, 9, 30)), "", own_date=True)
    early = Decision(Phase.AWARENESS, True, midnight(dt.date(2024, 8, 3)), "")
    undefined = Decision(Phase.UNDEFINED, True, None, "")
    assert earliest_decision([late, undefined, early]) is early
    assert earliest_decision([undefined]) is None
    assert earliest_decision([]) is None
