"""The Makefile's two commands install what each needs: ``make run`` what serving needs, ``make test`` everything
the tests use too (CI runs ``make test`` on a fresh machine). Read from ``make -n`` (nothing is run)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from portal.serving.processes import BASE_DIR

#: Packages only the tests use: the browser, the software token and its tools, the TLS scanner, PostgreSQL.
ONLY_FOR_TESTS = {"chromium", "softhsm2", "opensc", "libnss3-tools", "testssl.sh", "postgresql"}
FOR_SERVING = {"python3", "python3-venv", "nginx", "ca-certificates"}


def installed_by(target: str) -> set[str]:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    result = subprocess.run(
        ["make", "-n", "--no-print-directory", target],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if "install-system-packages.sh" in line]
    assert len(lines) == 1, result.stdout
    return set(re.findall(r"(?:^|\s)([a-z0-9][a-z0-9.+-]*):'", lines[0]))


def test_make_run_installs_what_serving_needs_and_none_of_the_test_tools():
    packages = installed_by("run")

    assert FOR_SERVING <= packages, packages
    assert packages & ONLY_FOR_TESTS == set(), packages


def test_make_test_installs_everything_make_run_does_and_the_test_tools():
    assert installed_by("run") | ONLY_FOR_TESTS | {"gcc", "libc6-dev", "libp11-kit-dev", "openssl"} <= installed_by(
        "test"
    )


#: Every bench of issue 18's list: ``make bench`` runs each (the database-backed ones on both databases).
BENCHES = {
    "validation",
    "login",
    "login_cpu",
    "profile_login",
    "revocation",
    "status_pages",
    "load",
    "cloud_login",
    "oidc_tokens",
    "oidc_logout",
    "gateway",
}


def bench_commands(**env: str) -> list[str]:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    result = subprocess.run(
        ["make", "-n", "--no-print-directory", "bench", *(f"{name}={value}" for name, value in env.items())],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return [line for line in result.stdout.splitlines() if "bench/" in line]


def test_make_bench_runs_every_bench_script_and_each_script_it_names_exists():
    scripts = {name for line in bench_commands() for name in re.findall(r"bench/(\w+)\.py", line)}

    assert BENCHES <= scripts, BENCHES - scripts
    assert [name for name in scripts if not (BASE_DIR / "bench" / f"{name}.py").is_file()] == []


def test_make_bench_compares_the_login_cpu_with_bench_against_and_scales_the_status_pages():
    default = " ".join(bench_commands())
    chosen = " ".join(bench_commands(BENCH_AGAINST="HEAD~20", BENCH_STATUS_SCALE="0.1"))

    assert "bench/login_cpu.py --against 75f2a1e" in default
    assert "bench/status_pages.py --scale 1.0" in default
    assert "bench/login_cpu.py --against HEAD~20" in chosen
    assert "bench/status_pages.py --scale 0.1" in chosen
