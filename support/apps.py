from __future__ import annotations

from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "support"
    verbose_name = "Suporte"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from support import checks  # noqa: F401  (registers the checks)
        from support.groups import ensure_support_access

        # After portal's own receiver (this app comes after portal in INSTALLED_APPS): portal sets its groups'
        # permissions from its list, then this adds the lookup to them.
        post_migrate.connect(ensure_support_access, sender=self, dispatch_uid="support.ensure_support_access")
