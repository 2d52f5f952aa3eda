"""A one-sheet XLSX of texts and numbers, written directly (the status pages' downloads: thousands of rows).

openpyxl (through tablib) builds an object per cell and serializes it: ~0.5 s for a superintendência's 1,300
entities, more than the rest of the page. The status tables hold only texts and numbers, so the sheet's XML is
written here as the format defines it (ECMA-376: inline strings, a bold header row frozen at the top, as tablib
did); cells are made safe by the caller (``portal.spreadsheet.safe_row``)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        f'<Relationships xmlns="{_RELS}">'
        f'<Relationship Id="rId1" Type="{_DOC}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{_RELS}">'
        f'<Relationship Id="rId1" Type="{_DOC}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_DOC}/styles" Target="styles.xml"/>'
        "</Relationships>"
    ),
    "xl/styles.xml": (  # style 0: the default; style 1: bold (the header row)
        f'<styleSheet xmlns="{_MAIN}">'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    ),
}
#: Characters a sheet name cannot hold.
_NOT_IN_NAMES = str.maketrans({c: "-" for c in "[]:*?/\\"})


def _column(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _row(number: int, values: Sequence[Any], columns: list[str], style: str) -> str:
    cells = []
    for column, value in zip(columns, values, strict=False):
        ref = f"{column}{number}"
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            value = "sim" if value else "não"
        if isinstance(value, int | float):
            cells.append(f'<c r="{ref}"{style}><v>{value!r}</v></c>')
        else:
            cells.append(
                f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'
            )
    return f'<row r="{number}">{"".join(cells)}</row>'


def workbook(title: str, headers: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    """The XLSX file: one sheet named ``title`` (cut to 31 characters), ``headers`` in bold and frozen, then the
    rows (texts and numbers; None or "" leaves the cell empty)."""
    columns = [_column(i) for i in range(max(len(headers), 1))]
    lines = [_row(1, headers, columns, ' s="1"')]
    for number, values in enumerate(rows, start=2):
        if len(values) > len(columns):
            columns += [_column(i) for i in range(len(columns), len(values))]
        lines.append(_row(number, values, columns, ""))
    sheet = (
        f'<worksheet xmlns="{_MAIN}"><sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
        f"<sheetData>{''.join(lines)}</sheetData></worksheet>"
    )
    name = title.translate(_NOT_IN_NAMES)[:31] or "Planilha"
    book = (
        f'<workbook xmlns="{_MAIN}" xmlns:r="{_DOC}"><sheets>'
        f'<sheet name={quoteattr(name)} sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for path, xml in (*_PARTS.items(), ("xl/workbook.xml", book), ("xl/worksheets/sheet1.xml", sheet)):
            archive.writestr(path, _HEAD + xml)
    return buffer.getvalue()
