"""The provider forgets what it no longer needs, never a logout still owed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from oidc.models import LogoutDelivery, SessionClient
from oidc.retention import purge


def test_old_ended_links_go_unless_their_logout_is_still_owed(rp: Any, member_account: Callable[..., Any]) -> None:
    user = member_account()
    now = timezone.now()
    long_ago = now - dt.timedelta(days=31)

    def link(key: str, *, ended: dt.datetime | None, delivered: bool | None) -> SessionClient:
        made = SessionClient.objects.create(session_key=key, client=rp, user=user, ended_at=ended)
        if delivered is not None:
            LogoutDelivery.objects.create(
                session_client=made, next_attempt_at=now, delivered_at=now if delivered else None
            )
        return made

    delivered = link("a", ended=long_ago, delivered=True)
    owed = link("b", ended=long_ago, delivered=False)
    recent = link("c", ended=now, delivered=True)
    open_link = link("d", ended=None, delivered=None)
    purge(now)
    assert set(SessionClient.objects.values_list("pk", flat=True)) == {owed.pk, recent.pk, open_link.pk}
    assert not LogoutDelivery.objects.filter(session_client_id=delivered.pk).exists()
