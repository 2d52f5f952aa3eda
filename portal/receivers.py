"""Bookkeeping that follows a login (telling others, never deciding anything)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import update_last_login
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import timezone

from portal.models import User
from portal.services import record_member_login


@receiver(user_logged_in, dispatch_uid="portal.record_member_login")
def _record_member_login(sender: Any, *, request: Any, user: User, **kwargs: Any) -> None:
    """Members' login dates live on the member (first A3 login, last login per method); Django's own
    ``update_last_login`` — disconnected in ``PortalConfig.ready`` — still runs for every other login."""
    login = getattr(user, "certificate_login", None)
    if login is not None:
        certificate = login.certificate
        record_member_login(
            user=user,
            method=login.method,
            at=certificate.validated_at,
            certificate_not_after=certificate.facts.not_after,
        )
        return
    update_last_login(sender, user)
    if isinstance(user, User):
        record_member_login(user=user, method="password", at=timezone.now())
