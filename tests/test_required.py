"""Under ``PORTAL_REQUIRE_E2E=1`` (``make test``) no test skips: every skip becomes a failure that says why."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from portal.serving.processes import BASE_DIR

SKIPPING = """
import pytest
from tests.required import unavailable

def test_plain_skip():
    pytest.skip("plain skip")

@pytest.mark.skipif(True, reason="skipif mark")
def test_skipif_mark():
    pass

def test_unavailable_tool():
    unavailable("a tool is missing")

@pytest.mark.xfail(strict=True, reason="a known wrong answer")
def test_strict_xfail():
    assert False

def test_passes():
    pass
"""


def run_pytest(directory: Path, *, required: bool) -> subprocess.CompletedProcess[str]:
    (directory / "conftest.py").write_text(
        "from tests.required import pytest_make_collect_report, pytest_runtest_makereport  # noqa: F401\n"
    )
    (directory / "test_skipping.py").write_text(SKIPPING)
    env = {k: v for k, v in os.environ.items() if k != "PORTAL_REQUIRE_E2E"}
    env["PYTHONPATH"] = str(BASE_DIR)
    if required:
        env["PORTAL_REQUIRE_E2E"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", "-p", "no:django", str(directory)],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("required", [False, True])
def test_skips_are_failures_only_when_every_test_is_required(tmp_path: Path, required: bool) -> None:
    result = run_pytest(tmp_path, required=required)
    summary = result.stdout.strip().splitlines()[-1]
    if required:
        assert result.returncode == 1, result.stdout
        # A skip mark acts at setup: pytest counts that failure as an error.
        assert summary.startswith("2 failed, 1 passed, 1 xfailed, 1 error in "), summary
        assert "where every test must run: plain skip" in result.stdout
        assert "where every test must run: skipif mark" in result.stdout
        assert "a tool is missing (PORTAL_REQUIRE_E2E=1" in result.stdout
    else:
        assert result.returncode == 0, result.stdout
        assert summary.startswith("1 passed, 3 skipped, 1 xfailed in "), summary


def test_a_module_skipped_at_collection_fails_when_every_test_is_required(tmp_path: Path) -> None:
    (tmp_path / "test_module_skip.py").write_text('import pytest\npytest.importorskip("no_such_module_here")\n')
    result = run_pytest(tmp_path, required=True)
    assert result.returncode != 0, result.stdout
    assert "where every test must run: could not import 'no_such_module_here'" in result.stdout
