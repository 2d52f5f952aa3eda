"""cloudauth settings: ``CLOUDAUTH_<NAME>`` in Django settings, read when used (so ``override_settings`` works)."""

from __future__ import annotations

from typing import Any

from django.conf import settings as django_settings

DEFAULTS: dict[str, Any] = {
    # Where the PSC sends the browser back (absolute URL on the portal host); "" builds it from the request.
    "REDIRECT_URI": "",
    # Seconds the portal waits for each PSC's user-discovery (all are asked at once).
    "DISCOVERY_TIMEOUT": 3.0,
    # Seconds the portal waits for the token, certificate and signature answers.
    "HTTP_TIMEOUT": 8.0,
    # Lifetime of the login challenge (from the choice of PSC to the signature), seconds; single use.
    "CHALLENGE_SECONDS": 300,
    # How long the portal waits for the approval of a push notification, seconds (with a countdown on screen).
    "APPROVAL_SECONDS": 120,
    # Minimum interval between two polls of a PSC for one push, seconds (PSCs ask for at least 1 s).
    "POLL_INTERVAL_SECONDS": 2,
    # The ``lifetime`` asked for the PSC's authorization (seconds): one signature, right now.
    "TOKEN_LIFETIME": 300,
    # Rate limits: cloud logins started per CPF and per address in the window.
    "RATE_WINDOW_SECONDS": 600,
    "RATE_PER_CPF": 5,
    "RATE_PER_IP": 30,
    # PSC base URLs must be https; http is allowed only here (tests and the demo's simulator on loopback).
    "ALLOW_HTTP": False,
}


class CloudAuthSettings:
    prefix = "CLOUDAUTH_"

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"unknown cloudauth setting {name!r}")
        return getattr(django_settings, self.prefix + name, DEFAULTS[name])


settings = CloudAuthSettings()
