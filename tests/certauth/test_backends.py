"""ClientCertificateBackend answers only to its own keyword and vetoes with LoginRejected."""

from __future__ import annotations

import functools

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from django.test import RequestFactory

from certauth.backends import CertificateLogin, ClientCertificateBackend
from certauth.exceptions import LoginRejected
from certauth.icp.builder import A1_POLICY
from certauth.icp.errors import Reason
from tests.conftest import LAWYER

pytestmark = pytest.mark.usefixtures("crls")  # revocation is checked: the test ACs publish CRLs


@pytest.fixture
def request_(rf: RequestFactory):
    return rf.get("/entrar/certificado/")


def test_authenticate_with_client_certificate_returns_the_members_user(
    certauth_settings, member_factory, pki, request_
):
    member = member_factory()
    user = authenticate(request_, client_certificate=pki.issue(LAWYER).certificate)
    member.refresh_from_db()
    assert user == member.user
    assert isinstance(user.certificate_login, CertificateLogin)
    assert user.certificate_login.certificate.identity.cpf == LAWYER.cpf
    assert user.certificate_login.binding.organization_code == member.entities.get().code


def test_password_credentials_never_reach_the_certificate_backend(certauth_settings, db, request_, monkeypatch):
    calls = []
    original = ClientCertificateBackend.authenticate

    @functools.wraps(original)  # keeps the signature Django binds credentials against
    def spy(self, *args, **kwargs):
        calls.append(kwargs)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ClientCertificateBackend, "authenticate", spy)
    assert authenticate(request_, username="52601815906", password="x") is None
    assert calls == []


def test_rejection_stops_the_chain_signals_failure_and_is_left_on_the_request(certauth_settings, db, pki, request_):
    failures = []

    def on_failure(sender, credentials, request, **kwargs):
        failures.append(request)

    user_login_failed.connect(on_failure)
    try:
        assert (
            authenticate(request_, client_certificate=pki.issue(LAWYER.but(policy_oid=A1_POLICY)).certificate) is None
        )
    finally:
        user_login_failed.disconnect(on_failure)
    assert failures == [request_]
    assert isinstance(request_.certauth_rejection, LoginRejected)
    assert request_.certauth_rejection.reason is Reason.CERT_NOT_A3
    assert request_.certauth_rejection.facts is not None


def test_backend_raises_permission_denied_when_called_directly(certauth_settings, db, pki):
    with pytest.raises(LoginRejected) as exc:
        ClientCertificateBackend().authenticate(None, client_certificate=pki.issue(LAWYER).certificate)
    assert exc.value.reason is Reason.MEMBER_UNKNOWN
    assert exc.value.identity is not None and exc.value.identity.cpf == LAWYER.cpf


def test_deactivated_user_account_is_refused(certauth_settings, member_factory, pki):
    member = member_factory()
    ClientCertificateBackend().authenticate(None, client_certificate=pki.issue(LAWYER).certificate)
    member.refresh_from_db()
    member.user.is_active = False
    member.user.save()
    with pytest.raises(LoginRejected) as exc:
        ClientCertificateBackend().authenticate(None, client_certificate=pki.issue(LAWYER).certificate)
    assert exc.value.reason is Reason.MEMBER_INACTIVE
    assert ClientCertificateBackend().get_user(member.user.pk) is None


def test_get_user_restores_active_users_only(member_factory, certauth_settings, pki):
    member = member_factory()
    user = ClientCertificateBackend().authenticate(None, client_certificate=pki.issue(LAWYER).certificate)
    assert ClientCertificateBackend().get_user(user.pk) == user
    assert ClientCertificateBackend().get_user(999_999) is None
    assert member
