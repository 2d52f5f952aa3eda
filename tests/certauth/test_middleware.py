"""Sessions made with a certificate end when that certificate expires; other sessions are untouched."""

from __future__ import annotations

import datetime as dt

import time_machine

from certauth.icp.errors import Reason
from certauth.models import LoginAttempt
from certauth.sessions import SESSION_KEY
from tests.conftest import LAWYER


def test_session_carries_the_certificate_on_the_portal_host(proxy_client, login_with, member_factory):
    member_factory()
    login_with(LAWYER)
    response = proxy_client.get("/painel/", secure=True)
    assert response.status_code == 200
    certificate = response.wsgi_request.session_certificate
    assert certificate.cpf == LAWYER.cpf
    assert certificate.certificate_type == "A3"


def test_session_ends_once_the_certificate_expires(proxy_client, login_with, member_factory, pki):
    member_factory()
    # Expires 10 minutes after the test PKI's "now": well inside the 30-minute idle timeout of the session.
    leaf = pki.issue(LAWYER.but(valid_from=-dt.timedelta(days=1), valid_for=dt.timedelta(days=1, minutes=10)))
    login_with(leaf)
    with time_machine.travel(leaf.certificate.not_valid_after_utc + dt.timedelta(seconds=1), tick=False):
        response = proxy_client.get("/painel/", secure=True)
    assert response.status_code == 403
    assert response["X-Error-Code"] == Reason.CERT_EXPIRED
    assert "_auth_user_id" not in proxy_client.session
    assert LoginAttempt.objects.filter(code=Reason.CERT_EXPIRED, reference=response["X-Reference"]).exists()


def test_session_without_certificate_data_is_logged_out(proxy_client, login_with, member_factory):
    member_factory()
    login_with(LAWYER)
    session = proxy_client.session
    del session[SESSION_KEY]
    session.save()
    response = proxy_client.get("/painel/", secure=True)
    assert response.status_code == 302  # back to the home page, logged out
    assert "_auth_user_id" not in proxy_client.session


def test_password_sessions_are_left_alone(client, django_user_model):
    user = django_user_model.objects.create_user("staff", password="a-long-password-123")
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/painel/", secure=True)
    assert response.status_code == 200
    assert response.wsgi_request.session_certificate is None
