"""Pure rules of the coordinators' pages (no Django): which sessions may coordinate, the association's totals, and
the adoption figure. The current time is never read here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

#: Login methods of a session made with an A3 certificate (``certauth.models.LoginMethod``): token/card and cloud.
CERTIFICATE_METHODS = frozenset({"certificate", "cloud"})

#: The refusal codes of the coordinators' pages (stable: support reads them on screenshots).
A3_REQUIRED = "COORDINATOR_A3_REQUIRED"
NOT_A_COORDINATOR = "COORDINATOR_NOT_APPOINTED"


def may_coordinate(method: str | None) -> bool:
    """Whether a session made with this login method may open the coordinator's pages (never a password one)."""
    return method in CERTIFICATE_METHODS


def adoption(members: int, members_a3: int) -> float | None:
    """The share of members who logged in with A3, in percent (None without members)."""
    return 100.0 * members_a3 / members if members else None


@dataclass(frozen=True)
class Totals:
    entities: int
    members: int
    members_a3: int

    @property
    def pending(self) -> int:
        return self.members - self.members_a3

    @property
    def adoption(self) -> float | None:
        return adoption(self.members, self.members_a3)


def totals(rows: Iterable[tuple[int, int]]) -> Totals:
    """The association's totals from its entities' (members, members with A3)."""
    entities = members = members_a3 = 0
    for m, a3 in rows:
        entities += 1
        members += m
        members_a3 += a3
    return Totals(entities, members, members_a3)


def step_pairs(steps_by_entity: dict[str, int]) -> set[str]:
    """``{"MUN-X": 7}`` → ``{"MUN-X:7"}``: what a summary covers."""
    return {f"{code}:{step}" for code, step in steps_by_entity.items()}


def digest_has_news(current: set[str], covered_before: str | None) -> bool:
    """Whether a summary is due: some entity reached a reminder step the recipient's last summary did not cover."""
    return bool(current - set((covered_before or "").split()))
