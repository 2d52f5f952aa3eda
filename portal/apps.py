from __future__ import annotations

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Entidades parceiras"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from portal import checks, receivers  # noqa: F401  (registers checks and signal receivers)
        from portal.status import receivers as status_receivers  # noqa: F401  (changes for the status figures)

        # portal.receivers records logins: the member's own dates for certificate logins (one UPDATE instead of
        # two on the login path), Django's last_login for the others.
        user_logged_in.disconnect(dispatch_uid="update_last_login")
        # django-axes guards the legacy password only: portal.receivers passes it password logins, never certificate
        # ones (two queries and a fifth of a certificate login's CPU, and a certificate login must not unlock a CPF
        # whose password is being guessed).
        from axes.signals import handle_user_logged_in

        user_logged_in.disconnect(handle_user_logged_in)

        from django.db.models.signals import post_migrate

        from portal.groups import ensure_groups

        post_migrate.connect(ensure_groups, sender=self, dispatch_uid="portal.ensure_groups")
