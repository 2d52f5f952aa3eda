"""Per-entity figures as a snapshot plus what changed since: pure arithmetic (no Django, instants as µs integers).

A membership *counts* for its entity when the membership, the member and the entity are active. What it adds to its
entity is a :class:`Mark`. An entity's :class:`Tally` is the sum of its marks; two figures depend on the clock —
members whose last password login is recent, members whose certificate expires soon — so a tally keeps the instants
that may count for those while the snapshot is valid (:class:`Windows`), and counts them at the instant asked.

Between snapshots, a member who changed (logged in, was edited, deleted, moved) has their old marks removed and
their current ones added. Sums and multisets are exact both ways; a maximum is not: when the member who held an
entity's last password login leaves it, the entity must be recounted from the members (:func:`apply` says which).
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, insort
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MICROSECOND = dt.timedelta(microseconds=1)


def micros(value: dt.datetime | None) -> int | None:
    """An aware instant as µs since the epoch (exact: no float on the way; integer arithmetic rather than a timedelta
    division, several times faster over thousands of values)."""
    if value is None:
        return None
    since = value - EPOCH
    return (since.days * 86_400 + since.seconds) * 1_000_000 + since.microseconds


#: ``date.toordinal()`` of the epoch.
_EPOCH_DAY = EPOCH.toordinal()


def naive_utc_micros(value: dt.datetime) -> int:
    """A naive datetime read as UTC (SQLite's columns), as µs since the epoch."""
    seconds = (value.toordinal() - _EPOCH_DAY) * 86_400 + value.hour * 3_600 + value.minute * 60 + value.second
    return seconds * 1_000_000 + value.microsecond


def instant(value: int | None) -> dt.datetime | None:
    return None if value is None else EPOCH + dt.timedelta(microseconds=value)


def encode(values: Iterable[int], sure: int = 0) -> str:
    """Instants an entity keeps, and how many more it counts without listing them: ``"<sure>;<instant>,…"``
    (without ``"<sure>;"`` when there are none such)."""
    listed = ",".join(str(v) for v in sorted(values))
    return f"{sure};{listed}" if sure else listed


def decode(text: str) -> tuple[int, list[int]]:
    """What :func:`encode` wrote: the count of instants not listed, and the listed ones, sorted."""
    sure, _, listed = text.rpartition(";")
    return int(sure) if sure else 0, list(map(int, listed.split(","))) if listed else []


@dataclass(frozen=True, slots=True)
class Mark:
    """What one counted membership adds to its entity."""

    member_id: int
    entity_id: int
    a3: bool  #: the member has logged in with A3
    never: bool  #: the member has never logged in (any method)
    last_password: int | None
    not_after: int | None


@dataclass(frozen=True, slots=True)
class Windows:
    """Which instants a snapshot taken at ``taken`` keeps so that it answers exactly at any instant from ``taken``
    to ``taken + valid``: password logins that may still be within ``recent`` of such an instant, expiries that may
    fall within ``soon`` after one."""

    taken: int
    valid: int
    recent: int
    soon: int

    @classmethod
    def of(cls, taken: dt.datetime, *, valid: dt.timedelta, recent: dt.timedelta, soon: dt.timedelta) -> Windows:
        return cls(micros(taken) or 0, valid // MICROSECOND, recent // MICROSECOND, soon // MICROSECOND)

    def keeps_password(self, value: int | None) -> bool:
        return value is not None and value >= self.taken - self.recent

    def keeps_expiry(self, value: int | None) -> bool:
        return value is not None and self.taken <= value < self.taken + self.soon + self.valid

    # Of those, the ones that count at every instant the snapshot answers for are counted, not listed: a password
    # login less than ``recent - valid`` before it was taken (recent until its end), an expiry from ``taken + valid``
    # to ``taken + soon`` (soon from its start to its end). Only the edges of the windows are listed (a few days'
    # worth instead of a month's): smaller rows to read and fewer instants to convert on each page.

    def sure_password(self, value: int) -> bool:
        return value >= self.taken + self.valid - self.recent

    def sure_expiry(self, value: int) -> bool:
        return self.taken + self.valid <= value < self.taken + self.soon

    def covers(self, at: int) -> bool:
        return self.taken <= at <= self.taken + self.valid


@dataclass(slots=True)
class Tally:
    """An entity's sums; ``password_logins`` and ``expiries`` are the instants of the windows' edges, kept sorted
    (read by bisection: thousands of entities per page), ``password_sure`` and ``expiries_sure`` count the others
    (:meth:`Windows.sure_password`)."""

    members: int = 0
    members_a3: int = 0
    members_never: int = 0
    last_password: int | None = None
    password_logins: list[int] = field(default_factory=list)
    expiries: list[int] = field(default_factory=list)
    password_sure: int = 0
    expiries_sure: int = 0

    def add(self, mark: Mark, windows: Windows) -> None:
        self.members += 1
        self.members_a3 += mark.a3
        self.members_never += mark.never
        if mark.last_password is not None and (self.last_password is None or mark.last_password > self.last_password):
            self.last_password = mark.last_password
        if mark.last_password is not None and windows.keeps_password(mark.last_password):
            if windows.sure_password(mark.last_password):
                self.password_sure += 1
            else:
                insort(self.password_logins, mark.last_password)
        if mark.not_after is not None and windows.keeps_expiry(mark.not_after):
            if windows.sure_expiry(mark.not_after):
                self.expiries_sure += 1
            else:
                insort(self.expiries, mark.not_after)

    def remove(self, mark: Mark, windows: Windows) -> bool:
        """Take ``mark`` out; False when the tally did not hold it (then recount the entity)."""
        self.members -= 1
        self.members_a3 -= mark.a3
        self.members_never -= mark.never
        held = min(self.members, self.members_a3, self.members_never) >= 0
        value = mark.last_password
        if value is not None and windows.keeps_password(value):
            if windows.sure_password(value):
                self.password_sure -= 1
                held = held and self.password_sure >= 0
            else:
                held = _take(self.password_logins, value) and held
        value = mark.not_after
        if value is not None and windows.keeps_expiry(value):
            if windows.sure_expiry(value):
                self.expiries_sure -= 1
                held = held and self.expiries_sure >= 0
            else:
                held = _take(self.expiries, value) and held
        return held

    def password_recent(self, at: int, recent: int) -> int:
        """At ``at``, an instant the snapshot answers for (:meth:`Windows.covers`)."""
        return self.password_sure + len(self.password_logins) - bisect_left(self.password_logins, at - recent)

    def expiring(self, at: int, soon: int) -> int:
        """At ``at``, an instant the snapshot answers for (:meth:`Windows.covers`)."""
        return self.expiries_sure + bisect_left(self.expiries, at + soon) - bisect_left(self.expiries, at)


def _take(values: list[int], value: int) -> bool:
    """Remove one ``value`` from the sorted list; False when it holds none."""
    index = bisect_left(values, value)
    if index < len(values) and values[index] == value:
        del values[index]
        return True
    return False


def tallies(marks: Iterable[Mark], windows: Windows) -> dict[int, Tally]:
    """The snapshot's tallies: each entity's marks summed."""
    found: dict[int, Tally] = defaultdict(Tally)
    for mark in marks:
        found[mark.entity_id].add(mark, windows)
    return dict(found)


def apply(found: dict[int, Tally], old: Iterable[Mark], new: Iterable[Mark], windows: Windows) -> set[int]:
    """Replace the changed members' ``old`` marks (from the snapshot) by their ``new`` ones (counted now), in place;
    the entities whose tally cannot be trusted afterwards (recount them from their members): one whose last
    password login left with a member, or that did not hold a mark the snapshot says it held."""
    recount: set[int] = set()
    replacing = {(m.member_id, m.entity_id): m for m in new}
    for mark in old:
        tally = found.setdefault(mark.entity_id, Tally())
        if not tally.remove(mark, windows):
            recount.add(mark.entity_id)
        if mark.last_password is not None and mark.last_password == tally.last_password:
            after = replacing.get((mark.member_id, mark.entity_id))
            if after is None or after.last_password is None or after.last_password < mark.last_password:
                recount.add(mark.entity_id)
    for mark in replacing.values():
        found.setdefault(mark.entity_id, Tally()).add(mark, windows)
    return recount
