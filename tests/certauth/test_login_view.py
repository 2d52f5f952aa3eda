"""The certificate login endpoint through Django's test client (nginx is simulated by the proxy headers)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from cryptography.hazmat.primitives import hashes
from django.test import Client

from certauth.icp.builder import A1_POLICY
from certauth.icp.errors import Reason
from certauth.models import LoginAttempt, Outcome
from certauth.sessions import SESSION_KEY
from tests.conftest import LAWYER, PROXY_SECRET
from tests.pki import escaped

BRASILIA_DATETIME = re.compile(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}")
LOGIN = "/entrar/certificado/"


def assert_rejected(response, reason: Reason) -> LoginAttempt:
    assert response.status_code == reason.http_status
    assert response["X-Error-Code"] == reason.value
    body = response.content.decode()
    reference = response["X-Reference"]
    assert reason.value in body
    assert reference in body
    assert BRASILIA_DATETIME.search(body), "the page must show date and time for the screenshot"
    assert "Certificado Digital ACT" in body
    attempt = LoginAttempt.objects.get(reference=reference)
    assert (attempt.outcome, attempt.code) == (Outcome.REJECTED, reason.value)
    return attempt


def test_accepted_login_creates_a_session_bound_to_the_certificate(login_with, member_factory, pki):
    member = member_factory(oab="123456SP")
    leaf = pki.issue(LAWYER)
    response = login_with(leaf)
    assert response.status_code == 302
    assert response["Location"] == "https://localhost:8443/painel/"
    session = response.wsgi_request.session
    assert session[SESSION_KEY]["fingerprint"] == leaf.certificate.fingerprint(hashes.SHA256()).hex()
    assert session[SESSION_KEY]["serial_hex"] == format(leaf.certificate.serial_number, "X")
    assert "AC Teste OAB" in session[SESSION_KEY]["issuer"]
    attempt = LoginAttempt.objects.get()
    member.refresh_from_db()
    assert attempt.outcome == Outcome.ACCEPTED
    assert attempt.cpf == LAWYER.cpf
    assert attempt.user == member.user is not None
    assert attempt.organization_code == member.entities.get().code
    assert attempt.cert_serial == format(leaf.certificate.serial_number, "X")
    assert attempt.cert_policy == "2.16.76.1.2.3.28"


def test_login_rotates_the_session_key(proxy_client, login_with, member_factory):
    member_factory()
    proxy_client.get("/")
    proxy_client.cookies["sessionid"] = "anonymous-session-key-set-by-an-attacker"
    response = login_with(LAWYER)
    assert response.cookies["sessionid"].value != "anonymous-session-key-set-by-an-attacker"


def test_login_with_another_token_in_a_browser_with_a_colleagues_session_opens_the_new_session(
    proxy_client, login_with, member_factory
):
    from certauth.icp.builder import PersonSpec

    colleague = PersonSpec("JOAO PEREIRA", "08301661305")
    member_factory(colleague.cpf, name="João Pereira")
    member = member_factory()
    assert login_with(colleague).status_code == 302

    response = login_with(LAWYER)

    assert response.status_code == 302
    member.refresh_from_db()
    assert proxy_client.session["_auth_user_id"] == str(member.user_id)
    assert proxy_client.session[SESSION_KEY]["cpf"] == LAWYER.cpf
    dashboard = proxy_client.get("/painel/", secure=True)
    assert dashboard.status_code == 200
    assert "Maria da Silva" in dashboard.content.decode()


def test_member_lands_on_dashboard_with_name_masked_cpf_entity_and_expiry(proxy_client, login_with, member_factory):
    member_factory(name="Maria da Silva")
    login_with(LAWYER)
    page = proxy_client.get("/painel/", secure=True).content.decode()
    assert "Maria da Silva" in page
    assert "***.018.159-**" in page
    assert "Entidade" in page
    assert "Certificado digital A3" in page
    assert re.search(r'id="validade">\d{2}/\d{2}/\d{4}', page)


def test_next_path_is_kept_but_never_another_site(login_with, member_factory):
    member_factory()
    assert login_with(LAWYER, QUERY_STRING="next=/painel/x")["Location"] == "https://localhost:8443/painel/x"
    assert login_with(LAWYER, QUERY_STRING="next=https://evil.example/")["Location"].endswith("/painel/")
    assert login_with(LAWYER, QUERY_STRING="next=//evil.example/")["Location"].endswith("/painel/")


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        (LAWYER.but(policy_oid=A1_POLICY), Reason.CERT_NOT_A3),
        (LAWYER.but(valid_from=dt.timedelta(days=-800), valid_for=dt.timedelta(days=365)), Reason.CERT_EXPIRED),
        (LAWYER.but(valid_from=dt.timedelta(days=3)), Reason.CERT_NOT_YET_VALID),
        (LAWYER.but(client_auth=False), Reason.CERT_KEY_USAGE),
        (LAWYER.but(cpf="52601815907"), Reason.CERT_NO_CPF),
    ],
    ids=lambda v: getattr(v, "value", ""),
)
def test_certificate_problems_are_refused_with_their_code(login_with, member_factory, spec, reason):
    member_factory()
    attempt = assert_rejected(login_with(spec), reason)
    assert attempt.cert_serial
    assert attempt.user is None


def test_untrusted_chain_is_refused(login_with, member_factory, pki):
    member_factory()
    attempt = assert_rejected(login_with(LAWYER, pki.stranger), Reason.CERT_UNTRUSTED)
    assert attempt.cpf == LAWYER.cpf, "the claimed CPF is recorded for support, even when refused"


def test_unknown_cpf_is_member_unknown(login_with, db):
    assert_rejected(login_with(LAWYER), Reason.MEMBER_UNKNOWN)


def test_inactive_member_is_refused(login_with, member_factory):
    member_factory(active=False)
    assert_rejected(login_with(LAWYER), Reason.MEMBER_INACTIVE)


@pytest.mark.parametrize("status", ["suspended", "ended"])
def test_member_of_inactive_entities_only_is_refused(login_with, member_factory, entity_factory, status):
    member_factory(entity=entity_factory(status=status))
    assert_rejected(login_with(LAWYER), Reason.ENTITY_INACTIVE)


def test_inactive_membership_counts_as_no_active_entity(login_with, member_factory):
    member_factory(membership_active=False)
    assert_rejected(login_with(LAWYER), Reason.ENTITY_INACTIVE)


def test_oab_in_certificate_must_match_the_members_registration(login_with, member_factory):
    member_factory(oab="444444SP")
    attempt = assert_rejected(login_with(LAWYER), Reason.OAB_MISMATCH)
    assert "123456/SP" in attempt.detail and "444444/SP" in attempt.detail


def test_oab_comparison_ignores_leading_zeros(login_with, member_factory):
    member_factory(oab="000123456SP")
    assert login_with(LAWYER).status_code == 302


def test_certificate_without_oab_field_binds_by_cpf_alone(login_with, member_factory):
    member_factory(oab="999999RJ")
    assert login_with(LAWYER.but(oab=None)).status_code == 302


def test_member_without_registration_binds_by_cpf_even_if_certificate_has_oab(login_with, member_factory):
    member_factory()
    assert login_with(LAWYER).status_code == 302


def test_no_certificate_is_cert_absent(proxy_client, certauth_settings, db):
    response = proxy_client.get(LOGIN, secure=True)
    assert_rejected(response, Reason.CERT_ABSENT)


def test_garbage_certificate_is_malformed_with_400(proxy_client, certauth_settings, db):
    response = proxy_client.get(LOGIN, HTTP_X_SSL_CLIENT_CERT="-----BEGIN%20CERTIFICATE-----%0Azzz", secure=True)
    assert_rejected(response, Reason.CERT_MALFORMED)


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", PROXY_SECRET + "," + PROXY_SECRET])
def test_certificate_header_without_the_proxy_secret_is_proxy_untrusted(certauth_settings, member_factory, pki, secret):
    member_factory()
    headers = {"HTTP_X_SSL_CLIENT_CERT": escaped(pki.issue(LAWYER).certificate)}
    if secret is not None:
        headers["HTTP_X_PROXY_SECRET"] = secret
    client = Client(HTTP_HOST="localhost")
    response = client.get(LOGIN, secure=True, **headers)
    assert_rejected(response, Reason.PROXY_UNTRUSTED)
    assert "_auth_user_id" not in client.session


def test_proxy_secret_unset_refuses_everything(settings, proxy_client, login_with, member_factory):
    member_factory()
    settings.CERTAUTH_PROXY_SECRET = ""
    assert_rejected(login_with(LAWYER), Reason.PROXY_UNTRUSTED)


def test_trusted_proxies_restrict_the_source_address(settings, login_with, member_factory):
    member_factory()
    settings.CERTAUTH_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert_rejected(login_with(LAWYER), Reason.PROXY_UNTRUSTED)
    settings.CERTAUTH_TRUSTED_PROXIES = ["127.0.0.1"]
    assert login_with(LAWYER).status_code == 302


def test_client_ip_and_request_id_come_from_nginx_headers(login_with, member_factory):
    member_factory()
    login_with(LAWYER, HTTP_X_REAL_IP="203.0.113.9", HTTP_X_REQUEST_ID="abc123", HTTP_USER_AGENT="Firefox/140")
    attempt = LoginAttempt.objects.get()
    assert (attempt.ip, attempt.proxy_request_id, attempt.user_agent) == ("203.0.113.9", "abc123", "Firefox/140")


@pytest.mark.parametrize(
    ("forwarded", "recorded"),
    [("::ffff:203.0.113.9", "203.0.113.9"), ("2001:db8::1", "2001:db8::1"), ("203.0.113.9", "203.0.113.9")],
)
def test_an_ipv4_client_seen_through_a_dual_stack_socket_is_its_ipv4_address(
    login_with, member_factory, forwarded, recorded
):
    """Otherwise every IPv4 client would share the IPv6 /64 ``::`` in the per-address limits."""
    member_factory()
    login_with(LAWYER, HTTP_X_REAL_IP=forwarded)
    assert LoginAttempt.objects.get().ip == recorded


def test_client_ip_header_is_ignored_without_the_proxy_secret(certauth_settings, db):
    Client().get(LOGIN, HTTP_X_REAL_IP="203.0.113.9", secure=True, HTTP_HOST="localhost")
    assert LoginAttempt.objects.get().ip == "127.0.0.1"


def test_login_endpoint_refuses_other_methods(proxy_client, certauth_settings, db):
    assert proxy_client.post(LOGIN, secure=True).status_code == 405


def test_a_login_that_cannot_be_audited_is_refused(login_with, member_factory, monkeypatch):
    from django.db import DatabaseError

    from certauth import audit

    member_factory()

    def fail(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(audit._INSERT, "execute", fail)  # the audit row's write (a prepared INSERT)
    response = login_with(LAWYER)
    assert response.status_code == 503
    assert "_auth_user_id" not in response.wsgi_request.session
    body = response.content.decode()
    assert BRASILIA_DATETIME.search(body)


def test_trusted_proxies_can_name_the_unix_socket(settings, login_with, member_factory):
    member_factory()
    settings.CERTAUTH_TRUSTED_PROXIES = ["unix"]
    assert login_with(LAWYER, REMOTE_ADDR="").status_code == 302  # gunicorn's unix-socket peers have no address
    assert_rejected(login_with(LAWYER, REMOTE_ADDR="127.0.0.1"), Reason.PROXY_UNTRUSTED)
