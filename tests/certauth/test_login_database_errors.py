"""The database failing during a certificate login — while the login is decided or while it is recorded — refuses it
with the AUDIT_UNAVAILABLE page (503, reference, Brasília time, try again shortly), opens no session and records
nothing; the page is rendered with the database still down. Never a 500, never an unaudited login."""

from __future__ import annotations

import re

import pytest
from django.db import DatabaseError

from certauth.backends import ClientCertificateBackend
from certauth.models import LoginAttempt
from portal.models import PortalSession
from tests.conftest import LAWYER
from tests.database_faults import AUDIT_INSERT, database_down_from

BRASILIA_DATETIME = re.compile(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}")
REFERENCE = re.compile(r"[0-9A-Z]{5}-[0-9A-Z]{5}")

#: Where the database goes down, in the order a first certificate login gets there.
MOMENTS = {
    "the revocation lookup": r"FROM certauth_crlissuer",
    "the member's binding": r'FROM "portal_member"',
    "the first login's account": r'INSERT INTO "portal_user"',
    "the audit row": AUDIT_INSERT,
    "the session row": r'^\s*INSERT INTO "portal_session"',
}


def assert_audit_unavailable_page(response) -> str:
    assert response.status_code == 503, response.content[:300]
    assert response["Retry-After"] == "60" and response["Cache-Control"] == "no-store"
    body = response.content.decode()
    assert re.search(r'id="codigo-erro"[^>]*>\s*AUDIT_<wbr>UNAVAILABLE\s*<', body), body
    reference = re.search(r'id="referencia"[^>]*>\s*([0-9A-Z]{5}-[0-9A-Z]{5})\s*<', body)
    assert reference, body
    assert BRASILIA_DATETIME.search(body)
    return reference.group(1)


def test_control_the_login_succeeds_with_the_database_up(login_with, member_factory):
    member_factory(oab="123456SP")
    with database_down_from(r"^(?!)") as fault:  # a trigger no query matches
        assert login_with(LAWYER).status_code == 302
    assert fault.failed == []
    assert LoginAttempt.objects.get().outcome == "accepted"
    assert PortalSession.objects.count() == 1  # the table the failure tests find empty


@pytest.mark.parametrize("moment", list(MOMENTS))
def test_a_database_failure_during_a_certificate_login_answers_audit_unavailable(login_with, member_factory, moment):
    member_factory(oab="123456SP")

    with database_down_from(MOMENTS[moment]) as fault:
        response = login_with(LAWYER)

    assert fault.failed, f"the database never went down: no query matched {MOMENTS[moment]!r}"
    assert_audit_unavailable_page(response)
    assert "_auth_user_id" not in response.wsgi_request.session
    assert not LoginAttempt.objects.exists()
    assert not PortalSession.objects.exists()  # the portal's session table (SESSION_ENGINE portal.sessions)


@pytest.mark.parametrize("moment", [m for m in MOMENTS if m not in ("the audit row", "the session row")])
def test_the_backend_lets_a_database_failure_through_instead_of_calling_the_certificate_malformed(
    certauth_settings, crls, member_factory, pki, moment
):
    """Nothing is wrong with the certificate: the backend must not turn the failure into a refusal of it (which would
    be audited as CERT_MALFORMED once the database is back, and tell the holder their certificate is bad)."""
    member_factory(oab="123456SP")
    certificate = pki.issue(LAWYER).certificate

    with database_down_from(MOMENTS[moment]) as fault, pytest.raises(DatabaseError):
        ClientCertificateBackend().authenticate_certificate(None, certificate)

    assert fault.failed
