"""``python manage.py status_rollup [--desde AAAA-MM-DD]``: consolidate the days the status pages' charts read."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone

from portal.status import rollups, tally


class Command(BaseCommand):
    help = (
        "Consolida, dia a dia (horário de Brasília), os logins, as recusas e os primeiros logins com A3 que os "
        "gráficos do acompanhamento leem, e tira o retrato dos números por entidade. Rode diariamente após a "
        "meia-noite (cron); dias já consolidados ficam."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--desde", help="primeiro dia (AAAA-MM-DD); padrão: o primeiro dia com registros")

    def handle(self, *args: Any, **options: Any) -> None:
        since = None
        if options["desde"]:
            try:
                since = dt.date.fromisoformat(options["desde"])
            except ValueError:
                raise CommandError(f"data inválida: {options['desde']!r} (use AAAA-MM-DD)") from None
        started = time.perf_counter()
        done = rollups.consolidate_missing(timezone.localdate(), since=since)
        self.stdout.write(f"{done} dia(s) consolidado(s) em {time.perf_counter() - started:.1f} s.")
        snapshot = tally.take_snapshot(at=timezone.now())
        self.stdout.write(
            f"Números por entidade: {snapshot.memberships} vínculo(s) contado(s) em {snapshot.seconds:.1f} s."
        )
        if connection.vendor == "sqlite":
            # PostgreSQL keeps its planner statistics itself (autovacuum); SQLite has none until ANALYZE, and then
            # picks the outcome index over the CPF index for an entity's attempts (seconds instead of milliseconds).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
