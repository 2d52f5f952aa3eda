"""Spreadsheet cells that stay text: every CSV/XLSX the portal hands out goes through ``safe_cell``.

Names and e-mails come from partner files, so a name like ``=HYPERLINK("http://…","clique")`` would become a live
formula when an INSS employee opens the export in Excel or LibreOffice ("CSV injection", OWASP). Following OWASP's
guidance, a text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return — also after leading
whitespace, and in the full-width forms ``＝ ＋ － ＠`` that some spreadsheets read as the ASCII ones — is prefixed
with a single quote, which every spreadsheet shows as text. Only text is touched: numbers (negative ones included),
dates and empty cells keep their type.

The import side undoes exactly that prefix (``unquote_cell``), so a file exported here and imported back stores the
original text, not the quote.

Control characters that an XLSX cannot hold (openpyxl refuses the whole file, so one such name in a partner file
made every XLSX export of its table fail) are shown as U+FFFD, in every format alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TypeVar

import tablib

QUOTE = "'"
#: What makes a spreadsheet read a cell as a formula (or as an expression it evaluates), per OWASP, plus the
#: full-width forms of the four signs.
FORMULA_STARTS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")

#: What an XLSX cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE): C0 controls but tab, line feed and carriage return.
UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

T = TypeVar("T")


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could take this text for a formula: it starts with one of ``FORMULA_STARTS``, or does
    once leading whitespace is skipped (some spreadsheets trim it)."""
    return text[:1] in FORMULA_STARTS or text.lstrip()[:1] in FORMULA_STARTS


def safe_cell(value: T) -> T | str:
    """The value to write in a cell: formula-like text gets a leading ``'`` (and unwritable control characters become
    U+FFFD); anything that is not text is returned as is."""
    if not isinstance(value, str):
        return value
    text = UNWRITABLE.sub("\ufffd", value)
    return QUOTE + text if is_formula_like(text) else text


def safe_row(values: Iterable[object]) -> list[object]:
    return [safe_cell(value) for value in values]


def safe_dataset(dataset: tablib.Dataset) -> tablib.Dataset:
    """A copy of ``dataset`` with every cell (and header) through ``safe_cell``; its title is kept."""
    headers = safe_row(dataset.headers) if dataset.headers else None
    safe = tablib.Dataset(*[tuple(safe_row(row)) for row in dataset], headers=headers)
    safe.title = dataset.title
    return safe


def unquote_cell(text: str) -> str:
    """What ``safe_cell`` protected, as it was: one leading ``'`` before formula-like text is removed (an import of a
    file exported here stores the original name). Other text, a quote before a letter included, is kept."""
    if text.startswith(QUOTE) and is_formula_like(text[1:]):
        return text[1:]
    return text
