"""portal's system checks: open sessions are limited and re-evaluated only with its engine and middlewares."""

from __future__ import annotations

from portal import checks


def ids(messages) -> set[str]:
    return {m.id for m in messages}


def test_the_project_configuration_passes():
    assert checks.check_session_enforcement() == []


def test_another_session_engine_is_an_error(settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    assert ids(checks.check_session_enforcement()) == {"portal.E001"}


def test_a_missing_session_middleware_is_an_error(settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != "portal.middleware.MemberAccessMiddleware"]
    assert ids(checks.check_session_enforcement()) == {"portal.E002"}


def test_the_member_check_before_the_certificate_middleware_is_an_error(settings):
    middleware = [m for m in settings.MIDDLEWARE if m != "portal.middleware.MemberAccessMiddleware"]
    middleware.insert(
        middleware.index("certauth.middleware.CertificateSessionMiddleware"), "portal.middleware.MemberAccessMiddleware"
    )
    settings.MIDDLEWARE = middleware
    assert ids(checks.check_session_enforcement()) == {"portal.E002"}
