"""``python manage.py import_gex FILE`` — creates or updates the Gerências-Executivas (``rollout.gex_io``).

Idempotent: a row as stored writes nothing; a changed row is saved (its history records it). Every row is validated
first and problems are reported by line in Portuguese; if any row is bad nothing is imported and the exit status is
non-zero."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from portal.import_report import sentences_of
from portal.partners_io import check_columns
from portal.spreadsheet_files import UnreadableFile, is_blank, read_table
from rollout.gex_io import GEX_COLUMNS, GexRecord, parse_gex_row
from rollout.models import GerenciaExecutiva, Superintendencia


class Command(BaseCommand):
    help = "Importa as Gerências-Executivas de um arquivo CSV ou XLSX: " + ",".join(GEX_COLUMNS) + "."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="CSV ou XLSX: " + ",".join(GEX_COLUMNS))

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            table = read_table(path.read_bytes())
            check_columns(list(table.headers), GEX_COLUMNS)
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from None
        except (UnreadableFile, ValidationError) as exc:
            raise CommandError(f"{path}: {' '.join(_sentences(exc))}") from None
        regions = dict(Superintendencia.objects.values_list("code", "name"))
        records: list[tuple[int, GexRecord]] = []
        errors: list[str] = []
        seen: dict[str, int] = {}
        for index, cells in enumerate(table.rows):
            line = index + 2
            if is_blank(cells):
                continue
            try:
                record = parse_gex_row(dict(zip(GEX_COLUMNS, cells, strict=False)), regions)
            except ValidationError as exc:
                errors.append(f"{path.name}: linha {line}: {' '.join(_sentences(exc))}")
                continue
            if record.code in seen:
                errors.append(
                    f"{path.name}: linha {line}: código {record.code} repetido (já na linha {seen[record.code]})."
                )
            seen[record.code] = line
            records.append((line, record))
        if errors:
            for error in errors:
                self.stderr.write(error)
            raise CommandError(f"{len(errors)} erro(s): nada foi importado.")
        counts = {"novas": 0, "atualizadas": 0, "inalteradas": 0}
        with transaction.atomic():
            for line, record in records:
                counts[_save(record, path.name, line)] += 1
        summary = ", ".join(f"{n} {label}" for label, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Importação concluída — gerências-executivas: {summary}"))


def _save(record: GexRecord, file_name: str, line: int) -> str:
    region = Superintendencia.objects.get(code=record.superintendencia)
    gex = GerenciaExecutiva.objects.filter(code=record.code).first()
    fields = {"name": record.name, "superintendencia": region, "contact_email": record.contact_email}
    if gex is not None and all(getattr(gex, k) == v for k, v in fields.items()):
        return "inalteradas"
    created = gex is None
    gex = gex or GerenciaExecutiva(code=record.code)
    for key, value in fields.items():
        setattr(gex, key, value)
    try:
        gex.full_clean()
    except ValidationError as exc:
        raise CommandError(f"{file_name}: linha {line}: {' '.join(_sentences(exc))}") from None
    gex._change_reason = f"importação ({file_name})"  # type: ignore[attr-defined]  # django-simple-history's hook
    gex.save()
    return "novas" if created else "atualizadas"


def _sentences(exc: Exception) -> list[str]:
    return [text for _, text in sentences_of(exc)]
