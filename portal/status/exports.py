"""CSV and XLSX downloads of the status pages' tables; every cell through ``portal.spreadsheet.safe_cell`` (entity and
member names come from partner files). The CSV is for Excel in Portuguese (``portal.spreadsheet_files.excel_csv``:
``;``, BOM, decimal comma — "33,3", not "33.3", which Excel in Portuguese would read as text or as a date); the XLSX
keeps numbers as numbers (``portal.status.xlsx``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.http import HttpResponse
from django.utils import timezone

from portal.spreadsheet import safe_row
from portal.spreadsheet_files import excel_csv
from portal.status import xlsx

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def download(name: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str) -> HttpResponse:
    if fmt == "csv":
        content: str | bytes = excel_csv(headers, rows)
    else:
        # written directly (texts and numbers only): openpyxl took ~0.5 s for a superintendência's entities
        content = xlsx.workbook(name, safe_row(headers), (safe_row(row) for row in rows))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.{fmt}"'
    return response
