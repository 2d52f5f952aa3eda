"""Anexo I as loaded by the data migration, and the decisions read from the database (rollout.selectors)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from rollout.models import EntityOverride, Wave
from rollout.regions import region_for_uf
from rollout.schedule import Phase
from rollout.selectors import all_waves, decision_for, decisions_for

pytestmark = pytest.mark.django_db

BRT = ZoneInfo("America/Sao_Paulo")

# DESIGN.md, "The schedule": (etapa, superintendência, UFs, window start, window end).
ANEXO_I = [
    (1, "Sudeste I", ["SP"], dt.date(2024, 5, 16), dt.date(2024, 5, 16)),
    (
        2,
        "Norte/Centro-Oeste",
        ["DF", "GO", "MS", "MT", "TO", "PA", "AM", "RO", "AC", "AP", "RR"],
        dt.date(2024, 5, 27),
        dt.date(2024, 6, 7),
    ),
    (3, "Sudeste III", ["RJ"], dt.date(2024, 6, 10), dt.date(2024, 6, 21)),
    (4, "Sudeste II", ["MG", "ES"], dt.date(2024, 6, 24), dt.date(2024, 7, 5)),
    (5, "Nordeste", ["BA", "SE", "AL", "PE", "PB", "RN", "CE", "PI", "MA"], dt.date(2024, 7, 8), dt.date(2024, 7, 19)),
    (6, "Sul", ["PR", "SC"], dt.date(2024, 7, 22), dt.date(2024, 8, 2)),
    (6, "Sul", ["RS"], None, None),
]
ALL_UFS = sorted(uf for _, _, ufs, _, _ in ANEXO_I for uf in ufs)


def brt(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BRT)


def test_migration_loaded_anexo_i_exactly():
    loaded = sorted(
        (w.number, w.superintendencia.name, w.ufs, w.window_start, w.window_end)
        for w in Wave.objects.select_related("superintendencia")
    )
    assert loaded == sorted(ANEXO_I, key=lambda w: (w[0], w[1], w[2], w[3] or dt.date.max, w[4] or dt.date.max))


def test_anexo_i_covers_only_oab_sections():
    assert [w.kinds for w in Wave.objects.all()] == [["oab"]] * len(ANEXO_I)


def test_every_wave_names_its_stage_and_superintendencia():
    for wave in Wave.objects.select_related("superintendencia"):
        assert wave.name.startswith(f"Etapa {wave.number}")
        assert wave.superintendencia.name in wave.name


def test_rs_is_present_without_dates_and_with_the_reason():
    rs = Wave.objects.get(ufs=["RS"])
    assert (rs.number, rs.superintendencia.name, rs.window_start, rs.window_end) == (6, "Sul", None, None)
    assert rs.undefined_reason.strip()
    assert "RS" in rs.name
    assert Wave.objects.exclude(pk=rs.pk).filter(undefined_reason="").count() == len(ANEXO_I) - 1


def test_loaded_waves_pass_the_models_own_validation():
    for wave in Wave.objects.select_related("superintendencia"):
        wave.full_clean()


def test_anexo_i_covers_all_27_ufs_once_each_in_their_superintendencia():
    assert len(ALL_UFS) == len(set(ALL_UFS)) == 27
    for wave in Wave.objects.select_related("superintendencia"):
        for uf in wave.ufs:
            assert region_for_uf(uf).code == wave.superintendencia.code


# One UF per wave: (uf, window start, window end).
DEFINED = [
    ("SP", dt.date(2024, 5, 16), dt.date(2024, 5, 16)),
    ("AM", dt.date(2024, 5, 27), dt.date(2024, 6, 7)),
    ("RJ", dt.date(2024, 6, 10), dt.date(2024, 6, 21)),
    ("MG", dt.date(2024, 6, 24), dt.date(2024, 7, 5)),
    ("BA", dt.date(2024, 7, 8), dt.date(2024, 7, 19)),
    ("PR", dt.date(2024, 7, 22), dt.date(2024, 8, 2)),
]
INSTANTS = [
    # (id, instant from (start, end), phase, password_allowed)
    ("day-before-window", lambda start, end: brt(start.year, start.month, start.day, 12) - dt.timedelta(days=1),
     Phase.AWARENESS, True),
    ("last-day-23:59:59-brt", lambda start, end: brt(end.year, end.month, end.day, 23, 59, 59), Phase.WINDOW, True),
    ("cutover-day-00:00-brt", lambda start, end: brt(end.year, end.month, end.day) + dt.timedelta(days=1),
     Phase.A3_MANDATORY, False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("uf", "start", "end", "instant", "phase", "password_allowed"),
    [
        (uf, start, end, instant, phase, allowed)
        for uf, start, end in DEFINED
        for _, instant, phase, allowed in INSTANTS
    ],
    ids=[f"{uf}/{name}" for uf, *_ in DEFINED for name, *_ in INSTANTS],
)
def test_decision_for_an_oab_section_of_each_anexo_i_wave(
    entity_factory, uf, start, end, instant, phase, password_allowed
):
    entity = entity_factory(kind="oab", uf=uf)
    decision = decision_for(entity, at=instant(start, end))
    assert decision.phase == phase
    assert decision.password_allowed is password_allowed
    assert decision.cutover_at == brt(end.year, end.month, end.day) + dt.timedelta(days=1)


@pytest.mark.parametrize(
    "at",
    [brt(2024, 5, 15, 12), brt(2024, 8, 2, 23, 59, 59), brt(2024, 8, 3), brt(2026, 1, 1)],
    ids=["before-anexo-i", "sul-last-day", "sul-cutover-day", "years-later"],
)
def test_decision_for_an_oab_section_of_rs_is_undefined(entity_factory, at):
    decision = decision_for(entity_factory(kind="oab", uf="RS"), at=at)
    assert (decision.phase, decision.password_allowed, decision.cutover_at) == (Phase.UNDEFINED, True, None)
    assert Wave.objects.get(ufs=["RS"]).undefined_reason in decision.why


@pytest.mark.parametrize("kind", ["municipio", "outra"])
def test_other_kinds_are_not_scheduled_by_anexo_i(entity_factory, kind):
    decision = decision_for(entity_factory(kind=kind, uf="SP"), at=brt(2024, 6, 1))
    assert (decision.phase, decision.password_allowed, decision.cutover_at) == (Phase.NOT_SCHEDULED, True, None)


def test_act_signed_after_the_portaria_is_a3_only(entity_factory):
    entity = entity_factory(kind="oab", uf="RS", act_signed_on=dt.date(2024, 5, 16))
    decision = decision_for(entity, at=brt(2024, 5, 20))
    assert (decision.phase, decision.password_allowed, decision.cutover_at) == (Phase.A3_ONLY, False, brt(2024, 5, 16))


@pytest.mark.parametrize(
    ("cutover_on", "at", "phase", "password_allowed"),
    [
        (dt.date(2024, 7, 1), brt(2024, 6, 8), Phase.WINDOW, True),
        (dt.date(2024, 7, 1), brt(2024, 7, 1), Phase.A3_MANDATORY, False),
        (dt.date(2024, 6, 1), brt(2024, 6, 1), Phase.A3_MANDATORY, False),
    ],
    ids=["extension/at-wave-cutover", "extension/from-its-00:00", "earlier/from-its-00:00"],
)
def test_an_entity_override_row_changes_the_decision(entity_factory, cutover_on, at, phase, password_allowed):
    entity = entity_factory(kind="oab", uf="AM")
    without = decision_for(entity, at=at)
    EntityOverride.objects.create(entity=entity, cutover_on=cutover_on, reason="ofício da seccional")
    decision = decision_for(entity, at=at)
    assert (decision.phase, decision.password_allowed) == (phase, password_allowed)
    assert decision.cutover_at == brt(cutover_on.year, cutover_on.month, cutover_on.day)
    assert "ofício da seccional" in decision.why
    assert without.cutover_at == brt(2024, 6, 8), "without the row, the wave's cutover"
    assert without != decision


def test_an_override_row_gives_rs_a_date(entity_factory):
    entity = entity_factory(kind="oab", uf="RS")
    EntityOverride.objects.create(entity=entity, cutover_on=dt.date(2024, 9, 2), reason="data definida")
    before = decision_for(entity, at=brt(2024, 9, 1, 23, 59, 59))
    after = decision_for(entity, at=brt(2024, 9, 2))
    assert (before.phase, before.password_allowed, before.cutover_at) == (Phase.AWARENESS, True, brt(2024, 9, 2))
    assert (after.phase, after.password_allowed, after.cutover_at) == (Phase.A3_MANDATORY, False, brt(2024, 9, 2))


def test_a_wave_staff_add_for_municipalities_schedules_them(entity_factory):
    from rollout.models import Superintendencia

    Wave.objects.create(
        number=7,
        name="Municípios de MG",
        superintendencia=Superintendencia.objects.get(code="sudeste-2"),
        kinds=["municipio"],
        ufs=["MG"],
        window_start=dt.date(2024, 10, 1),
        window_end=dt.date(2024, 10, 11),
    )
    municipio = entity_factory(kind="municipio", uf="MG")
    outra = entity_factory(kind="outra", uf="MG")
    decisions = decisions_for([municipio, outra], at=brt(2024, 10, 12))
    assert (decisions[municipio.pk].phase, decisions[municipio.pk].password_allowed) == (Phase.A3_MANDATORY, False)
    assert (decisions[outra.pk].phase, decisions[outra.pk].password_allowed) == (Phase.NOT_SCHEDULED, True)


@pytest.mark.parametrize("n", [1, 3, 12])
def test_decisions_for_many_entities_takes_a_constant_number_of_queries(entity_factory, django_assert_num_queries, n):
    ufs = ["SP", "AM", "RJ", "MG", "BA", "PR", "RS"]
    entities = [entity_factory(kind="oab", uf=ufs[i % len(ufs)]) for i in range(n)]
    for entity in entities[::2]:
        EntityOverride.objects.create(entity=entity, cutover_on=dt.date(2024, 9, 2), reason="prorrogação")
    at = brt(2024, 6, 8)
    with django_assert_num_queries(2):  # the waves, and these entities' overrides
        decisions = decisions_for(entities, at=at)
    assert set(decisions) == {e.pk for e in entities}
    for i, entity in enumerate(entities):
        expected = brt(2024, 9, 2) if i % 2 == 0 else decision_for(entity, at=at).cutover_at
        assert decisions[entity.pk].cutover_at == expected
    waves = all_waves()
    with django_assert_num_queries(1):  # waves given: only the overrides
        assert decisions_for(entities, at=at, waves=waves) == decisions


def test_decisions_for_many_entities_read_every_override_and_keep_only_those_asked(entity_factory, monkeypatch):
    from rollout import selectors

    entities = [entity_factory(kind="oab", uf="SP") for _ in range(5)]
    other = entity_factory(kind="oab", uf="SP")
    for entity in (entities[1], other):
        EntityOverride.objects.create(entity=entity, cutover_on=dt.date(2024, 9, 2), reason="prorrogação")
    at = brt(2024, 6, 8)
    few = decisions_for(entities, at=at)
    monkeypatch.setattr(selectors, "MANY", 2)
    many = decisions_for(entities, at=at)
    assert many == few and set(many) == {e.pk for e in entities}
    assert many[entities[1].pk].cutover_at == brt(2024, 9, 2)
    assert many[entities[0].pk].cutover_at != brt(2024, 9, 2)
