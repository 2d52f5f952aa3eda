"""An iCalendar file (RFC 5545) for one event, for "Adicionar à agenda (.ics)" (pure: no Django).

- Lines end in CRLF and are folded at 75 octets (a continuation line starts with one space; a UTF-8 character is
  never split across lines), §3.1.
- TEXT values (SUMMARY, DESCRIPTION, LOCATION) escape backslashes, commas, semicolons and newlines, §3.3.11.
- DTSTART, DTEND and DTSTAMP are UTC date-times ending in ``Z`` (§3.3.5, form #2): no VTIMEZONE needed.
- The UID stays the same for the life of the event; a changed or cancelled event is published again with a higher
  SEQUENCE, and a cancelled one with ``STATUS:CANCELLED``, so a calendar that imported it updates the same entry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

PRODID = "-//INSS//Portal de Acesso A3//PT-BR"
MEDIA_TYPE = "text/calendar"
LINE_OCTETS = 75
CRLF = "\r\n"


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    uid: str
    sequence: int
    start: dt.datetime  #: aware
    end: dt.datetime  #: aware
    summary: str
    description: str
    url: str  #: the event's link (also its LOCATION: where one "goes" to attend)
    cancelled: bool = False


def calendar(event: CalendarEvent, *, stamp: dt.datetime) -> bytes:
    """The ``VCALENDAR`` with the event's ``VEVENT``, UTF-8. ``stamp`` (aware) is when the file is produced."""
    start, end = utc(event.start), utc(event.end)
    if event.end <= event.start:
        raise ValueError("an event ends after it starts")
    _check_uri(event.url)
    properties = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{escape_text(event.uid)}",
        f"DTSTAMP:{utc(stamp)}",
        f"SEQUENCE:{int(event.sequence)}",
        f"DTSTART:{start}",
        f"DTEND:{end}",
        f"SUMMARY:{escape_text(event.summary)}",
        f"DESCRIPTION:{escape_text(event.description)}",
        f"URL:{event.url}",
        f"LOCATION:{escape_text(event.url)}",
        f"STATUS:{'CANCELLED' if event.cancelled else 'CONFIRMED'}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + CRLF for line in properties).encode("utf-8")


def utc(instant: dt.datetime) -> str:
    """``20270310T170000Z``."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("a naive date-time has no place in a calendar file")
    return instant.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def escape_text(value: str) -> str:
    """A TEXT value: ``\\`` → ``\\\\``, ``;`` → ``\\;``, ``,`` → ``\\,``, any newline → ``\\n``."""
    escaped = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return escaped.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold a content line so that no line is longer than 75 octets (CRLF excluded), never inside a character."""
    parts: list[str] = []
    current: list[str] = []
    size, limit = 0, LINE_OCTETS
    for char in line:
        octets = len(char.encode("utf-8"))
        if size + octets > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, LINE_OCTETS - 1  # the leading space counts
        current.append(char)
        size += octets
    parts.append("".join(current))
    return (CRLF + " ").join(parts)


def _check_uri(url: str) -> None:
    if not url or any(ord(c) < 0x21 or c == "\x7f" for c in url):
        raise ValueError("a URI without spaces or control characters is expected")
