"""CSV and XLSX downloads of the status pages' tables (tablib, as django-import-export uses); every cell through
``portal.spreadsheet.safe_cell`` (entity and member names come from partner files)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import tablib
from django.http import HttpResponse
from django.utils import timezone

from portal.spreadsheet import safe_row

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def download(name: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str) -> HttpResponse:
    data = tablib.Dataset(*[tuple(safe_row(row)) for row in rows], headers=safe_row(headers), title=name[:31])
    content = data.export(fmt)
    if fmt == "csv":
        content = "\ufeff" + content  # Excel opens UTF-8 CSV with accents correctly only with a BOM
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(content, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.{fmt}"'
    return response
