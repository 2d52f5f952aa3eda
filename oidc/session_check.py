"""Deciding whether a portal session is still open, for a caller that is not the session's browser: the token
endpoint (a refresh), and the worker that ends the sessions nobody visits any more (the user is at the PAT).

The decision is not written again here: a request for the session is sent through the site's own middleware stack
(idle and absolute limits, sessions staff ended, the certificate's expiry and path revocation, the member's access,
the cutover of password sessions) to a probe view. If a middleware ends the session, it does so exactly as for the
browser — logged out, audited with its code — and the logout reaches the clients (``oidc.receivers``).
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import logging
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings as django_settings
from django.core.handlers.base import BaseHandler
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone

from oidc.conf import settings
from portal.middleware import BACKGROUND_CHECK

log = logging.getLogger(__name__)

#: The attribute a background request carries: the idle limit does not count it as the user's activity.
BACKGROUND = BACKGROUND_CHECK
#: The probe's answer when the session is open (any other answer: it is not).
OPEN_STATUS = 204


class Outcome(enum.StrEnum):
    OPEN = "open"
    ENDED = "ended"  # a middleware ended it now (audited, clients told)
    GONE = "gone"  # no such session, or anonymous


@dataclass(frozen=True, slots=True)
class SessionVerdict:
    outcome: Outcome
    status: int

    @property
    def open(self) -> bool:
        return self.outcome is Outcome.OPEN


@functools.lru_cache(maxsize=1)
def _handler() -> BaseHandler:
    handler = BaseHandler()
    handler.load_middleware()
    return handler


def probe_request(session_key: str, *, touch: bool) -> HttpRequest:
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = reverse("oidc:session_probe")
    host = str(django_settings.PORTAL_HOSTNAME)
    request.META = {
        "REQUEST_METHOD": "GET",
        "SERVER_NAME": host,
        "SERVER_PORT": "443",
        "HTTP_HOST": host,
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_USER_AGENT": "verificacao-de-sessao (provedor OpenID)",
    }
    request.COOKIES = {django_settings.SESSION_COOKIE_NAME: session_key}
    setattr(request, BACKGROUND, not touch)
    return request


def check_session(session_key: str, *, touch: bool = False) -> SessionVerdict:
    """Send a request for this session through the middleware stack; ``touch``: count it as the user's activity
    (a refresh: the PAT refreshes when its user acts), else the idle limit does not see it."""
    if not session_key:
        return SessionVerdict(Outcome.GONE, 0)
    response: HttpResponseBase = _handler().get_response(probe_request(session_key, touch=touch))
    if response.status_code == OPEN_STATUS:
        return SessionVerdict(Outcome.OPEN, response.status_code)
    if response.status_code == 401:
        return SessionVerdict(Outcome.GONE, response.status_code)
    return SessionVerdict(Outcome.ENDED, response.status_code)


def probe(request: HttpRequest) -> HttpResponse:
    """The view at the end of the synthetic request: reached only if no middleware ended the session. Never served
    to the outside (nginx does not route it; it answers only to the background check)."""
    if getattr(request, BACKGROUND, None) not in (True, False):
        return HttpResponse(status=404)
    if not request.user.is_authenticated:
        return HttpResponse(status=401)
    response = HttpResponse(status=OPEN_STATUS)
    response["Cache-Control"] = "no-store"
    return response


def sweep(now: dt.datetime | None = None) -> int:
    """Re-evaluate the open sessions that handed tokens to clients: at once when staff changed something they depend
    on (their row's count of access changes moved), else every ``OIDC_SESSION_SWEEP_SECONDS``; a session whose row
    has gone or expired ends its links. Returns how many sessions were checked."""
    from oidc.models import SessionClient
    from oidc.receivers import end_links
    from portal.models import PortalSession

    now = now or timezone.now()
    interval = dt.timedelta(seconds=int(settings.SESSION_SWEEP_SECONDS))
    links: dict[str, list[SessionClient]] = defaultdict(list)
    for link in SessionClient.objects.filter(ended_at__isnull=True).only(
        "id", "session_key", "checked_generation", "checked_at"
    ):
        links[link.session_key].append(link)
    if not links:
        return 0
    rows = {
        row.session_key: row
        for row in PortalSession.objects.filter(session_key__in=list(links)).only(
            "session_key", "expire_date", "access_generation"
        )
    }
    checked = 0
    for key, session_links in links.items():
        row = rows.get(key)
        if row is None or row.expire_date <= now:
            end_links(key, reason="SESSION_GONE", at=now)
            continue
        due = any(
            link.checked_at is None
            or now - link.checked_at >= interval
            or link.checked_generation != row.access_generation
            for link in session_links
        )
        if not due:
            continue
        checked += 1
        generation = row.access_generation  # read before the check: a later change is seen at the next sweep
        verdict = check_session(key)
        if verdict.open:
            SessionClient.objects.filter(pk__in=[link.pk for link in session_links]).update(
                checked_at=now, checked_generation=generation
            )
        else:
            end_links(key, reason="SESSION_GONE" if verdict.outcome is Outcome.GONE else "SESSION_ENDED", at=now)
    return checked
