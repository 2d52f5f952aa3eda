"""Pure rules of the managers' pages (no Django): which sessions may manage, a member's A3 situation, the day a
reminder counts for. The current time is always an argument."""

from __future__ import annotations

import datetime as dt
import enum
from zoneinfo import ZoneInfo

BRASILIA = ZoneInfo("America/Sao_Paulo")

#: Login methods of a session made with an A3 certificate (``certauth.models.LoginMethod``): token/card and cloud.
CERTIFICATE_METHODS = frozenset({"certificate", "cloud"})

#: The refusal codes of the managers' pages (stable: support reads them on screenshots).
A3_REQUIRED = "MANAGER_A3_REQUIRED"
NOT_A_MANAGER = "MANAGER_NOT_APPOINTED"


class Situation(enum.Enum):
    """A member's A3 situation, as the manager's list shows it."""

    NO_A3 = "sem-a3"
    EXPIRED = "vencido"
    EXPIRING = "vencendo"
    OK = "em-dia"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Situation.NO_A3: "Ainda não entrou com A3",
    Situation.EXPIRED: "Certificado vencido",
    Situation.EXPIRING: "Certificado vence em breve",
    Situation.OK: "Em dia",
}


def may_manage(method: str | None) -> bool:
    """Whether a session made with this login method may manage an entity's members (never a password one)."""
    return method in CERTIFICATE_METHODS


def situation(
    first_a3_login_at: dt.datetime | None, not_after: dt.datetime | None, *, now: dt.datetime, warn_days: int
) -> Situation:
    if first_a3_login_at is None:
        return Situation.NO_A3
    if not_after is None:
        return Situation.OK
    if not_after <= now:
        return Situation.EXPIRED
    if not_after <= now + dt.timedelta(days=warn_days):
        return Situation.EXPIRING
    return Situation.OK


def reminder_day(now: dt.datetime) -> dt.date:
    """The day (in Brasília) a reminder sent at ``now`` counts for: one a day per member."""
    return now.astimezone(BRASILIA).date()
