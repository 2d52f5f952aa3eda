"""The audit of login attempts in the admin: visible, searchable, never editable."""

from __future__ import annotations

import re

import pytest
from django.contrib.admin.models import LogEntry

from certauth.audit_text import proxy_verify_text, revocation_reason_text, revocation_status_text
from certauth.icp.numbers import mask_cpf
from certauth.models import CrlIssuer, LoginAttempt
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


def crl_store() -> list[tuple[object, ...]]:
    return list(
        CrlIssuer.objects.order_by("pk").values_list("pk", "name", "key_id", "urls", "current_id", "last_error")
    )


def test_crl_store_is_visible_read_only(staff_client, crls):
    """Even for a superuser: no add, change, delete or bulk action writes anything (the store is filled only by
    ``manage.py crl`` and by logins)."""
    base = "/admin/certauth/crlissuer/"
    page = staff_client.get(base, secure=True)
    assert page.status_code == 200 and "AC Teste OAB" in page.content.decode()
    assert 'name="action"' not in page.content.decode(), "no bulk action is offered"
    issuer = CrlIssuer.objects.get(name__contains="AC Teste OAB")
    before, logged = crl_store(), LogEntry.objects.count()

    assert staff_client.get(f"{base}add/", secure=True).status_code == 403
    assert staff_client.post(f"{base}add/", {"name": "AC Forjada", "key_id": "00"}, secure=True).status_code == 403
    detail = staff_client.get(f"{base}{issuer.pk}/change/", secure=True)
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
    changed = {"name": "AC Forjada", "urls": '["http://lcr.atacante.example/oab.crl"]', "last_error": "", "_save": "1"}
    assert staff_client.post(f"{base}{issuer.pk}/change/", changed, secure=True).status_code == 403
    assert staff_client.post(f"{base}{issuer.pk}/delete/", {"post": "yes"}, secure=True).status_code == 403
    bulk = {"action": "delete_selected", "_selected_action": [issuer.pk], "post": "yes"}
    assert staff_client.post(base, bulk, secure=True).status_code in (200, 302)  # "no such action": nothing done

    assert crl_store() == before
    assert LogEntry.objects.count() == logged


# --- an attempt's page, as staff read it --------------------------------------------------------------------------


def test_an_accepted_logins_page_says_what_the_revocation_check_and_nginx_found(
    staff_client, login_with, member_factory
):
    """nginx does not validate (``optional_no_ca``): its FAILED verdict is informative; the portal validated."""
    member_factory()
    login_with(LAWYER, HTTP_X_SSL_CLIENT_VERIFY="FAILED:unable to verify the first certificate")
    attempt = LoginAttempt.objects.get(cpf=LAWYER.cpf, outcome="accepted")
    assert attempt.revocation_status == "good"
    body = staff_client.get(f"/admin/certauth/loginattempt/{attempt.pk}/change/", secure=True).content.decode()
    text = " ".join(re.sub(r"<[^>]+>", " ", body).split())
    assert "Revogação: verificada: não revogado" in text
    assert "LCR nº" in text  # which CRL said so
    assert (
        "Verificação do nginx (informativa; a validação é feita pelo portal): cadeia não verificada pelo nginx "
        "(FAILED:unable to verify the first certificate)"
    ) in text
    assert ": good" not in text


def test_an_attempts_page_masks_the_cpf_everywhere_and_names_the_code(staff_client, login_with, member_factory, pki):
    member_factory()
    login_with(LAWYER)
    login_with(LAWYER, pki.stranger)
    for attempt in LoginAttempt.objects.filter(cpf=LAWYER.cpf):
        body = staff_client.get(f"/admin/certauth/loginattempt/{attempt.pk}/change/", secure=True).content.decode()
        assert LAWYER.cpf not in body, attempt.outcome  # not in the DN, the detail or the CPF field
        assert mask_cpf(LAWYER.cpf) in body
    refused = LoginAttempt.objects.get(cpf=LAWYER.cpf, outcome="rejected")
    body = staff_client.get(f"/admin/certauth/loginattempt/{refused.pk}/change/", secure=True).content.decode()
    assert "CERT_UNTRUSTED — Certificado não reconhecido pela ICP-Brasil" in body


def test_audit_texts_for_every_revocation_status_and_nginx_verdict():
    assert revocation_status_text("good") == "verificada: não revogado"
    assert revocation_status_text("soft_fail").startswith("não verificada")
    assert revocation_status_text("not_checked").startswith("não verificada")
    assert revocation_status_text("revoked") == "revogado"
    assert revocation_status_text("") == ""
    assert revocation_reason_text("keyCompromise") == "comprometimento da chave (keyCompromise)"
    assert proxy_verify_text("SUCCESS") == "cadeia verificada também pelo nginx (SUCCESS)"
    assert proxy_verify_text("NONE") == "o nginx não recebeu certificado (NONE)"
    assert proxy_verify_text("") == ""
