"""CSV and XLSX downloads of the status pages' tables; every cell through ``portal.spreadsheet.safe_cell`` (entity and
member names come from partner files). The CSV is for Excel in Portuguese (``portal.spreadsheet_files.excel_csv``:
``;``, BOM, decimal comma — "33,3", not "33.3", which Excel in Portuguese would read as text or as a date); the XLSX
keeps numbers as numbers (tablib, as django-import-export uses)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import tablib
from django.http import HttpResponse
from django.utils import timezone

from portal.spreadsheet import safe_row
from portal.spreadsheet_files import excel_csv

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def download(name: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str) -> HttpResponse:
    if fmt == "csv":
        content = excel_csv(headers, rows)
    else:
        data = tablib.Dataset(*[tuple(safe_row(row)) for row in rows], headers=safe_row(headers), title=name[:31])
        content = data.export(fmt)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.{fmt}"'
    return response
