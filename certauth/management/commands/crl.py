"""``python manage.py crl refresh | import FILE... | status``: the CRL store from the command line (and cron)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from certauth import crl_service


class Command(BaseCommand):
    help = "Listas de certificados revogados (LCR): atualizar, importar arquivos, ver a situação."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        refresh = sub.add_parser("refresh", help="baixa de novo todas as LCRs conhecidas (os dois endereços)")
        refresh.add_argument("--workers", type=int, default=4, help="downloads em paralelo")
        imported = sub.add_parser("import", help="carrega arquivos de LCR (DER ou PEM), sem rede")
        imported.add_argument("files", nargs="+", type=Path)
        sub.add_parser("status", help="situação de cada AC: entradas, emissão, próxima atualização, validade")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "status":
            self.print_status()
            return
        if action == "refresh":
            reports = crl_service.refresh(workers=options["workers"])
        else:
            reports = crl_service.import_files(options["files"])
        for report in reports:
            mark = self.style.SUCCESS("ok   ") if report.ok else self.style.ERROR("falha")
            self.stdout.write(f"{mark} {_short(report.subject)}: {report.message}")
        failed = sum(not r.ok for r in reports)
        self.stdout.write(f"{len(reports) - failed} ok, {failed} com falha.")
        if failed and action == "import":
            raise CommandError(f"{failed} arquivo(s) recusado(s); as LCRs anteriores continuam valendo.")
        if failed and action == "refresh":
            # Non-zero for cron/systemd to notice; the CRLs already held stay in force.
            raise CommandError(f"{failed} LCR(s) não atualizada(s); as anteriores continuam valendo.", returncode=2)

    def print_status(self) -> None:
        rows = crl_service.status(now=timezone.now())
        header = f"{'AC':<48} {'revogados':>10} {'nº':>12} {'emitida em':<16} {'próxima':<16} situação"
        self.stdout.write(header)
        for row in rows:
            self.stdout.write(
                f"{_short(row.issuer):<48} {row.entries if row.entries is not None else '—':>10} "
                f"{row.number[-12:] or '—':>12} {_when(row.this_update):<16} {_when(row.next_update):<16} "
                f"{row.freshness}" + (f"  ({row.last_error[:80]})" if row.last_error else "")
            )
        self.stdout.write(f"{len(rows)} AC(s); {sum(r.freshness == 'válida' for r in rows)} com LCR válida.")


def _short(name: str) -> str:
    for part in name.split(","):
        if part.startswith("CN="):
            return part[3:][:48]
    return name[:48]


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if value else "—"
