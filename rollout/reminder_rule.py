"""Which reminder about losing access is due (pure: no Django; the day or instant is an argument).

- Before the cutover, reminders go out at configured steps (days before the cutover day, e.g. 30, 7 and 1). The
  step that applies is the most urgent one reached: the smallest step ``s`` with ``days_left <= s``. A run that
  comes late (cron missed days) therefore sends only that step, never the earlier ones it skipped.
- After the cutover, one "access ended" message, but only within ``window_days`` days of the cutover day (day 0),
  so that a first deployment does not write to everybody whose cutover was long ago.
- A certificate that expires within ``window_days`` days (and has not expired yet) is due for a renewal reminder.

Days are counted between Brasília dates, as the schedule does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from rollout.schedule import BRASILIA

DEFAULT_STEPS = (30, 7, 1)


def validated_steps(steps: Iterable[int]) -> tuple[int, ...]:
    """The steps, distinct and in ascending order; ValueError unless they are whole numbers ≥ 1 (at least one)."""
    values = list(steps)
    if not values or any(not isinstance(s, int) or isinstance(s, bool) or s < 1 for s in values):
        raise ValueError(f"os dias dos lembretes devem ser números inteiros ≥ 1 (recebido: {values!r})")
    return tuple(sorted(set(values)))


def step_for(days_left: int, steps: Iterable[int]) -> int | None:
    """The most urgent step reached with ``days_left`` days to the cutover day; None before the first step and from
    the cutover day on (``days_left < 1``)."""
    if days_left < 1:
        return None
    return min((s for s in validated_steps(steps) if days_left <= s), default=None)


def after_cutover_due(cutover_on: dt.date, today: dt.date, window_days: int) -> bool:
    """Whether the "access ended" message may still go out ``today`` (the cutover day is day 0)."""
    return 0 <= (today - cutover_on).days <= window_days


def days_until(instant: dt.datetime, at: dt.datetime) -> int:
    """Whole days from ``at``'s Brasília date to ``instant``'s."""
    return (instant.astimezone(BRASILIA).date() - at.astimezone(BRASILIA).date()).days


def certificate_expiry_due(not_after: dt.datetime, at: dt.datetime, window_days: int) -> bool:
    """Whether a certificate valid until ``not_after`` is still valid at ``at`` and expires within ``window_days``."""
    if not_after.tzinfo is None or at.tzinfo is None:
        raise ValueError("instants must be timezone-aware")
    return not_after > at and days_until(not_after, at) <= window_days
