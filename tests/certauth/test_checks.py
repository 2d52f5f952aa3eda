"""certauth's system checks catch misconfiguration at start-up."""

from __future__ import annotations

from certauth import checks


def ids(messages) -> set[str]:
    return {m.id for m in messages}


def test_backend_missing_from_authentication_backends_is_an_error(settings):
    settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
    assert "certauth.E001" in ids(checks.check_backend_and_middleware())


def test_middleware_before_authentication_middleware_is_an_error(settings):
    middleware = [m for m in settings.MIDDLEWARE if m != checks.MIDDLEWARE]
    middleware.insert(middleware.index(checks.AUTH_MIDDLEWARE), checks.MIDDLEWARE)
    settings.MIDDLEWARE = middleware
    assert "certauth.E002" in ids(checks.check_backend_and_middleware())


def test_project_configuration_passes(certauth_settings):
    assert checks.check_backend_and_middleware() == []
    assert checks.check_proxy() == []
    assert checks.check_trust_store() == []


def test_empty_or_short_proxy_secret_is_reported(settings):
    settings.CERTAUTH_PROXY_SECRET = ""
    assert ids(checks.check_proxy()) == {"certauth.W001"}
    settings.CERTAUTH_PROXY_SECRET = "short"
    assert ids(checks.check_proxy()) == {"certauth.W002"}


def test_trusted_proxies_must_be_a_list_of_networks(certauth_settings):
    certauth_settings.CERTAUTH_TRUSTED_PROXIES = "127.0.0.1"
    assert ids(checks.check_proxy()) == {"certauth.E003"}
    certauth_settings.CERTAUTH_TRUSTED_PROXIES = ["127.0.0.1", "not-an-ip"]
    assert ids(checks.check_proxy()) == {"certauth.E003"}


def test_trust_settings_must_be_lists_and_loadable(certauth_settings, tmp_path):
    certauth_settings.CERTAUTH_TRUST_ROOTS = "/etc/roots.pem"
    assert ids(checks.check_trust_store()) == {"certauth.E004"}
    certauth_settings.CERTAUTH_TRUST_ROOTS = [str(tmp_path / "missing.pem")]
    assert ids(checks.check_trust_store()) == {"certauth.E006"}
    certauth_settings.CERTAUTH_TRUST_ROOTS = [str(tmp_path / "empty.pem")]
    (tmp_path / "empty.pem").write_text("")
    assert ids(checks.check_trust_store()) == {"certauth.E006"}


def test_policy_prefixes_must_be_dotted_oids(certauth_settings):
    certauth_settings.CERTAUTH_ACCEPTED_POLICY_PREFIXES = ["A3"]
    assert ids(checks.check_trust_store()) == {"certauth.E005"}
    certauth_settings.CERTAUTH_ACCEPTED_POLICY_PREFIXES = []
    assert ids(checks.check_trust_store()) == {"certauth.E005"}


def test_deploy_check_warns_when_no_trusted_proxy_is_listed(settings):
    from certauth.checks import check_trusted_proxies_in_production

    settings.CERTAUTH_TRUSTED_PROXIES = []
    assert [m.id for m in check_trusted_proxies_in_production()] == ["certauth.W004"]
    settings.CERTAUTH_TRUSTED_PROXIES = ["unix"]
    assert check_trusted_proxies_in_production() == []
