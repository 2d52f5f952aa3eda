"""Brasília time: every date a user reads is shown in America/Sao_Paulo (the Portaria's time)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

BRASILIA = ZoneInfo("America/Sao_Paulo")


def format_brasilia(instant: dt.datetime, *, seconds: bool = True) -> str:
    """``dd/mm/aaaa hh:mm:ss`` in Brasília time (the format of every error page)."""
    pattern = "%d/%m/%Y %H:%M:%S" if seconds else "%d/%m/%Y %H:%M"
    return instant.astimezone(BRASILIA).strftime(pattern)
