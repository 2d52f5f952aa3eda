"""Legacy login with CPF + password (``/entrar/senha/``) until the member's entity reaches its cutover."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY
from django.test import Client
from django.urls import reverse

from certauth.models import LoginAttempt, LoginMethod, Outcome
from certauth.templatetags.error_codes import breakable_code
from portal import session_keys
from portal.models import User
from rollout.models import EntityOverride
from tests.conftest import LAWYER

BRT = ZoneInfo("America/Sao_Paulo")
PASSWORD = "senha-antiga-do-portal-123"  # noqa: S105
URL = "/entrar/senha/"
OTHER_CPF = "11144477735"  # valid check digits, nobody's

#: Dates of Anexo I (rollout/migrations/0004_anexo_i_waves.py): SP's window is 16/05/2024, cutover 17/05 00:00.
LAST_SP_SECOND = dt.datetime(2024, 5, 16, 23, 59, 59, tzinfo=BRT)
SP_CUTOVER = dt.datetime(2024, 5, 17, 0, 0, 0, tzinfo=BRT)
JUNE = dt.datetime(2024, 6, 1, 10, 0, tzinfo=BRT)

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> Client:
    """A browser on the portal host (HTTPS is passed per request)."""
    return Client(HTTP_HOST=settings.PORTAL_HOSTNAME)


def offered(client: Client) -> list[int]:
    """The entities the choice page offers (radio buttons)."""
    page = client.get("/entidade/", secure=True).content.decode()
    return [int(pk) for pk in re.findall(r'name="entity" value="(\d+)"', page)]


def post(client: Client, cpf: str = LAWYER.cpf, password: str = PASSWORD, *, ip: str = "127.0.0.1"):
    return client.post(URL, {"cpf": cpf, "password": password}, secure=True, REMOTE_ADDR=ip)


def assert_refused(response, code: str) -> LoginAttempt:
    """The error page with its code, reference and time, and the audit row with the same reference."""
    assert response.status_code == 403
    assert response["X-Error-Code"] == code
    page = response.content.decode()
    assert f'<code class="codigo" id="codigo-erro">{breakable_code(code)}</code>' in page
    reference = response["X-Reference"]
    assert f'<code id="referencia">{reference}</code>' in page
    attempt = LoginAttempt.objects.get(reference=reference)
    assert (attempt.outcome, attempt.code, attempt.method) == (Outcome.REJECTED, code, LoginMethod.PASSWORD)
    assert f'<time id="data-hora">{attempt.created_at.astimezone(BRT):%d/%m/%Y %H:%M:%S}</time>' in page
    assert SESSION_KEY not in client_session(response), "nobody is logged in"
    return attempt


def client_session(response) -> dict:
    return dict(response.wsgi_request.session.items())


def test_get_renders_the_form(client):
    response = client.get(URL, secure=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert '<form method="post"' in page
    assert 'name="cpf"' in page and 'autocomplete="username"' in page
    assert 'type="password"' in page and 'autocomplete="current-password"' in page
    assert "csrfmiddlewaretoken" in page
    assert reverse("portal:password_login") == URL
    assert LoginAttempt.objects.count() == 0, "showing the form is not an attempt"


def test_member_of_an_entity_without_a_date_logs_in_with_password(client, password_member, time_machine):
    member = password_member(uf="RS", name="OAB RS")  # Anexo I: RS "a definir" (climate emergency)
    time_machine.move_to(JUNE, tick=False)
    response = post(client, "526.018.159-06")  # the mask is accepted
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:dashboard")
    session = client.session
    assert session[SESSION_KEY] == str(member.user_id)
    assert session[BACKEND_SESSION_KEY] == "django.contrib.auth.backends.ModelBackend"
    assert session[session_keys.METHOD] == "password"
    entity = member.entities.get()
    assert session[session_keys.PASSWORD_ENTITIES] == [entity.pk]
    assert session[session_keys.ENTITY] == entity.pk
    assert session[session_keys.CUTOVER_AT] is None, "no date yet"

    attempt = LoginAttempt.objects.get()
    assert (attempt.outcome, attempt.code, attempt.method) == (Outcome.ACCEPTED, "", LoginMethod.PASSWORD)
    assert (attempt.cpf, attempt.user_id) == (LAWYER.cpf, member.user_id)
    assert (attempt.organization_code, attempt.organization_name) == (entity.code, "OAB RS")
    assert attempt.created_at == JUNE
    member.refresh_from_db()
    assert member.last_password_login_at == JUNE
    assert member.first_a3_login_at is None

    time_machine.shift(60)
    dashboard = client.get("/painel/", secure=True)
    assert dashboard.status_code == 200
    assert '<dd id="metodo">CPF e senha</dd>' in dashboard.content.decode()
    assert '<dd id="entidade">OAB RS' in dashboard.content.decode()


def test_sp_member_logs_in_until_the_last_second_before_the_cutover(client, password_member, time_machine):
    member = password_member(uf="SP")
    time_machine.move_to(LAST_SP_SECOND, tick=False)
    response = post(client)
    assert response.status_code == 302
    assert client.session[session_keys.CUTOVER_AT] == SP_CUTOVER.timestamp()
    assert LoginAttempt.objects.get().outcome == Outcome.ACCEPTED
    assert client.session[SESSION_KEY] == str(member.user_id)


def test_sp_member_is_refused_from_the_cutover_instant_on(client, password_member, time_machine):
    member = password_member(uf="SP")
    time_machine.move_to(SP_CUTOVER, tick=False)
    response = post(client)
    attempt = assert_refused(response, "PASSWORD_RETIRED")
    page = response.content.decode()
    assert "Acesso com senha encerrado" in page
    assert "17/05/2024" in page
    assert "Certificado digital A3 obrigatório para a sua entidade desde 17/05/2024 00:00." in page
    assert f'href="{settings.PORTAL_BASE_URL}/orientacoes/"' in page
    assert '<time id="data-hora">17/05/2024 00:00:00</time>' in page
    assert (attempt.cpf, attempt.user_id) == (LAWYER.cpf, member.user_id)
    assert "17/05/2024" in attempt.detail
    assert response["Cache-Control"] == "no-store"


def test_wrong_password_and_unknown_cpf_get_the_same_generic_answer(client, password_member, time_machine):
    password_member(uf="RS")
    time_machine.move_to(JUNE, tick=False)
    wrong = post(client, password="nao-e-esta")  # noqa: S106
    unknown = post(client, OTHER_CPF, password=PASSWORD)
    for response in (wrong, unknown):
        assert response.status_code == 401
        page = response.content.decode()
        assert "CPF ou senha incorretos." in page
        assert '<form method="post"' in page, "the form again"
        assert "PASSWORD_RETIRED" not in page and "LOCKED_OUT" not in page
    assert SESSION_KEY not in client.session

    def strip(response) -> str:  # everything but the per-attempt reference and the CSRF token
        page = response.content.decode()
        attempt = LoginAttempt.objects.get(reference=response.context["reference"])
        page = page.replace(attempt.reference, "REF")
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", page)

    assert strip(wrong).replace(LAWYER.cpf, "CPF") == strip(unknown).replace(OTHER_CPF, "CPF")

    rows = LoginAttempt.objects.order_by("pk")
    assert [(a.outcome, a.code, a.method, a.cpf) for a in rows] == [
        (Outcome.REJECTED, "PASSWORD_INVALID", LoginMethod.PASSWORD, LAWYER.cpf),
        (Outcome.REJECTED, "PASSWORD_INVALID", LoginMethod.PASSWORD, OTHER_CPF),
    ]
    assert all(a.user_id is None for a in rows), "a wrong guess is not tied to anybody's account"
    assert f'<code id="referencia">{rows[0].reference}</code>' in wrong.content.decode()
    assert '<time id="data-hora">01/06/2024 10:00:00</time>' in wrong.content.decode()


def test_a_retired_entitys_member_with_a_wrong_password_learns_nothing_about_the_schedule(
    client, password_member, time_machine
):
    password_member(uf="SP")
    time_machine.move_to(JUNE, tick=False)
    response = post(client, password="nao-e-esta")  # noqa: S106
    assert response.status_code == 401
    page = response.content.decode()
    assert "CPF ou senha incorretos." in page
    assert "PASSWORD_RETIRED" not in page and "17/05/2024" not in page
    assert LoginAttempt.objects.get().code == "PASSWORD_INVALID"

    right = post(client)
    assert right["X-Error-Code"] == "PASSWORD_RETIRED", "only the right password is told about the cutover"


def test_five_failures_lock_the_cpf_out_even_for_the_right_password(
    client, password_member, entity_factory, time_machine
):
    member = password_member(uf="RS")
    time_machine.move_to(JUNE, tick=False)
    # From five addresses, with and without the mask: it is the CPF that is counted.
    failures = [
        post(client, "526.018.159-06" if n % 2 else LAWYER.cpf, f"errada-{n}", ip=f"203.0.113.{n}") for n in range(5)
    ]
    assert [r.status_code for r in failures[:4]] == [401] * 4
    assert failures[4]["X-Error-Code"] == "LOCKED_OUT", "the fifth failure locks"
    locked = post(client, ip="198.51.100.9")  # the right password, from yet another address
    attempt = assert_refused(locked, "LOCKED_OUT")
    assert "Acesso bloqueado temporariamente" in locked.content.decode()
    assert (attempt.cpf, attempt.ip) == (LAWYER.cpf, "198.51.100.9")
    assert [a.code for a in LoginAttempt.objects.order_by("pk")] == ["PASSWORD_INVALID"] * 4 + ["LOCKED_OUT"] * 2
    assert SESSION_KEY not in client.session
    member.refresh_from_db()
    assert member.last_password_login_at is None

    colleague = password_member(OTHER_CPF, entity=member.entities.get())
    assert post(client, OTHER_CPF, ip="198.51.100.10").status_code == 302, "other CPFs are not locked"
    assert client.session[SESSION_KEY] == str(colleague.user_id)


def test_failures_against_other_cpfs_from_a_shared_address_do_not_lock_a_member_out(
    client, password_member, time_machine
):
    """Lawyers of one OAB section share one public address: only the CPF is counted (nginx slows guessing)."""
    password_member(uf="RS")
    time_machine.move_to(JUNE, tick=False)
    colleagues = ["39053344705", "71428793860", "87748248800", "24843803483", "11144477735", "11144477735"]
    for cpf in colleagues:
        post(client, cpf, "123456", ip="203.0.113.50")
    assert LoginAttempt.objects.filter(code="LOCKED_OUT", cpf="11144477735").count() == 0
    assert post(client, ip="203.0.113.50").status_code == 302


def test_the_lockout_ends_after_the_cooloff(client, password_member, time_machine):
    password_member(uf="RS")
    time_machine.move_to(JUNE, tick=False)
    for n in range(5):
        post(client, password=f"errada-{n}")
    assert post(client)["X-Error-Code"] == "LOCKED_OUT"
    time_machine.move_to(JUNE + settings.AXES_COOLOFF_TIME + dt.timedelta(seconds=1), tick=False)
    assert post(client).status_code == 302


def test_an_entity_whose_act_was_signed_after_the_portaria_is_a3_only(client, password_member, time_machine):
    password_member(uf="RS", act_signed_on=dt.date(2024, 5, 20))  # RS has no date, but the ACT is recent
    time_machine.move_to(JUNE, tick=False)
    response = post(client)
    assert_refused(response, "PASSWORD_RETIRED")
    assert "desde 20/05/2024" in response.content.decode()


def test_an_act_signed_before_the_portaria_keeps_its_waves_date(client, password_member, time_machine):
    password_member(uf="RS", act_signed_on=dt.date(2024, 5, 15))
    time_machine.move_to(JUNE, tick=False)
    assert post(client).status_code == 302


def test_an_override_extends_password_access_for_one_sp_entity(client, password_member, entity_factory, time_machine):
    member = password_member(uf="SP")
    entity = member.entities.get()
    EntityOverride.objects.create(entity=entity, cutover_on=dt.date(2024, 7, 1), reason="ofício 123/2024")
    time_machine.move_to(JUNE, tick=False)
    response = post(client)
    assert response.status_code == 302
    assert client.session[session_keys.CUTOVER_AT] == dt.datetime(2024, 7, 1, tzinfo=BRT).timestamp()

    other = Client(HTTP_HOST=settings.PORTAL_HOSTNAME)
    time_machine.move_to(dt.datetime(2024, 7, 1, tzinfo=BRT), tick=False)
    assert post(other)["X-Error-Code"] == "PASSWORD_RETIRED", "the extension has its own end"


def test_member_of_a_retired_and_a_current_entity_acts_only_for_the_current_one(
    client, password_member, entity_factory, time_machine
):
    sp = entity_factory(uf="SP", name="Alfa SP", code="SP")
    rs = entity_factory(uf="RS", name="Beta RS", code="RS")
    member = password_member(entity=sp)
    member.memberships.create(entity=rs)
    time_machine.move_to(JUNE, tick=False)
    response = post(client)
    assert response.status_code == 302
    assert client.session[session_keys.PASSWORD_ENTITIES] == [rs.pk]
    assert client.session[session_keys.ENTITY] == rs.pk, "the only one left is chosen at once"
    attempt = LoginAttempt.objects.get()
    assert (attempt.outcome, attempt.organization_code) == (Outcome.ACCEPTED, "RS")

    assert offered(client) == [rs.pk]
    assert client.post("/entidade/", {"entity": sp.pk}, secure=True).status_code == 400
    assert client.session[session_keys.ENTITY] == rs.pk
    dashboard = client.get("/painel/", secure=True)
    assert dashboard.status_code == 200
    assert '<dd id="entidade">Beta RS' in dashboard.content.decode()


def test_member_of_two_current_entities_chooses_between_them(client, password_member, entity_factory, time_machine):
    rs = entity_factory(uf="RS", name="Beta RS")
    rj = entity_factory(uf="RJ", name="Alfa RJ")
    member = password_member(entity=rs)
    member.memberships.create(entity=rj)
    time_machine.move_to(JUNE, tick=False)
    assert post(client).status_code == 302
    assert sorted(client.session[session_keys.PASSWORD_ENTITIES]) == sorted([rs.pk, rj.pk])
    assert session_keys.ENTITY not in client.session
    assert LoginAttempt.objects.get().organization_code == ""
    dashboard = client.get("/painel/", secure=True)
    assert dashboard.status_code == 302 and dashboard["Location"].startswith("/entidade/")
    assert offered(client) == [rj.pk, rs.pk], "both, by name"
    assert client.post("/entidade/", {"entity": rj.pk}, secure=True).status_code == 302
    assert client.session[session_keys.ENTITY] == rj.pk


def test_inactive_member_is_refused(client, password_member, time_machine):
    member = password_member(uf="RS", active=False)
    time_machine.move_to(JUNE, tick=False)
    response = post(client)
    attempt = assert_refused(response, "MEMBER_INACTIVE")
    assert attempt.user_id == member.user_id


def test_staff_account_with_a_password_cannot_use_the_members_page(client, db, time_machine):
    User.objects.create_user(username=LAWYER.cpf, password=PASSWORD, is_staff=True, is_superuser=True)
    time_machine.move_to(JUNE, tick=False)
    response = post(client)
    assert response.status_code == 401
    assert "CPF ou senha incorretos." in response.content.decode()
    assert SESSION_KEY not in client.session
    attempt = LoginAttempt.objects.get()
    assert (attempt.code, attempt.user_id) == ("PASSWORD_INVALID", None)


def test_a_successful_login_resets_the_failure_count(client, password_member, time_machine):
    password_member(uf="RS")
    time_machine.move_to(JUNE, tick=False)
    for n in range(4):
        assert post(client, password=f"errada-{n}", ip=f"203.0.113.{n}").status_code == 401
    assert post(client, ip="198.51.100.1").status_code == 302
    client.post("/sair/", secure=True)
    for n in range(4):
        assert post(client, password=f"errada-{n}", ip=f"203.0.113.{10 + n}").status_code == 401, "counted anew"
    assert post(client, ip="198.51.100.2").status_code == 302


def test_member_whose_entities_are_all_inactive_is_refused(client, password_member, time_machine):
    password_member(uf="RS", status="suspended")
    time_machine.move_to(JUNE, tick=False)
    assert_refused(post(client), "ENTITY_INACTIVE")


def test_logging_in_over_another_members_session_opens_the_new_members_session(
    client, password_member, entity_factory, time_machine
):
    entity = entity_factory(uf="RS")
    password_member(OTHER_CPF, entity=entity)
    member = password_member(entity=entity)
    time_machine.move_to(JUNE, tick=False)
    assert post(client, OTHER_CPF).status_code == 302  # a colleague's session, still open in this browser
    assert post(client).status_code == 302
    assert LoginAttempt.objects.filter(outcome=Outcome.ACCEPTED, cpf=LAWYER.cpf).exists()
    assert client.session.get(SESSION_KEY) == str(member.user_id)
    assert client.session.get(session_keys.METHOD) == "password"
    assert client.session.get(session_keys.PASSWORD_ENTITIES) == [entity.pk]
    assert client.get("/painel/", secure=True).status_code == 200


def test_no_switch_link_when_a_password_session_has_one_entity_left(
    client, password_member, entity_factory, time_machine
):
    member = password_member(entity=entity_factory(uf="SP", name="Alfa SP"))
    member.memberships.create(entity=entity_factory(uf="RS", name="Beta RS"))
    time_machine.move_to(JUNE, tick=False)
    assert post(client).status_code == 302
    page = client.get("/painel/", secure=True).content.decode()
    assert '<dd id="entidade">Beta RS' in page
    assert "(trocar)" not in page
