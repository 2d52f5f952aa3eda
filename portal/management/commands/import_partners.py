"""``python manage.py import_partners --entities E.csv --members M.csv`` (DESIGN.md).

Idempotent (runs again update, never duplicate); every row is validated and bad rows are reported by line
number; if any row is bad nothing is imported and the exit status is non-zero.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import tablib
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from import_export.resources import ModelResource

from portal.resources import EntityResource, MemberResource


class Rollback(Exception):
    """Raised inside the transaction to undo a run that found bad rows."""


class Command(BaseCommand):
    help = "Importa entidades parceiras e membros de arquivos CSV (UTF-8, com cabeçalho)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--entities", type=Path, help="CSV: code,name,kind,uf,act_number,act_signed_on,contact_email"
        )
        parser.add_argument("--members", type=Path, help="CSV: entity_code,cpf,name,email,oab_number,oab_uf")

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
        datasets = [(label, path, read_csv(path), resource) for label, path, resource in jobs]
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


def read_csv(path: Path) -> tablib.Dataset:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise CommandError(f"{path}: o arquivo não está em UTF-8 (byte inválido na posição {exc.start}).") from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise CommandError(f"{path}: arquivo vazio.")
    dataset = tablib.Dataset(headers=[h.strip() for h in rows[0]])
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(rows[0]):
            raise CommandError(f"{path}: linha {number}: {len(row)} colunas, o cabeçalho tem {len(rows[0])}.")
        dataset.append(row)
    return dataset


def run(resource: ModelResource, dataset: tablib.Dataset) -> tuple[list[str], str]:
    """Import into the current transaction; return the problems (by CSV line number) and a count summary."""
    result = resource.import_data(dataset, dry_run=False, use_transactions=False, raise_errors=False)
    problems = [f"{error.error}" for error in result.base_errors]
    for line_number, row_errors in result.row_errors():
        problems += [f"linha {line_number + 1}: {error.error}" for error in row_errors]
    for invalid in result.invalid_rows:
        for field, messages in invalid.error_dict.items():
            problems += [f"linha {invalid.number + 1}: {field}: {message}" for message in messages]
    totals = result.totals
    return problems, (
        f"{totals.get('new', 0)} novas, {totals.get('update', 0)} atualizadas, {totals.get('skip', 0)} sem mudança"
    )
