"""Formula injection ("CSV injection"): names and e-mails from partner files never become live formulas in any CSV
or XLSX the portal hands out (the admin's entity and member exports, every status-page download), numbers and dates
keep their type, and a file exported here and imported back stores the original text, not the protective quote."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import openpyxl
import pytest
from django.contrib import admin
from django.test import Client
from import_export.mixins import BaseExportMixin

from certauth.models import LoginAttempt
from portal.models import Member, PartnerEntity
from portal.permissions import MANAGEMENT_GROUP, NATIONAL_VIEW_GROUP
from portal.resources import SpreadsheetSafeResource
from portal.spreadsheet import is_formula_like, safe_cell, unquote_cell
from portal.status import exports, tables

HOSTILE = [
    '=HYPERLINK("http://evil.example/","clique")',
    "+1+1",
    "-2+3",
    "@SUM(1)",
    "\t=1",
    "\r=1",
    " =1+1",  # leading whitespace, which some spreadsheets trim
    "\uff1d1+1",  # full-width equals sign
]
CPFS = ["52601815906", "08301661305", "78778932807", "12398745619", "31415926590", "27182818205", "11144477735"]
CPFS += ["52998224725"]


def assert_text_cell(value: Any, original: str) -> None:
    """The original text behind a quote (an XLSX reader turns a stored carriage return into a line feed: XML)."""
    assert isinstance(value, str), (value, original)
    assert value.replace("\r", "\n") == ("'" + original).replace("\r", "\n"), (value, original)


# ------------------------------------------------------------------------------------------------ the helper


@pytest.mark.parametrize("hostile", HOSTILE)
def test_formula_like_text_gets_a_leading_quote(hostile):
    assert safe_cell(hostile) == "'" + hostile
    assert safe_cell(safe_cell(hostile)) == "'" + hostile  # idempotent: a quoted cell is text already


@pytest.mark.parametrize(
    "value",
    ["Maria Souza", "", "  ", "D'Ávila", "'Ndrangheta", "maria+portal@example.com", "12/05/2024", "***.018.159-**"],
)
def test_ordinary_text_is_left_alone(value):
    assert safe_cell(value) == value
    assert unquote_cell(value) == value


@pytest.mark.parametrize("value", [-3, 0, 7, -2.5, 33.3, None, True, dt.date(2024, 5, 17), dt.datetime(2024, 5, 17)])
def test_numbers_dates_and_empty_cells_keep_their_type(value):
    assert safe_cell(value) is value


@pytest.mark.parametrize("hostile", HOSTILE)
def test_unquote_gives_back_exactly_what_was_protected(hostile):
    assert unquote_cell(safe_cell(hostile)) == hostile
    assert is_formula_like(unquote_cell("'" + hostile))


# ------------------------------------------------------------------------------------------------ the admin


@pytest.fixture
def hostile_partners(entity_factory, member_factory):
    """One entity and one member per hostile text (entity name, act number, e-mails, member name)."""
    made = []
    for n, text in enumerate(HOSTILE):
        entity = entity_factory(
            code=f"H{n}",
            name=text,
            act_number=text,
            contact_email=f"={n}+1@example.com",
            act_signed_on=dt.date(2024, 3, 1),
        )
        member = member_factory(CPFS[n], name=text, entity=entity)
        Member.objects.filter(pk=member.pk).update(email=f"-{n}+1@example.com")
        made.append((entity, member))
    return made


@pytest.fixture
def manager(staff_factory, staff_login) -> Client:
    return staff_login(staff_factory(groups=(MANAGEMENT_GROUP,)))


def admin_export(client: Client, model: str, fmt: str) -> bytes:
    response = client.post(
        f"/admin/portal/{model}/export/", {"format": {"csv": "0", "xlsx": "1"}[fmt], "resource": ""}, secure=True
    )
    assert response.status_code == 200, response.content[:300]
    return response.content


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf"), "a CSV for Excel in Portuguese starts with a BOM"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";"))


def xlsx_rows(content: bytes) -> list[list[Any]]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = []
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", f"{cell.coordinate} is a formula: {cell.value!r}"
        rows.append([cell.value for cell in row])
    return rows


def rows_of(content: bytes, fmt: str) -> list[list[Any]]:
    return csv_rows(content) if fmt == "csv" else xlsx_rows(content)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_admin_entity_export_neutralises_formulas_in_names_act_numbers_and_emails(manager, hostile_partners, fmt):
    rows = rows_of(admin_export(manager, "partnerentity", fmt), fmt)
    assert rows[0] == ["code", "name", "kind", "uf", "act_number", "act_signed_on", "contact_email"]
    by_code = {row[0]: row for row in rows[1:]}
    for n, text in enumerate(HOSTILE):
        row = by_code[f"H{n}"]
        assert_text_cell(row[1], text)
        assert_text_cell(row[4], text)
        assert_text_cell(row[6], f"={n}+1@example.com")
        if fmt == "xlsx":  # the date stays a date
            assert row[5] == dt.datetime(2024, 3, 1)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_admin_member_export_neutralises_formulas_in_names_and_emails(manager, hostile_partners, fmt):
    rows = rows_of(admin_export(manager, "member", fmt), fmt)
    assert rows[0] == ["entity_code", "cpf", "name", "email", "oab_number", "oab_uf"]
    by_cpf = {row[1]: row for row in rows[1:]}
    for n, text in enumerate(HOSTILE):
        assert_text_cell(by_cpf[CPFS[n]][2], text)
        assert_text_cell(by_cpf[CPFS[n]][3], f"-{n}+1@example.com")


def test_every_admin_export_goes_through_a_spreadsheet_safe_resource():
    """An admin added later with an export button and a plain resource would skip the neutralisation."""
    exporting = [a for a in admin.site._registry.values() if isinstance(a, BaseExportMixin)]
    assert exporting, "no admin exports anything: the test looks at nothing"
    for model_admin in exporting:
        for resource in model_admin.get_export_resource_classes(None):
            assert issubclass(resource, SpreadsheetSafeResource), (model_admin, resource)


def test_a_resource_cannot_override_export_and_skip_the_neutralisation():
    with pytest.raises(TypeError, match="export_rows"):

        class Careless(SpreadsheetSafeResource):
            def export(self, queryset: Any = None, **kwargs: Any) -> Any:
                return None


def confirm_import(client: Client, model: str, content: bytes, fmt: str) -> None:
    upload = io.BytesIO(content)
    upload.name = f"dados.{fmt}"
    preview = client.post(
        f"/admin/portal/{model}/import/",
        {"import_file": upload, "format": {"csv": "0", "xlsx": "1"}[fmt], "resource": ""},
        secure=True,
    )
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "process_import" in html, re.findall(r'class="errorlist[^"]*"[^<]*<li>([^<]+)', html)
    confirm = dict(re.findall(r'name="(\w+)" value="([^"]*)"', html))
    assert client.post(f"/admin/portal/{model}/process_import/", confirm, secure=True).status_code == 302


def entity_values() -> list[tuple[Any, ...]]:
    return sorted(PartnerEntity.objects.values_list("code", "name", "act_number", "contact_email", "act_signed_on"))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_exported_file_imported_back_stores_the_original_text_not_the_quote(manager, hostile_partners, fmt):
    """The import strips exactly the quote the export added (before formula-like text); whitespace at the ends of a
    cell is trimmed by the import as always, so " =1+1" comes back as "=1+1". (The XLSX's date cells are read back
    as dates: the admin's own XLSX export could not be imported before.)"""
    before_entities = entity_values()
    before_members = sorted(Member.objects.values_list("cpf", "name", "email"))
    entities = admin_export(manager, "partnerentity", fmt)
    members = admin_export(manager, "member", fmt)
    PartnerEntity.objects.all().delete()
    Member.objects.all().delete()

    confirm_import(manager, "partnerentity", entities, fmt)
    confirm_import(manager, "member", members, fmt)

    def trimmed(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        return sorted(tuple(v.strip() if isinstance(v, str) else v for v in row) for row in rows)

    after_entities = entity_values()
    after_members = sorted(Member.objects.values_list("cpf", "name", "email"))
    assert after_entities == trimmed(before_entities)
    assert after_members == trimmed(before_members)
    assert not PartnerEntity.objects.filter(name__startswith="'").exists()
    assert not Member.objects.filter(name__startswith="'").exists()


def test_a_name_that_really_begins_with_a_quote_before_a_letter_is_imported_as_it_is(tmp_path, entity_factory):
    from django.core.management import call_command

    entity_factory(code="OAB-SP")
    members = tmp_path / "m.csv"
    members.write_text("entity_code,cpf,name,email,oab_number,oab_uf\nOAB-SP,52601815906,'Ndrangheta,,,\n")
    call_command("import_partners", "--members", str(members), stdout=io.StringIO())
    assert Member.objects.get().name == "'Ndrangheta"


# ------------------------------------------------------------------------------------------------ status pages


@pytest.fixture
def national(staff_factory, staff_login) -> Client:
    return staff_login(staff_factory(groups=(NATIONAL_VIEW_GROUP,)))


def status_export(client: Client, url: str, fmt: str, **params: str) -> list[list[Any]]:
    response = client.get(url, {**params, "exportar": fmt}, secure=True)
    assert response.status_code == 200, response.status_code
    return rows_of(response.content, fmt)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_superintendencia_export_neutralises_entity_names(national, hostile_partners, fmt):
    rows = status_export(national, "/acompanhamento/sudeste-1/", fmt)
    names = {row[0]: row[1] for row in rows[1:]}
    for n, text in enumerate(HOSTILE):
        assert_text_cell(names[f"H{n}"], text)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_entity_members_export_neutralises_member_names(national, entity_factory, member_factory, fmt):
    entity = entity_factory(code="SP-H", uf="SP")
    for n, text in enumerate(HOSTILE):
        member_factory(CPFS[n], name=text, entity=entity)
    rows = status_export(national, "/acompanhamento/entidade/SP-H/", fmt)
    assert sorted(row[1].replace("\r", "\n") for row in rows[1:]) == sorted(
        "'" + text.replace("\r", "\n") for text in HOSTILE
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_entity_refusals_export_neutralises_every_cell(national, entity_factory, fmt):
    entity_factory(code="SP-H", uf="SP")
    references = [text[:16] for text in HOSTILE]  # the column holds 16 characters (PostgreSQL enforces it)
    for text in references:
        LoginAttempt.objects.create(
            reference=text, method="certificate", outcome="rejected", code="CERT_EXPIRED", organization_code="SP-H"
        )
    rows = status_export(national, "/acompanhamento/entidade/SP-H/", fmt, tabela="recusas")
    assert sorted(row[1].replace("\r", "\n") for row in rows[1:]) == sorted(
        "'" + text.replace("\r", "\n") for text in references
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_overview_export_neutralises_its_cells(national, hostile_partners, monkeypatch, fmt):
    """The overview's cells start with the superintendência's name and the waves' labels ("Etapa N …"), none from a
    partner file today; the download still goes through the same neutralisation."""
    original = tables.region_row
    monkeypatch.setattr(tables, "region_row", lambda r: [HOSTILE[0], *original(r)[1:]])
    rows = status_export(national, "/acompanhamento/", fmt)
    assert rows[1:] and {row[0] for row in rows[1:]} == {"'" + HOSTILE[0]}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_status_downloads_keep_numbers_negative_ones_included_as_numbers(fmt):
    response = exports.download("teste", ("a", "b", "c", "d"), [["-2+3", -5, 12.5, ""]], fmt)
    row = rows_of(response.content, fmt)[1]
    if fmt == "csv":
        assert row == ["'-2+3", "-5", "12,5", ""]  # decimal comma: Excel in Portuguese reads it as a number
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        assert (sheet["B2"].value, sheet["B2"].data_type) == (-5, "n")
        assert row[:3] == ["'-2+3", -5, 12.5]


# ------------------------------------------------------------------------------------------------ control characters

CONTROL = "Maria\x01Souza\x1f"


def test_control_characters_an_xlsx_cannot_hold_are_replaced_but_tab_and_line_breaks_kept():
    assert safe_cell(CONTROL) == "Maria\ufffdSouza\ufffd"
    assert safe_cell("\x0b=1") == "\ufffd=1"
    assert safe_cell("linha 1\nlinha 2\tcoluna") == "linha 1\nlinha 2\tcoluna"


def test_a_control_character_in_a_name_does_not_break_the_xlsx_exports(
    manager, staff_factory, staff_login, member_factory
):
    """One such name from a partner file used to make every XLSX export of its table fail (openpyxl refuses it)."""
    national = staff_login(staff_factory("20365418870", groups=(NATIONAL_VIEW_GROUP,)))
    member_factory(CPFS[0], name=CONTROL, entity=None)
    member = Member.objects.get()
    code = member.entities.get().code
    admin_rows = rows_of(admin_export(manager, "member", "xlsx"), "xlsx")
    assert admin_rows[1][2] == "Maria\ufffdSouza\ufffd"
    status_rows = status_export(national, f"/acompanhamento/entidade/{code}/", "xlsx")
    assert status_rows[1][1] == "Maria\ufffdSouza\ufffd"
