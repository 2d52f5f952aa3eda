"""Access ends everywhere at once: when a portal session ends, every client that received a token for it is owed a
logout token (``LogoutDelivery``, delivered by ``manage.py oidc_worker``) and its tokens stop working.

Every end of a session goes through ``django.contrib.auth.logout`` (the logout page, the idle and absolute
limits, the cutover, a refusal of the member, the entity or the certificate, staff ending the sessions, the
RP-initiated logout), which sends ``user_logged_out`` while the session is still the request's; a session that
ends without a request (its row expired or deleted) is found by :func:`oidc.session_check.sweep`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models import Q
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from oidc.models import LogoutDelivery, SessionClient, SessionToken

#: The attribute ``certauth.responses.ended_session`` sets on the request: the code the session ended with.
END_REASON = "session_end_reason"


def end_links(session_key: str, *, reason: str, at: dt.datetime | None = None) -> int:
    """End this session's links to clients: their tokens are revoked and each client with a back-channel URI is
    owed one logout token. Idempotent (a link ends once). Returns how many links ended."""
    if not session_key:
        return 0
    now = at or timezone.now()
    with transaction.atomic():
        links = list(
            SessionClient.objects.select_for_update()
            .filter(session_key=session_key, ended_at__isnull=True)
            .select_related("client")
        )
        if not links:
            return 0
        SessionClient.objects.filter(pk__in=[link.pk for link in links]).update(ended_at=now, end_reason=reason[:40])
        families = SessionToken.objects.filter(session_client__in=links).values("token_family")
        refresh_tokens = get_refresh_token_model().objects.filter(token_family__in=families)
        get_access_token_model().objects.filter(
            Q(refresh_token__in=refresh_tokens) | Q(source_refresh_token__in=refresh_tokens)
        ).delete()
        refresh_tokens.delete()
        LogoutDelivery.objects.bulk_create(
            [
                LogoutDelivery(session_client=link, next_attempt_at=now)
                for link in links
                if link.client.backchannel_logout_uri
            ],
            ignore_conflicts=True,
        )
    return len(links)


@receiver(user_logged_out, dispatch_uid="oidc.end_links_on_logout")
def end_links_on_logout(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    key = getattr(session, "session_key", None)
    if key:
        end_links(key, reason=str(getattr(request, END_REASON, "") or "LOGOUT"))
