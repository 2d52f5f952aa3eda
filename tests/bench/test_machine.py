"""bench/machine.py: the one copy of what every bench reads from the machine (a free port, a process's children,
their CPU time), and no bench script keeping a copy of its own."""

from __future__ import annotations

import ast
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bench import machine

BENCH_DIR = Path(__file__).resolve().parents[2] / "bench"
SHARED = ("free_port", "children", "cpu_seconds", "worker_pids")

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")


def test_a_free_port_can_be_bound_on_loopback():
    port = machine.free_port()

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
    assert 0 < port < 65536


def test_children_are_the_processes_started_by_that_process_and_only_while_they_run():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert child.pid in machine.children(os.getpid())
        assert machine.children(child.pid) == []
    finally:
        child.kill()
        child.wait()
    assert child.pid not in machine.children(os.getpid())


def test_cpu_seconds_counts_what_the_processes_used_and_an_ended_one_as_nothing():
    burn = "import time\nwhile time.process_time() < 0.3: pass\nprint('done', flush=True)\ntime.sleep(60)"
    child = subprocess.Popen([sys.executable, "-c", burn], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline() == "done\n"
        used = machine.cpu_seconds([child.pid])
    finally:
        child.kill()
        child.wait()

    assert 0.25 <= used < 30
    assert machine.cpu_seconds([child.pid]) == 0.0, "an ended worker (replaced by gunicorn) reads as 0, no error"


@pytest.mark.parametrize("script", sorted(p.name for p in BENCH_DIR.glob("*.py") if p.name != "machine.py"))
def test_no_bench_script_keeps_its_own_copy_of_the_machine_helpers(script):
    tree = ast.parse((BENCH_DIR / script).read_text())

    assert [n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in SHARED] == []
