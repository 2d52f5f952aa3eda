"""The migration status pages: figures checked by hand on a small dataset, scoping (URL tampering included),
exports, masking, constant queries, and the daily consolidation in Brasília time."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from certauth.models import LoginAttempt
from portal.models import DayStat, EntityKind, Member, Membership
from portal.permissions import MANAGEMENT_GROUP, NATIONAL_VIEW_GROUP, regional_group_name
from portal.status import metrics, rollups

BRT = ZoneInfo("America/Sao_Paulo")
NOW = timezone.now()
DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def clock_stopped_at_now(time_machine):
    """Figures are counted per Brasília day and the dataset is dated from NOW (taken when the module is imported):
    the test runs at that instant, or a module imported at 23:59 whose tests ran at 00:00 counts one day more (CI at
    midnight once did)."""
    time_machine.move_to(NOW, tick=False)


def make_member(cpf: str, entity, **dates) -> Member:
    member = Member.objects.create(cpf=cpf, name=f"Membro {cpf[:3]}", **dates)
    Membership.objects.create(member=member, entity=entity)
    return member


@pytest.fixture
def dataset(entity_factory):
    sp_a = entity_factory(code="SP-A", name="OAB SP", uf="SP")
    sp_b = entity_factory(code="SP-B", name="Prefeitura X", uf="SP", kind=EntityKind.MUNICIPIO)
    pr_a = entity_factory(code="PR-A", name="OAB PR", uf="PR")
    rs_a = entity_factory(code="RS-A", name="OAB RS", uf="RS")
    m1 = make_member(
        "52601815906",
        sp_a,
        first_a3_login_at=NOW - 40 * DAY,
        last_certificate_login_at=NOW - 2 * DAY,
        certificate_not_after=NOW + 10 * DAY,
    )
    make_member("08301661305", sp_a, last_password_login_at=NOW - 5 * DAY)
    make_member("78778932807", sp_a)
    gone = make_member("12398745619", sp_a, first_a3_login_at=NOW - DAY)
    Membership.objects.filter(member=gone).update(active=False)  # no longer acts for SP-A: not counted
    make_member("31415926590", sp_b)
    make_member("27182818205", pr_a, first_a3_login_at=NOW - 100 * DAY, certificate_not_after=NOW + 400 * DAY)
    make_member("11144477735", rs_a, last_password_login_at=NOW - 60 * DAY)
    return {"sp_a": sp_a, "pr_a": pr_a, "m1": m1}


@pytest.fixture(params=["status_rollup ran", "status_rollup not run yet"])
def daily_job(request, dataset):
    """The figures come from the daily job's snapshot, or — before the job ever ran — are counted from the members
    (the pages never write): the same figures either way."""
    if request.param == "status_rollup ran":
        from django.core.management import call_command

        call_command("status_rollup", stdout=io.StringIO())
    return request.param


@pytest.fixture
def national(staff_factory, staff_login):
    return staff_login(staff_factory(groups=(NATIONAL_VIEW_GROUP,)))


@pytest.fixture
def sudeste_1(staff_factory, staff_login):
    return staff_login(staff_factory("20365418870", groups=(regional_group_name("Sudeste I"),)))


#: The overview's figures, in the order the hand count below lists them (the page puts the key figures first).
FIGURES = (
    "Entidades",
    "Prontas (A3)",
    "Usando senha",
    "Sem nenhum login",
    "Membros",
    "Com login A3",
    "Nunca entraram",
    "Em risco",
    "Adesão",
    "Certificados vencendo",
)


def cells(html: str, row_id: str) -> list[str]:
    """The row's figures (FIGURES order), each found by its column's label (``data-label``)."""
    import re

    row = re.search(rf'<tr id="{row_id}">(.*?)</tr>', html, re.S)
    assert row, f"row {row_id} not on the page"
    labelled = re.findall(r'<td data-label="([^"]+)"[^>]*>(.*?)</td>', row.group(1), re.S)
    found = {label: re.sub(r"<[^>]+>", "", value).strip() for label, value in labelled}
    assert len(found) == len(labelled), f"a column label repeats in {row_id}: {labelled}"
    return [found[label] for label in FIGURES]


def test_national_overview_figures_match_the_hand_count(dataset, daily_job, national):
    html = national.get("/acompanhamento/", secure=True).content.decode()

    # entities, ready, password, without login, members, A3, never, at risk, adoption, expiring
    assert cells(html, "sr-sudeste-1") == ["2", "1", "1", "1", "4", "1", "2", "3", "25%", "1"]
    assert cells(html, "sr-sul") == ["2", "1", "0", "0", "2", "1", "0", "1", "50%", "0"]
    assert cells(html, "sr-nordeste") == ["0", "0", "0", "0", "0", "0", "0", "0", "—", "0"]
    assert cells(html, "sr-total") == ["4", "2", "1", "1", "6", "2", "2", "4", "33%", "1"]
    assert "Etapa 1 (SP): 16/05/2024" in html
    assert "Etapa 6 (RS): a definir" in html
    assert html.count("<svg") == 3 * 2  # each chart drawn for wide screens and for phones


def test_refusal_chart_names_each_reason_in_portuguese_and_its_table_keeps_the_code(dataset, national):
    import re

    LoginAttempt.objects.create(
        reference="EEEEE-FFFFF", method="certificate", outcome="rejected", code="CERT_EXPIRED", cpf=dataset["m1"].cpf
    )
    html = national.get("/acompanhamento/", secure=True).content.decode()

    drawings = [svg for svg in re.findall(r"<svg.*?</svg>", html, re.S) if "Tentativas recusadas" in svg]
    assert len(drawings) == 2  # for wide screens and for phones
    for svg in drawings:
        drawn = " ".join(re.sub(r"<[^>]+>", "", text) for text in re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S))
        assert "Certificado vencido" in drawn and "CERT_EXPIRED" not in drawn, drawn
    assert re.search(r">Certificado vencido</th><td[^>]*><code>CERT_EXPIRED</code></td><td[^>]*>1</td>", html)


def test_superintendencia_page_lists_its_entities_with_phase_date_and_risk(dataset, daily_job, national):
    html = national.get("/acompanhamento/sudeste-1/", secure=True).content.decode()

    assert "SP-A" in html and "SP-B" in html and "PR-A" not in html
    assert '<dd id="n-risco">3</dd>' in html
    assert "17/05/2024" in html  # SP's cutover
    assert "A3 obrigatório" in html


def test_superintendencia_page_filters_and_sorts(dataset, daily_job, national):
    only_risk_free = national.get("/acompanhamento/sudeste-1/", {"busca": "prefeitura"}, secure=True)
    html = only_risk_free.content.decode()
    assert "SP-B" in html and "SP-A" not in html
    by_risk = national.get("/acompanhamento/sudeste-1/", {"ordem": "-risco"}, secure=True).content.decode()
    assert by_risk.index("SP-A") < by_risk.index("SP-B")
    by_risk_up = national.get("/acompanhamento/sudeste-1/", {"ordem": "risco"}, secure=True).content.decode()
    assert by_risk_up.index("SP-B") < by_risk_up.index("SP-A")
    expiring = national.get("/acompanhamento/sudeste-1/", {"vencendo": "1"}, secure=True).content.decode()
    assert "SP-A" in expiring and "SP-B" not in expiring


def test_entity_page_shows_masked_members_expiry_flag_certificates_seen_and_recent_refusals(dataset, national):
    sp_a, m1 = dataset["sp_a"], dataset["m1"]
    LoginAttempt.objects.create(
        reference="AAAAA-BBBBB", method="certificate", outcome="rejected", code="CERT_EXPIRED", cpf=m1.cpf
    )
    LoginAttempt.objects.create(
        reference="CCCCC-DDDDD",
        method="certificate",
        outcome="accepted",
        cpf=m1.cpf,
        organization_code="SP-A",
        cert_not_after=NOW + 10 * DAY,
    )

    html = national.get(f"/acompanhamento/entidade/{sp_a.code}/", secure=True).content.decode()

    assert "***.018.159-**" in html and "52601815906" not in html
    assert "vence em breve: renovar com a AR" in html
    assert "AAAAA-BBBBB" in html and "CERT_EXPIRED" in html and "Certificado vencido" in html
    assert f"{(NOW + 10 * DAY).astimezone(BRT):%d/%m/%Y} (1 login)" in html
    assert html.count('class="em-risco"') == 2  # the two members who never logged in with A3


def test_exports_carry_the_table_in_csv_and_xlsx_with_masked_cpfs(dataset, daily_job, national):
    response = national.get("/acompanhamento/", {"exportar": "csv"}, secure=True)
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")  # for Excel: UTF-8 with a BOM, ";", decimal comma
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "superintendência"
    sudeste = next(r for r in rows if r[0] == "Sudeste I")
    assert sudeste[2:10] == ["2", "1", "1", "1", "4", "1", "2", "3"]
    assert dict(zip(rows[0], sudeste, strict=True))["adesão (%)"] == "25,0"  # Excel in Portuguese reads a number

    members = national.get("/acompanhamento/entidade/SP-A/", {"exportar": "xlsx"}, secure=True)
    sheet = openpyxl.load_workbook(io.BytesIO(members.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "CPF"
    assert {row[0] for row in values[1:]} >= {"***.018.159-**"}
    assert not any("52601815906" in str(v) for row in values for v in row)

    entities = national.get("/acompanhamento/sudeste-1/", {"exportar": "csv", "risco": "1"}, secure=True)
    lines = list(csv.reader(io.StringIO(entities.content.decode("utf-8-sig")), delimiter=";"))
    assert [line[0] for line in lines[1:]] == ["SP-A", "SP-B"]


def test_regional_staff_see_only_their_superintendencia_even_by_url(dataset, sudeste_1):
    html = sudeste_1.get("/acompanhamento/", secure=True).content.decode()
    assert 'id="sr-sudeste-1"' in html and 'id="sr-sul"' not in html

    assert sudeste_1.get("/acompanhamento/sul/", secure=True).status_code == 404
    assert sudeste_1.get("/acompanhamento/sul/", {"exportar": "csv"}, secure=True).status_code == 404
    assert sudeste_1.get("/acompanhamento/entidade/PR-A/", secure=True).status_code == 404
    assert sudeste_1.get("/acompanhamento/entidade/PR-A/", {"exportar": "xlsx"}, secure=True).status_code == 404
    assert sudeste_1.get("/acompanhamento/entidade/SP-A/", secure=True).status_code == 200
    export = sudeste_1.get("/acompanhamento/", {"exportar": "csv"}, secure=True).content.decode("utf-8-sig")
    assert "Sudeste I" in export and "Sul" not in export


def test_the_pages_are_for_authorised_staff_with_their_certificate(dataset, client, staff_factory, staff_login):
    anonymous = client.get("/acompanhamento/", secure=True)
    assert anonymous.status_code == 302 and "/entrar/certificado/" in anonymous["Location"]
    no_permission = staff_login(staff_factory("20365418870"))
    assert no_permission.get("/acompanhamento/", secure=True).status_code == 403
    manager_by_password = staff_factory("11144477735", groups=(MANAGEMENT_GROUP,))
    client.force_login(manager_by_password, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/acompanhamento/", secure=True).status_code == 403  # not a certificate session


def test_queries_do_not_grow_with_entities_and_members(dataset, daily_job, national, entity_factory):
    def queries(url: str) -> int:
        national.get(url, secure=True)  # a first request (pages write nothing: the next ones run the same queries)
        metrics.forget_recent_figures()  # the figures are computed, not reused from the minute-long store
        with CaptureQueriesContext(connection) as captured:
            assert national.get(url, secure=True).status_code == 200
        return len(captured)

    before = {url: queries(url) for url in ("/acompanhamento/", "/acompanhamento/sudeste-1/")}
    for n in range(30):
        entity = entity_factory(code=f"SP-X{n}", uf="SP")
        for k in range(3):
            make_member(f"{n:03d}{k:02d}000000"[:9] + "00", entity, last_password_login_at=NOW - DAY)
    after = {url: queries(url) for url in before}
    assert after == before


def test_a_day_is_consolidated_in_brasilia_time_with_attempts_placed_by_entity_or_member(dataset):
    day = dt.date(2026, 11, 20)
    late = dt.datetime(2026, 11, 20, 23, 30, tzinfo=BRT)  # 02:30 UTC on the 21st: still the 20th in Brasília
    next_day = dt.datetime(2026, 11, 21, 0, 0, tzinfo=BRT)
    for ref, at, outcome, method, code, org, cpf in (
        ("R1", late, "accepted", "certificate", "", "SP-A", "52601815906"),
        ("R2", late, "accepted", "password", "", "PR-A", "27182818205"),
        ("R3", late, "rejected", "certificate", "CERT_EXPIRED", "", "52601815906"),  # placed by the member
        ("R4", late, "rejected", "certificate", "MEMBER_UNKNOWN", "", "99999999999"),  # no entity: national only
        ("R5", next_day, "accepted", "certificate", "", "SP-A", "52601815906"),  # the 21st
    ):
        LoginAttempt.objects.create(
            reference=ref, created_at=at, outcome=outcome, method=method, code=code, organization_code=org, cpf=cpf
        )
    Member.objects.filter(cpf="78778932807").update(first_a3_login_at=late)

    assert rollups.consolidate(day)
    assert not rollups.consolidate(day)  # once

    stats = {(s.region, s.kind, s.key): s.count for s in DayStat.objects.filter(day=day)}
    assert stats == {
        ("sudeste-1", "login", "certificate"): 1,
        ("sul", "login", "password"): 1,
        ("sudeste-1", "rejection", "CERT_EXPIRED"): 1,
        ("", "rejection", "MEMBER_UNKNOWN"): 1,
        ("sudeste-1", "first_a3", ""): 1,
    }


def test_status_rollup_command_consolidates_every_missing_day_once(dataset):
    from django.core.management import call_command

    LoginAttempt.objects.create(
        reference="OLD01", created_at=NOW - 200 * DAY, method="password", outcome="accepted", organization_code="SP-A"
    )
    out = io.StringIO()
    call_command("status_rollup", stdout=out)
    assert out.getvalue().startswith("200 dia(s) consolidado(s)")
    call_command("status_rollup", stdout=(again := io.StringIO()))
    assert again.getvalue().startswith("0 dia(s)")
    old_day = (NOW - 200 * DAY).astimezone(BRT).date()
    assert DayStat.objects.get(day=old_day, kind="login").count == 1


def test_figures_are_reused_for_a_minute_and_the_page_says_as_of_when(dataset, national, entity_factory, time_machine):
    time_machine.move_to(NOW, tick=False)
    first = national.get("/acompanhamento/", secure=True).content.decode()
    make_member("20365418870", entity_factory(code="SP-NOVA", uf="SP"))

    time_machine.move_to(NOW + dt.timedelta(seconds=59), tick=False)
    cached = national.get("/acompanhamento/", secure=True).content.decode()
    time_machine.move_to(NOW + dt.timedelta(seconds=61), tick=False)
    fresh = national.get("/acompanhamento/", secure=True).content.decode()

    assert cells(first, "sr-sudeste-1")[0] == cells(cached, "sr-sudeste-1")[0] == "2"  # entities
    assert cells(fresh, "sr-sudeste-1")[0] == "3"
    as_of = NOW.astimezone(BRT).strftime("%H:%M:%S")
    assert f'id="numeros-de">{as_of}<' in cached
