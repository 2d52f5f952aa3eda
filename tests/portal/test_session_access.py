"""Open sessions follow the access decision: the absolute limit from the login, the idle limit, and the member's
access decided again — at once when staff change it, at least every minute otherwise — with the precise code."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db.models import F
from django.test import Client

from certauth.icp.builder import RevokedEntry
from certauth.icp.errors import Reason
from certauth.models import LoginAttempt, LoginMethod, Outcome
from certauth.templatetags.error_codes import breakable_code
from portal import session_keys
from portal.models import EntityStatus, Member, Membership, OabRegistration, PartnerEntity, PortalSession, User
from portal.permissions import MANAGEMENT_GROUP, NATIONAL_VIEW_GROUP
from portal.session_access import end_sessions, request_recheck
from portal.sessions import SessionStore
from tests.conftest import LAWYER, MEMBER_PASSWORD


@pytest.fixture
def lawyer(member_factory) -> Member:
    return member_factory(LAWYER.cpf, oab="123456SP")


@pytest.fixture
def certificate_client(proxy_client, login_with, pki, lawyer) -> Client:
    response = login_with(LAWYER.but(oab="123456SP"))
    assert response.status_code == 302, response.get("X-Error-Code")
    assert painel(proxy_client).status_code == 200
    return proxy_client


@pytest.fixture
def password_client(password_member) -> Client:
    password_member(LAWYER.cpf, uf="RS")  # RS: no cutover date, password access stays
    client = Client(HTTP_HOST=settings.PORTAL_HOSTNAME)
    response = client.post("/entrar/senha/", {"cpf": LAWYER.cpf, "password": MEMBER_PASSWORD}, secure=True)
    assert response.status_code == 302, response.get("X-Error-Code")
    assert painel(client).status_code == 200
    return client


def painel(client: Client):
    return client.get("/painel/", secure=True)


def assert_ended(response, code: Reason, detail: str, *, method: str) -> LoginAttempt:
    """The refusal page with the precise code, the session gone, and the end in the audit with its reason."""
    assert response.status_code == 403, response.status_code
    assert response["X-Error-Code"] == code
    page = response.content.decode()
    assert f'<code class="codigo" id="codigo-erro">{breakable_code(code)}</code>' in page
    assert detail in page
    attempt = LoginAttempt.objects.get(reference=response["X-Reference"])
    assert (attempt.outcome, attempt.code, attempt.method) == (Outcome.REJECTED, code, method)
    assert detail in attempt.detail
    assert attempt.user is not None, "the audit says whose session ended"
    return attempt


# --- sessions are findable by member ------------------------------------------------------------------------------


def test_a_sessions_row_names_its_user_and_login_instant(certificate_client, lawyer):
    lawyer.refresh_from_db()
    row = PortalSession.objects.get(user=lawyer.user)
    assert row.session_key == certificate_client.session.session_key
    assert row.logged_in_at is not None
    assert row.expire_date <= row.logged_in_at + dt.timedelta(hours=settings.SESSION_MAX_HOURS + 1)


def test_a_save_in_flight_cannot_erase_the_mark_staff_left(certificate_client, lawyer):
    lawyer.refresh_from_db()
    key = certificate_client.session.session_key
    in_flight = SessionStore(key)
    in_flight.load()  # a request read the session before staff's change ...
    request_recheck(user_ids=[lawyer.user_id])
    in_flight["something"] = 1
    in_flight.save()  # ... and saves it after
    assert PortalSession.objects.get(session_key=key).access_generation == 1


# --- the absolute limit ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["certificate", "password"])
def test_an_active_session_ends_at_the_absolute_limit_from_the_login(request, kind, time_machine):
    start = dt.datetime.now(dt.UTC)
    time_machine.move_to(start, tick=False)
    client = request.getfixturevalue(f"{kind}_client")
    limit = dt.timedelta(hours=settings.SESSION_MAX_HOURS)
    elapsed = dt.timedelta(0)
    while elapsed + dt.timedelta(minutes=10) < limit:  # busy all day: a request every ten minutes
        elapsed += dt.timedelta(minutes=10)
        time_machine.move_to(start + elapsed, tick=False)
        assert painel(client).status_code == 200, f"ended early, {elapsed} after the login"
    time_machine.move_to(start + limit, tick=False)
    method = LoginMethod.PASSWORD if kind == "password" else LoginMethod.CERTIFICATE
    assert_ended(painel(client), Reason.SESSION_EXPIRED, "limite de 8 horas desde a entrada", method=method)
    assert SESSION_KEY not in client.session


def test_a_session_without_its_login_instant_is_not_trusted(certificate_client):
    session = certificate_client.session
    del session[session_keys.LOGGED_IN_AT]
    session.save()
    response = painel(certificate_client)
    assert response["X-Error-Code"] == Reason.SESSION_EXPIRED
    assert SESSION_KEY not in certificate_client.session


def test_an_idle_session_ends_with_a_message_on_the_home_page(certificate_client, time_machine):
    time_machine.move_to(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=settings.SESSION_IDLE_MINUTES, seconds=2))
    response = painel(certificate_client)
    assert response.status_code == 302 and response["Location"] == "/"
    assert SESSION_KEY not in certificate_client.session
    home = certificate_client.get("/", secure=True).content.decode()
    assert "Sua sessão foi encerrada por inatividade" in home


def test_a_session_used_within_the_idle_limit_stays_open(certificate_client, time_machine):
    start = dt.datetime.now(dt.UTC)
    for minutes in (20, 40, 60):  # 20 minutes apart: never idle for the limit, an hour in all
        time_machine.move_to(start + dt.timedelta(minutes=minutes), tick=False)
        assert painel(certificate_client).status_code == 200


# --- access ended by staff: at once --------------------------------------------------------------------------------


def deactivate_member(member: Member) -> None:
    member.active = False
    member.save()


def remove_membership(member: Member) -> None:
    Membership.objects.filter(member=member).delete()


def end_membership(member: Member) -> None:
    for membership in Membership.objects.filter(member=member):
        membership.active = False
        membership.save()


def suspend_entity(member: Member) -> None:
    for entity in PartnerEntity.objects.filter(memberships__member=member):
        entity.status = EntityStatus.SUSPENDED
        entity.save()


def end_entity(member: Member) -> None:
    for entity in PartnerEntity.objects.filter(memberships__member=member):
        entity.status = EntityStatus.ENDED
        entity.save()


def change_cpf(member: Member) -> None:
    member.cpf = "08301661305"
    member.save()


def change_oab(member: Member) -> None:
    registration = OabRegistration.objects.get(member=member)
    registration.number = "999999"
    registration.save()


STAFF_CHANGES = [
    (deactivate_member, Reason.MEMBER_INACTIVE, "O cadastro do membro está inativo."),
    (remove_membership, Reason.ENTITY_INACTIVE, "Nenhuma entidade parceira ativa"),
    (end_membership, Reason.ENTITY_INACTIVE, "Nenhuma entidade parceira ativa"),
    (suspend_entity, Reason.ENTITY_INACTIVE, "Nenhuma entidade parceira ativa"),
    (end_entity, Reason.ENTITY_INACTIVE, "Nenhuma entidade parceira ativa"),
    (change_cpf, Reason.MEMBER_UNKNOWN, "não está mais cadastrado"),
    (change_oab, Reason.OAB_MISMATCH, "OAB cadastrada: 999999/SP"),
]


@pytest.mark.parametrize(("change", "code", "detail"), STAFF_CHANGES, ids=[c[0].__name__ for c in STAFF_CHANGES])
def test_a_certificate_session_ends_at_its_next_request_after_staff_change_its_access(
    certificate_client, lawyer, change, code, detail, time_machine
):
    time_machine.move_to(dt.datetime.now(dt.UTC), tick=False)  # the clock stands still: nothing periodic is due
    change(Member.objects.get(pk=lawyer.pk))  # as the admin would: the record as it is now
    assert_ended(painel(certificate_client), code, detail, method=LoginMethod.CERTIFICATE)
    assert SESSION_KEY not in certificate_client.session


PASSWORD_CHANGES = [c for c in STAFF_CHANGES if c[0] not in (change_cpf, change_oab)]


@pytest.mark.parametrize(("change", "code", "detail"), PASSWORD_CHANGES, ids=[c[0].__name__ for c in PASSWORD_CHANGES])
def test_a_password_session_ends_at_its_next_request_after_staff_change_its_access(
    password_client, change, code, detail, time_machine
):
    time_machine.move_to(dt.datetime.now(dt.UTC), tick=False)
    change(Member.objects.get(cpf=LAWYER.cpf))
    assert_ended(painel(password_client), code, detail, method=LoginMethod.PASSWORD)


def test_suspending_the_entity_in_the_admin_ends_its_members_sessions(
    certificate_client, lawyer, staff_factory, staff_login, time_machine
):
    time_machine.move_to(dt.datetime.now(dt.UTC), tick=False)
    admin = staff_login(staff_factory(groups=(MANAGEMENT_GROUP,)))
    entity = lawyer.entities.get()
    response = admin.post(
        "/admin/portal/partnerentity/",
        {"action": "suspend", "_selected_action": [entity.pk]},
        secure=True,
    )
    assert response.status_code == 302
    assert_ended(painel(certificate_client), Reason.ENTITY_INACTIVE, "Nenhuma entidade", method="certificate")
    assert painel(admin).status_code == 200, "staff's own session is not touched"


def test_staff_ending_a_members_sessions_ends_them_with_their_own_code(certificate_client, lawyer):
    lawyer.refresh_from_db()
    assert end_sessions(user_ids=[lawyer.user_id]) == 1
    assert_ended(painel(certificate_client), Reason.SESSION_ENDED, "equipe do INSS", method=LoginMethod.CERTIFICATE)


def test_a_member_of_two_entities_keeps_the_session_and_chooses_again_when_one_ends(
    proxy_client, login_with, member_factory, entity_factory, time_machine
):
    time_machine.move_to(dt.datetime.now(dt.UTC), tick=False)
    member = member_factory(LAWYER.cpf)
    other = entity_factory(name="Prefeitura B")
    Membership.objects.create(member=member, entity=other)
    login_with(LAWYER)
    proxy_client.post("/entidade/", {"entity": other.pk}, secure=True)
    assert painel(proxy_client).status_code == 200
    other.status = EntityStatus.SUSPENDED
    other.save()
    response = painel(proxy_client)
    assert response.status_code == 302 and response["Location"].startswith("/entidade/")
    assert SESSION_KEY in proxy_client.session
    assert session_keys.ENTITY not in proxy_client.session


def test_a_change_that_removes_nothing_leaves_the_session_alone(certificate_client, lawyer, time_machine):
    time_machine.move_to(dt.datetime.now(dt.UTC), tick=False)
    lawyer.name = "Maria da Silva Souza"
    lawyer.save()
    assert painel(certificate_client).status_code == 200


def test_another_members_change_does_not_touch_this_session(certificate_client, member_factory):
    other = member_factory("08301661305")
    other.user = User.objects.create_user(username="08301661305")
    other.save()
    stamped = PortalSession.objects.filter(access_generation__gt=0).count()
    deactivate_member(other)
    assert PortalSession.objects.filter(access_generation__gt=0).count() == stamped


def test_a_change_committed_after_a_concurrent_check_is_still_seen_at_the_next_request(
    certificate_client, lawyer, time_machine
):
    """Staff's transaction marks the session, a request of the member re-checks before that transaction commits (it
    reads the old data and records its check *after* the mark's instant), then the commit lands: the mark is a
    count the check did not see, so the next request decides again."""
    start = dt.datetime.now(dt.UTC)
    time_machine.move_to(start, tick=False)
    Member.objects.filter(pk=lawyer.pk).update(active=False)  # the staff change's data (no signal) ...
    time_machine.move_to(start + dt.timedelta(seconds=settings.PORTAL_ACCESS_RECHECK_SECONDS), tick=False)
    session = certificate_client.session
    session[session_keys.ACCESS_CHECKED_AT] = int(dt.datetime.now(dt.UTC).timestamp()) + 5  # ... a check recorded later
    session.save()
    PortalSession.objects.filter(session_key=session.session_key).update(  # ... than the mark, committed now
        access_changed_at=start, access_generation=F("access_generation") + 1
    )
    assert_ended(painel(certificate_client), Reason.MEMBER_INACTIVE, "inativo", method=LoginMethod.CERTIFICATE)


# --- writes that tell nobody: the periodic re-check -----------------------------------------------------------


def test_a_write_that_sends_no_signal_is_seen_within_a_minute(certificate_client, lawyer, time_machine):
    start = dt.datetime.now(dt.UTC)
    time_machine.move_to(start, tick=False)
    Member.objects.filter(pk=lawyer.pk).update(active=False)  # no signal: nothing marks the session
    time_machine.move_to(start + dt.timedelta(seconds=30), tick=False)
    assert painel(certificate_client).status_code == 200, "not re-checked yet"
    time_machine.move_to(start + dt.timedelta(seconds=settings.PORTAL_ACCESS_RECHECK_SECONDS), tick=False)
    assert_ended(painel(certificate_client), Reason.MEMBER_INACTIVE, "inativo", method=LoginMethod.CERTIFICATE)


# --- the certificate's whole path -----------------------------------------------------------------------------


def test_a_session_ends_at_its_next_request_once_a_crl_revoking_a_ca_of_its_path_is_loaded(
    certificate_client, publish_crl, pki, time_machine
):
    time_machine.move_to(dt.datetime.now(dt.UTC), tick=False)  # no periodic re-check is due
    publish_crl(pki.level1, [RevokedEntry(pki.oab.certificate.serial_number, pki.now, x509.ReasonFlags.ca_compromise)])
    attempt = assert_ended(
        painel(certificate_client),
        Reason.CERT_REVOKED,
        "a autoridade certificadora AC Teste OAB, do caminho do seu certificado, foi revogada",
        method=LoginMethod.CERTIFICATE,
    )
    assert attempt.cpf == LAWYER.cpf


def test_a_crl_marks_only_the_sessions_whose_path_its_ac_is_on(certificate_client, publish_crl, pki):
    PortalSession.objects.update(access_generation=0)
    publish_crl(pki.final)  # AC Teste Final issued nothing on this session's path (AC Teste OAB did)
    assert not PortalSession.objects.filter(access_generation__gt=0).exists()
    publish_crl(pki.oab)
    assert PortalSession.objects.filter(access_generation__gt=0).count() == 1


def test_a_revoked_ca_is_found_by_the_periodic_recheck_too(certificate_client, publish_crl, pki, time_machine):
    start = dt.datetime.now(dt.UTC)
    time_machine.move_to(start, tick=False)
    publish_crl(pki.level1, [RevokedEntry(pki.oab.certificate.serial_number, pki.now)])
    PortalSession.objects.update(access_generation=0)  # as if the CRL had been loaded without telling anyone
    assert painel(certificate_client).status_code == 200, "not re-checked yet"
    time_machine.move_to(start + dt.timedelta(seconds=settings.CERTAUTH_SESSION_RECHECK_SECONDS), tick=False)
    assert_ended(painel(certificate_client), Reason.CERT_REVOKED, "AC Teste OAB", method=LoginMethod.CERTIFICATE)


def test_a_recheck_that_finds_the_path_still_good_keeps_the_session_and_records_the_check(
    certificate_client, publish_crl, pki, time_machine
):
    start = dt.datetime.now(dt.UTC)
    time_machine.move_to(start, tick=False)
    publish_crl(pki.level1, [RevokedEntry(pki.final.certificate.serial_number)])  # another CA: not this path
    publish_crl(pki.oab, [RevokedEntry(12345)])  # another holder
    later = start + dt.timedelta(seconds=settings.CERTAUTH_SESSION_RECHECK_SECONDS)
    time_machine.move_to(later, tick=False)
    response = painel(certificate_client)
    assert response.status_code == 200
    checked = response.wsgi_request.session_certificate.revocation_checked_at
    assert abs((checked - later).total_seconds()) < 1


@pytest.mark.parametrize(
    ("url", "action", "selected"),
    [
        ("/admin/portal/member/", "end_sessions", lambda member: member.pk),
        ("/admin/portal/partnerentity/", "end_member_sessions", lambda member: member.entities.get().pk),
    ],
    ids=["member", "entity"],
)
def test_staff_end_sessions_from_the_admin_and_read_only_staff_cannot(
    certificate_client, lawyer, staff_factory, staff_login, url, action, selected
):
    post = {"action": action, "_selected_action": [selected(lawyer)]}
    reader = staff_login(staff_factory("78778932807", groups=(NATIONAL_VIEW_GROUP,)))
    reader.post(url, post, secure=True)
    assert painel(certificate_client).status_code == 200, "a read-only group ends nothing"
    admin = staff_login(staff_factory(groups=(MANAGEMENT_GROUP,)))
    assert admin.post(url, post, secure=True).status_code == 302
    assert_ended(painel(certificate_client), Reason.SESSION_ENDED, "equipe do INSS", method=LoginMethod.CERTIFICATE)
    page = admin.get(f"/admin/portal/member/{lawyer.pk}/change/", secure=True).content.decode()
    assert "Sessões abertas" in page
