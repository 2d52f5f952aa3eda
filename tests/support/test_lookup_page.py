"""What the lookup shows about an attempt, masked: the facts, the certificate, revocation then and now, the member
and entities now, the schedule then, recent attempts and the diagnosis."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client

from certauth.icp.builder import RevokedEntry
from certauth.models import LoginAttempt, LoginMethod, Outcome
from portal.models import Member, Membership
from rollout.models import EntityOverride
from support.roles import SUPPORT_GROUP
from tests.support.conftest import HOLDER_CPF_SHOWN, STRANGER_CPF, World, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def support(world: World, staff_login: Any) -> Client:
    return staff_login(staff_user("50752917080", SUPPORT_GROUP))


def page(client: Client, reference: str) -> str:
    response = client.get(f"/suporte/consulta/{reference}/", secure=True)
    assert response.status_code == 200
    return response.content.decode()


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_refused_a1_certificate_is_explained_with_the_answer_for_the_ticket(support: Client, world: World) -> None:
    html = page(support, world.a1_reference)
    for full in HOLDER_CPF_SHOWN:
        assert full not in html, "no full CPF in the support desk's page"
    shown = text(html)
    assert "***.018.159-**" in shown
    assert "Diagnóstico: Certificado não é do tipo A3" in shown
    assert "numa Autoridade de Registro (AR) credenciada pelo ITI (listaars.iti.gov.br)" in shown
    assert re.search(r"Tipo\s*A1\b", shown)
    assert "AC Teste Final" in shown and "AC Teste Nivel 1" in shown and "AC Raiz Teste A3 (raiz)" in shown
    assert "CERT_NOT_A3" in shown and "Certificado digital A3 (token ou cartão)" in shown
    assert "OAB São Paulo" in shown and "Maria da Silva" in shown
    assert "não consta da LCR vigente" in shown


def test_revocation_now_is_read_from_the_crl_store(support: Client, world: World, publish_crl: Any, pki: Any) -> None:
    publish_crl(pki.final, [RevokedEntry(world.a1_serial, reason=None)])
    shown = text(page(support, world.a1_reference))
    assert re.search(r"Revogação hoje\s*revogado em \d\d/\d\d/\d{4}: consta da LCR vigente", shown)
    assert "O certificado consta hoje da LCR da AC emissora" in shown


def test_a_member_registered_since_a_member_unknown_refusal_is_told_to_try_again(support: Client, world: World) -> None:
    shown = text(page(support, world.stranger_reference))
    assert "CPF não cadastrado" in shown and "não está cadastrado como membro" in shown
    Membership.objects.create(member=Member.objects.create(cpf=STRANGER_CPF, name="Lucas Ferreira"), entity=world.sp)
    shown = text(page(support, world.stranger_reference))
    assert "basta tentar de novo" in shown and "Lucas Ferreira" in shown


def test_the_schedule_is_the_one_that_applied_at_the_attempt(support: Client, world: World) -> None:
    # After the attempt, INSS staff gave PR-A a date of its own in the future: password access is back today.
    EntityOverride.objects.create(entity=world.pr, cutover_on=dt.date(2099, 1, 1), reason="prorrogação")
    html = page(support, world.pr_reference)
    assert 'id="fase-entao">A3 obrigatório<' in html  # PR's wave had ended, no date of its own then
    shown = text(html)
    now = shown.split("Membro e entidades hoje", 1)[1].split("Cronograma na data da tentativa", 1)[0]
    assert "01/01/2099" in now and "(data própria)" in now
    assert "Hoje a senha voltou a valer" not in shown  # that note is for PASSWORD_RETIRED only


def test_the_member_recent_attempts_are_the_last_ten_masked(support: Client, world: World) -> None:
    for n in range(12):
        LoginAttempt.objects.create(
            reference=f"RECNT-{n:05d}",
            method=LoginMethod.CERTIFICATE,
            outcome=Outcome.ACCEPTED,
            cpf=HOLDER_CPF_SHOWN[0],
            organization_code="SP-A",
        )
    html = page(support, world.a1_reference)
    table = html.split('id="tabela-recentes"', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr") == 11  # the heading and ten attempts
    assert "***.018.159-**" in table and HOLDER_CPF_SHOWN[0] not in table


def test_an_unknown_reference_shows_its_code_date_and_time(support: Client) -> None:
    response = support.get("/suporte/consulta/zzzzz zzzzz/", secure=True, follow=True)
    assert response.status_code == 404 and response["X-Error-Code"] == "SUPPORT_REFERENCE_UNKNOWN"
    shown = text(response.content.decode())
    assert "Referência não encontrada" in shown and "ZZZZZ-ZZZZZ" in shown
    assert re.search(r"Data e hora \(horário de Brasília\) \d\d/\d\d/\d{4} \d\d:\d\d:\d\d", shown)


def test_the_page_runs_the_same_queries_however_many_attempts_the_member_has(support: Client, world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            page(support, world.a1_reference)
        return len(captured)

    before = queries()
    LoginAttempt.objects.bulk_create(
        LoginAttempt(
            reference=f"MANY0-{n:05d}",
            method=LoginMethod.CERTIFICATE,
            outcome=Outcome.REJECTED,
            code="CERT_EXPIRED",
            cpf=HOLDER_CPF_SHOWN[0],
            organization_code="SP-A",
        )
        for n in range(200)
    )
    after = queries()
    print(f"lookup page: {before} queries with 1 attempt, {after} with 201")
    assert after == before
