"""How an entity's schedule reads on its members' dashboard (pure: no Django)."""

from __future__ import annotations

from dataclasses import dataclass

from rollout.schedule import BRASILIA, Decision, Phase

_DATED = frozenset({Phase.AWARENESS, Phase.WINDOW, Phase.A3_MANDATORY})


@dataclass(frozen=True, slots=True)
class EntitySchedule:
    #: One line: "a partir de 20/01/2027", "desde 17/05/2024", or why there is no date.
    line: str
    #: The cutover day (dd/mm/aaaa), "" without one.
    date: str
    #: The A3 certificate is not yet mandatory for the entity (its members may still use a password).
    password_allowed: bool
    #: The date is the entity's own, set by staff (an override): said wherever its members read it.
    own_date: bool


def entity_schedule(decision: Decision) -> EntitySchedule:
    if decision.cutover_at is None or decision.phase not in _DATED:
        return EntitySchedule(decision.why, "", decision.password_allowed, False)
    date = f"{decision.cutover_at.astimezone(BRASILIA):%d/%m/%Y}"
    line = f"a partir de {date}" if decision.password_allowed else f"desde {date}"
    return EntitySchedule(line, date, decision.password_allowed, decision.own_date)
