"""``python manage.py import_partners --entities E.csv --members M.csv`` (DESIGN.md).

Idempotent (runs again update what changed, report identical rows unchanged and write nothing for them); every row
is validated and bad rows are reported by line number in Portuguese; if any row is bad nothing is imported and the
exit status is non-zero. The files are read as the admin reads them (``portal.spreadsheet_files``): CSV with ``;``
or ``,``, in UTF-8 (with or without a BOM) or Windows-1252, or XLSX.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tablib
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from import_export.resources import ModelResource

from portal.import_report import ImportReport
from portal.resources import EntityResource, MemberResource
from portal.spreadsheet_files import UnreadableFile
from portal.spreadsheet_formats import dataset_from


class Rollback(Exception):
    """Raised inside the transaction to undo a run that found bad rows."""


class Command(BaseCommand):
    help = (
        "Importa entidades parceiras e membros de arquivos CSV (separados por ; ou ,, em UTF-8 ou Windows-1252) "
        "ou XLSX, com cabeçalho."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--entities", type=Path, help="CSV ou XLSX: code,name,kind,uf,act_number,act_signed_on,contact_email"
        )
        parser.add_argument("--members", type=Path, help="CSV ou XLSX: entity_code,cpf,name,email,oab_number,oab_uf")

    def handle(self, *args: Any, **options: Any) -> None:
        jobs = [
            (label, options[key], resource)
            for key, label, resource in (
                ("entities", "entidades", EntityResource()),
                ("members", "membros", MemberResource()),
            )
            if options[key]
        ]
        if not jobs:
            raise CommandError("Informe --entities e/ou --members.")
        datasets = [(label, path, read_file(path), resource) for label, path, resource in jobs]
        errors: list[str] = []
        summary: list[str] = []
        try:
            with transaction.atomic():
                for label, path, dataset, resource in datasets:
                    problems, counts = run(resource, dataset)
                    errors += [f"{path.name}: {p}" for p in problems]
                    summary.append(f"{label}: {counts}")
                if errors:
                    raise Rollback
        except Rollback:
            for line in errors:
                self.stderr.write(line)
            raise CommandError(f"{len(errors)} erro(s): nada foi importado.") from None
        self.stdout.write(self.style.SUCCESS("Importação concluída — " + "; ".join(summary)))


def read_file(path: Path) -> tablib.Dataset:
    try:
        return dataset_from(path.read_bytes())
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror}") from None
    except UnreadableFile as exc:
        raise CommandError(f"{path}: {exc}") from None


def run(resource: ModelResource, dataset: tablib.Dataset) -> tuple[list[str], str]:
    """Import into the current transaction; return the problems (by line of the file) and a count summary."""
    result: ImportReport = resource.import_data(dataset, dry_run=False, use_transactions=False, raise_errors=False)
    return result.problem_lines(), result.summary()
