from __future__ import annotations

from django.apps import AppConfig


class CertAuthConfig(AppConfig):
    name = "certauth"
    verbose_name = "Autenticação por certificado"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from certauth import checks, validator  # noqa: F401  (registers checks and the settings receiver)
