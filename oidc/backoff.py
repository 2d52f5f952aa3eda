"""When a back-channel logout that failed is tried again (pure: no Django). The wait doubles from the first retry up
to a cap; a logout still undelivered after the give-up period is abandoned (staff see it in the admin)."""

from __future__ import annotations

import datetime as dt


def backoff_seconds(failures: int, *, first: float, cap: float) -> float:
    """Seconds to wait after the ``failures``-th failed try: ``first``, ``2 × first``, ``4 × first`` … at most
    ``cap``."""
    if failures < 1:
        return 0.0
    return float(min(cap, first * 2 ** min(failures - 1, 60)))


def retry_at(
    *, failures: int, failed_at: dt.datetime, created_at: dt.datetime, first: float, cap: float, give_up: float
) -> dt.datetime | None:
    """The instant of the next try after a failure at ``failed_at``, or None when the logout, owed since
    ``created_at``, has been retried for ``give_up`` seconds already (give up)."""
    if (failed_at - created_at).total_seconds() >= give_up:
        return None
    return failed_at + dt.timedelta(seconds=backoff_seconds(failures, first=first, cap=cap))
