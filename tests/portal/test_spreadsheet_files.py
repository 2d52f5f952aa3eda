"""Reading the files staff really have (``portal.spreadsheet_files``) and the partner format's lenient cells
(``portal.partners_io``): encodings, separators, XLSX, blank rows, dates ``dd/mm/aaaa``, kinds by label, CPFs that
lost their leading zero; and CSV written for Excel in Portuguese."""

from __future__ import annotations

import datetime as dt
import decimal
import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError

from portal.partners_io import parse_date, parse_entity_row, parse_kind, parse_member_row
from portal.spreadsheet_files import UnreadableFile, decode, delimiter_of, excel_csv, read_table

TEXT = "code;name\r\nX1;São João — Paraná\r\n"


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        TEXT.encode("utf-8-sig"),
        TEXT.encode("cp1252"),
        TEXT.encode("utf-16"),  # Excel's "Texto Unicode", with its BOM
    ],
    ids=["utf-8", "utf-8 with BOM", "windows-1252", "utf-16"],
)
def test_the_encodings_excel_saves_are_read(data):
    assert decode(data) == TEXT
    assert read_table(data).rows == [["X1", "São João — Paraná"]]


def test_a_file_in_neither_utf8_nor_windows_1252_names_the_line_in_portuguese():
    with pytest.raises(
        UnreadableFile, match=r"não está em UTF-8 nem em Windows-1252 \(caractere ilegível na linha 2\)"
    ):
        decode(b"code;name\r\nX1;\x81\r\n")


@pytest.mark.parametrize(
    ("header", "expected"),
    [("a;b;c", ";"), ("a,b,c", ","), ("a\tb\tc", "\t"), ("a;b,c;d", ";"), ("so-uma-coluna", ",")],
)
def test_the_separator_is_the_one_the_header_uses(header, expected):
    assert delimiter_of(header) == expected


def test_quoted_cells_keep_their_separators_and_line_breaks_and_blank_rows_keep_their_place():
    data = b'code;name;notes\r\nA;"Silva; Souza";"linha 1\r\nlinha 2"\r\n;;\r\n\r\nB;Nome;\r\n'
    table = read_table(data)
    assert table.headers == ["code", "name", "notes"]
    assert table.rows == [
        ["A", "Silva; Souza", "linha 1\r\nlinha 2"],
        ["", "", ""],
        ["", "", ""],
        ["B", "Nome", ""],
    ]


def test_trailing_empty_cells_beyond_the_header_are_ignored_but_other_lengths_refused_by_line():
    assert read_table(b"a;b;;\r\n1;2;;;\r\n").rows == [["1", "2"]]
    with pytest.raises(UnreadableFile, match=r"linha 3: 1 colunas, o cabeçalho tem 2; linha 4: 3 colunas"):
        read_table(b"a;b\r\n1;2\r\n1\r\n1;2;3\r\n")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "O arquivo está vazio."),
        (b"\r\n \r\n", "O arquivo está vazio."),
        (b"a;b\r\n;\r\n", "não tem nenhuma linha de dados"),
        (b"\r\na;b\r\n1;2\r\n", "A primeira linha do arquivo está vazia"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\0\0", "formato antigo do Excel (.xls) ou protegido por senha"),
        (b"PK\x03\x04garbage", "Não foi possível ler a planilha"),
    ],
)
def test_what_cannot_be_read_is_refused_with_a_sentence(data, expected):
    with pytest.raises(UnreadableFile) as exc:
        read_table(data)
    assert expected in str(exc.value)


def test_an_xlsx_is_read_whatever_its_name_with_whole_numbers_as_integers_and_dates_as_dates():
    book = openpyxl.Workbook()
    book.active.append(["cpf", "data", "nome", None])
    book.active.append([8301661305.0, dt.datetime(2024, 5, 17), "Ana", None])
    book.active.append([None, None, None, None])
    out = io.BytesIO()
    book.save(out)
    table = read_table(out.getvalue())
    assert table.headers == ["cpf", "data", "nome"]
    assert table.rows == [[8301661305, dt.datetime(2024, 5, 17), "Ana"], ["", "", ""]]


