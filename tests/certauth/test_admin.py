"""The audit of login attempts in the admin: visible, searchable, never editable."""

from __future__ import annotations

import pytest

from certauth.models import LoginAttempt
from tests.conftest import LAWYER


@pytest.fixture
def staff_client(staff_factory, staff_login):
    return staff_login(staff_factory(superuser=True))


@pytest.fixture
def attempts(login_with, member_factory, pki):
    member_factory()
    login_with(LAWYER)
    login_with(LAWYER, pki.stranger)
    return list(LoginAttempt.objects.filter(cpf=LAWYER.cpf).order_by("created_at"))


def test_attempts_are_listed_and_searchable_by_reference_cpf_and_serial(staff_client, attempts):
    accepted, rejected = attempts
    url = "/admin/certauth/loginattempt/"
    assert staff_client.get(url, secure=True).status_code == 200
    for term, expected in [
        (rejected.reference, {rejected.reference}),
        (LAWYER.cpf, {accepted.reference, rejected.reference}),
        (accepted.cert_serial, {accepted.reference}),
    ]:
        page = staff_client.get(url, {"q": term}, secure=True).content.decode()
        shown = {a.reference for a in attempts if a.reference in page}
        assert shown == expected, term


def test_attempts_cannot_be_added_changed_or_deleted(staff_client, attempts):
    attempt = attempts[0]
    base = "/admin/certauth/loginattempt/"
    assert staff_client.get(base + "add/", secure=True).status_code == 403
    detail = staff_client.get(f"{base}{attempt.pk}/change/", secure=True)
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
    assert staff_client.post(f"{base}{attempt.pk}/change/", {"code": "X"}, secure=True).status_code == 403
    assert staff_client.post(f"{base}{attempt.pk}/delete/", {"post": "yes"}, secure=True).status_code == 403
    attempt.refresh_from_db()
    assert LoginAttempt.objects.filter(cpf=LAWYER.cpf).count() == 2


def test_serial_as_nginx_logs_it_with_a_leading_zero_finds_the_attempt(staff_client, attempts):
    accepted = attempts[0]
    page = staff_client.get("/admin/certauth/loginattempt/", {"q": "0" + accepted.cert_serial}, secure=True)
    assert accepted.reference in page.content.decode()


def test_crl_store_is_visible_read_only(staff_client, crls):
    page = staff_client.get("/admin/certauth/crlissuer/", secure=True)
    assert page.status_code == 200 and "AC Teste OAB" in page.content.decode()
    assert staff_client.get("/admin/certauth/crlissuer/add/", secure=True).status_code == 403
