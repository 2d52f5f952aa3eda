"""What an import of partner files tells the person who sent them (the admin's pages and ``import_partners`` alike):
each refused row by the line it has in the spreadsheet (the header is line 1, blank lines count) with sentences in
Portuguese, problems of the whole file in one sentence each, and the counts. Never a traceback: an unexpected
exception becomes a sentence saying so, and goes to the server's log with its traceback."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from import_export.results import Error, Result

logger = logging.getLogger("portal.import")

UNEXPECTED = (
    "Erro inesperado ao gravar esta linha; nada foi importado. Tente de novo e, se o erro continuar, "
    "abra um chamado informando a data e a hora (o detalhe ficou registrado no servidor)."
)


class ImportProblem(Error):  # type: ignore[misc]  # untyped library
    """An error of the whole file or of one row. A ``ValidationError`` carries its own sentences; anything else is
    logged with its traceback and shown as ``UNEXPECTED``."""

    def __init__(self, error: Exception, row: Any = None, number: int | None = None) -> None:
        super().__init__(error, row=row, number=number)
        if not isinstance(error, ValidationError):
            logger.error("partner import failed (row %s)", number, exc_info=error)

    @property
    def sentences(self) -> list[tuple[str, str]]:
        """``(column, sentence)`` pairs; the column is ``""`` when the sentence is about the row or the file."""
        return sentences_of(self.error)


@dataclass(frozen=True)
class RefusedRow:
    line: int
    problems: list[tuple[str, str]]
    values: list[str]

    @property
    def shown_values(self) -> str:
        """The row's filled cells, to recognise it: ``OAB-SP; 111.222.333-44; Fulano``."""
        return "; ".join(value for value in self.values if value.strip())


class ImportReport(Result):  # type: ignore[misc]  # untyped library
    """The library's result, read as lines of the file."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._error_values: dict[int, list[str]] = {}

    def append_error_row(self, number: int, row: dict[str, Any], errors: list[Any]) -> None:
        super().append_error_row(number, row, errors)
        self._error_values[number] = [cell_text(value) for value in row.values()]

    def file_problems(self) -> list[str]:
        return [sentence for error in self.base_errors for _, sentence in sentences_of(error.error)]

    def refused_rows(self) -> list[RefusedRow]:
        refused = [
            RefusedRow(
                line=line_of(row.number),
                problems=sentences_of(row.error),
                values=[cell_text(value) for value in row.values],
            )
            for row in self.invalid_rows
        ]
        refused += [
            RefusedRow(
                line=line_of(row.number),
                problems=[pair for error in row.errors for pair in sentences_of(error.error)],
                values=self._error_values.get(row.number, []),
            )
            for row in self.error_rows
        ]
        return sorted(refused, key=lambda row: row.line)

    def problem_lines(self) -> list[str]:
        """Every problem in one line each: ``linha 3: cpf: CPF inválido: ….`` (the command's output)."""
        lines = list(self.file_problems())
        for row in self.refused_rows():
            lines += [f"linha {row.line}: {column + ': ' if column else ''}{text}" for column, text in row.problems]
        return lines

    def summary(self) -> str:
        totals = self.totals
        return f"{totals['new']} novas, {totals['update']} atualizadas, {totals['skip']} sem mudança"


def line_of(row_number: int) -> int:
    """The spreadsheet line of the library's row number (data rows count from 1; the header is line 1)."""
    return row_number + 1


def sentences_of(error: Exception) -> list[tuple[str, str]]:
    if not isinstance(error, ValidationError):
        return [("", UNEXPECTED)]
    if not hasattr(error, "error_dict"):
        return [("", message) for message in error.messages]
    return [
        ("" if column == NON_FIELD_ERRORS else column, message)
        for column, messages in error.message_dict.items()
        for message in messages
    ]


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return f"{value:%d/%m/%Y}"
    return str(value)
