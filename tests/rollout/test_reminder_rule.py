"""The pure rule of ``rollout remind``: which step applies, and whether the later reminders are still due."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from rollout.reminder_rule import (
    DEFAULT_STEPS,
    after_cutover_due,
    certificate_expiry_due,
    days_until,
    step_for,
    validated_steps,
)

BRT = ZoneInfo("America/Sao_Paulo")


@pytest.mark.parametrize(
    ("days_left", "step"),
    [
        (365, None),
        (31, None),
        (30, 30),
        (29, 30),
        (8, 30),
        (7, 7),
        (6, 7),
        (2, 7),
        (1, 1),
        (0, None),  # the cutover day: the "access ended" message, not a reminder
        (-3, None),
    ],
)
def test_the_step_is_the_most_urgent_one_reached(days_left, step):
    assert step_for(days_left, DEFAULT_STEPS) == step


def test_a_late_run_gets_only_the_most_urgent_step_not_the_ones_it_skipped():
    # cron was down from 31 days before until 5 days before: step 7 applies, step 30 is never due again
    assert step_for(5, DEFAULT_STEPS) == 7


def test_steps_may_come_in_any_order_and_repeat():
    assert step_for(10, [7, 15, 15, 1]) == 15
    assert validated_steps([7, 15, 15, 1]) == (1, 7, 15)


@pytest.mark.parametrize("steps", [[], [0], [-7], [7, "1"], [1.5], [True]])
def test_malformed_steps_are_refused(steps):
    with pytest.raises(ValueError, match="números inteiros ≥ 1"):
        validated_steps(steps)


@pytest.mark.parametrize(
    ("today", "due"),
    [
        (dt.date(2027, 2, 28), False),  # the day before the cutover: still a before-cutover reminder
        (dt.date(2027, 3, 1), True),  # the cutover day (day 0)
        (dt.date(2027, 3, 8), True),  # day 7: the last one of a 7-day window
        (dt.date(2027, 3, 9), False),
        (dt.date(2028, 3, 1), False),  # a first deployment long after the cutover sends nothing
    ],
)
def test_the_after_cutover_message_is_due_only_within_the_window(today, due):
    assert after_cutover_due(dt.date(2027, 3, 1), today, 7) is due


def test_a_zero_day_window_allows_only_the_cutover_day():
    assert after_cutover_due(dt.date(2027, 3, 1), dt.date(2027, 3, 1), 0)
    assert not after_cutover_due(dt.date(2027, 3, 1), dt.date(2027, 3, 2), 0)


def test_days_are_counted_between_brasilia_dates():
    # 02:30 UTC of 01/03 is still 28/02 in Brasília: one day to a certificate expiring at 10:00 of 01/03
    at = dt.datetime(2027, 3, 1, 2, 30, tzinfo=dt.UTC)
    assert days_until(dt.datetime(2027, 3, 1, 10, 0, tzinfo=BRT), at) == 1


@pytest.mark.parametrize(
    ("not_after", "due"),
    [
        (dt.datetime(2027, 4, 1, 23, 59, tzinfo=BRT), False),  # 31 days away
        (dt.datetime(2027, 3, 31, 23, 59, tzinfo=BRT), True),  # 30 days away
        (dt.datetime(2027, 3, 1, 12, 0, 1, tzinfo=BRT), True),  # later today
        (dt.datetime(2027, 3, 1, 12, 0, tzinfo=BRT), False),  # expires right now: nothing left to renew
        (dt.datetime(2027, 2, 1, tzinfo=BRT), False),  # already expired
    ],
)
def test_a_certificate_is_due_for_renewal_within_the_window_and_before_it_expires(not_after, due):
    at = dt.datetime(2027, 3, 1, 12, 0, tzinfo=BRT)
    assert certificate_expiry_due(not_after, at, 30) is due


def test_naive_instants_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        certificate_expiry_due(dt.datetime(2027, 3, 2), dt.datetime(2027, 3, 1, tzinfo=BRT), 30)
