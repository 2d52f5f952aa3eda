"""cloudauth's system checks."""

from __future__ import annotations

from cloudauth.checks import check_backend, check_plain_http


def test_missing_cloud_backend_is_an_error(settings):
    settings.AUTHENTICATION_BACKENDS = ["certauth.backends.ClientCertificateBackend"]
    assert [m.id for m in check_backend()] == ["cloudauth.E001"]


def test_installed_cloud_backend_passes():
    assert check_backend() == []


def test_plain_http_allowed_is_a_deployment_warning(settings):
    settings.CLOUDAUTH_ALLOW_HTTP = True
    assert [m.id for m in check_plain_http()] == ["cloudauth.W001"]
    settings.CLOUDAUTH_ALLOW_HTTP = False
    assert check_plain_http() == []
