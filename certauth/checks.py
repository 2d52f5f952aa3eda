"""System checks: misconfiguration is caught at start-up, with stable ids."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings as django_settings
from django.core import checks

from certauth.conf import settings

BACKEND = "certauth.backends.ClientCertificateBackend"
MIDDLEWARE = "certauth.middleware.CertificateSessionMiddleware"
AUTH_MIDDLEWARE = "django.contrib.auth.middleware.AuthenticationMiddleware"


@checks.register(checks.Tags.security)
def check_backend_and_middleware(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    if BACKEND not in django_settings.AUTHENTICATION_BACKENDS:
        errors.append(
            checks.Error(
                f"'{BACKEND}' must be in AUTHENTICATION_BACKENDS.",
                id="certauth.E001",
                hint="Without it certificate logins cannot be authenticated and sessions cannot be restored.",
            )
        )
    middleware = list(django_settings.MIDDLEWARE)
    if MIDDLEWARE in middleware and (
        AUTH_MIDDLEWARE not in middleware or middleware.index(MIDDLEWARE) < middleware.index(AUTH_MIDDLEWARE)
    ):
        errors.append(
            checks.Error(
                f"'{MIDDLEWARE}' must come after '{AUTH_MIDDLEWARE}' in MIDDLEWARE.",
                id="certauth.E002",
            )
        )
    return errors


@checks.register(checks.Tags.security)
def check_proxy(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    messages: list[checks.CheckMessage] = []
    secret = settings.PROXY_SECRET
    if not isinstance(secret, str) or not secret:
        messages.append(
            checks.Warning(
                "CERTAUTH_PROXY_SECRET is empty: every forwarded certificate is refused (PROXY_UNTRUSTED).",
                id="certauth.W001",
                hint="Set the same random secret in the environment of Django and of nginx.",
            )
        )
    elif len(secret) < 32:
        messages.append(
            checks.Warning(
                "CERTAUTH_PROXY_SECRET is shorter than 32 characters.",
                id="certauth.W002",
            )
        )
    proxies = settings.TRUSTED_PROXIES
    if isinstance(proxies, str):
        messages.append(
            checks.Error(
                "CERTAUTH_TRUSTED_PROXIES must be a list of addresses or networks, not a string.",
                id="certauth.E003",
            )
        )
    else:
        for value in proxies:
            if value == "unix":
                continue
            try:
                ipaddress.ip_network(str(value), strict=False)
            except ValueError:
                messages.append(
                    checks.Error(
                        f"CERTAUTH_TRUSTED_PROXIES entry {value!r} is not an address or network.",
                        id="certauth.E003",
                    )
                )
    return messages


@checks.register(checks.Tags.security)
def check_trust_store(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    for name in ("TRUST_ROOTS", "INTERMEDIATES", "ACCEPTED_POLICY_PREFIXES"):
        if isinstance(getattr(settings, name), str):
            return [checks.Error(f"CERTAUTH_{name} must be a list, not a string.", id="certauth.E004")]
    prefixes = list(settings.ACCEPTED_POLICY_PREFIXES)
    bad = [p for p in prefixes if not all(arc.isdigit() for arc in str(p).split("."))]
    if not prefixes or bad:
        return [
            checks.Error(
                f"CERTAUTH_ACCEPTED_POLICY_PREFIXES must be dotted OIDs (got {bad or 'nothing'}).",
                id="certauth.E005",
            )
        ]
    from certauth.validator import get_shipped_validator

    try:
        get_shipped_validator()  # the settings' files only: a system check does not read the database
    except (OSError, ValueError) as exc:
        return [
            checks.Error(
                f"The certificate trust store cannot be loaded: {exc}",
                id="certauth.E006",
                hint="Check CERTAUTH_TRUST_ROOTS and CERTAUTH_INTERMEDIATES (PEM files, comma-separated).",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def check_trusted_proxies_in_production(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if settings.TRUSTED_PROXIES:
        return []
    return [
        checks.Warning(
            "CERTAUTH_TRUSTED_PROXIES is empty: whoever reaches gunicorn and knows the proxy secret is the proxy.",
            id="certauth.W004",
            hint="Set it to nginx's address ('unix' for gunicorn's unix socket).",
        )
    ]
