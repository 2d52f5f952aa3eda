"""A reminder due (``Outgoing``): who receives it, about what, and what its template needs; and its recipient's
address as recorded and as printed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from portal.models import Member, PartnerEntity
from rollout.models import Reminder

#: What makes a reminder the same one (``Reminder``'s unique fields): sent once.
Key = tuple[str, int, int | None, int | None, str, dt.date]


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message due: who, about what, and what its template needs."""

    kind: Reminder.Kind
    step_days: int
    entity: PartnerEntity | None
    member: Member | None
    recipient: str
    target_date: dt.date
    template: str  #: base name under ``templates/rollout/email/``
    context: dict[str, Any] = field(compare=False, repr=False)

    @property
    def key(self) -> Key:
        return (
            self.kind.value,
            self.step_days,
            self.entity.pk if self.entity else None,
            self.member.pk if self.member else None,
            self.recipient,
            self.target_date,
        )


def recipient_address(email: str) -> str:
    """The address as messages are sent to and recorded for it (one recipient however it was typed)."""
    return email.strip().lower()


def mask_email(address: str) -> str:
    """``maria@oab.org.br`` → ``m***@oab.org.br``."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"
