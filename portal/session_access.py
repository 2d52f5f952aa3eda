"""Open sessions follow the access decision: found by user, re-evaluated at once when staff change what they depend
on, or ended by staff.

A session's access is decided again by the middlewares (``portal.middleware.MemberAccessMiddleware`` for the
member, memberships and entities; ``certauth.middleware`` for the certificate's path; ``rollout.middleware`` for
the cutover of password sessions) at least every minute. :func:`request_recheck` makes them do it at the
session's next request instead: it counts up the sessions' rows' ``PortalSession.access_generation``, which
every request reads anyway with its session — no query is added to a request. The receivers in ``portal.receivers``
call it whenever a member, a membership, an OAB registration, an entity, an account or the schedule changes,
whoever changes it (admin, history revert, import, command); the periodic re-check stays the backstop for
writes that send no signal (``QuerySet.update``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import F, QuerySet
from django.utils import timezone

from portal.models import Member, PortalSession

#: Account ids: a list, or a ``values_list`` subquery (one UPDATE however many members).
UserIds = Iterable[int] | QuerySet[Any, Any]


def request_recheck(*, user_ids: UserIds | None = None, everyone: bool = False) -> int:
    """Mark the open sessions of these users (or every session) for re-evaluation at their next request."""
    sessions = PortalSession.objects.filter(user__isnull=False)
    if not everyone:
        if user_ids is None:
            raise ValueError("user_ids or everyone=True")
        sessions = sessions.filter(user_id__in=user_ids)
    return sessions.update(access_changed_at=timezone.now(), access_generation=F("access_generation") + 1)


def request_path_recheck(*, issuer_key_id: str) -> int:
    """Mark the open certificate sessions whose path this AC issued a certificate of (its new CRL may list it)."""
    if not issuer_key_id:
        return 0
    sessions = PortalSession.objects.filter(path_issuers__contains=issuer_key_id)
    return sessions.update(access_changed_at=timezone.now(), access_generation=F("access_generation") + 1)


def members_users(members: QuerySet[Member]) -> QuerySet[Any, Any]:
    """The accounts of these members (a subquery: one UPDATE marks every session of an entity)."""
    return members.filter(user__isnull=False).values_list("user_id", flat=True)


def end_sessions(*, user_ids: UserIds) -> int:
    """Staff end these users' open sessions: each shows ``SESSION_ENDED`` at its next request."""
    now = timezone.now()
    sessions = PortalSession.objects.filter(user_id__in=user_ids)
    return sessions.update(end_requested_at=now, access_changed_at=now, access_generation=F("access_generation") + 1)
