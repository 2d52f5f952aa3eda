"""The cutover rule of Portaria Conjunta DIRBEN/DTI/INSS nº 96/2024 Anexo I (rollout.schedule, no database)."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest

from rollout.schedule import (
    BRASILIA,
    PORTARIA_PUBLISHED_ON,
    Decision,
    Entity,
    Override,
    Phase,
    Wave,
    covering_wave,
    decide,
    earliest_cutover,
    midnight,
)

BRT = ZoneInfo("America/Sao_Paulo")
UTC = dt.UTC

SP = Wave("Etapa 1 — Sudeste I", ("oab",), ("SP",), dt.date(2024, 5, 16), dt.date(2024, 5, 16))
NORTE = Wave(
    "Etapa 2 — Norte/Centro-Oeste",
    ("oab",),
    ("DF", "GO", "MS", "MT", "TO", "PA", "AM", "RO", "AC", "AP", "RR"),
    dt.date(2024, 5, 27),
    dt.date(2024, 6, 7),
)
RS = Wave("Etapa 6 — Sul (RS)", ("oab",), ("RS",), None, None, "emergência climática no Rio Grande do Sul")
#: A wave staff added for the municipalities of Minas Gerais (Anexo I itself only covers OAB sections).
MUNICIPIOS_MG = Wave("Municípios de MG", ("municipio",), ("MG", "ES"), dt.date(2024, 10, 1), dt.date(2024, 10, 11))
MG = Wave("Etapa 4 — Sudeste II", ("oab",), ("MG", "ES"), dt.date(2024, 6, 24), dt.date(2024, 7, 5))
WAVES = (SP, NORTE, MG, RS, MUNICIPIOS_MG)


def brt(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BRT)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def oab(uf: str, act_signed_on: dt.date | None = None) -> Entity:
    return Entity(kind="oab", uf=uf, act_signed_on=act_signed_on)


NORTE_CUTOVER = brt(2024, 6, 8)
SP_CUTOVER = brt(2024, 5, 17)
AFTER_PORTARIA = dt.date(2024, 5, 16)

# (id, entity, override, at, phase, password_allowed, cutover_at)
CASES = [
    # A defined wave: window 27/05/2024–07/06/2024, A3 mandatory from 08/06/2024 00:00 Brasília.
    ("wave/day-before-window", oab("AM"), None, brt(2024, 5, 26, 12), Phase.AWARENESS, True, NORTE_CUTOVER),
    (
        "wave/last-second-before-window",
        oab("AM"),
        None,
        brt(2024, 5, 26, 23, 59, 59),
        Phase.AWARENESS,
        True,
        NORTE_CUTOVER,
    ),
    ("wave/first-day-00h", oab("AM"), None, brt(2024, 5, 27), Phase.WINDOW, True, NORTE_CUTOVER),
    ("wave/mid-window", oab("DF"), None, brt(2024, 6, 3, 15), Phase.WINDOW, True, NORTE_CUTOVER),
    ("wave/last-day-23:59:59-brt", oab("AM"), None, brt(2024, 6, 7, 23, 59, 59), Phase.WINDOW, True, NORTE_CUTOVER),
    ("wave/cutover-day-00:00-brt", oab("AM"), None, brt(2024, 6, 8), Phase.A3_MANDATORY, False, NORTE_CUTOVER),
    (
        "wave/cutover-day-00:00-brt-as-03:00Z",
        oab("AM"),
        None,
        utc(2024, 6, 8, 3),
        Phase.A3_MANDATORY,
        False,
        NORTE_CUTOVER,
    ),
    (
        "wave/cutover-day-02:59:59Z-is-still-the-last-day-in-brasilia",
        oab("AM"),
        None,
        utc(2024, 6, 8, 2, 59, 59),
        Phase.WINDOW,
        True,
        NORTE_CUTOVER,
    ),
    (
        "wave/cutover-day-00:00Z-is-still-the-last-day-in-brasilia",
        oab("AM"),
        None,
        utc(2024, 6, 8),
        Phase.WINDOW,
        True,
        NORTE_CUTOVER,
    ),
    (
        "wave/first-day-00:00Z-is-still-the-day-before-in-brasilia",
        oab("AM"),
        None,
        utc(2024, 5, 27),
        Phase.AWARENESS,
        True,
        NORTE_CUTOVER,
    ),
    ("wave/long-after-cutover", oab("AM"), None, brt(2025, 1, 1, 12), Phase.A3_MANDATORY, False, NORTE_CUTOVER),
    # SP: a single-day window (16/05/2024), A3 mandatory from 17/05/2024 00:00.
    ("sp-single-day/day-before", oab("SP"), None, brt(2024, 5, 15, 23, 59, 59), Phase.AWARENESS, True, SP_CUTOVER),
    ("sp-single-day/00:00", oab("SP"), None, brt(2024, 5, 16), Phase.WINDOW, True, SP_CUTOVER),
    ("sp-single-day/23:59:59", oab("SP"), None, brt(2024, 5, 16, 23, 59, 59), Phase.WINDOW, True, SP_CUTOVER),
    ("sp-single-day/next-day-00:00", oab("SP"), None, brt(2024, 5, 17), Phase.A3_MANDATORY, False, SP_CUTOVER),
    # RS: no dates yet ("a definir"): password keeps working, no cutover.
    ("rs-undefined/during-other-waves", oab("RS"), None, brt(2024, 6, 8), Phase.UNDEFINED, True, None),
    ("rs-undefined/years-later", oab("RS"), None, brt(2030, 1, 1), Phase.UNDEFINED, True, None),
    # No wave covers the entity.
    ("not-scheduled/oab-of-uf-without-wave", oab("BA"), None, brt(2024, 8, 1), Phase.NOT_SCHEDULED, True, None),
    # Art. 1 § 2: ACT signed from 16/05/2024 (publication) on is A3-only from the first day.
    (
        "art1-par2/act-15-05-follows-its-wave",
        oab("AM", dt.date(2024, 5, 15)),
        None,
        brt(2024, 6, 1),
        Phase.WINDOW,
        True,
        NORTE_CUTOVER,
    ),
    (
        "art1-par2/act-15-05-follows-its-wave-after-cutover",
        oab("AM", dt.date(2024, 5, 15)),
        None,
        brt(2024, 6, 8),
        Phase.A3_MANDATORY,
        False,
        NORTE_CUTOVER,
    ),
    (
        "art1-par2/act-16-05-a3-only-during-window",
        oab("AM", AFTER_PORTARIA),
        None,
        brt(2024, 6, 1),
        Phase.A3_ONLY,
        False,
        brt(2024, 5, 16),
    ),
    (
        "art1-par2/act-16-05-a3-only-before-window",
        oab("AM", AFTER_PORTARIA),
        None,
        brt(2024, 5, 20),
        Phase.A3_ONLY,
        False,
        brt(2024, 5, 16),
    ),
    (
        "art1-par2/act-16-05-a3-only-before-signing",
        oab("AM", AFTER_PORTARIA),
        None,
        brt(2024, 1, 1),
        Phase.A3_ONLY,
        False,
        brt(2024, 5, 16),
    ),
    (
        "art1-par2/act-2025-a3-only-in-undefined-rs",
        oab("RS", dt.date(2025, 3, 10)),
        None,
        brt(2025, 3, 10),
        Phase.A3_ONLY,
        False,
        brt(2025, 3, 10),
    ),
    (
        "art1-par2/act-after-portaria-a3-only-without-wave",
        Entity("outra", "SP", dt.date(2024, 9, 2)),
        None,
        brt(2024, 9, 1),
        Phase.A3_ONLY,
        False,
        brt(2024, 9, 2),
    ),
    ("art1-par2/act-none-follows-its-wave", oab("AM", None), None, brt(2024, 6, 1), Phase.WINDOW, True, NORTE_CUTOVER),
    # Overrides: the entity's own date wins, earlier or later than its wave's.
    (
        "override-earlier/before-it",
        oab("AM"),
        Override(dt.date(2024, 6, 1), "pediu antecipação"),
        brt(2024, 5, 31, 23, 59, 59),
        Phase.WINDOW,
        True,
        brt(2024, 6, 1),
    ),
    (
        "override-earlier/from-its-00:00-while-wave-window-still-open",
        oab("AM"),
        Override(dt.date(2024, 6, 1), "pediu antecipação"),
        brt(2024, 6, 1),
        Phase.A3_MANDATORY,
        False,
        brt(2024, 6, 1),
    ),
    (
        "override-earlier-than-window/before-window",
        oab("AM"),
        Override(dt.date(2024, 5, 20), "piloto"),
        brt(2024, 5, 19, 12),
        Phase.AWARENESS,
        True,
        brt(2024, 5, 20),
    ),
    (
        "override-earlier-than-window/from-its-00:00",
        oab("AM"),
        Override(dt.date(2024, 5, 20), "piloto"),
        brt(2024, 5, 20),
        Phase.A3_MANDATORY,
        False,
        brt(2024, 5, 20),
    ),
    (
        "override-extension/at-wave-cutover",
        oab("AM"),
        Override(dt.date(2024, 7, 1), "prorrogação"),
        brt(2024, 6, 8),
        Phase.WINDOW,
        True,
        brt(2024, 7, 1),
    ),
    (
        "override-extension/last-second",
        oab("AM"),
        Override(dt.date(2024, 7, 1), "prorrogação"),
        brt(2024, 6, 30, 23, 59, 59),
        Phase.WINDOW,
        True,
        brt(2024, 7, 1),
    ),
    (
        "override-extension/from-its-00:00",
        oab("AM"),
        Override(dt.date(2024, 7, 1), "prorrogação"),
        brt(2024, 7, 1),
        Phase.A3_MANDATORY,
        False,
        brt(2024, 7, 1),
    ),
    (
        "override-on-undefined-rs/before",
        oab("RS"),
        Override(dt.date(2024, 9, 1), "data definida"),
        brt(2024, 8, 31, 23, 59, 59),
        Phase.AWARENESS,
        True,
        brt(2024, 9, 1),
    ),
    (
        "override-on-undefined-rs/from-its-00:00",
        oab("RS"),
        Override(dt.date(2024, 9, 1), "data definida"),
        brt(2024, 9, 1),
        Phase.A3_MANDATORY,
        False,
        brt(2024, 9, 1),
    ),
    (
        "override-on-a3-only-entity/before",
        oab("AM", dt.date(2024, 6, 1)),
        Override(dt.date(2024, 8, 1), "transição"),
        brt(2024, 7, 31, 23, 59, 59),
        Phase.WINDOW,
        True,
        brt(2024, 8, 1),
    ),
    (
        "override-on-a3-only-entity/from-its-00:00",
        oab("AM", dt.date(2024, 6, 1)),
        Override(dt.date(2024, 8, 1), "transição"),
        brt(2024, 8, 1),
        Phase.A3_MANDATORY,
        False,
        brt(2024, 8, 1),
    ),
    (
        "override-on-unscheduled-entity/before",
        Entity("outra", "SP", None),
        Override(dt.date(2024, 8, 1), "ofício"),
        brt(2024, 7, 1),
        Phase.AWARENESS,
        True,
        brt(2024, 8, 1),
    ),
    (
        "override-on-unscheduled-entity/from-its-00:00",
        Entity("outra", "SP", None),
        Override(dt.date(2024, 8, 1), "ofício"),
        brt(2024, 8, 1),
        Phase.A3_MANDATORY,
        False,
        brt(2024, 8, 1),
    ),
    # Other kinds: Anexo I covers only OAB sections; staff waves cover the kinds they list.
    (
        "other-kinds/municipio-of-sp-not-scheduled",
        Entity("municipio", "SP", None),
        None,
        brt(2024, 6, 1),
        Phase.NOT_SCHEDULED,
        True,
        None,
    ),
    (
        "other-kinds/outra-of-am-not-scheduled-after-oab-cutover",
        Entity("outra", "AM", None),
        None,
        brt(2024, 6, 8),
        Phase.NOT_SCHEDULED,
        True,
        None,
    ),
    (
        "other-kinds/municipio-of-mg-follows-its-staff-wave",
        Entity("municipio", "MG", None),
        None,
        brt(2024, 10, 1),
        Phase.WINDOW,
        True,
        brt(2024, 10, 12),
    ),
    (
        "other-kinds/municipio-of-mg-not-bound-by-oab-wave",
        Entity("municipio", "MG", None),
        None,
        brt(2024, 7, 6),
        Phase.AWARENESS,
        True,
        brt(2024, 10, 12),
    ),
    (
        "other-kinds/municipio-of-mg-after-its-cutover",
        Entity("municipio", "MG", None),
        None,
        brt(2024, 10, 12),
        Phase.A3_MANDATORY,
        False,
        brt(2024, 10, 12),
    ),
    (
        "other-kinds/outra-of-mg-not-covered-by-municipio-wave",
        Entity("outra", "MG", None),
        None,
        brt(2024, 10, 12),
        Phase.NOT_SCHEDULED,
        True,
        None,
    ),
    (
        "other-kinds/oab-of-mg-follows-anexo-i-not-municipio-wave",
        oab("MG"),
        None,
        brt(2024, 7, 6),
        Phase.A3_MANDATORY,
        False,
        brt(2024, 7, 6),
    ),
]


def decide_among(entity: Entity, override: Override | None, at: dt.datetime, waves=WAVES) -> Decision:
    return decide(entity, covering_wave(entity, waves), override, at=at)


@pytest.mark.parametrize(
    ("entity", "override", "at", "phase", "password_allowed", "cutover_at"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_decision_table(entity, override, at, phase, password_allowed, cutover_at):
    decision = decide_among(entity, override, at)
    assert decision.phase == phase
    assert decision.password_allowed is password_allowed
    assert decision.cutover_at == cutover_at
    if cutover_at is not None:
        assert decision.cutover_at.utcoffset() == dt.timedelta(hours=-3), "the cutover is expressed in Brasília time"
    assert decision.a3_allowed is True, "an A3 certificate works in every phase"


def test_decision_table_covers_every_phase():
    assert {case[4] for case in CASES} == set(Phase)


def test_password_is_refused_exactly_from_cutover_and_never_before():
    entity = oab("AM")
    before = decide_among(entity, None, NORTE_CUTOVER - dt.timedelta(microseconds=1))
    at = decide_among(entity, None, NORTE_CUTOVER)
    assert (before.phase, before.password_allowed) == (Phase.WINDOW, True)
    assert (at.phase, at.password_allowed) == (Phase.A3_MANDATORY, False)


def test_undefined_wave_gives_its_reason_and_name():
    decision = decide_among(oab("RS"), None, brt(2024, 6, 8))
    assert "emergência climática no Rio Grande do Sul" in decision.why
    assert "a definir" in decision.why
    assert decision.wave == RS.name
    assert decision.days_left(brt(2024, 6, 8)) is None


def test_undefined_wave_without_reason_still_explains_it_is_undefined():
    wave = Wave("Sem datas", ("oab",), ("RS",), None, None)
    decision = decide(oab("RS"), wave, None, at=brt(2024, 6, 8))
    assert (decision.phase, decision.password_allowed, decision.cutover_at) == (Phase.UNDEFINED, True, None)
    assert decision.why == "Data da migração a definir."


def test_not_scheduled_has_no_wave_name():
    decision = decide_among(Entity("municipio", "SP", None), None, brt(2024, 6, 8))
    assert decision.wave == ""
    assert "nenhuma etapa" in decision.why


def test_wave_decision_explains_window_and_cutover_date():
    decision = decide_among(oab("AM"), None, brt(2024, 6, 1))
    assert decision.wave == NORTE.name
    assert "27/05/2024 a 07/06/2024" in decision.why
    assert "a partir de 08/06/2024" in decision.why


def test_override_decision_gives_the_date_and_reason_and_keeps_the_wave_name():
    decision = decide_among(
        oab("AM"), Override(dt.date(2024, 7, 1), "prorrogação pedida pela seccional"), brt(2024, 6, 8)
    )
    assert "01/07/2024" in decision.why
    assert "prorrogação pedida pela seccional" in decision.why
    assert decision.wave == NORTE.name


def test_a3_only_decision_cites_the_signature_and_art_1_par_2():
    decision = decide_among(oab("AM", dt.date(2024, 6, 3)), None, brt(2024, 6, 4))
    assert "03/06/2024" in decision.why
    assert "Art. 1º, § 2º" in decision.why
    assert decision.wave == NORTE.name


def test_portaria_publication_is_16_05_2024():
    assert PORTARIA_PUBLISHED_ON == dt.date(2024, 5, 16)


@pytest.mark.parametrize(
    ("signed_on", "phase"),
    [
        (dt.date(2024, 5, 15), Phase.WINDOW),
        (dt.date(2024, 5, 16), Phase.A3_ONLY),
        (dt.date(2024, 5, 17), Phase.A3_ONLY),
        (None, Phase.WINDOW),
    ],
    ids=["day-before-publication", "publication-day", "day-after-publication", "unknown-signature"],
)
def test_act_signature_boundary_is_the_portaria_publication_day(signed_on, phase):
    assert decide_among(oab("AM", signed_on), None, brt(2024, 6, 1)).phase == phase


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))), ids=lambda order: "-".join(map(str, order)))
def test_covering_wave_picks_the_earliest_defined_wave_whatever_the_order(order):
    undefined = Wave("A a definir", ("oab",), ("AM",), None, None, "motivo")
    later = Wave("B tarde", ("oab",), ("AM",), dt.date(2024, 5, 27), dt.date(2024, 6, 7))
    earlier = Wave("C cedo", ("oab", "municipio"), ("AM", "PA"), dt.date(2024, 4, 1), dt.date(2024, 4, 5))
    waves = [(undefined, later, earlier)[i] for i in order]
    assert covering_wave(oab("AM"), waves) is earlier
    assert covering_wave(Entity("municipio", "PA", None), waves) is earlier
    assert covering_wave(oab("AM"), [w for w in waves if w is not earlier]) is later
    assert covering_wave(oab("AM"), [undefined]) is undefined
    assert covering_wave(oab("PA"), waves) is earlier
    assert covering_wave(oab("RR"), waves) is None
    assert covering_wave(Entity("outra", "AM", None), waves) is None


def test_covering_wave_of_nothing_is_none():
    assert covering_wave(oab("SP"), []) is None


@pytest.mark.parametrize(
    ("entity", "override"),
    [
        (oab("AM"), None),
        (oab("RS"), None),
        (Entity("outra", "SP", None), None),
        (oab("AM", dt.date(2024, 6, 1)), None),
        (oab("AM"), Override(dt.date(2024, 7, 1), "prorrogação")),
    ],
    ids=["wave", "undefined", "not-scheduled", "a3-only", "override"],
)
def test_decide_refuses_a_naive_instant(entity, override):
    with pytest.raises(ValueError, match="timezone-aware"):
        decide_among(entity, override, dt.datetime(2024, 6, 8))


@pytest.mark.parametrize(
    ("at", "days"),
    [
        (brt(2024, 6, 1, 12), 7),
        (brt(2024, 6, 7), 1),
        (brt(2024, 6, 7, 23, 30), 1),
        (utc(2024, 6, 8, 2, 30), 1),  # 23:30 of 07/06 in Brasília
        (brt(2024, 6, 7, 23, 59, 59), 1),
        (brt(2024, 6, 8), 0),
        (utc(2024, 6, 8, 3), 0),
        (brt(2024, 6, 8, 23, 59), 0),
        (brt(2024, 6, 9), -1),
    ],
    ids=[
        "a-week-before",
        "day-before-00:00",
        "day-before-23:30-brt",
        "day-before-23:30-brt-as-utc",
        "day-before-last-second",
        "cutover-00:00",
        "cutover-00:00-as-utc",
        "cutover-23:59",
        "day-after",
    ],
)
def test_days_left_counts_brasilia_days(at, days):
    decision = decide_among(oab("AM"), None, at)
    assert decision.cutover_at == NORTE_CUTOVER
    assert decision.days_left(at) == days


@pytest.mark.parametrize(
    "cutovers",
    [
        [brt(2024, 6, 8), None, brt(2024, 5, 17), brt(2024, 7, 6)],
        [None, utc(2024, 5, 17, 3), brt(2024, 6, 8)],
    ],
    ids=["mixed", "utc-and-brt"],
)
def test_earliest_cutover_is_the_first_instant(cutovers):
    decisions = [Decision(Phase.AWARENESS, True, c, "") for c in cutovers]
    assert earliest_cutover(decisions) == brt(2024, 5, 17)
    assert earliest_cutover(reversed(decisions)) == brt(2024, 5, 17)


def test_earliest_cutover_from_real_decisions():
    at = brt(2024, 5, 1)
    decisions = [decide_among(e, None, at) for e in (oab("RS"), oab("AM"), oab("SP"), Entity("outra", "BA", None))]
    assert earliest_cutover(decisions) == SP_CUTOVER
    assert earliest_cutover(iter(decisions)) == SP_CUTOVER


@pytest.mark.parametrize("decisions", [[], [Decision(Phase.UNDEFINED, True, None, "")]], ids=["empty", "no-cutover"])
def test_earliest_cutover_without_any_is_none(decisions):
    assert earliest_cutover(decisions) is None


def test_midnight_is_00h_in_brasilia_which_is_03h_utc():
    assert midnight(dt.date(2024, 6, 8)) == brt(2024, 6, 8) == utc(2024, 6, 8, 3)
    assert BRASILIA.key == "America/Sao_Paulo"


def test_wave_cutover_is_the_day_after_its_last_day():
    assert NORTE.cutover_at == NORTE_CUTOVER
    assert SP.cutover_at == SP_CUTOVER
    assert RS.cutover_at is None
    assert (NORTE.defined, SP.defined, RS.defined) == (True, True, False)


def test_every_phase_has_a_label():
    assert {phase: phase.label for phase in Phase}[Phase.UNDEFINED] == "a definir"
    assert all(phase.label for phase in Phase)
