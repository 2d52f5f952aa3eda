"""The spreadsheet files INSS staff really have, read as a table; and CSV that Excel in Portuguese opens as one.

Reading (``read_table``) takes the bytes of an upload or of a file given to ``import_partners``, whatever the format
chosen in a form said:

- an XLSX workbook (it begins as a ZIP archive): its active sheet;
- a CSV: UTF-8 with or without a BOM, else Windows-1252 (what Excel in Portuguese saves as "CSV (separado por
  vírgulas)"), or UTF-16 with a BOM ("Texto Unicode"); the separator is the one the header line uses, ``;``, ``,`` or
  a tab — Excel in Portuguese writes ``;`` because the comma is the decimal separator there;
- an old binary workbook (``.xls``) or a password-protected one is refused with what to do instead.

The first row is the header; every later row is kept, blank ones included, so that data row ``i`` (from 1) is the
line ``i + 1`` that the user sees in the spreadsheet. A row with more or fewer cells than the header (trailing empty
cells aside) is refused by its line. Whatever cannot be read raises ``UnreadableFile``, whose message is a sentence in
Portuguese for the person who sent the file: never an exception's name, never a path.

Writing (``excel_csv``): ``;`` separators, CRLF, a UTF-8 BOM (without it Excel reads UTF-8 as Windows-1252 and
garbles every accent), numbers with a decimal comma, dates ``dd/mm/aaaa``, and every text cell through
``portal.spreadsheet.safe_cell`` (formula-like text stays text).

No Django here: bytes in, rows out.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import openpyxl  # type: ignore[import-untyped]

from portal.spreadsheet import safe_row

BOM = "\ufeff"
DELIMITERS = (";", ",", "\t")
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and any workbook encrypted with a password
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
#: How many refused lines a message names before "e mais N".
LISTED = 5

Cell = str | int | float | decimal.Decimal | dt.date | dt.datetime | None


class UnreadableFile(ValueError):
    """The file is not a table the portal can read; ``str(error)`` is the sentence to show."""


@dataclass(frozen=True)
class Table:
    headers: list[str]
    #: Every data row, blank ones included, each as long as ``headers``: row ``i`` (from 0) is line ``i + 2``.
    rows: list[list[Cell]]


def read_table(data: bytes) -> Table:
    """The table in ``data`` (XLSX or CSV, found from the content), or ``UnreadableFile``."""
    if not data.strip():
        raise UnreadableFile("O arquivo está vazio.")
    if data.startswith(OLE_MAGIC):
        raise UnreadableFile(
            "Este arquivo está no formato antigo do Excel (.xls) ou protegido por senha. Abra-o no Excel e salve-o, "
            "sem senha, como “Pasta de Trabalho do Excel (.xlsx)” ou “CSV (separado por vírgulas)”."
        )
    table = _read_xlsx(data) if data.startswith(ZIP_MAGIC) else _read_csv(decode(data))
    if all(is_blank(row) for row in table.rows):
        raise UnreadableFile("O arquivo não tem nenhuma linha de dados: só o cabeçalho (ou linhas vazias).")
    return table


def decode(data: bytes) -> str:
    """The text of a CSV: UTF-8 (BOM or not), UTF-16 with a BOM, else Windows-1252."""
    if data.startswith(UTF16_BOMS):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise _undecodable(data, exc) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise _undecodable(data, exc) from None


def delimiter_of(header_line: str) -> str:
    """The separator the header line uses: the most frequent of ``;``, ``,`` and tab (``,`` when there is none)."""
    counts = {delimiter: header_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def is_blank(row: Iterable[Cell]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in row)


def excel_csv(headers: Sequence[Cell], rows: Iterable[Sequence[Cell]]) -> str:
    """CSV text for Excel in Portuguese (``;``, CRLF, BOM, decimal comma, ``dd/mm/aaaa``), formula-safe."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_excel_text(cell) for cell in safe_row(headers)])
    for row in rows:
        writer.writerow([_excel_text(cell) for cell in safe_row(row)])
    return BOM + out.getvalue()


def _excel_text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "Sim" if cell else "Não"
    if isinstance(cell, float | decimal.Decimal):
        return str(cell).replace(".", ",")
    if isinstance(cell, dt.datetime):
        return f"{cell:%d/%m/%Y %H:%M}"
    if isinstance(cell, dt.date):
        return f"{cell:%d/%m/%Y}"
    return str(cell)


def _undecodable(data: bytes, exc: UnicodeDecodeError) -> UnreadableFile:
    line = data[: exc.start].count(b"\n") + 1
    return UnreadableFile(
        f"O arquivo não está em UTF-8 nem em Windows-1252 (caractere ilegível na linha {line}). "
        "No Excel, salve-o de novo como “CSV (separado por vírgulas)” ou “CSV UTF-8”."
    )


