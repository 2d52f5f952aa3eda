"""django-import-export formats for the partner files (``portal.admin_import``): one reader for what staff upload,
and a CSV that Excel in Portuguese opens as a table.

Both import formats read the raw bytes (``is_binary``: the library would otherwise decode a CSV as UTF-8 before we see
it, and show an English ``UnicodeDecodeError`` for the Windows-1252 file Excel saves) through
``portal.spreadsheet_files.read_table``, which finds out itself whether the file is an XLSX or a CSV and in which
encoding and with which separator, so a file sent with the wrong format chosen is read all the same. The CSV
export writes ``portal.spreadsheet_files.excel_csv``; the XLSX export stays the library's (dates stay date cells)."""

from __future__ import annotations

from typing import Any

import tablib
from import_export.formats import base_formats

from portal.spreadsheet_files import excel_csv, read_table


def dataset_from(data: bytes) -> tablib.Dataset:
    """The rows of an uploaded file as a tablib dataset (``UnreadableFile`` when it is not a readable table)."""
    table = read_table(bytes(data))
    dataset = tablib.Dataset(headers=table.headers)
    for row in table.rows:
        dataset.append(row)
    return dataset


class SpreadsheetCSV(base_formats.CSV):  # type: ignore[misc]  # untyped library
    CONTENT_TYPE = "text/csv; charset=utf-8"

    def is_binary(self) -> bool:
        return True

    def get_read_mode(self) -> str:
        return "rb"

    def create_dataset(self, in_stream: bytes, **kwargs: Any) -> tablib.Dataset:
        return dataset_from(in_stream)

    def export_data(self, dataset: tablib.Dataset, **kwargs: Any) -> str:
        return excel_csv(dataset.headers or [], dataset)


class SpreadsheetXLSX(base_formats.XLSX):  # type: ignore[misc]  # untyped library
    def create_dataset(self, in_stream: bytes, **kwargs: Any) -> tablib.Dataset:
        return dataset_from(in_stream)


IMPORT_FORMATS = [SpreadsheetCSV, SpreadsheetXLSX]
#: The XLSX export is the library's own class: it hands cells over with their types (dates as dates) only to the
#: formats it knows as binary.
EXPORT_FORMATS = [SpreadsheetCSV, base_formats.XLSX]
