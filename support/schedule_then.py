"""The schedule as it stood at an instant, from the history of waves and entity dates (django-simple-history).

Anexo I's waves are loaded by a migration (a creation recorded without a user): they count as there from the
start. An entity's own date did not exist before its creation. A row whose history begins with a change rather than
a creation stands, before that change, as its oldest recorded version (``approximate``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from rollout import schedule
from rollout.models import EntityOverride, Wave
from rollout.selectors import rule_entity

_DELETED = "-"
_CREATED = "+"


@dataclass(frozen=True)
class ScheduleThen:
    decision: schedule.Decision
    approximate: bool  #: an earlier version of a wave or date was not recorded


def _as_of(records: list[Any], at: dt.datetime, *, loaded: bool = False) -> tuple[Any | None, bool]:
    """The version in force at ``at`` among one object's records (oldest first), and whether it is a guess."""
    before = [r for r in records if r.history_date <= at]
    if before:
        last = before[-1]
        return (None if last.history_type == _DELETED else last.instance), False
    first = records[0]
    if first.history_type == _CREATED and not (loaded and first.history_user_id is None):
        return None, False  # created after ``at``
    # Loaded by a migration (Anexo I: the Portaria's own schedule, there before any attempt could be) or existing
    # before its first recorded change: that record's values stand for it (a guess only in the second case).
    return first.instance, first.history_type != _CREATED


def waves_at(at: dt.datetime) -> tuple[list[schedule.Wave], bool]:
    by_id: dict[int, list[Any]] = {}
    for record in Wave.history.order_by("history_date", "history_id"):
        by_id.setdefault(record.id, []).append(record)
    rules: list[schedule.Wave] = []
    approximate = False
    for records in by_id.values():
        wave, guessed = _as_of(records, at, loaded=True)
        approximate |= guessed
        if wave is not None:
            rules.append(wave.as_rule())
    rules.extend(w.as_rule() for w in Wave.objects.exclude(pk__in=list(by_id)))
    return rules, approximate


def override_at(entity_id: int, at: dt.datetime) -> tuple[schedule.Override | None, bool]:
    records = list(EntityOverride.history.filter(entity_id=entity_id).order_by("history_date", "history_id"))
    if not records:
        current = EntityOverride.objects.filter(entity_id=entity_id).first()
        return (current.as_rule() if current else None), current is not None
    override, guessed = _as_of(records, at)
    return (override.as_rule() if override else None), guessed


def decision_at(entity: Any, at: dt.datetime) -> ScheduleThen:
    """The decision for ``entity`` (a PartnerEntity) at ``at`` with the schedule of that moment."""
    waves, waves_guessed = waves_at(at)
    override, override_guessed = override_at(entity.pk, at)
    rule = rule_entity(entity)
    decision = schedule.decide(rule, schedule.covering_wave(rule, waves), override, at=at)
    return ScheduleThen(decision, waves_guessed or override_guessed)
