"""System checks of the provider."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register


@register()
def check_signing_key(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    provider = getattr(settings, "OAUTH2_PROVIDER", {})
    if not provider.get("OIDC_RSA_PRIVATE_KEY"):
        return [
            Error(
                "The OpenID provider has no signing key.",
                hint="Set OIDC_SIGNING_KEY_FILE to an RSA private key (PEM) readable by the portal "
                "(openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072).",
                id="oidc.E001",
            )
        ]
    return []
