"""``portal.status.xlsx`` writes a workbook that openpyxl reads back cell for cell: texts (markup characters,
accents, leading and trailing spaces), integers and decimals as numbers, empty cells, the header in bold and frozen,
the sheet named (cut to 31 characters, characters a sheet name cannot hold replaced)."""

from __future__ import annotations

import io

import openpyxl

from portal.status import xlsx


def test_the_workbook_reads_back_cell_for_cell():
    headers = ["código", "nome", "membros", "adesão (%)", "observação"]
    rows = [
        ["OAB-SP-0001", 'OAB SP — Subseção <0001> & "Centro"', 40, 52.5, ""],
        ["MUN-AM-0002", "  Prefeitura de Parintins  ", 0, 0.0, None],
        ["ENT-RJ-0003", "Associação d'Apoio", 1_234_567, 33.3, "ok"],
    ]
    data = xlsx.workbook("acompanhamento: [sudeste-1] / gex e mais texto longo", headers, rows)

    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.active
    assert sheet.title == "acompanhamento- -sudeste-1- - g"
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == headers
    assert values[1:] == [[None if cell == "" else cell for cell in row] for row in rows]
    assert all(cell.font.b for cell in sheet[1]) and not sheet["A2"].font.b
    assert sheet.freeze_panes == "A2"
    assert isinstance(sheet["C4"].value, int) and isinstance(sheet["D2"].value, float)


def test_a_table_without_rows_keeps_its_header():
    book = openpyxl.load_workbook(io.BytesIO(xlsx.workbook("vazia", ["a", "b"], [])))
    assert [list(r) for r in book.active.iter_rows(values_only=True)] == [["a", "b"]]
