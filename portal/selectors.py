"""Read-only queries for the pages."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.base import SessionBase

from portal.binding import SESSION_ENTITY_KEY
from portal.models import Member, PartnerEntity, User


def dashboard_context(*, user: User, session: SessionBase) -> dict[str, Any]:
    member = Member.objects.filter(user=user).prefetch_related("oab_registrations").first()
    entity = None
    entity_id = session.get(SESSION_ENTITY_KEY)
    if entity_id is not None:
        entity = PartnerEntity.objects.filter(pk=entity_id).first()
    return {
        "member": member,
        "entity": entity,
        "oab_registrations": list(member.oab_registrations.all()) if member else [],
    }
