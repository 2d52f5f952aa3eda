"""Password sessions end when their entity's cutover comes (checked every minute, at once once it is due, and at
the next request after staff changed the schedule or the entity).

Place after ``django.contrib.auth.middleware.AuthenticationMiddleware``. Certificate sessions are not touched: an
A3 certificate is allowed in every phase. The cutover found at each check is kept in the session, for the banner.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from certauth.exceptions import LoginRejected
from certauth.icp.clock import format_brasilia
from certauth.icp.errors import Reason
from certauth.models import LoginMethod
from certauth.responses import ended_session
from certauth.sessions import access_generation
from portal import session_keys
from portal.models import PartnerEntity
from rollout.conf import settings
from rollout.schedule import earliest_cutover
from rollout.selectors import decisions_for
from rollout.session_cutover import remember_cutover


class CutoverMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and request.session.get(session_keys.METHOD) == LoginMethod.PASSWORD:
            now = timezone.now()
            cutover = request.session.get(session_keys.CUTOVER_AT)
            checked = request.session.get(session_keys.SCHEDULE_CHECKED_AT, 0)
            due = cutover is not None and now.timestamp() >= cutover
            generation = access_generation(request.session)
            changed = generation != request.session.get(session_keys.SCHEDULE_CHECKED_GENERATION, 0)
            if due or changed or time.time() - checked >= int(settings.RECHECK_SECONDS):
                ended = self.recheck(request, now)
                if ended is not None:
                    return ended
                request.session[session_keys.SCHEDULE_CHECKED_GENERATION] = generation
        return self.get_response(request)

    def recheck(self, request: HttpRequest, now: dt.datetime) -> HttpResponse | None:
        """Keep the entities whose cutover has not come; end the session if none is left."""
        ids = request.session.get(session_keys.PASSWORD_ENTITIES, [])
        decisions = decisions_for(PartnerEntity.objects.filter(pk__in=ids), at=now)
        still = [pk for pk, decision in decisions.items() if decision.password_allowed]
        if not still:
            since = earliest_cutover(decisions.values()) or now
            return self.end_session(request, since)
        request.session[session_keys.PASSWORD_ENTITIES] = still
        if request.session.get(session_keys.ENTITY) not in still:
            request.session.pop(session_keys.ENTITY, None)
        remember_cutover(request.session, (decisions[pk] for pk in still))
        request.session[session_keys.SCHEDULE_CHECKED_AT] = int(time.time())
        return None

    def end_session(self, request: HttpRequest, since: dt.datetime) -> HttpResponse:
        detail = (
            "Sessão encerrada: certificado digital A3 obrigatório para a sua entidade desde "
            f"{format_brasilia(since, seconds=False)}."
        )
        return ended_session(request, LoginRejected(Reason.PASSWORD_RETIRED, detail), method=LoginMethod.PASSWORD)
