"""The admin's import and export with the files INSS staff really have: CSV saved by Excel in Portuguese (``;``,
Windows-1252), UTF-8 with a BOM, dates ``dd/mm/aaaa``, XLSX; every refused row shown with its line number and a
sentence in Portuguese, never a traceback; identical rows reported unchanged with no history written; exports that
Excel in Portuguese opens as a table (``;``, BOM, labels) and that import back unchanged."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import openpyxl
import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client

from portal.models import Member, Membership, OabRegistration, PartnerEntity
from portal.permissions import MANAGEMENT_GROUP
from portal.resources import MemberResource

ENTITY_HEADER = "code;name;kind;uf;act_number;act_signed_on;contact_email\r\n"
MEMBER_HEADER = "entity_code;cpf;name;email;oab_number;oab_uf\r\n"
#: What Excel in Portuguese writes for "CSV (separado por vírgulas)": semicolons, Windows-1252, CRLF, dd/mm/aaaa.
EXCEL_ENTITIES = (
    ENTITY_HEADER
    + "MUN-SAO;Prefeitura de São José;Município;SC;ACT 3/2024;02/09/2024;gabinete@saojose.example\r\n"
    + "OAB-PA;OAB — Seção Pará;OAB;pa;ACT 7/2023;2023-03-01;\r\n"
)
#: Traces of a Python traceback or of the server's files.
LEAKS = ("Traceback", 'File "/', "/work/", "site-packages", ".py", "UnicodeDecodeError", "ValidationError")


@pytest.fixture
def manager(staff_factory: Any, staff_login: Any) -> Client:
    return staff_login(staff_factory(groups=(MANAGEMENT_GROUP,)))


def upload(client: Client, model: str, content: bytes, name: str = "dados.csv") -> str:
    file = io.BytesIO(content)
    file.name = name
    fmt = "1" if name.endswith(".xlsx") else "0"
    response = client.post(
        f"/admin/portal/{model}/import/", {"import_file": file, "format": fmt, "resource": ""}, secure=True
    )
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    for leak in LEAKS:
        assert leak not in html, leak
    return html


def confirm(client: Client, model: str, preview: str) -> str:
    """Confirm a preview; the message shown on the list it leads to."""
    assert "process_import" in preview, visible_text(preview)[-600:]
    data = dict(re.findall(r'name="(\w+)" value="([^"]*)"', preview))
    response = client.post(f"/admin/portal/{model}/process_import/", data, secure=True, follow=True)
    assert response.status_code == 200
    return visible_text(response.content.decode())


def visible_text(html: str) -> str:
    """The page's text as read on screen: no tags, no hidden hover boxes, whitespace collapsed."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def history_rows() -> tuple[int, ...]:
    return (
        PartnerEntity.history.count(),
        Member.history.count(),
        Membership.history.count(),
        OabRegistration.history.count(),
        LogEntry.objects.count(),
    )


