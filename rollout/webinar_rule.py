"""Which webinars a reader is told about, and how their time reads (pure: no Django, the instant is an argument).

- A webinar is *upcoming* until it ends (one in progress can still be joined); a past one is never mentioned.
- The page lists, for each superintendência, its upcoming webinars and the national ones, cancelled ones included
  (marked as such: whoever added one to a calendar comes back and learns it will not happen).
- The reminders and the banner mention one webinar: the next regional one for the reader's superintendências, or,
  with none, the next national one. A cancelled webinar is never mentioned there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

BRASILIA = ZoneInfo("America/Sao_Paulo")


@dataclass(frozen=True, slots=True)
class Event:
    key: str  #: the webinar's stable identifier (its UID)
    title: str
    start: dt.datetime  #: aware
    duration: dt.timedelta
    link: str
    region: str | None  #: a superintendência's code; None: national
    cancelled: bool = False

    @property
    def end(self) -> dt.datetime:
        return self.start + self.duration

    @property
    def national(self) -> bool:
        return self.region is None


def upcoming(events: Iterable[Event], at: dt.datetime) -> list[Event]:
    """The events that have not ended at ``at``, by start (cancelled ones included)."""
    return sorted((e for e in events if e.end > at), key=lambda e: (e.start, e.title, e.key))


def for_region(events: Iterable[Event], region: str, at: dt.datetime) -> list[Event]:
    """What a superintendência's readers see listed: its upcoming events and the national ones."""
    return [e for e in upcoming(events, at) if e.region in (None, region)]


def next_for(events: Iterable[Event], regions: Iterable[str], at: dt.datetime) -> Event | None:
    """The next event to mention to a reader of these superintendências: regional first, else national."""
    wanted = set(regions)
    live = [e for e in upcoming(events, at) if not e.cancelled]
    regional = [e for e in live if e.region is not None and e.region in wanted]
    national = [e for e in live if e.region is None]
    found = regional or national
    return found[0] if found else None


def brasilia_label(instant: dt.datetime) -> str:
    """``10/03/2027, 14h00 (horário de Brasília)`` (America/Sao_Paulo: UTC−3 all year since 2019)."""
    local = instant.astimezone(BRASILIA)
    return f"{local:%d/%m/%Y}, {local:%H}h{local:%M} (horário de Brasília)"


def duration_label(duration: dt.timedelta) -> str:
    """``1h30``, ``2h``, ``45 min``."""
    minutes = int(duration.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours}h{rest:02d}" if rest else f"{hours}h"