def _read_csv(text: str) -> Table:
    text = text.removeprefix(BOM)
    delimiter = delimiter_of(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records: list[list[Cell]] = [list(record) for record in reader]
    except csv.Error:
        raise UnreadableFile(
            f"O arquivo não pôde ser lido como CSV (perto da linha {reader.line_num}): salve-o de novo pelo Excel."
        ) from None
    return _table(records)


#: Bounds of a workbook the import reads: far above any partner file (5,570 municipalities; a few hundred thousand
#: members arrive as several files), far below what would take a worker's memory.
MAX_ROWS = 200_000
MAX_COLUMNS = 50
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024


def _read_xlsx(data: bytes) -> Table:
    _check_archive_size(data)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = book.active
            # A workbook declares its own size (<dimension ref="A1:XFD1048576">) and openpyxl pads every row to it:
            # a 1.5 KB file would fill the worker's memory. Measure the cells that are really there instead.
            sheet.reset_dimensions()
            records: list[list[Cell]] = []
            for row in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1):
                if len(records) >= MAX_ROWS:
                    raise _TooLarge(f"a planilha passa de {MAX_ROWS:,} linhas".replace(",", "."))
                records.append([_xlsx_value(cell) for cell in row])
        finally:
            book.close()
    except _TooLarge as exc:
        raise UnreadableFile(
            f"Arquivo grande demais para uma importação: {exc}. Divida-o em arquivos menores."
        ) from None
    except Exception:  # whatever openpyxl trips on in an uploaded file, it is not a workbook the import can read
        raise UnreadableFile(
            "Não foi possível ler a planilha: o arquivo está danificado ou não é uma planilha XLSX. "
            "Abra-o no Excel e salve-o de novo como “Pasta de Trabalho do Excel (.xlsx)”."
        ) from None
    if any(len(record) > MAX_COLUMNS and not is_blank(record[MAX_COLUMNS:]) for record in records):
        raise UnreadableFile(f"Arquivo com colunas demais (mais de {MAX_COLUMNS}): confira se é a planilha certa.")
    return _table([record[:MAX_COLUMNS] for record in records])


class _TooLarge(Exception):
    pass


def _check_archive_size(data: bytes) -> None:
    """An XLSX is a zip: refuse one that would unpack to more than ``MAX_UNCOMPRESSED_BYTES`` (a zip bomb)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a zip: openpyxl refuses it with the usual sentence
    if unpacked > MAX_UNCOMPRESSED_BYTES:
        raise UnreadableFile(
            "Arquivo grande demais para uma importação (descompactado, passa de "
            f"{MAX_UNCOMPRESSED_BYTES // 2**20} MB). Divida-o em arquivos menores."
        )


def _xlsx_value(value: object) -> Cell:
    """A cell as the import reads it: whole numbers as ``int`` (a CPF typed as a number is ``52601815906.0``)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value is None or isinstance(value, str | int | float | decimal.Decimal | dt.date):
        return value
    return str(value)


def _table(records: list[list[Cell]]) -> Table:
    """Header and rows, each row as long as the header; rows of another length refused by their line."""
    if not records:
        raise UnreadableFile("O arquivo está vazio.")
    if is_blank(records[0]):
        raise UnreadableFile("A primeira linha do arquivo está vazia: ela deve ser a dos nomes das colunas.")
    headers = [str(cell).strip() if cell is not None else "" for cell in _trimmed(records[0])]
    width = len(headers)
    rows: list[list[Cell]] = []
    wrong: list[str] = []
    for line, record in enumerate(records[1:], start=2):
        cells = record[:width] if is_blank(record[width:]) else record
        if is_blank(cells):
            rows.append([""] * width)
        elif len(cells) != width:
            wrong.append(f"linha {line}: {len(cells)} colunas, o cabeçalho tem {width}")
        else:
            rows.append(list(cells))
    if wrong:
        more = f" (e mais {len(wrong) - LISTED})" if len(wrong) > LISTED else ""
        raise UnreadableFile(
            "Linhas com outro número de colunas que o cabeçalho: " + "; ".join(wrong[:LISTED]) + more + ". "
            "Confira se o separador (ponto e vírgula ou vírgula) é o mesmo em todo o arquivo."
        )
    return Table(headers=headers, rows=rows)


def _trimmed(record: list[Cell]) -> list[Cell]:
    """Without the empty cells at its end (Excel writes them for columns that were once formatted)."""
    end = len(record)
    while end and is_blank(record[end - 1 : end]):
        end -= 1
    return record[:end]
