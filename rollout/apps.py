from __future__ import annotations

from django.apps import AppConfig


class RolloutConfig(AppConfig):
    name = "rollout"
    verbose_name = "Cronograma de migração para o certificado A3"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from rollout import checks, receivers  # noqa: F401  (registers the checks and signal receivers)
