from __future__ import annotations

from django.apps import AppConfig


class ManagersConfig(AppConfig):
    name = "managers"
    verbose_name = "Gestores das entidades parceiras"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from managers import checks  # noqa: F401  (registers the checks)
        from managers.groups import grant_permissions

        # After portal's own (INSTALLED_APPS order): it sets the staff groups' permissions, this adds ours.
        post_migrate.connect(grant_permissions, sender=self, dispatch_uid="managers.grant_permissions")
