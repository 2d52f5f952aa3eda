"""A lawyer's A3 certificate through nginx's mutual TLS, and every refusal reachable that way."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from cryptography.hazmat.primitives import hashes

from certauth.icp.builder import A1_POLICY, PersonSpec
from certauth.models import LoginAttempt
from portal.models import EntityStatus
from tests.conftest import LAWYER
from tests.e2e.conftest import assert_audited_once, assert_not_logged_in, assert_rejection_page, element_text

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_lawyer_logs_in_on_login_host_and_lands_on_portal_dashboard(e2e_stack, browser_factory, member_factory, pki):
    member_factory(oab="123456SP")
    certificate = pki.issue(LAWYER)
    browser = browser_factory(certificate)

    response = browser.login()

    assert response.returncode == 0, response
    assert response.status == 302, response
    assert response.header("Location") == f"https://localhost:{e2e_stack.portal_port}/painel/", response
    assert response.header("X-Error-Code") is None
    assert "sessionid" in browser.cookies()

    dashboard = browser.get(response.header("Location"))
    assert dashboard.status == 200, dashboard
    assert element_text(dashboard.body, "nome-membro") == "Maria da Silva", dashboard

    row = LoginAttempt.objects.get()
    assert row.outcome == "accepted"
    assert row.code == ""
    assert row.method == "certificate"
    assert row.cert_serial == format(certificate.certificate.serial_number, "X")
    assert row.cert_fingerprint == certificate.certificate.fingerprint(hashes.SHA256()).hex()
    assert row.cpf == LAWYER.cpf
    assert row.ip == "127.0.0.1"
    assert row.user is not None and row.user.username == LAWYER.cpf
    assert re.fullmatch(r"[0-9a-f]{32}", row.proxy_request_id), row.proxy_request_id
    # ... and it is the id nginx logged for that very request, on the login host, with the client's certificate.
    line = e2e_stack.access_log_line(row.proxy_request_id)
    assert f' {e2e_stack.login_port} "GET /entrar/certificado/ ' in line
    logged_serial = re.search(r" serial=([0-9A-F]+) ", line)
    assert logged_serial and int(logged_serial.group(1), 16) == certificate.certificate.serial_number, line


def _expired(spec: PersonSpec) -> PersonSpec:
    return spec.but(valid_from=dt.timedelta(days=-40), valid_for=dt.timedelta(days=30))


def _not_yet_valid(spec: PersonSpec) -> PersonSpec:
    return spec.but(valid_from=dt.timedelta(days=2))


# (code, CPF in the certificate, how the certificate differs from a valid one, how the database is set up)
REJECTIONS = [
    ("CERT_UNTRUSTED", "08301661305", {"issuer": "stranger"}, "member"),
    ("CERT_EXPIRED", "18609139034", {"spec": _expired}, "member"),
    ("CERT_NOT_YET_VALID", "99603082430", {"spec": _not_yet_valid}, "member"),
    ("CERT_NOT_A3", "62819482112", {"policy_oid": A1_POLICY}, "member"),
    ("CERT_KEY_USAGE", "99351819019", {"client_auth": False}, "member"),
    ("CERT_NO_CPF", "08301661300", {}, "none"),  # check digits wrong (08301661305 is the valid one)
    ("MEMBER_UNKNOWN", "93786579741", {}, "none"),
    ("MEMBER_INACTIVE", "54323194897", {}, "inactive member"),
    ("ENTITY_INACTIVE", "75749118606", {}, "suspended entity"),
    ("OAB_MISMATCH", "25276018987", {"oab": "0555555SP"}, "member with OAB 444444SP"),
]


@pytest.mark.parametrize(("code", "cpf", "change", "setup"), REJECTIONS, ids=[r[0] for r in REJECTIONS])
def test_refused_certificate_shows_its_code_reference_and_brasilia_time_and_is_audited_once(
    code, cpf, change, setup, e2e_stack, browser_factory, member_factory, entity_factory, pki
):
    if setup == "member":
        member_factory(cpf, name="Pessoa Cadastrada")
    elif setup == "inactive member":
        member_factory(cpf, name="Pessoa Inativa", active=False)
    elif setup == "suspended entity":
        member_factory(cpf, name="Pessoa da Suspensa", entity=entity_factory(status=EntityStatus.SUSPENDED))
    elif setup == "member with OAB 444444SP":
        member_factory(cpf, name="Advogado Outro", oab="444444SP")
    change = dict(change)
    issuer = pki.stranger if change.pop("issuer", None) == "stranger" else None
    spec = PersonSpec("PESSOA DE TESTE", cpf, oab=change.pop("oab", None))
    spec = change.pop("spec", lambda s: s)(spec).but(**change)
    certificate = pki.issue(spec, issuer)
    browser = browser_factory(certificate)

    response = browser.login()

    # Django's page (never nginx's bare 400/495 page): 403, the code, the reference and the time.
    reference = assert_rejection_page(response, code, status=403)
    row = assert_audited_once(code, reference)
    assert LoginAttempt.objects.count() == 1
    assert row.cert_fingerprint == certificate.certificate.fingerprint(hashes.SHA256()).hex()
    assert row.ip == "127.0.0.1"
    assert row.proxy_request_id, "the refusal went through nginx: its request id is audited"
    assert "sessionid" not in browser.cookies()
    assert_not_logged_in(browser)


def test_no_client_certificate_is_cert_absent(e2e_stack, browser_factory, member_factory):
    member_factory(oab="123456SP")
    browser = browser_factory(None)

    response = browser.login()

    reference = assert_rejection_page(response, "CERT_ABSENT", status=403)
    row = assert_audited_once("CERT_ABSENT", reference)
    assert row.ip == "127.0.0.1"
    assert row.proxy_request_id
    assert_not_logged_in(browser)


@pytest.mark.parametrize("code", ["CERT_EXPIRED", "CERT_NOT_YET_VALID"])
def test_certificates_nginx_refuses_itself_reach_django_with_the_certificate(
    code, e2e_stack, browser_factory, member_factory, pki
):
    """nginx answers 495 for an expired certificate even in optional_no_ca; the config hands it to Django."""
    member_factory("47104974601", name="Pessoa Vencida")
    spec = PersonSpec("PESSOA VENCIDA", "47104974601")
    spec = _expired(spec) if code == "CERT_EXPIRED" else _not_yet_valid(spec)
    certificate = pki.issue(spec)

    response = browser_factory(certificate).login()

    reference = assert_rejection_page(response, code, status=403)
    row = assert_audited_once(code, reference)
    # Django saw the certificate itself (not CERT_ABSENT), and nginx's own verdict is kept for support.
    assert row.cert_serial == format(certificate.certificate.serial_number, "X")
    assert row.proxy_verify.startswith("FAILED"), row.proxy_verify
