"""``python manage.py oidc_worker [--once] [--interval 1]``: the provider's background job. Each round re-evaluates
the open portal sessions that handed tokens to clients (``oidc.session_check.sweep``: those whose access ended are
logged out, which owes their clients a logout) and then delivers the due back-channel logouts
(``oidc.delivery.deliver_due``). One line per delivery or failure. SIGTERM or Ctrl-C: the round under way ends (its
POSTs have timeouts), then the command exits. ``manage.py serve`` runs it; in production, one systemd unit per host
(several hosts may run it at once: each logout is claimed by one of them)."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections, connection
from django.utils import timezone

from oidc.delivery import Attempt, deliver_due
from oidc.retention import purge
from portal.serving.shutdown import StopRequests

logger = logging.getLogger("oidc.worker")
#: How often a worker purges what the provider no longer needs (``oidc.retention``).
PURGE_INTERVAL = dt.timedelta(hours=1)

Sweep = Callable[[dt.datetime], int]

LABELS = {
    "delivered": "entregue",
    "failed": "falhou",
    "gave_up": "abandonado",
    "no_uri": "sem URI",
    "lost_claim": "reserva perdida",
}


def load_sweep() -> Sweep | None:
    try:
        from oidc.session_check import sweep
    except ImportError:
        return None
    return sweep


class Command(BaseCommand):
    last_purge: dt.datetime | None = None
    help = (
        "Reavalia as sessões abertas com clientes OpenID Connect e entrega os logouts por canal de retaguarda "
        "(com novas tentativas), em rodadas até SIGTERM/Ctrl-C."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="uma rodada só, e sai")
        parser.add_argument("--interval", type=float, default=1.0, help="segundos entre rodadas (padrão: 1)")
        parser.add_argument(
            "--host-id",
            default=f"{socket.gethostname()}:{os.getpid()}",
            help="nome deste host nos registros (padrão: nome da máquina e PID)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        once, interval, host_id = options["once"], max(float(options["interval"]), 0.1), options["host_id"]
        stop = StopRequests()
        if not once:
            stop.install()  # signals become a flag: the round under way ends normally
        sweep = load_sweep()
        if sweep is None:
            self.stderr.write(
                "oidc_worker: oidc.session_check.sweep indisponível (ImportError): as sessões abertas não são "
                "reavaliadas; só os logouts já registrados são entregues."
            )
        if not once:
            self.stdout.write(f"oidc_worker {host_id}: uma rodada a cada {interval:g} s (SIGTERM ou Ctrl-C encerra).")
        try:
            while True:
                self.round(sweep=sweep, host_id=host_id, stop=stop.requested.is_set)
                if once or stop.requested.wait(interval):
                    break
        finally:
            _forget_metrics()
            if not once:
                self.stdout.write(f"oidc_worker {host_id}: encerrado.")

    def round(self, *, sweep: Sweep | None, host_id: str, stop: Callable[[], bool]) -> None:
        if not connection.in_atomic_block:  # (a test's transaction: keep its connection)
            close_old_connections()  # a connection the database dropped is replaced, not reused
        now = timezone.now()
        if sweep is not None:
            try:
                sweep(now)  # the sessions it ends are audited and logged out like a browser's
            except Exception:
                logger.exception("oidc_worker: falha na reavaliação das sessões")
                self.stderr.write(f"{_stamp(now)} falha na reavaliação das sessões (detalhes no log)")
        if self.last_purge is None or now - self.last_purge >= PURGE_INTERVAL:
            self.last_purge = now
            try:
                purge(now)
            except Exception:
                logger.exception("oidc_worker: falha na limpeza dos registros antigos")
        try:
            result = deliver_due(timezone.now(), host_id=host_id, stop=stop)
        except Exception:
            logger.exception("oidc_worker: falha na entrega dos logouts")
            self.stderr.write(f"{_stamp(timezone.now())} falha na rodada de entregas (detalhes no log)")
            return
        for attempt in result.attempts:
            self.stdout.write(describe(attempt))
        self.stdout.flush()


def describe(attempt: Attempt) -> str:
    line = (
        f"{_stamp(timezone.now())} logout {LABELS.get(attempt.outcome, attempt.outcome)}: "
        f"cliente {attempt.client}, sid {attempt.sid[:8]}…, tentativa {attempt.attempts}: {attempt.status}"
    )
    if attempt.next_attempt_at is not None:
        line += f"; nova tentativa às {_stamp(attempt.next_attempt_at)}"
    return line


def _stamp(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")


def _forget_metrics() -> None:
    """This process's pending-logouts gauge leaves ``/metricas/`` with it (a stopped worker reports nothing)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]
