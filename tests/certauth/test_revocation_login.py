"""Revocation at login and during a session: revoked, not revoked, unknown issuer, stale CRLs, on-demand fetch."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from cryptography import x509
from django.db import connection
from django.test import Client

from certauth import crl_postgresql, crl_sqlite, crl_store
from certauth.icp.builder import RevokedEntry
from certauth.icp.crl import key_id
from certauth.icp.errors import Reason
from certauth.models import CrlIssuer, LoginAttempt, Outcome
from portal.models import PortalSession
from tests.conftest import LAWYER, PROXY_SECRET
from tests.pki import escaped


@pytest.fixture
def lawyer(pki, member_factory):
    member_factory()
    return pki.issue(LAWYER)


def test_certificate_on_its_issuers_crl_is_refused_with_date_and_reason(login_with, publish_crl, pki, lawyer):
    revoked_at = pki.now - dt.timedelta(days=2)
    publish_crl(pki.oab, [RevokedEntry(lawyer.certificate.serial_number, revoked_at, x509.ReasonFlags.key_compromise)])
    response = login_with(lawyer)
    assert response["X-Error-Code"] == Reason.CERT_REVOKED
    attempt = LoginAttempt.objects.get()
    assert (attempt.revocation_status, attempt.revocation_reason) == ("revoked", "keyCompromise")
    assert attempt.revoked_at == revoked_at
    assert "comprometimento da chave" in response.content.decode()


def test_certificate_not_on_the_crl_logs_in_and_the_audit_names_the_crl(login_with, publish_crl, pki, lawyer):
    publish_crl(pki.oab, [RevokedEntry(lawyer.certificate.serial_number + 1)], number=42)
    assert login_with(lawyer).status_code == 302
    attempt = LoginAttempt.objects.get()
    assert attempt.revocation_status == "good"
    assert "LCR nº 42" in attempt.revocation_detail


def test_a_revoked_intermediate_refuses_its_holders(login_with, publish_crl, pki, lawyer, settings):
    publish_crl(pki.level1, [RevokedEntry(pki.oab.certificate.serial_number)])
    response = login_with(lawyer)
    assert response["X-Error-Code"] == Reason.CERT_REVOKED
    assert "AC Teste OAB" in LoginAttempt.objects.get().detail
    settings.CERTAUTH_REVOCATION = "leaf"
    assert login_with(lawyer).status_code == 302


def test_issuer_without_a_crl_is_revocation_unknown_fail_closed(login_with, pki, lawyer):
    CrlIssuer.objects.filter(key_id=key_id(pki.oab.certificate)).delete()
    response = login_with(lawyer)
    assert response["X-Error-Code"] == Reason.CERT_REVOCATION_UNKNOWN
    assert LoginAttempt.objects.get().revocation_status == "unknown"


def test_stale_crl_fails_closed_then_soft_fail_lets_in_and_is_audited(login_with, publish_crl, pki, lawyer, settings):
    old = pki.now - dt.timedelta(days=10)
    publish_crl(pki.oab, this_update=old, next_update=old + dt.timedelta(days=7))
    assert login_with(lawyer)["X-Error-Code"] == Reason.CERT_REVOCATION_UNKNOWN
    settings.CERTAUTH_REVOCATION_SOFT_FAIL = True
    assert login_with(lawyer).status_code == 302
    accepted = LoginAttempt.objects.get(outcome=Outcome.ACCEPTED)
    assert accepted.revocation_status == "soft_fail"
    assert "expirou" in accepted.revocation_detail


def test_grace_period_after_next_update(login_with, publish_crl, pki, lawyer, settings):
    publish_crl(
        pki.oab, this_update=pki.now - dt.timedelta(days=7, minutes=30), next_update=pki.now - dt.timedelta(minutes=30)
    )
    assert login_with(lawyer).status_code == 302  # 30 min past nextUpdate, within the default hour of grace
    settings.CERTAUTH_CRL_GRACE_SECONDS = 60
    assert login_with(lawyer)["X-Error-Code"] == Reason.CERT_REVOCATION_UNKNOWN


def test_revocation_can_be_switched_off(login_with, pki, lawyer, settings):
    CrlIssuer.objects.all().delete()
    settings.CERTAUTH_REVOCATION = "off"
    assert login_with(lawyer).status_code == 302
    assert LoginAttempt.objects.get().revocation_status == "not_checked"


def test_missing_crl_is_fetched_at_login_from_the_second_url_when_the_first_is_down(
    login_with, member_factory, pki, file_server
):
    member_factory()
    CrlIssuer.objects.filter(key_id=key_id(pki.oab.certificate)).delete()
    file_server.files["/ac-oab.crl"] = pki.builder.crl(pki.oab, number=5)
    urls = (file_server.down_url("/ac-oab.crl"), file_server.url("/ac-oab.crl"))
    leaf = pki.issue(LAWYER.but(crl_urls=urls))
    assert login_with(leaf).status_code == 302
    assert file_server.hits == ["/ac-oab.crl"]
    issuer = CrlIssuer.objects.get(key_id=key_id(pki.oab.certificate))
    assert issuer.current.number == "5"
    assert issuer.urls == list(urls), "the login taught the store where this AC publishes"


def test_unreachable_crl_refuses_and_is_not_retried_on_every_login(login_with, member_factory, pki, file_server):
    member_factory()
    CrlIssuer.objects.filter(key_id=key_id(pki.oab.certificate)).delete()
    leaf = pki.issue(LAWYER.but(crl_urls=(file_server.url("/missing.crl"),)))
    assert login_with(leaf)["X-Error-Code"] == Reason.CERT_REVOCATION_UNKNOWN
    assert login_with(leaf)["X-Error-Code"] == Reason.CERT_REVOCATION_UNKNOWN
    assert file_server.hits == ["/missing.crl"]


def test_a_crl_that_does_not_verify_is_not_used_at_login(login_with, member_factory, pki, file_server):
    member_factory()
    CrlIssuer.objects.filter(key_id=key_id(pki.oab.certificate)).delete()
    file_server.files["/forged.crl"] = pki.builder.crl(pki.oab, number=9, signing_key=pki.final.key)
    leaf = pki.issue(LAWYER.but(crl_urls=(file_server.url("/forged.crl"),)))
    assert login_with(leaf)["X-Error-Code"] == Reason.CERT_REVOCATION_UNKNOWN


def test_session_ends_at_the_next_request_once_a_crl_revoking_its_certificate_is_loaded(
    proxy_client, login_with, publish_crl, pki, lawyer
):
    assert login_with(lawyer).status_code == 302
    assert proxy_client.get("/painel/", secure=True).status_code == 200
    publish_crl(pki.oab, [RevokedEntry(lawyer.certificate.serial_number, pki.now)])
    response = proxy_client.get("/painel/", secure=True)  # long before the periodic re-check: the load told it
    assert response.status_code == 403
    assert response["X-Error-Code"] == Reason.CERT_REVOKED
    assert "_auth_user_id" not in proxy_client.session


def test_session_is_rechecked_after_the_interval(proxy_client, login_with, publish_crl, pki, lawyer, settings):
    login_with(lawyer)
    publish_crl(pki.oab, [RevokedEntry(lawyer.certificate.serial_number, pki.now)])
    PortalSession.objects.update(access_generation=0)  # a CRL loaded without telling the sessions
    assert proxy_client.get("/painel/", secure=True).status_code == 200, "not re-checked yet"
    later = dt.timedelta(seconds=settings.CERTAUTH_SESSION_RECHECK_SECONDS)
    with time_machine.travel(dt.datetime.now(dt.UTC) + later, tick=False):
        response = proxy_client.get("/painel/", secure=True)
    assert response["X-Error-Code"] == Reason.CERT_REVOKED


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_logins_keep_succeeding_while_crls_are_replaced(certauth_settings, crls, member_factory, pki, monkeypatch):
    monkeypatch.setattr(crl_postgresql, "BATCH", 2_000)
    monkeypatch.setattr(crl_sqlite, "BATCH", 2_000)
    member_factory()
    leaf = pki.issue(LAWYER)
    header = escaped(leaf.certificate)
    statuses: list[int] = []
    done = threading.Event()
    ready = threading.Barrier(3)

    def log_in_repeatedly() -> None:
        client = Client(HTTP_X_PROXY_SECRET=PROXY_SECRET, HTTP_HOST="localhost")
        try:
            statuses.append(client.get("/entrar/certificado/", HTTP_X_SSL_CLIENT_CERT=header, secure=True).status_code)
            ready.wait(timeout=60)
            while not done.is_set():
                response = client.get("/entrar/certificado/", HTTP_X_SSL_CLIENT_CERT=header, secure=True)
                statuses.append(response.status_code)
        finally:
            connection.close()  # this thread's own connection

    workers = [threading.Thread(target=log_in_repeatedly) for _ in range(2)]
    for worker in workers:
        worker.start()
    try:
        ready.wait(timeout=60)  # both are logging in before the first replacement starts
        before = len(statuses)
        for number in range(10, 16):  # each replacement: 10,000 other serials
            data = pki.builder.crl(
                pki.oab, [RevokedEntry(10**9 + number * 100_000 + i) for i in range(10_000)], number=number
            )
            crl_store.ingest(data, source="t", issuer=pki.oab.certificate, max_bytes=10**8)
        during = len(statuses) - before
    finally:
        done.set()
        for worker in workers:
            worker.join()
    assert during > 0, "logins must have run while the CRLs were being replaced"
    assert statuses and set(statuses) == {302}, f"{len(statuses)} logins: {set(statuses)}"
    assert LoginAttempt.objects.filter(outcome=Outcome.ACCEPTED).count() == len(statuses)
    crl_store.ingest(
        pki.builder.crl(pki.oab, [RevokedEntry(leaf.certificate.serial_number)], number=99),
        source="t",
        issuer=pki.oab.certificate,
        max_bytes=10**8,
    )
    client = Client(HTTP_X_PROXY_SECRET=PROXY_SECRET, HTTP_HOST="localhost")
    response = client.get("/entrar/certificado/", HTTP_X_SSL_CLIENT_CERT=header, secure=True)
    assert response["X-Error-Code"] == Reason.CERT_REVOKED, "revoked from the very next login after the refresh"


def ocsp_answer(pki, certificate, status):
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509 import ocsp

    now = dt.datetime.now(dt.UTC)
    builder = (
        ocsp.OCSPResponseBuilder()
        .add_response(
            cert=certificate,
            issuer=pki.oab.certificate,
            algorithm=hashes.SHA1(),  # noqa: S303  (OCSP CertID)
            cert_status=status,
            this_update=now - dt.timedelta(minutes=5),
            next_update=now + dt.timedelta(hours=4),
            revocation_time=now - dt.timedelta(days=1) if status is ocsp.OCSPCertStatus.REVOKED else None,
            revocation_reason=None,
        )
        .responder_id(ocsp.OCSPResponderEncoding.HASH, pki.oab.certificate)
    )
    return builder.sign(pki.oab.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def test_ocsp_when_enabled_stands_in_for_a_missing_crl_and_can_revoke(
    login_with, member_factory, pki, file_server, settings
):
    from cryptography.x509 import ocsp

    member_factory()
    CrlIssuer.objects.filter(key_id=key_id(pki.oab.certificate)).delete()
    settings.CERTAUTH_CRL_FETCH_ON_LOGIN = False
    leaf = pki.issue(LAWYER.but(ocsp_url=file_server.url("/ocsp")))
    file_server.responder = lambda request: ocsp_answer(pki, leaf.certificate, ocsp.OCSPCertStatus.GOOD)
    assert login_with(leaf)["X-Error-Code"] == Reason.CERT_REVOCATION_UNKNOWN, "OCSP is off by default"
    assert file_server.hits == []

    settings.CERTAUTH_OCSP = True
    assert login_with(leaf).status_code == 302
    accepted = LoginAttempt.objects.get(outcome=Outcome.ACCEPTED)
    assert accepted.revocation_status == "good" and "OCSP" in accepted.revocation_detail

    file_server.responder = lambda request: ocsp_answer(pki, leaf.certificate, ocsp.OCSPCertStatus.REVOKED)
    assert login_with(leaf)["X-Error-Code"] == Reason.CERT_REVOKED


def test_ocsp_answer_not_signed_by_the_ca_is_ignored(login_with, member_factory, pki, file_server, settings):
    from cryptography.x509 import ocsp

    member_factory()
    settings.CERTAUTH_OCSP = True
    leaf = pki.issue(LAWYER.but(ocsp_url=file_server.url("/ocsp")))
    good_from_elsewhere = ocsp_answer(pki, leaf.certificate, ocsp.OCSPCertStatus.REVOKED)
    file_server.responder = lambda request: good_from_elsewhere[:-10] + b"\x00" * 10  # signature broken
    assert login_with(leaf).status_code == 302, "an unusable OCSP answer leaves the (fresh, empty) CRL decisive"
