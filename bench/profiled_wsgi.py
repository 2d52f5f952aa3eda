"""The portal's WSGI application with one path measured (bench/profile_login.py serves it with gunicorn).

For requests to ``PORTAL_PROFILE_PATH`` (default the certificate login), each worker counts the CPU time spent
inside Django (``time.process_time`` around the whole WSGI call, response body and ``close()`` included) and, while
the file ``PORTAL_PROFILE_DIR/profiling`` exists, runs them under cProfile (timed by
``process_time``: CPU, not waiting). Each worker writes
``<pid>.json`` (requests, CPU seconds) after every request and ``<pid>.prof`` (pstats) after every profiled one.
"""

from __future__ import annotations

import cProfile
import json
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from portal.wsgi import application as portal_application

PATH = os.environ.get("PORTAL_PROFILE_PATH", "/entrar/certificado/")
OUT = Path(os.environ["PORTAL_PROFILE_DIR"])
_profile = cProfile.Profile(time.process_time)  # CPU, not wall time (the database's own work is not ours)
_totals = {"requests": 0, "cpu_seconds": 0.0, "profiled": 0}


def _call(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    result = portal_application(environ, start_response)
    try:
        return [b"".join(result)]
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()  # Django's request_finished (connections, caches) belongs to the request's cost


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if environ.get("PATH_INFO") != PATH:
        return portal_application(environ, start_response)  # type: ignore[no-any-return]
    profiling = (OUT / "profiling").exists()
    start = time.process_time()
    if profiling:
        _profile.enable()
    try:
        body = _call(environ, start_response)
    finally:
        if profiling:
            _profile.disable()
    if profiling:
        _totals["profiled"] += 1
        _profile.dump_stats(OUT / f"{os.getpid()}.prof")
    else:
        _totals["requests"] += 1
        _totals["cpu_seconds"] += time.process_time() - start
        (OUT / f"{os.getpid()}.json").write_text(json.dumps(_totals))
    return body
