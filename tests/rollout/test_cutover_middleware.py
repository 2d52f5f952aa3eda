"""CutoverMiddleware: a password session ends at its entity's cutover; certificate sessions are never touched."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.utils import timezone

from certauth.models import LoginAttempt, LoginMethod, Outcome
from portal import session_keys
from portal.models import Member
from rollout.models import EntityOverride
from tests.conftest import LAWYER

BRT = ZoneInfo("America/Sao_Paulo")
PASSWORD = "senha-antiga-do-portal-123"  # noqa: S105
COLLEAGUE_CPF = "11144477735"
SP_CUTOVER = dt.datetime(2024, 5, 17, tzinfo=BRT)  # Anexo I: SP's window is 16/05/2024
JUNE = dt.datetime(2024, 6, 1, 10, 0, tzinfo=BRT)

pytestmark = pytest.mark.django_db


def password_login(cpf: str = LAWYER.cpf) -> Client:
    client = Client(HTTP_HOST=settings.PORTAL_HOSTNAME)
    response = client.post("/entrar/senha/", {"cpf": cpf, "password": PASSWORD}, secure=True)
    assert response.status_code == 302, response.get("X-Error-Code")
    return client


def offered(client: Client) -> list[int]:
    """The entities the choice page offers (radio buttons)."""
    page = client.get("/entidade/", secure=True).content.decode()
    return [int(pk) for pk in re.findall(r'name="entity" value="(\d+)"', page)]


def painel(client: Client):
    return client.get("/painel/", secure=True)


def assert_retired(response, since: str, member: Member) -> LoginAttempt:
    assert response.status_code == 403
    assert response["X-Error-Code"] == "PASSWORD_RETIRED"
    page = response.content.decode()
    assert '<code class="codigo" id="codigo-erro">PASSWORD_<wbr>RETIRED</code>' in page
    assert f"Sessão encerrada: certificado digital A3 obrigatório para a sua entidade desde {since}." in page
    assert f'href="{settings.PORTAL_BASE_URL}/orientacoes/"' in page
    attempt = LoginAttempt.objects.get(reference=response["X-Reference"])
    assert f'<code id="referencia">{attempt.reference}</code>' in page
    assert (attempt.outcome, attempt.code, attempt.method) == (
        Outcome.REJECTED,
        "PASSWORD_RETIRED",
        LoginMethod.PASSWORD,
    )
    assert attempt.user_id == member.user_id
    assert since in attempt.detail
    return attempt


def test_a_password_session_ends_at_its_first_request_after_the_cutover(password_member, time_machine):
    member = password_member(uf="SP")
    time_machine.move_to(SP_CUTOVER - dt.timedelta(minutes=1), tick=False)
    client = password_login()
    assert painel(client).status_code == 200
    time_machine.move_to(SP_CUTOVER - dt.timedelta(seconds=1), tick=False)
    assert painel(client).status_code == 200, "still 16/05"

    time_machine.move_to(SP_CUTOVER, tick=False)  # one second later: due at once, whatever the recheck interval
    response = painel(client)
    attempt = assert_retired(response, "17/05/2024 00:00", member)
    assert attempt.created_at == SP_CUTOVER
    assert '<time id="data-hora">17/05/2024 00:00:00</time>' in response.content.decode()
    assert SESSION_KEY not in client.session, "logged out"

    again = painel(client)
    assert again.status_code == 302 and again["Location"] == "/?next=/painel/"
    assert LoginAttempt.objects.filter(code="PASSWORD_RETIRED").count() == 1, "ended once"


def test_any_page_ends_the_session_not_only_the_dashboard(password_member, time_machine):
    member = password_member(uf="SP")
    time_machine.move_to(SP_CUTOVER - dt.timedelta(minutes=5), tick=False)
    client = password_login()
    time_machine.move_to(SP_CUTOVER + dt.timedelta(minutes=5), tick=False)
    assert_retired(client.get("/cronograma/", secure=True), "17/05/2024 00:00", member)
    assert SESSION_KEY not in client.session


def test_a_password_session_with_an_extension_keeps_going(password_member, time_machine):
    member = password_member(uf="SP")
    EntityOverride.objects.create(entity=member.entities.get(), cutover_on=dt.date(2024, 6, 30), reason="ofício")
    time_machine.move_to(SP_CUTOVER - dt.timedelta(minutes=1), tick=False)
    client = password_login()
    time_machine.move_to(SP_CUTOVER + dt.timedelta(minutes=1), tick=False)
    assert painel(client).status_code == 200
    assert client.session[SESSION_KEY] == str(member.user_id)
    assert not LoginAttempt.objects.filter(outcome=Outcome.REJECTED).exists()


def test_an_extension_granted_mid_session_is_found_when_the_wave_cutover_comes(password_member, time_machine):
    member = password_member(uf="SP")
    time_machine.move_to(SP_CUTOVER - dt.timedelta(minutes=10), tick=False)
    client = password_login()
    assert client.session[session_keys.CUTOVER_AT] == SP_CUTOVER.timestamp()
    EntityOverride.objects.create(entity=member.entities.get(), cutover_on=dt.date(2024, 6, 30), reason="ofício")

    time_machine.move_to(SP_CUTOVER + dt.timedelta(seconds=30), tick=False)
    response = painel(client)
    assert response.status_code == 200
    assert client.session[session_keys.CUTOVER_AT] == dt.datetime(2024, 6, 30, tzinfo=BRT).timestamp()
    assert "<strong>30/06/2024</strong>" in response.content.decode(), "the banner shows the new date"


def test_a_certificate_session_is_never_ended_by_the_cutover(
    login_with, proxy_client, password_member, member_factory, entity_factory, time_machine
):
    # The certificate is issued for today: the cutover is set for tomorrow (Brasília) for this entity.
    tomorrow = timezone.now().astimezone(BRT).date() + dt.timedelta(days=1)
    cutover = dt.datetime.combine(tomorrow, dt.time.min, tzinfo=BRT)
    entity = entity_factory(uf="RS")
    EntityOverride.objects.create(entity=entity, cutover_on=tomorrow, reason="teste")
    member_factory(entity=entity)  # LAWYER, who logs in with the certificate
    password_member(COLLEAGUE_CPF, entity=entity)  # a colleague who still uses the password

    time_machine.move_to(cutover - dt.timedelta(minutes=2), tick=False)
    assert login_with(LAWYER).status_code == 302
    assert painel(proxy_client).status_code == 200
    colleague = password_login(COLLEAGUE_CPF)

    time_machine.move_to(cutover + dt.timedelta(minutes=1), tick=False)
    assert painel(colleague)["X-Error-Code"] == "PASSWORD_RETIRED", "the same entity's password session ends"
    response = painel(proxy_client)
    assert response.status_code == 200
    assert "Certificado digital A3" in response.content.decode()
    assert proxy_client.session[SESSION_KEY] == str(Member.objects.get(cpf=LAWYER.cpf).user_id)
    assert LoginAttempt.objects.filter(code="PASSWORD_RETIRED").count() == 1


def test_an_earlier_date_set_by_staff_mid_session_ends_the_session_at_its_next_request(
    password_member, settings, time_machine
):
    settings.ROLLOUT_RECHECK_SECONDS = 60
    member = password_member(uf="RS")  # no date: the session has no cutover to wait for
    time_machine.move_to(JUNE, tick=False)
    client = password_login()
    assert client.session[session_keys.CUTOVER_AT] is None
    time_machine.shift(1)
    EntityOverride.objects.create(entity=member.entities.get(), cutover_on=dt.date(2024, 6, 1), reason="antecipação")

    time_machine.shift(1)  # long before the periodic re-check: staff's save marked the member's sessions
    assert_retired(painel(client), "01/06/2024 00:00", member)
    assert SESSION_KEY not in client.session


def test_a_date_written_without_telling_anyone_is_picked_up_at_the_periodic_recheck(
    password_member, settings, time_machine
):
    settings.ROLLOUT_RECHECK_SECONDS = 60
    member = password_member(uf="RS")
    time_machine.move_to(JUNE, tick=False)
    client = password_login()
    # bulk_create sends no signal: nothing marks the session, only the periodic re-check can see the new date
    EntityOverride.objects.bulk_create(
        [EntityOverride(entity=member.entities.get(), cutover_on=dt.date(2024, 6, 1), reason="antecipação")]
    )

    time_machine.shift(59)
    assert painel(client).status_code == 200, "checked less than a minute ago"
    time_machine.move_to(JUNE + dt.timedelta(seconds=60), tick=False)
    assert_retired(painel(client), "01/06/2024 00:00", member)
    assert SESSION_KEY not in client.session


def test_with_no_recheck_interval_the_next_request_sees_the_new_date(password_member, settings, time_machine):
    settings.ROLLOUT_RECHECK_SECONDS = 0
    member = password_member(uf="RS")
    time_machine.move_to(JUNE, tick=False)
    client = password_login()
    assert painel(client).status_code == 200
    EntityOverride.objects.create(entity=member.entities.get(), cutover_on=dt.date(2024, 5, 31), reason="antecipação")
    assert_retired(painel(client), "31/05/2024 00:00", member)


def test_a_later_date_found_at_a_recheck_moves_the_sessions_cutover(password_member, settings, time_machine):
    settings.ROLLOUT_RECHECK_SECONDS = 0
    member = password_member(uf="RS")
    time_machine.move_to(JUNE, tick=False)
    client = password_login()
    EntityOverride.objects.create(entity=member.entities.get(), cutover_on=dt.date(2024, 6, 15), reason="prazo")
    response = painel(client)
    assert response.status_code == 200
    assert client.session[session_keys.CUTOVER_AT] == dt.datetime(2024, 6, 15, tzinfo=BRT).timestamp()
    assert "<strong>15/06/2024</strong>" in response.content.decode()


def test_when_one_of_two_entities_reaches_its_cutover_the_session_keeps_only_the_other(
    password_member, entity_factory, time_machine
):
    sp = entity_factory(uf="SP", name="Alfa SP")
    rj = entity_factory(uf="RJ", name="Beta RJ")
    member = password_member(entity=sp)
    member.memberships.create(entity=rj)
    time_machine.move_to(SP_CUTOVER - dt.timedelta(minutes=10), tick=False)
    client = password_login()
    assert sorted(client.session[session_keys.PASSWORD_ENTITIES]) == sorted([sp.pk, rj.pk])
    assert client.session[session_keys.CUTOVER_AT] == SP_CUTOVER.timestamp(), "the earliest of the two"
    client.post("/entidade/", {"entity": sp.pk}, secure=True)
    assert client.session[session_keys.ENTITY] == sp.pk

    time_machine.move_to(SP_CUTOVER + dt.timedelta(minutes=1), tick=False)
    response = painel(client)
    assert response.status_code == 302 and response["Location"].startswith("/entidade/"), "choose again"
    assert client.session[session_keys.PASSWORD_ENTITIES] == [rj.pk]
    assert session_keys.ENTITY not in client.session
    assert client.session[session_keys.CUTOVER_AT] == dt.datetime(2024, 6, 22, tzinfo=BRT).timestamp()
    assert offered(client) == [rj.pk]
    assert client.post("/entidade/", {"entity": sp.pk}, secure=True).status_code == 400
    assert not LoginAttempt.objects.filter(outcome=Outcome.REJECTED).exists()
