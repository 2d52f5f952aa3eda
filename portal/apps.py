from __future__ import annotations

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Entidades parceiras"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from portal import checks, receivers  # noqa: F401  (registers checks and signal receivers)

        # portal.receivers records logins: the member's own dates for certificate logins (one UPDATE instead of
        # two on the login path), Django's last_login for the others.
        user_logged_in.disconnect(dispatch_uid="update_last_login")

        from django.db.models.signals import post_migrate

        from portal.groups import ensure_groups

        post_migrate.connect(ensure_groups, sender=self, dispatch_uid="portal.ensure_groups")
