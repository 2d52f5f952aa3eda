"""Bookkeeping that follows a login (telling others, never deciding anything)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import timezone

from portal.models import User
from portal.services import record_member_login


@receiver(user_logged_in, dispatch_uid="portal.record_member_login")
def _record_member_login(sender: Any, *, user: User, **kwargs: Any) -> None:
    login = getattr(user, "certificate_login", None)
    if login is not None:
        record_member_login(user=user, method="certificate", at=login.certificate.validated_at)
    elif isinstance(user, User):
        record_member_login(user=user, method="password", at=timezone.now())