def xlsx(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- what Excel saves ---------------------------------------------------------------------------------------------


def test_an_excel_csv_with_semicolons_in_windows_1252_is_previewed_and_imported(manager):
    preview = upload(manager, "partnerentity", EXCEL_ENTITIES.encode("cp1252"))
    assert "Prefeitura de São José" in visible_text(preview)
    assert "<ins>Prefeitura de São José</ins>" in preview
    assert 'style="' not in preview, "an inline style: the CSP blocks it and the console shows an error"
    confirm(manager, "partnerentity", preview)
    sao_jose = PartnerEntity.objects.get(code="MUN-SAO")
    assert (sao_jose.name, sao_jose.kind, sao_jose.uf) == ("Prefeitura de São José", "municipio", "SC")
    assert sao_jose.act_signed_on == dt.date(2024, 9, 2)
    para = PartnerEntity.objects.get(code="OAB-PA")
    assert (para.name, para.kind, para.uf, para.act_signed_on) == ("OAB — Seção Pará", "oab", "PA", dt.date(2023, 3, 1))


def test_a_utf8_csv_with_a_bom_and_commas_is_imported(manager, entity_factory):
    entity_factory(code="OAB-SP", uf="SP")
    members = "\ufeffentity_code,cpf,name,email,oab_number,oab_uf\nOAB-SP,526.018.159-06,Maria Conceição,,0123456,SP\n"
    confirm(manager, "member", upload(manager, "member", members.encode("utf-8")))
    maria = Member.objects.get(cpf="52601815906")
    assert maria.name == "Maria Conceição"
    assert list(maria.oab_registrations.values_list("number", "uf")) == [("123456", "SP")]


def test_an_xlsx_with_date_cells_numeric_cpfs_and_dd_mm_aaaa_text_is_imported(manager):
    rows: list[list[Any]] = [
        ["code", "name", "kind", "uf", "act_number", "act_signed_on", "contact_email"],
        ["MUN-ITA", "Prefeitura de Itajaí", "Município", "SC", "ACT 9/2024", dt.datetime(2024, 5, 17), None],
        ["MUN-BLU", "Prefeitura de Blumenau", "municipio", "SC", None, "17/05/2024", None],
    ]
    confirm(manager, "partnerentity", upload(manager, "partnerentity", xlsx(rows), "entidades.xlsx"))
    assert sorted(PartnerEntity.objects.values_list("code", "act_signed_on")) == [
        ("MUN-BLU", dt.date(2024, 5, 17)),
        ("MUN-ITA", dt.date(2024, 5, 17)),
    ]
    # Excel drops a CPF's leading zero when it reads the column as a number.
    members = [
        ["entity_code", "cpf", "name", "email", "oab_number", "oab_uf"],
        ["MUN-ITA", 8301661305, "João", "", "", ""],
    ]
    confirm(manager, "member", upload(manager, "member", xlsx(members), "membros.xlsx"))
    assert Member.objects.get().cpf == "08301661305"


# --- refusals: each row by its line, in Portuguese, never a traceback ---------------------------------------------


def test_each_refused_row_is_shown_with_its_line_number_and_a_sentence_in_portuguese(manager, entity_factory):
    entity_factory(code="OAB-SP", uf="SP")
    content = (
        MEMBER_HEADER
        + "OAB-SP;52601815906;Maria Souza;;;\r\n"  # line 2: good
        + "OAB-SP;111.222.333-44;Fulano;;;\r\n"  # line 3: bad CPF
        + ";;;;;\r\n"  # line 4: blank, as Excel saves an empty row
        + "NOPE;08301661305;João;joao@;;\r\n"  # line 5: unknown entity and bad e-mail
    )
    preview = upload(manager, "member", content.encode("cp1252"))
    text = visible_text(preview)
    assert re.search(r"Linha 3\b.*CPF inválido: 111\.222\.333-44\.", text), text[-800:]
    assert re.search(r"Linha 5\b.*Entidade NOPE não cadastrada\..*E-mail inválido\.", text), text[-800:]
    assert not re.search(r"Linha [24]\b", text)
    assert "validation-error-container" not in preview, "the sentences must be on the page, not in a hover box"
    assert "process_import" not in preview
    assert not Member.objects.exists()


def test_a_file_with_other_columns_is_refused_in_one_sentence_without_a_traceback(manager):
    preview = upload(manager, "partnerentity", "codigo;nome\r\nX;Y\r\n".encode("cp1252"))
    text = visible_text(preview)
    assert "Colunas inesperadas: codigo, nome." in text
    assert "Esperadas, nesta ordem: code, name, kind, uf, act_number, act_signed_on, contact_email." in text
    assert "process_import" not in preview


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (b"code;name\r\nX;\x81\x8d\r\n", "dados.csv", "não está em UTF-8 nem em Windows-1252"),
        (b"", "dados.csv", "está vazio"),
        (b"\r\n\r\n", "dados.csv", "O arquivo está vazio."),
        (ENTITY_HEADER.encode(), "dados.csv", "não tem nenhuma linha de dados"),
        (b"PK\x03\x04 not really a workbook", "dados.xlsx", "Não foi possível ler a planilha"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "dados.xls", "formato antigo do Excel"),
        (b"code;name;kind\r\na;b\r\n", "dados.csv", "linha 2: 2 colunas, o cabeçalho tem 3."),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_a_sentence_in_portuguese(manager, content, name, expected):
    preview = upload(manager, "partnerentity", content, name)
    assert expected in visible_text(preview)
    assert "process_import" not in preview


# --- identical rows: unchanged, no history ------------------------------------------------------------------------


def test_importing_identical_rows_again_reports_them_unchanged_and_writes_no_history(manager):
    confirm(manager, "partnerentity", upload(manager, "partnerentity", EXCEL_ENTITIES.encode("cp1252")))
    members = (
        MEMBER_HEADER
        + "MUN-SAO;52601815906;Maria Souza;maria@example.com;0123456;SC\r\n"
        + "MUN-SAO;52601815906;Maria Souza;maria@example.com;77;RJ\r\n"
        + "OAB-PA;52601815906;Maria Souza;maria@example.com;0123456;SC\r\n"
        + "OAB-PA;08301661305;João Pereira;;;\r\n"
    ).encode("cp1252")
    confirm(manager, "member", upload(manager, "member", members))
    before = history_rows()

    again = upload(manager, "member", members)
    assert visible_text(again).count("Sem mudança") == 4
    # each row's entity and OAB registration are shown, not blank cells
    assert "Sem mudança MUN-SAO 52601815906 Maria Souza maria@example.com 77 RJ" in visible_text(again)
    message = confirm(manager, "member", again)
    assert "0 novas, 0 atualizadas, 4 sem mudança" in message
    message = confirm(manager, "partnerentity", upload(manager, "partnerentity", EXCEL_ENTITIES.encode("cp1252")))
    assert "0 novas, 0 atualizadas, 2 sem mudança" in message
    assert history_rows() == before


def test_a_new_membership_of_a_known_member_is_an_update_that_leaves_the_member_alone(manager, entity_factory):
    entity_factory(code="OAB-SP", uf="SP")
    entity_factory(code="OAB-RJ", uf="RJ")
    confirm(manager, "member", upload(manager, "member", (MEMBER_HEADER + "OAB-SP;52601815906;Maria;;;\r\n").encode()))
    members_history = Member.history.count()
    message = confirm(
        manager, "member", upload(manager, "member", (MEMBER_HEADER + "OAB-RJ;52601815906;Maria;;;\r\n").encode())
    )
    assert "0 novas, 1 atualizadas" in message
    assert sorted(Member.objects.get().entities.values_list("code", flat=True)) == ["OAB-RJ", "OAB-SP"]
    assert Member.history.count() == members_history, "the member's own fields did not change"


# --- exports for Excel in Portuguese, and back --------------------------------------------------------------------


def export(client: Client, model: str, fmt: str = "0") -> bytes:
    response = client.post(f"/admin/portal/{model}/export/", {"format": fmt, "resource": ""}, secure=True)
    assert response.status_code == 200, response.content[:300]
    return response.content


def test_the_csv_export_opens_in_excel_with_semicolons_a_bom_labels_and_brazilian_dates(manager):
    confirm(manager, "partnerentity", upload(manager, "partnerentity", EXCEL_ENTITIES.encode("cp1252")))
    content = export(manager, "partnerentity")
    assert content.startswith(b"\xef\xbb\xbf")
    lines = content.decode("utf-8-sig").splitlines()
    assert lines[0] == "code;name;kind;uf;act_number;act_signed_on;contact_email"
    assert "MUN-SAO;Prefeitura de São José;Município;SC;ACT 3/2024;02/09/2024;gabinete@saojose.example" in lines
    assert "OAB-PA;OAB — Seção Pará;Seccional da OAB;PA;ACT 7/2023;01/03/2023;" in lines


def test_the_xlsx_export_shows_labels_and_keeps_dates_as_dates(manager):
    confirm(manager, "partnerentity", upload(manager, "partnerentity", EXCEL_ENTITIES.encode("cp1252")))
    sheet = openpyxl.load_workbook(io.BytesIO(export(manager, "partnerentity", "1"))).active
    rows = {row[0]: row for row in sheet.iter_rows(values_only=True)}
    assert rows["MUN-SAO"][2] == "Município" and rows["MUN-SAO"][5] == dt.datetime(2024, 9, 2)


@pytest.mark.parametrize(("fmt", "name"), [("0", "dados.csv"), ("1", "dados.xlsx")])
def test_an_exported_file_imports_back_as_unchanged_rows(manager, fmt, name):
    confirm(manager, "partnerentity", upload(manager, "partnerentity", EXCEL_ENTITIES.encode("cp1252")))
    members = (MEMBER_HEADER + "MUN-SAO;08301661305;João Pereira;;0123456;SC\r\n").encode("cp1252")
    confirm(manager, "member", upload(manager, "member", members))
    before = history_rows()
    for model, count in (("partnerentity", 2), ("member", 1)):
        message = confirm(manager, model, upload(manager, model, export(manager, model, fmt), name))
        assert f"0 novas, 0 atualizadas, {count} sem mudança" in message
    assert history_rows() == before


# --- the pages' own words -----------------------------------------------------------------------------------------


def test_the_import_and_export_pages_speak_portuguese(manager, entity_factory):
    entity_factory(code="OAB-SP", uf="SP")
    form = visible_text(manager.get("/admin/portal/member/import/", secure=True).content.decode())
    assert "CSV separado por ponto e vírgula ou por vírgula" in form and "dd/mm/aaaa" in form
    good = upload(manager, "member", (MEMBER_HEADER + "OAB-SP;52601815906;Maria;;;\r\n").encode())
    bad = upload(manager, "member", (MEMBER_HEADER + "OAB-SP;111;Maria;;;\r\n").encode())
    confirm(manager, "member", good)
    unchanged = upload(manager, "member", (MEMBER_HEADER + "OAB-SP;52601815906;Maria;;;\r\n").encode())
    exporting = manager.get("/admin/portal/partnerentity/export/", secure=True).content.decode()
    pages = " ".join(visible_text(page) for page in (form, good, bad, unchanged, exporting))
    for english_or_wrong in (
        "This exporter",
        "This importer",
        "Se você esta satisfeito",
        "Por favor corrigir",
        "Não usados",
        "Campo não é específico",
        "Import finished",
    ):
        assert english_or_wrong not in pages, english_or_wrong
    assert "Sem mudança" in visible_text(unchanged)
    assert "Corrija as linhas abaixo" in visible_text(bad)
    assert "Este arquivo de exportação traz as colunas" in visible_text(exporting)


def test_a_row_that_became_invalid_after_the_preview_undoes_the_whole_import(manager, entity_factory):
    entity_factory(code="OAB-SP", uf="SP")
    rio = entity_factory(code="OAB-RJ", uf="RJ")
    content = MEMBER_HEADER + "OAB-SP;52601815906;Maria;;;\r\nOAB-RJ;08301661305;João;;;\r\n"
    preview = upload(manager, "member", content.encode())
    rio.delete()  # someone else removes the entity between the preview and the confirmation
    message = confirm(manager, "member", preview)
    assert "Nada foi importado" in message
    assert "linha 3: entity_code: Entidade OAB-RJ não cadastrada." in message
    assert not Member.objects.exists(), "Maria's row was kept although the file no longer passes"


def test_an_unexpected_error_on_a_row_is_a_sentence_with_its_line_and_goes_to_the_log(
    manager, entity_factory, monkeypatch, caplog
):
    entity_factory(code="OAB-SP", uf="SP")

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("/srv/portal/internal/path exploded")

    monkeypatch.setattr(MemberResource, "after_save_instance", broken)
    preview = upload(manager, "member", (MEMBER_HEADER + "OAB-SP;52601815906;Maria;;;\r\n").encode())
    text = visible_text(preview)
    assert re.search(r"Linha 2\b.*Erro inesperado ao gravar esta linha; nada foi importado\.", text), text[-500:]
    assert "/srv/portal" not in preview and "exploded" not in preview
    assert "process_import" not in preview
    assert any("exploded" in str(record.exc_info[1]) for record in caplog.records if record.exc_info)
