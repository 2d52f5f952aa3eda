"""The reminders due at an instant: whom (``rollout.reminder_recipients``) with which message
(``rollout.reminder_messages``), each once (``rollout.reminder_record``)."""

from __future__ import annotations

import datetime as dt

from rollout import webinars
from rollout.models import Reminder
from rollout.reminder_messages import certificate_message, entity_messages, webinar_for
from rollout.reminder_outgoing import Outgoing
from rollout.reminder_recipients import certificates_expiring, entities_due, members_not_ready
from rollout.reminder_record import sent_keys


def due_reminders(at: dt.datetime) -> list[Outgoing]:
    """The messages due at ``at``, minus those already sent."""
    candidates = _dedupe([*cutover_reminders(at), *certificate_reminders(at)])
    sent = sent_keys({o.target_date for o in candidates})
    return [o for o in candidates if o.key not in sent]


def cutover_reminders(at: dt.datetime) -> list[Outgoing]:
    """Before the cutover (at the step reached) and once after it, to contacts and members not ready."""
    due = entities_due(at)
    not_ready = members_not_ready([d.entity.pk for d in due])
    before = Reminder.Kind.BEFORE_CUTOVER
    upcoming = webinars.upcoming(at) if any(d.kind == before for d in due) else []
    messages: list[Outgoing] = []
    for d in due:
        webinar = webinar_for(upcoming, d.entity, at) if d.kind == before else None
        messages.extend(entity_messages(d, not_ready.get(d.entity.pk, []), at, webinar))
    return messages


def certificate_reminders(at: dt.datetime) -> list[Outgoing]:
    """Active members of an active entity whose certificate expires within the configured days."""
    return [certificate_message(member, at) for member in certificates_expiring(at)]


def _dedupe(messages: list[Outgoing]) -> list[Outgoing]:
    return list({o.key: o for o in messages}.values())
