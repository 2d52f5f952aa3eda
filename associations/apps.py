from __future__ import annotations

from django.apps import AppConfig


class AssociationsConfig(AppConfig):
    name = "associations"
    verbose_name = "Associações de entidades"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from associations import checks  # noqa: F401  (registers the checks)
        from associations.groups import grant_permissions

        # After portal's own (INSTALLED_APPS order): it sets the staff groups' permissions, this adds ours.
        post_migrate.connect(grant_permissions, sender=self, dispatch_uid="associations.grant_permissions")
