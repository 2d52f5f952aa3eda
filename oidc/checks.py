"""System checks of the provider."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register

HINT = (
    "Set OIDC_SIGNING_KEY_FILE to an RSA private key (PEM) readable by the portal (python -m oidc.keygen FILE; "
    "`make demo` makes the demo's)."
)


def _has_key() -> bool:
    return bool(getattr(settings, "OAUTH2_PROVIDER", {}).get("OIDC_RSA_PRIVATE_KEY"))


@register()
def check_signing_key(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Everywhere: a warning (the portal serves; the provider's token endpoint cannot sign)."""
    if _has_key():
        return []
    return [Warning("The OpenID provider has no signing key: it cannot issue ID tokens.", hint=HINT, id="oidc.W001")]


@register(deploy=True)
def check_signing_key_deploy(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """In production (``check --deploy``): an error."""
    if _has_key():
        return []
    return [Error("The OpenID provider has no signing key.", hint=HINT, id="oidc.E001")]
