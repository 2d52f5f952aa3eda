"""gunicorn hooks (``--config python:portal.serving.gunicorn_conf``): a worker that exits leaves the Prometheus
metrics directory (``PROMETHEUS_MULTIPROC_DIR``) consistent."""

from __future__ import annotations

import os
from typing import Any


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
