from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from certauth.icp.clock import BRASILIA
from certauth.models import LoginMethod
from portal import session_keys
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
    return {"cutover_banner": {"date": when.strftime("%d/%m/%Y"), "days": max(days, 0), "own_date": own_date}}
