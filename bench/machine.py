"""What every bench reads from the machine, in one place: the note each prints at its start and end (cores and load
average: figures are only comparable with the load they were measured under; this machine is often shared), a free
port for the stack it starts, and the CPU its processes used (gunicorn's and nginx's workers, from /proc).

Standard library only: ``bench/login_cpu.py`` loads this file by its path in the process that measures an older
commit, whose own ``bench/`` may not have it."""

from __future__ import annotations

import contextlib
import os
import platform
import socket
import sys
from collections.abc import Iterable
from pathlib import Path


def note(when: str) -> str:
    """One line: ``machine (start): 2 cores, load average 0.76 0.59 0.86 (1/5/15 min), Python 3.11.2, Linux``."""
    try:
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "?"
    python = ".".join(str(part) for part in sys.version_info[:3])
    system = platform.system()
    return f"machine ({when}): {os.cpu_count()} cores, load average {load} (1/5/15 min), Python {python}, {system}"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 at this moment (the kernel's choice), for a server the bench starts."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stat(pid: int | str) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses): [0] is the
    state, [1] the parent's pid, [11] and [12] the user and system CPU in clock ticks."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def children(pid: int) -> list[int]:
    """The running processes whose parent is ``pid``, sorted: gunicorn's workers under its master, nginx's under
    its own. Read before and after a measurement, a difference means a worker was replaced meanwhile."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if int(_stat(stat.parent.name)[1]) == pid:
                found.append(int(stat.parent.name))
    return sorted(found)


def cpu_seconds(pids: Iterable[int]) -> float:
    """The CPU time (user + system) these processes have used so far; one that has ended counts nothing."""
    ticks = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = _stat(pid)
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")
