from __future__ import annotations

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Entidades parceiras"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from portal import checks, receivers  # noqa: F401  (registers checks and signal receivers)
