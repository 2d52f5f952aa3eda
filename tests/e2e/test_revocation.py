"""Revocation through the real stack: the store is shared by the test process and gunicorn's workers."""

from __future__ import annotations

import pytest
from cryptography import x509

from certauth.icp.builder import RevokedEntry
from certauth.icp.crl import key_id
from certauth.models import CrlIssuer
from tests.conftest import LAWYER
from tests.e2e.conftest import assert_audited_once, assert_rejection_page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_revoked_certificate_is_refused_from_the_next_login_after_the_crl_is_loaded(
    e2e_stack, browser_factory, member_factory, publish_crl, pki
):
    member_factory()
    certificate = pki.issue(LAWYER)
    assert browser_factory(certificate).login().status == 302

    publish_crl(pki.oab, [RevokedEntry(certificate.certificate.serial_number, None, x509.ReasonFlags.superseded)])

    page = browser_factory(certificate).login()
    reference = assert_rejection_page(page, "CERT_REVOKED")
    row = assert_audited_once("CERT_REVOKED", reference)
    assert (row.revocation_status, row.revocation_reason) == ("revoked", "superseded")


def test_first_user_of_an_ac_whose_crl_is_not_held_is_served_by_an_on_demand_fetch(
    e2e_stack, browser_factory, member_factory, pki, file_server
):
    member_factory()
    CrlIssuer.objects.filter(key_id=key_id(pki.oab.certificate)).delete()
    file_server.files["/lcr/ac-teste-oab.crl"] = pki.builder.crl(pki.oab, number=77)
    urls = (file_server.down_url("/lcr/ac-teste-oab.crl"), file_server.url("/lcr/ac-teste-oab.crl"))
    certificate = pki.issue(LAWYER.but(crl_urls=urls))

    assert browser_factory(certificate).login().status == 302
    assert CrlIssuer.objects.get(key_id=key_id(pki.oab.certificate)).current.number == "77"
