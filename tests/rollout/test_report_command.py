"""``manage.py rollout report``: the schedule applied to every active entity at an instant (a dry run)."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from portal.models import EntityStatus
from rollout.models import EntityOverride


def report(*args: str) -> str:
    out = io.StringIO()
    call_command("rollout", "report", *args, stdout=out)
    return out.getvalue()


def by_code(output: str) -> dict[str, dict]:
    rows = json.loads(output)
    assert isinstance(rows, list)
    return {row["code"]: row for row in rows}


@pytest.fixture
def entities(entity_factory, member_factory):
    sp = entity_factory(code="OAB-SP", uf="SP")
    rs = entity_factory(code="OAB-RS", uf="RS")
    new = entity_factory(code="MUN-NOVA", uf="AM", kind="municipio", act_signed_on=dt.date(2024, 9, 2))
    entity_factory(code="OAB-PR", uf="PR", status=EntityStatus.SUSPENDED)
    ready = member_factory("52601815906", entity=sp)
    ready.first_a3_login_at = timezone.now()
    ready.save()
    member_factory("08301661305", entity=sp)
    member_factory("78778932807", entity=sp, membership_active=False)  # no longer acts for it: not counted
    return {"sp": sp, "rs": rs, "new": new}


def test_json_report_holds_the_contract_fields_at_an_instant_in_brasilia_time(entities):
    rows = by_code(report("--at", "2024-05-16T23:59:59", "--format", "json"))

    assert set(rows) == {"OAB-SP", "OAB-RS", "MUN-NOVA"}  # suspended entities log in with nothing
    sp = rows["OAB-SP"]
    assert {k: sp[k] for k in ("superintendencia", "phase", "password_allowed", "a3_allowed", "cutover_at")} == {
        "superintendencia": "Sudeste I",
        "phase": "window",
        "password_allowed": True,
        "a3_allowed": True,
        "cutover_at": "2024-05-17T00:00:00-03:00",
    }
    assert (sp["members"], sp["members_ready"]) == (2, 1)
    assert rows["OAB-RS"]["phase"] == "undefined" and rows["OAB-RS"]["cutover_at"] is None
    assert rows["OAB-RS"]["password_allowed"] is True
    assert rows["MUN-NOVA"]["phase"] == "a3_only" and rows["MUN-NOVA"]["password_allowed"] is False


def test_at_midnight_of_the_cutover_day_password_is_no_longer_allowed(entities):
    rows = by_code(report("--at", "2024-05-17", "--format", "json"))

    assert rows["OAB-SP"]["phase"] == "a3_mandatory"
    assert rows["OAB-SP"]["password_allowed"] is False


def test_an_explicit_offset_is_honoured(entities):
    # 02:59:59 UTC is still 23:59:59 of 16/05 in Brasília
    rows = by_code(report("--at", "2024-05-17T02:59:59+00:00", "--format", "json"))

    assert rows["OAB-SP"]["password_allowed"] is True


def test_overrides_show_in_the_report(entities):
    EntityOverride.objects.create(entity=entities["rs"], cutover_on=dt.date(2027, 3, 1), reason="nova data")

    rows = by_code(report("--at", "2026-11-22", "--format", "json"))

    assert rows["OAB-RS"]["phase"] == "awareness"
    assert rows["OAB-RS"]["cutover_at"] == "2027-03-01T00:00:00-03:00"


def test_text_report_groups_by_superintendencia_with_methods_and_readiness(entities):
    text = report("--at", "2024-06-01T12:00:00")

    assert "Situação em 01/06/2024 12:00:00 (horário de Brasília)" in text
    assert text.index("Superintendência Sudeste I") < text.index("Superintendência Norte/Centro-Oeste")
    assert text.index("Superintendência Norte/Centro-Oeste") < text.index("Superintendência Sul")
    sp_line = next(line for line in text.splitlines() if "OAB-SP" in line)
    assert "somente certificado A3" in sp_line and "17/05/2024 00:00" in sp_line and "prontos: 1/2" in sp_line
    rs_line = next(line for line in text.splitlines() if "OAB-RS" in line)
    assert "certificado A3 e senha" in rs_line and "data a definir" in rs_line
    assert "3 entidade(s) ativa(s); 1 ainda com senha" in text


def test_default_instant_is_now(entities):
    rows = by_code(report("--format", "json"))

    assert rows["OAB-SP"]["phase"] == "a3_mandatory"  # Anexo I's windows all ended in 2024


@pytest.mark.parametrize("value", ["17/05/2024", "2024-13-01", "amanhã"])
def test_a_malformed_instant_is_a_clear_error(db, value):
    with pytest.raises(CommandError, match="use AAAA-MM-DD ou AAAA-MM-DDTHH:MM:SS"):
        report("--at", value)
