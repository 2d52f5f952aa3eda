"""Copies of an entity's summary for others who follow the entity: its Gerência-Executiva (Art. 4: the GEX notifies
the entities of its area)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from portal.models import PartnerEntity
from rollout.models import Reminder
from rollout.reminder_outgoing import Outgoing, recipient_address

#: The template of the copy: the contacts' summary, opened by a line naming the GEX (``gex_copy``).
SUMMARY_TEMPLATE = "lembrete_entidade"


def gex_copy(
    entity: PartnerEntity,
    kind: Reminder.Kind,
    step: int,
    cutover_on: dt.date,
    summary: dict[str, Any],
    recipients: Collection[str],
) -> Outgoing | None:
    """Before the cutover, a copy of the entity's summary for the contact e-mail of its GEX, if it has one and is not
    already among ``recipients`` (the entity's own contacts)."""
    gex = entity.gex
    if kind != Reminder.Kind.BEFORE_CUTOVER or gex is None or not gex.contact_email.strip():
        return None
    address = recipient_address(gex.contact_email)
    if address in recipients:
        return None
    copy = {**summary, "gex_copy": gex.name}
    return Outgoing(kind, step, entity, None, address, cutover_on, SUMMARY_TEMPLATE, copy)
