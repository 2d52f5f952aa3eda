"""The managers' pure rules (no database) and their settings' check."""

from __future__ import annotations

import datetime as dt

import pytest

from managers import rules
from managers.checks import check_settings
from managers.rules import Situation

NOW = dt.datetime(2026, 12, 7, 2, 30, tzinfo=dt.UTC)  # 06/12 23:30 in Brasília


@pytest.mark.parametrize(
    ("method", "may"), [("certificate", True), ("cloud", True), ("password", False), (None, False)]
)
def test_only_certificate_sessions_may_manage(method, may):
    assert rules.may_manage(method) is may


@pytest.mark.parametrize(
    ("first_a3", "not_after", "expected"),
    [
        (None, None, Situation.NO_A3),
        (NOW, None, Situation.OK),
        (NOW, NOW, Situation.EXPIRED),
        (NOW, NOW + dt.timedelta(days=30), Situation.EXPIRING),
        (NOW, NOW + dt.timedelta(days=30, seconds=1), Situation.OK),
    ],
)
def test_a_members_a3_situation(first_a3, not_after, expected):
    assert rules.situation(first_a3, not_after, now=NOW, warn_days=30) is expected


def test_the_reminder_day_is_brasilias():
    assert rules.reminder_day(NOW) == dt.date(2026, 12, 6)


@pytest.mark.parametrize("value", [0, -1, "30", True])
def test_a_bad_setting_is_a_check_error(settings, value):
    settings.MANAGERS_PAGE_SIZE = value
    assert [e.id for e in check_settings()] == ["managers.E001"]


def test_the_default_settings_pass_the_check():
    assert check_settings() == []
