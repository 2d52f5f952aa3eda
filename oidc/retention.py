"""What the provider keeps, and for how long: ended session links (with their delivered or abandoned logouts) for
``OIDC_RETENTION_DAYS``, unexchanged codes' links for a few minutes, and the library's expired tokens and codes
(``oauth2_provider.models.clear_expired``). Run by ``manage.py oidc_worker`` once an hour."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from oauth2_provider.models import clear_expired

from oidc.conf import settings
from oidc.models import CodeLink, LogoutDelivery, SessionClient

#: A code lives a minute; its link to the session is dropped well after.
CODE_LINK_MINUTES = 10


@dataclass(frozen=True, slots=True)
class Purged:
    links: int
    codes: int


def purge(now: dt.datetime) -> Purged:
    cutoff = now - dt.timedelta(days=int(settings.RETENTION_DAYS))
    owed = LogoutDelivery.objects.filter(delivered_at__isnull=True, gave_up_at__isnull=True)
    old_links = SessionClient.objects.filter(ended_at__lt=cutoff).exclude(pk__in=owed.values("session_client_id"))
    links, _ = old_links.delete()
    codes, _ = CodeLink.objects.filter(created_at__lt=now - dt.timedelta(minutes=CODE_LINK_MINUTES)).delete()
    clear_expired()
    return Purged(links=links, codes=codes)
