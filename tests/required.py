"""What a green run under ``PORTAL_REQUIRE_E2E=1`` (``make test``) means: every collected test ran.

Without the flag a test that needs something the machine lacks (nginx, root for a tmpfs, Chromium…) skips and says
why. Under the flag it fails instead — through :func:`unavailable`, with the reason — and the report hooks below
turn any other skip (a plain ``pytest.skip``, a ``skip``/``skipif`` mark, ``importorskip``, a module skipped at
collection) into a failure too, so that a skip added later cannot make a green run mean less than it says.
Strict ``xfail`` cases (the hostile corpus) are expected failures, not skips, and are left alone.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import NoReturn

import pytest

FLAG = "PORTAL_REQUIRE_E2E"


def required() -> bool:
    """True when every test must run (``make test`` sets the flag)."""
    return os.environ.get(FLAG) == "1"


def unavailable(message: str) -> NoReturn:
    """Skip the test because ``message`` (what is missing) — or fail it under ``PORTAL_REQUIRE_E2E=1``."""
    if required():
        pytest.fail(f"{message} ({FLAG}=1: every test is required to run here)", pytrace=False)
    pytest.skip(f"{message}: skipped (set {FLAG}=1 to make this an error)")


def _skip_reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    return str(longrepr)


def _fail_skip(report: pytest.TestReport | pytest.CollectReport) -> None:
    if report.skipped and required() and not hasattr(report, "wasxfail"):
        reason = _skip_reason(report).removeprefix("Skipped: ")
        report.outcome = "failed"
        report.longrepr = f"skipped under {FLAG}=1, where every test must run: {reason}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    _fail_skip(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    report = yield
    _fail_skip(report)
    return report
