"""When a failed back-channel logout is tried again (``oidc.backoff``: pure, no database)."""

from __future__ import annotations

import datetime as dt

from oidc.backoff import backoff_seconds, retry_at

T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def test_the_wait_doubles_from_the_first_retry_up_to_the_cap() -> None:
    waits = [backoff_seconds(n, first=2, cap=300) for n in range(1, 11)]
    assert waits == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]


def test_no_failure_means_no_wait() -> None:
    assert backoff_seconds(0, first=2, cap=300) == 0


def test_a_very_long_outage_stays_at_the_cap_without_overflow() -> None:
    assert backoff_seconds(10_000, first=2, cap=300) == 300


def test_the_next_try_comes_after_the_wait_while_within_the_give_up_period() -> None:
    failed_at = T0 + dt.timedelta(minutes=10)
    assert retry_at(failures=3, failed_at=failed_at, created_at=T0, first=2, cap=300, give_up=3600) == (
        failed_at + dt.timedelta(seconds=8)
    )


def test_a_failure_once_the_give_up_period_has_passed_gives_up() -> None:
    assert (
        retry_at(failures=40, failed_at=T0 + dt.timedelta(hours=1), created_at=T0, first=2, cap=300, give_up=3600)
        is None
    )
