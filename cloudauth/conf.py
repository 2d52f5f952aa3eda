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
    # Rate limits (``cloudauth.ratelimit``), cloud logins started in the window:
    "RATE_WINDOW_SECONDS": 600,
    # ... for one CPF from one address (an IPv6 /64) or from one browser known for that CPF;
    "RATE_PER_CPF": 5,
    # ... from one address (IPv6: one /64), any CPF, by browsers not known for the CPF;
    "RATE_PER_IP": 30,
    # ... for one CPF by browsers not known for it, all addresses together: bounds what strangers can send to the
    # holder's phone; the holder's known browsers are not counted (they cannot be locked out this way).
    "RATE_PER_CPF_ANONYMOUS": 10,
    # Days a browser stays "known" for a CPF after a completed cloud login (signed cookie, renewed at each login).
    "KNOWN_BROWSER_DAYS": 90,
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
