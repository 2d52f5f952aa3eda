"""The database failing during a password login — while the password is checked, the member and the schedule are
read, or the login is recorded — refuses it with the AUDIT_UNAVAILABLE page (503, reference, Brasília time, try
again shortly), opens no session and records nothing; the page is rendered with the database still down."""

from __future__ import annotations

import re

import pytest
from django.conf import settings as django_settings
from django.test import Client

from certauth.models import LoginAttempt
from portal.models import PortalSession, User
from tests.conftest import LAWYER
from tests.database_faults import AUDIT_INSERT, database_down_from

PASSWORD = "senha-antiga-do-portal-123"  # noqa: S105
BRASILIA_DATETIME = re.compile(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}")

#: Where the database goes down, in the order a password login gets there.
MOMENTS = {
    "the password check": r'FROM "portal_user"',
    "the member lookup": r'FROM "portal_member"',
    "the schedule": r'FROM "rollout_',
    "the audit row": AUDIT_INSERT,
    "the session row": r'^\s*INSERT INTO "portal_session"',
}


@pytest.fixture
def password_member(entity_factory, member_factory):
    member = member_factory(LAWYER.cpf, name="Maria da Silva", entity=entity_factory(uf="RS"))
    member.user = User.objects.create_user(username=LAWYER.cpf, cpf=LAWYER.cpf, password=PASSWORD)
    member.save()
    return member


def post(cpf: str = LAWYER.cpf, password: str = PASSWORD):
    client = Client(HTTP_HOST=django_settings.PORTAL_HOSTNAME)
    return client.post("/entrar/senha/", {"cpf": cpf, "password": password}, secure=True)


def test_control_the_login_succeeds_with_the_database_up(password_member):
    response = post()
    assert response.status_code == 302, response.content[:300]
    assert LoginAttempt.objects.get().outcome == "accepted"
    assert PortalSession.objects.count() == 1  # the table the failure tests find empty


@pytest.mark.parametrize("moment", list(MOMENTS))
def test_a_database_failure_during_a_password_login_answers_audit_unavailable(password_member, moment):
    with database_down_from(MOMENTS[moment]) as fault:
        response = post()

    assert fault.failed, f"the database never went down: no query matched {MOMENTS[moment]!r}"
    assert response.status_code == 503, response.content[:300]
    assert response["Retry-After"] == "60" and response["Cache-Control"] == "no-store"
    body = response.content.decode()
    assert re.search(r'id="codigo-erro"[^>]*>\s*AUDIT_<wbr>UNAVAILABLE\s*<', body), body
    assert re.search(r'id="referencia"[^>]*>\s*[0-9A-Z]{5}-[0-9A-Z]{5}\s*<', body), body
    assert BRASILIA_DATETIME.search(body)
    text = re.sub(r"\s+", " ", body)
    assert "conferir e registrar o seu acesso com senha" in text and "certificado foi aceito" not in text
    assert 'href="/entrar/senha/"' in body  # "Tentar novamente" leads back to the password page
    assert "_auth_user_id" not in response.wsgi_request.session
    assert not LoginAttempt.objects.exists()
    assert not PortalSession.objects.exists()  # the portal's session table (SESSION_ENGINE portal.sessions)
