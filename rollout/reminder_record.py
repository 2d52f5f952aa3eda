"""The record of the reminders sent (``Reminder``): which were sent already, and recording one once accepted."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from rollout.models import Reminder
from rollout.reminder_outgoing import Key, Outgoing


def sent_keys(target_dates: set[dt.date]) -> set[Key]:
    """The keys of the reminders recorded for these target dates."""
    if not target_dates:
        return set()
    rows = Reminder.objects.filter(target_date__in=target_dates).values_list(
        "kind", "step_days", "entity_id", "member_id", "recipient", "target_date"
    )
    return set(rows)


def record(outgoing: Outgoing) -> None:
    """Record a reminder the mail backend accepted (a record another run made meanwhile is kept)."""
    try:
        with transaction.atomic():
            Reminder.objects.create(
                kind=outgoing.kind,
                step_days=outgoing.step_days,
                entity=outgoing.entity,
                member=outgoing.member,
                recipient=outgoing.recipient,
                target_date=outgoing.target_date,
                sent_at=timezone.now(),
            )
    except IntegrityError:
        pass  # another run recorded the same reminder meanwhile
