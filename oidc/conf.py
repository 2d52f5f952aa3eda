"""oidc settings: ``OIDC_<NAME>`` in Django settings, read when used (so ``override_settings`` works)."""

from __future__ import annotations

from typing import Any

from django.conf import settings as django_settings

DEFAULTS: dict[str, Any] = {
    # The RSA private key (PEM file) that signs ID tokens and logout tokens; older keys, published in the JWKS
    # until the tokens they signed have expired (rotation: add the new key as inactive, swap, drop the old one).
    "SIGNING_KEY_FILE": "",
    "INACTIVE_KEY_FILES": (),
    # Lifetimes (seconds). A refresh token never outlives the portal session it came from.
    "ACCESS_TOKEN_SECONDS": 300,
    "ID_TOKEN_SECONDS": 300,
    "AUTHORIZATION_CODE_SECONDS": 60,
    # Back-channel logout: a logout token's life, the delivery timeout, the retry backoff and when to give up.
    "LOGOUT_TOKEN_SECONDS": 120,
    "LOGOUT_TIMEOUT": 5.0,
    "LOGOUT_RETRY_FIRST_SECONDS": 2,
    "LOGOUT_RETRY_MAX_SECONDS": 300,
    "LOGOUT_GIVE_UP_SECONDS": 24 * 3600,
    # Open sessions that handed tokens to a client are re-evaluated by the worker at least this often (seconds),
    # and at once when staff change what they depend on.
    "SESSION_SWEEP_SECONDS": 60,
    # Ended session links (and their delivered or abandoned logouts) are kept this long for staff, then purged.
    "RETENTION_DAYS": 30,
    # The nginx gateway for a PAT that cannot speak OpenID Connect: the HMAC key shared with its upstream, the
    # upstream, its public base URL (where the login sends the user back), and whether it admits A3 sessions only.
    "GATEWAY_SECRET": "",
    "GATEWAY_UPSTREAM": "",
    "GATEWAY_BASE_URL": "",
    "GATEWAY_A3_ONLY": False,
}


class _Settings:
    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(name)
        return getattr(django_settings, f"OIDC_{name}", DEFAULTS[name])


settings = _Settings()
