from __future__ import annotations

from django.apps import AppConfig


class CloudAuthConfig(AppConfig):
    name = "cloudauth"
    verbose_name = "Certificado A3 em nuvem (PSC)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from cloudauth import checks  # noqa: F401  (registers the system checks)
