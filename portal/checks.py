"""System checks of the portal's own configuration."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def check_demo_off_in_production(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if getattr(settings, "PORTAL_DEMO", False):
        return [
            checks.Warning(
                "PORTAL_DEMO is on: the demo PKI's root is trusted beside ICP-Brasil's.",
                id="portal.W001",
                hint="Never enable PORTAL_DEMO in production.",
            )
        ]
    return []


SESSION_ENGINE = "portal.sessions"
#: Each must come after the ones before it: the session limits leave messages, the member's access reads the
#: certificate the certificate-session middleware attached.
SESSION_MIDDLEWARE_ORDER = (
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.middleware.SessionLimitsMiddleware",
    "certauth.middleware.CertificateSessionMiddleware",
    "portal.middleware.MemberAccessMiddleware",
)


@checks.register(checks.Tags.security)
def check_session_enforcement(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Open sessions are limited and re-evaluated only with the portal's session engine (sessions findable by
    user) and its middlewares, in order."""
    errors: list[checks.CheckMessage] = []
    if settings.SESSION_ENGINE != SESSION_ENGINE:
        errors.append(
            checks.Error(
                f"SESSION_ENGINE must be '{SESSION_ENGINE}'.",
                id="portal.E001",
                hint="Without it staff changes cannot reach open sessions at once.",
            )
        )
    middleware = list(settings.MIDDLEWARE)
    positions = [middleware.index(m) if m in middleware else -1 for m in SESSION_MIDDLEWARE_ORDER]
    if -1 in positions or positions != sorted(positions):
        errors.append(
            checks.Error(
                "MIDDLEWARE must contain, in this order: " + ", ".join(SESSION_MIDDLEWARE_ORDER) + ".",
                id="portal.E002",
                hint="Sessions would otherwise outlive their limits, or the access of their member.",
            )
        )
    return errors


OFFICIAL_ADDRESS_SETTINGS = ("PORTAL_SUPPORT_URL", "PORTAL_AR_LIST_URL", "PORTAL_PAT_URL")


@checks.register(checks.Tags.security)
def check_official_addresses(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The official addresses are links on every page and e-mail: each is empty (no link) or an https address."""
    errors: list[checks.CheckMessage] = []
    for name in OFFICIAL_ADDRESS_SETTINGS:
        value = getattr(settings, name, "")
        if value and (not isinstance(value, str) or not _is_https_address(value)):
            if name == "PORTAL_PAT_URL" and settings.PORTAL_DEMO and _is_loopback_http_address(value):
                continue  # the demo's PAT stand-in (patdemo) serves plain http on loopback
            errors.append(
                checks.Error(
                    f"{name} must be an https:// address (or empty for no link): {value!r}.",
                    id="portal.E003",
                    hint="It is linked from the pages, the e-mails and nginx's own error pages.",
                )
            )
    return errors


def _is_loopback_http_address(value: str) -> bool:
    parts = urlsplit(value)
    return (
        parts.scheme == "http"
        and parts.hostname in ("localhost", "127.0.0.1")
        and not any(c.isspace() or c in "\"'<>$;{}\\" for c in value)
    )


def _is_https_address(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme == "https" and bool(parts.netloc) and not any(c.isspace() or c in "\"'<>$;{}\\" for c in value)
