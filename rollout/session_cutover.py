"""What a password session keeps of the schedule: its first cutover and whether that is the entity's own date."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.sessions.backends.base import SessionBase

from portal import session_keys
from rollout.schedule import Decision, earliest_decision


def remember_cutover(session: SessionBase, decisions: Iterable[Decision]) -> None:
    """Keep the first cutover of the session's entities (epoch seconds, or None without one) for the banner and the
    cutover middleware, and whether staff set it for the entity (an override)."""
    first = earliest_decision(decisions)
    session[session_keys.CUTOVER_AT] = first.cutover_at.timestamp() if first and first.cutover_at else None
    session[session_keys.CUTOVER_OWN_DATE] = bool(first and first.own_date)
