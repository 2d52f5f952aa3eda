"""Starting and stopping ``python -m patdemo`` as a child process (``manage.py serve`` and the browser test)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]


def start(env: Mapping[str, str], *, port: int, log: Path, timeout: float = 15.0) -> subprocess.Popen[bytes]:
    """The stand-in in a process group of its own, its output in ``log``; returns once it listens on ``port``.
    A port already taken is an :class:`OSError` at once (another program answering there is not the stand-in)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds it: TIME_WAIT is no owner
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            raise OSError(f"porta {port} ocupada ({exc.strerror})") from None
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "patdemo"],
            cwd=BASE_DIR,
            env=dict(env),
            stdout=output,
            stderr=output,
            start_new_session=True,
        )
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(
                f"o Portal de Atendimento (demonstração) parou (status {process.returncode}); veja {log}"
            )
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            if time.monotonic() > deadline:
                stop(process)
                raise TimeoutError(f"nada escutando em 127.0.0.1:{port} após {timeout:.0f} s; veja {log}") from None
            time.sleep(0.1)


def stop(process: subprocess.Popen[bytes], *, timeout: float = 5.0) -> None:
    """SIGTERM, then SIGKILL to its group after ``timeout`` seconds."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