def test_csv_for_excel_in_portuguese_has_semicolons_a_bom_decimal_commas_brazilian_dates_and_no_live_formulas():
    text = excel_csv(
        ["nome", "adesão (%)", "data", "quando", "ok"],
        [
            ["=1+1", 33.3, dt.date(2024, 9, 2), dt.datetime(2024, 9, 2, 14, 5), True],
            ["a;b", decimal.Decimal("2.50"), None, 7, False],
        ],
    )
    assert text == (
        '\ufeffnome;adesão (%);data;quando;ok\r\n\'=1+1;33,3;02/09/2024;02/09/2024 14:05;Sim\r\n"a;b";2,50;;7;Não\r\n'
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [("02/09/2024", dt.date(2024, 9, 2)), ("2/9/2024", dt.date(2024, 9, 2)), ("2024-09-02", dt.date(2024, 9, 2))],
)
def test_dates_are_read_as_excel_in_portuguese_writes_them_or_as_iso(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["31/02/2024", "02/09/24", "09-02-2024", "2024/09/02", ""])
def test_other_dates_are_refused(text):
    with pytest.raises(ValueError):
        parse_date(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("oab", "oab"),
        ("OAB", "oab"),
        ("Seccional da OAB", "oab"),
        ("município", "municipio"),
        ("MUNICIPIO", "municipio"),
        (" Município ", "municipio"),
        ("Outra entidade", "outra"),
        ("outra", "outra"),
        ("sindicato", None),
        ("", None),
    ],
)
def test_a_kind_is_read_from_its_code_or_its_label(text, expected):
    assert parse_kind(text) == expected


def test_an_entity_row_with_a_label_and_a_brazilian_date_is_valid_and_a_bad_one_says_what_to_write():
    row = {"code": "M1", "name": "Prefeitura", "kind": "Município", "uf": "sc", "act_signed_on": "02/09/2024"}
    record = parse_entity_row(row)
    assert (record.kind, record.uf, record.act_signed_on) == ("municipio", "SC", dt.date(2024, 9, 2))
    with pytest.raises(ValidationError) as exc:
        parse_entity_row({**row, "kind": "sindicato", "act_signed_on": "2/9/24"})
    assert exc.value.message_dict == {
        "kind": [
            "Tipo inválido: sindicato. Use Seccional da OAB, Município, Outra entidade (ou oab, municipio, outra)."
        ],
        "act_signed_on": ["Data inválida: 2/9/24. Use dd/mm/aaaa (ou AAAA-MM-DD)."],
    }


@pytest.mark.parametrize(("cpf", "expected"), [("8301661305", "08301661305"), (8301661305, "08301661305")])
def test_a_cpf_whose_leading_zero_excel_dropped_is_read_with_it(cpf, expected):
    assert parse_member_row({"entity_code": "E", "cpf": cpf, "name": "João"}).cpf == expected


def test_a_short_cpf_with_punctuation_is_not_padded():
    with pytest.raises(ValidationError, match="CPF inválido"):
        parse_member_row({"entity_code": "E", "cpf": "83.016.613-05", "name": "João"})


def _xlsx(fill) -> bytes:
    book = openpyxl.Workbook()
    fill(book.active)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_workbook_declaring_a_huge_sheet_is_refused_within_bounds():
    """Two cells, one in the sheet's last row and column: openpyxl would pad every row to the declared size (a
    1.5 KB file filling a worker's memory); the reader measures what is there and stops at ``MAX_ROWS``."""
    data = _xlsx(lambda sheet: (sheet.__setitem__("A1", "code"), sheet.__setitem__("XFD1048576", "x")))
    assert len(data) < 10_000
    with pytest.raises(UnreadableFile, match="grande demais.*linhas"):
        read_table(data)


def test_a_workbook_with_more_columns_than_any_partner_file_is_refused():
    data = _xlsx(lambda sheet: (sheet.append(["code", *[f"c{i}" for i in range(60)]]), sheet.append(["x"] * 61)))
    with pytest.raises(UnreadableFile, match="colunas demais"):
        read_table(data)


def test_a_zip_that_unpacks_past_the_limit_is_refused_before_it_is_opened():
    import zipfile

    from portal import spreadsheet_files

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (spreadsheet_files.MAX_UNCOMPRESSED_BYTES + 1))
    assert len(out.getvalue()) < 1_000_000
    with pytest.raises(UnreadableFile, match="descompactado"):
        read_table(out.getvalue())
