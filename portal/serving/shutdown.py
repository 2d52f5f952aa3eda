"""Stopping ``manage.py serve`` on a signal, completely and in bounded time.

Ctrl-C (SIGINT), SIGTERM and SIGHUP become flags, never exceptions: an exception raised at whatever line the
interpreter happened to be on (Python's default for SIGINT) can cut the shutdown short and leave nginx and gunicorn —
which run in sessions of their own and never see the terminal's Ctrl-C — serving with the ports taken. The first
signal asks for a graceful stop; any later one for an immediate one (the children are killed).

The handlers take no lock: Python runs a handler in the main thread between two bytecodes, possibly while that thread
holds a lock — a ``threading.Event.set()`` there deadlocks when the main thread was inside ``Event.wait()`` on the
same event (its condition's lock is not reentrant). A :class:`Flag` is a plain attribute, polled by sleeping.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterable
from types import FrameType
from typing import Protocol

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
POLL_SECONDS = 0.05


class Waitable(Protocol):
    """What :class:`Flag` and ``threading.Event`` share."""

    def is_set(self) -> bool: ...

    def wait(self, timeout: float | None = None) -> bool: ...


class Flag:
    """A flag a signal handler may raise (no lock anywhere); :meth:`wait` polls it, sleeping between looks."""

    def __init__(self) -> None:
        self._set = False

    def set(self) -> None:
        self._set = True

    def is_set(self) -> bool:
        return self._set

    def wait(self, timeout: float | None = None) -> bool:
        """True as soon as the flag is raised, False after ``timeout`` seconds (None: no limit)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._set:
            remaining = POLL_SECONDS if deadline is None else deadline - time.monotonic()
            if remaining <= 0:
                return False
            time.sleep(min(remaining, POLL_SECONDS))  # a signal's handler runs, then the sleep goes on
        return True


class StopRequests:
    """``requested``: a stop was asked for; ``urgent``: asked for again while stopping (do not wait any more)."""

    def __init__(self) -> None:
        self.requested = Flag()
        self.urgent = Flag()

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        if self.requested.is_set():
            self.urgent.set()
        self.requested.set()

    def install(self, signals: Iterable[signal.Signals] = STOP_SIGNALS) -> None:
        """Handle ``signals`` from now on (main thread only)."""
        for signum in signals:
            signal.signal(signum, self)


def run_bounded(action: Callable[[], object], *, timeout: float, name: str) -> bool:
    """Run ``action`` in a daemon thread and wait at most ``timeout`` seconds; False if it had not finished (it is then
    left behind, and ends with the process). An exception in ``action`` is printed and counts as finished."""
    thread = threading.Thread(target=action, name=name, daemon=True)
    thread.start()
    thread.join(timeout)
    return not thread.is_alive()
