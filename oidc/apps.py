from __future__ import annotations

from django.apps import AppConfig


class OidcConfig(AppConfig):
    name = "oidc"
    verbose_name = "Provedor de identidade (OpenID Connect)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from oidc import checks, receivers  # noqa: F401  (registers the checks and the logout receiver)
