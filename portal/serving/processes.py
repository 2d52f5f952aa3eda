"""Starting and stopping gunicorn and nginx together (``manage.py serve`` and the end-to-end tests)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from portal.serving.nginx import NginxSite, check_config, nginx_command, render
from portal.serving.shutdown import Flag, Waitable

BASE_DIR = Path(__file__).resolve().parents[2]


@dataclass
class Stack:
    """gunicorn (Django) behind nginx. Use as a context manager, or call :meth:`start` and :meth:`stop`."""

    site: NginxSite
    env: Mapping[str, str]  #: environment of gunicorn (settings come from it)
    gunicorn_workers: int = 2
    log_dir: Path | None = None
    #: Where the children's stdout/stderr go (Django's console logging); None: inherit ours.
    output: Path | None = None
    #: The WSGI application gunicorn serves (bench/profile_login.py serves a profiling wrapper of the portal's).
    wsgi_app: str = "portal.wsgi:application"
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    _cancel: Waitable | None = field(default=None, init=False, repr=False)

    def start(self, *, timeout: float = 30.0, cancel: Waitable | None = None) -> None:
        """Start both and wait until they listen; ``cancel`` set meanwhile: stop them and raise :class:`Cancelled`."""
        self._cancel = cancel
        render(self.site)
        check_config(self.site)
        log_dir = self.log_dir or self.site.prefix / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        output = open(self.output, "ab") if self.output else None  # noqa: SIM115  (closed once handed over)
        unix_socket = self.site.upstream.startswith("unix:")
        if unix_socket:
            # nginx's workers (nobody, when started as root) must be able to connect: the socket is created
            # world-writable (umask 0) in a directory of its own; the log files exist before, with their own mode.
            Path(self.site.upstream[len("unix:") :]).parent.mkdir(parents=True, exist_ok=True)
            (log_dir / "gunicorn.log").touch(mode=0o640, exist_ok=True)
        # Prometheus samples of every worker, summed by /metricas/; emptied at each start (counters restart at 0).
        metrics_dir = self.metrics_dir
        env = {**self.env, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True)
        # No gunicorn access log: nginx's (request id, TLS version, client serial) already has every request.
        self.processes["gunicorn"] = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                self.wsgi_app,
                "--config",
                "python:portal.serving.gunicorn_conf",
                "--bind",
                self.site.upstream,
                "--workers",
                str(self.gunicorn_workers),
                "--graceful-timeout",
                "10",
                "--error-logfile",
                str(log_dir / "gunicorn.log"),
                *(["--umask", "0"] if unix_socket else []),
            ],
            cwd=BASE_DIR,
            env=env,
            start_new_session=True,
            stdout=output,
            stderr=output,
        )
        self.processes["nginx"] = subprocess.Popen(
            nginx_command(self.site), cwd=BASE_DIR, start_new_session=True, stdout=output, stderr=output
        )
        if output is not None:
            output.close()  # the children hold their own descriptors
        try:
            if self.site.upstream.startswith("unix:"):
                self.wait_for_socket(self.site.upstream[len("unix:") :], timeout=timeout)
            else:
                host, _, port = self.site.upstream.rpartition(":")
                self.wait_for(host, int(port), timeout=timeout)
            self.wait_for(self.site.listen, self.site.portal_port, timeout=timeout)
            self.wait_for(self.site.listen, self.site.login_port, timeout=timeout)
            if self.site.login_tls12_port:
                self.wait_for(self.site.listen, self.site.login_tls12_port, timeout=timeout)
        except Exception:
            self.stop(urgent=cancel)  # cancelled: no request was served yet, nothing to wait for
            raise

    @property
    def metrics_dir(self) -> Path:
        """Where every process of this stack writes its Prometheus samples (``/metricas/`` sums them)."""
        return Path(self.env.get("PROMETHEUS_MULTIPROC_DIR") or self.site.prefix / "prometheus")

    def wait_for(self, host: str, port: int, *, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            self._check_alive()
            try:
                with socket.create_connection((host, port), timeout=0.5):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"nothing listening on {host}:{port} after {timeout:.0f} s") from None
                time.sleep(0.1)

    def wait_for_socket(self, path: str, *, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            self._check_alive()
            try:
                with socket.socket(socket.AF_UNIX) as sock:
                    sock.connect(path)
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"gunicorn not listening on {path} after {timeout:.0f} s") from None
                time.sleep(0.1)

    def _check_alive(self) -> None:
        if self._cancel is not None and self._cancel.is_set():
            raise Cancelled("stop requested while starting")
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with status {process.returncode}; see {self.site.prefix}/logs")

    def wait(self, stop: Waitable | None = None) -> int | None:
        """Block until either process exits (return its exit status) or ``stop`` is set (return None)."""
        stop = stop or Flag()
        while True:
            for process in self.processes.values():
                if process.poll() is not None:
                    return process.returncode
            if stop.wait(0.5):
                return None

    def reload_nginx(self) -> None:
        self.processes["nginx"].send_signal(signal.SIGHUP)

    def stop(self, *, timeout: float = 15.0, urgent: Waitable | None = None) -> None:
        """Graceful stop (nginx: SIGQUIT; gunicorn: SIGTERM), for at most ``timeout`` seconds or until ``urgent`` is
        set; then whatever still runs is killed with its workers (each runs in a process group of its own)."""
        for name, sig in (("nginx", signal.SIGQUIT), ("gunicorn", signal.SIGTERM)):
            process = self.processes.get(name)
            if process is not None and process.poll() is None:
                process.send_signal(sig)
        deadline = time.monotonic() + timeout
        urgent = urgent or Flag()
        while any(p.poll() is None for p in self.processes.values()) and time.monotonic() < deadline:
            if urgent.wait(0.05):
                break
        for process in self.processes.values():
            if process.poll() is None:  # not reaped yet: its pid, and so its group, is still ours
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)  # SIGKILL cannot be refused: a bound, not a wait
        self.processes.clear()

    def __enter__(self) -> Stack:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


@dataclass
class ManageCommand:
    """A long-running ``manage.py`` command beside the stack (the OpenID provider's ``oidc_worker``): a process group
    of its own (the terminal's Ctrl-C is ours to pass on), output appended to ``log``; :meth:`stop` sends SIGTERM
    (the command ends its round) and kills it if it has not exited in time."""

    args: Sequence[str]
    env: Mapping[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", *self.args],
                cwd=BASE_DIR,
                env=dict(self.env),
                start_new_session=True,
                stdout=output,
                stderr=output,
            )

    def stop(self, *, timeout: float = 15.0, urgent: Waitable | None = None) -> None:
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        urgent = urgent or Flag()
        while process.poll() is None and time.monotonic() < deadline:
            if urgent.wait(0.05):
                break
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)


class Cancelled(RuntimeError):
    """A stop was requested while the stack was starting (it has been stopped)."""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])
