"""``manage.py serve`` (what ``make run`` ends with) stops everything it started when the user presses Ctrl-C — once,
or again while it is stopping (an impatient user): nginx, gunicorn and their workers gone, every port free.

The command runs as a subprocess in the demo configuration (the demo PSC simulator, the CRL refresher, the demo CRL
server), on free ports, with a var directory of its own. Every wait is a bounded loop; the bounds are hang guards,
not timing requirements."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from portal.serving.processes import BASE_DIR
from tests.e2e.conftest import _distinct_free_ports

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]

STARTUP_GUARD = 90.0  #: seconds for the demo stack to come up (a busy CI machine)
STOP_GUARD = 45.0  #: seconds for everything to be gone after the signals (gunicorn's graceful stop is 10 s)
READY_LINE = "Ctrl-C para encerrar"
STOPPING_LINE = "Encerrando"
PORT_NAMES = ("PORTAL_PORT", "CERT_LOGIN_PORT", "CERT_LOGIN_TLS12_PORT", "DEMO_PSC_PORT", "PORTAL_DEMO_CRL_PORT")


def _base_env(var: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CERTAUTH_", "PORTAL_", "CERT_LOGIN", "DEMO_", "NGINX_", "GUNICORN", "DATABASE_URL"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        PORTAL_DEMO="1",
        PORTAL_VAR_DIR=str(var),
        CERTAUTH_PROXY_SECRET="segredo-do-teste-de-encerramento-0123",
        PYTHONUNBUFFERED="1",  # the lines the test waits for arrive as they are written
    )
    return env


@pytest.fixture(scope="module")
def demo_var(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A var directory with the demo PKI and a migrated database, as ``make run`` leaves it before serving."""
    var = tmp_path_factory.mktemp("serve-var")
    for command in (["demo_pki"], ["migrate", "--noinput", "-v0"]):
        result = subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=BASE_DIR,
            env=_base_env(var),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, (command, result.stdout, result.stderr)
    return var


@dataclass
class Serving:
    process: subprocess.Popen[str]
    ports: dict[str, int]
    lines: queue.Queue[str] = field(default_factory=queue.Queue)
    output: list[str] = field(default_factory=list)
    children: list[Proc] = field(default_factory=list)  #: what it started, recorded while it served

    def read_output(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def wait_for_line(self, text: str, guard: float) -> None:
        deadline = time.monotonic() + guard
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.05)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            self.output.append(line)
            if text in line:
                return
        pytest.fail(f"{text!r} never came (status {self.process.poll()}):\n{''.join(self.output)}", pytrace=False)

    def drain(self) -> str:
        while True:
            try:
                self.output.append(self.lines.get_nowait())
            except queue.Empty:
                return "".join(self.output)


@dataclass(frozen=True)
class Proc:
    pid: int
    start_time: str  #: /proc/<pid>/stat field 22: tells a reused pid apart
    command: str

    def alive(self) -> bool:
        stat = _stat(self.pid)
        return stat is not None and stat[1] != "Z" and stat[19] == self.start_time


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # fields from the state (3rd) on


def descendants(root: int) -> list[Proc]:
    """Every process below ``root`` (nginx and gunicorn run in sessions of their own, but are its children)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            children.setdefault(int(stat[1]), []).append(int(entry.name))
    found, todo = [], list(children.get(root, []))
    while todo:
        pid = todo.pop()
        stat = _stat(pid)
        if stat is None:
            continue
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            command = "?"
        found.append(Proc(pid, stat[19], command.strip()))
        todo.extend(children.get(pid, []))
    return found


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.fixture
def serving(demo_var: Path) -> Iterator[Serving]:
    ports = dict(zip(PORT_NAMES, _distinct_free_ports(len(PORT_NAMES)), strict=True))
    env = {**_base_env(demo_var), **{name: str(port) for name, port in ports.items()}}
    process = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--workers", "2"],
        cwd=BASE_DIR,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    running = Serving(process, ports)
    threading.Thread(target=running.read_output, daemon=True).start()
    try:
        running.wait_for_line(READY_LINE, STARTUP_GUARD)
        running.children = descendants(process.pid)
        yield running
    finally:
        # Whatever the test found, leave nothing behind: only the processes this test started, by pid.
        started = [*running.children, *(descendants(process.pid) if process.poll() is None else [])]
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        for proc in started:
            if proc.alive():
                os.kill(proc.pid, signal.SIGKILL)


@pytest.mark.parametrize("presses", [1, 2], ids=["Ctrl-C once", "Ctrl-C again while stopping"])
def test_serve_stops_nginx_gunicorn_and_frees_every_port_on_ctrl_c(presses, serving):
    children = serving.children
    commands = " | ".join(p.command for p in children)
    assert "nginx: master" in commands and "gunicorn" in commands, commands
    assert not any(port_is_free(port) for name, port in serving.ports.items()), serving.ports

    serving.process.send_signal(signal.SIGINT)
    if presses == 2:
        serving.wait_for_line(STOPPING_LINE, 10)
        serving.process.send_signal(signal.SIGINT)  # the user presses again as soon as the stop begins

    try:
        status = serving.process.wait(timeout=STOP_GUARD)
    except subprocess.TimeoutExpired:
        pytest.fail(f"serve still running {STOP_GUARD:.0f} s after Ctrl-C:\n{serving.drain()}", pytrace=False)
    deadline = time.monotonic() + 10  # a killed process's last breath (the serve process already waited)
    while (left := [p for p in children if p.alive()]) and time.monotonic() < deadline:
        time.sleep(0.1)
    busy = {name: port for name, port in serving.ports.items() if not port_is_free(port)}

    assert (left, busy) == ([], {}), f"status {status}; output:\n{serving.drain()}"
