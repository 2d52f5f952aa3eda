from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from certauth.icp.clock import BRASILIA
from certauth.models import LoginMethod
from portal import session_keys
from portal.models import PartnerEntity
from rollout import webinars
from rollout.conf import settings


def cutover_banner(request: HttpRequest) -> dict[str, Any]:
    """For password sessions before their cutover: "your access will require an A3 certificate from … — N days"."""
    session = getattr(request, "session", None)
    if session is None or session.get(session_keys.METHOD) != LoginMethod.PASSWORD:
        return {}
    cutover = session.get(session_keys.CUTOVER_AT)
    if cutover is None:
        return {}
    when = dt.datetime.fromtimestamp(cutover, tz=BRASILIA)
    days = (when.date() - timezone.now().astimezone(BRASILIA).date()).days
    if days > int(settings.BANNER_DAYS):
        return {}
    own_date = bool(session.get(session_keys.CUTOVER_OWN_DATE))  # the entity's own date (an override)
    banner = {"date": when.strftime("%d/%m/%Y"), "days": max(days, 0), "own_date": own_date}
    return {"cutover_banner": {**banner, "webinar": _next_webinar(session.get(session_keys.PASSWORD_ENTITIES, []))}}


def _next_webinar(entity_ids: list[int]) -> webinars.Mention | None:
    """The next webinar for the superintendências of the session's entities, else the next national one (two
    queries, only while the banner shows)."""
    ufs = PartnerEntity.objects.filter(pk__in=entity_ids).values_list("uf", flat=True)
    regions = webinars.regions_of_ufs(ufs)
    now = timezone.now()
    chosen = webinars.next_for(webinars.upcoming(now, regions=regions), regions, now)
    return webinars.mention(chosen) if chosen else None
