"""How ``manage.py serve`` stops: signals become lock-free flags, a second one makes the stop immediate, nothing waits
without a bound (portal.serving.shutdown, Stack.stop). The whole command: tests/e2e/test_serve_shutdown.py."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from portal.serving.nginx import NginxSite
from portal.serving.processes import BASE_DIR, Stack
from portal.serving.shutdown import Flag, StopRequests, run_bounded

#: Runs in a child process: a burst of SIGINTs while the main thread keeps waiting on the flags, as serve's main
#: thread does (Stack.wait, Stack.stop). A handler that takes a lock the interrupted wait holds deadlocks or crashes.
BURST = """
import os, signal, sys, threading, time
from portal.serving.shutdown import StopRequests

stop = StopRequests()
stop.install([signal.SIGINT])

def burst():
    for _ in range(1500):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.0005)

sender = threading.Thread(target=burst)
sender.start()
deadline = time.monotonic() + 2
while time.monotonic() < deadline:
    stop.requested.wait(0.0001)
    stop.urgent.wait(0.0001)
sender.join()
print("intacto", stop.requested.is_set(), stop.urgent.is_set())
"""

#: A process that ignores the graceful signals (a stuck nginx or gunicorn) and has a child in its process group.
STUBBORN = """
import signal, subprocess, sys, time
for name in ("SIGTERM", "SIGQUIT", "SIGINT"):
    signal.signal(getattr(signal, name), signal.SIG_IGN)
IGNORE_TERM = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(120)"
child = subprocess.Popen([sys.executable, "-c", IGNORE_TERM])
print(child.pid, flush=True)
time.sleep(120)
"""


def test_a_burst_of_signals_while_waiting_neither_deadlocks_nor_crashes():
    result = subprocess.run(
        [sys.executable, "-c", BURST], cwd=BASE_DIR, capture_output=True, text=True, timeout=30, check=False
    )

    assert (result.returncode, result.stdout.strip()) == (0, "intacto True True"), result.stderr[-2000:]


def test_the_first_signal_asks_for_a_stop_and_any_later_one_for_an_immediate_one():
    stop = StopRequests()
    assert (stop.requested.is_set(), stop.urgent.is_set()) == (False, False)

    stop(signal.SIGINT, None)
    first = (stop.requested.is_set(), stop.urgent.is_set())
    stop(signal.SIGTERM, None)

    assert first == (True, False)
    assert (stop.requested.is_set(), stop.urgent.is_set()) == (True, True)


def test_a_flag_wait_returns_when_raised_and_otherwise_after_its_timeout():
    flag = Flag()
    assert flag.wait(0.01) is False
    threading.Timer(0.05, flag.set).start()
    assert flag.wait(10) is True


def test_an_action_that_hangs_is_left_behind_after_its_bound():
    release = threading.Event()
    try:
        started = time.monotonic()
        finished = run_bounded(release.wait, timeout=0.2, name="pendurado")
        assert finished is False and time.monotonic() - started < 5
        assert run_bounded(lambda: None, timeout=5, name="rapido") is True
    finally:
        release.set()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def stubborn_stack(tmp_path: Path):
    """A Stack whose "nginx" and "gunicorn" ignore their graceful signals, each with a child in its group."""
    site = NginxSite(
        prefix=tmp_path,
        upstream="127.0.0.1:1",
        proxy_secret="x" * 32,
        server_certificate=tmp_path / "none.pem",
        server_key=tmp_path / "none.key",
        trust_roots=[],
        portal_base_url="https://localhost",
        login_base_url="https://localhost",
    )
    stack = Stack(site=site, env=dict(os.environ))
    pids = []
    for name in ("nginx", "gunicorn"):
        process = subprocess.Popen(
            [sys.executable, "-c", STUBBORN], start_new_session=True, stdout=subprocess.PIPE, text=True
        )
        assert process.stdout is not None
        pids += [process.pid, int(process.stdout.readline())]
        stack.processes[name] = process  # type: ignore[assignment]
    yield stack, pids
    for pid in pids:  # whatever happened, nothing of this test stays behind
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)


def test_a_second_signal_during_the_stop_kills_the_children_and_their_workers_at_once(stubborn_stack):
    stack, pids = stubborn_stack
    urgent = Flag()
    threading.Timer(0.3, urgent.set).start()  # the user presses Ctrl-C again while nginx and gunicorn linger

    started = time.monotonic()
    stack.stop(timeout=60, urgent=urgent)
    elapsed = time.monotonic() - started

    deadline = time.monotonic() + 5
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [p for p in pids if _alive(p)] == []
    assert elapsed < 30, elapsed  # a hang guard: the 60 s graceful bound was not waited for


def test_the_graceful_stop_is_bounded_even_without_a_second_signal(stubborn_stack):
    stack, pids = stubborn_stack

    stack.stop(timeout=0.5)

    deadline = time.monotonic() + 5
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [p for p in pids if _alive(p)] == []
