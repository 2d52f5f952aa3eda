"""Bulk add from a spreadsheet: the staff import's tolerant reader, every line reported, good lines applied."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core import mail

from managers.bulk import import_members
from managers.services import Outcome
from portal.models import Member, Membership
from portal.spreadsheet_files import UnreadableFile
from tests.conftest import LAWYER
from tests.managers.conftest import MEMBER_A, MEMBER_B, World, valid_cpf

pytestmark = pytest.mark.django_db

NEW = valid_cpf(340000001)
ZEROS = "01234567890"  # a valid CPF starting with 0: Excel drops the zero from a number cell


def test_each_line_is_reported_and_the_good_ones_applied(world: World, django_capture_on_commit_callbacks):
    text = (
        "CPF;Nome;E-mail;OAB_Number;OAB_UF\r\n"
        f"{NEW[:3]}.{NEW[3:6]}.{NEW[6:9]}-{NEW[9:]};José Conceição;jose@exemplo.org.br;0088;sp\r\n"
        "111.111.111-12;CPF Ruim;r@exemplo.org.br;1;SP\r\n"
        f"{MEMBER_A.cpf};Ana Membro Da Seccional;{MEMBER_A.cpf}@exemplo.org.br;222222;SP\r\n"
        ";;;;\r\n"
        f"{MEMBER_B.cpf};Bruno;b@exemplo.org.br;;\r\n"
        f"{int(ZEROS)};Zero À Esquerda;z@exemplo.org.br;99;SP\r\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        lines = import_members(world.entity_a, text.encode("cp1252"))
    assert [(line.number, line.outcome) for line in lines] == [
        (2, Outcome.ADDED),
        (3, Outcome.REFUSED),
        (4, Outcome.UNCHANGED),
        (6, Outcome.REFUSED),  # an OAB section: the registration is required
        (7, Outcome.ADDED),  # the leading zero Excel dropped is put back
    ]
    assert "CPF inválido" in lines[1].message
    assert "Inscrição na OAB obrigatória" in lines[3].message
    assert Member.objects.get(cpf=NEW).name == "José Conceição"
    assert Membership.objects.filter(member__cpf=ZEROS, entity=world.entity_a).exists()
    assert not Membership.objects.filter(member=world.member_b, entity=world.entity_a).exists()
    assert sorted(m.to[0] for m in mail.outbox) == ["jose@exemplo.org.br", "z@exemplo.org.br"]


def test_an_xlsx_and_the_staff_format_are_read_and_other_entities_rows_refused(world: World):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["entity_code", "cpf", "name", "email", "oab_number", "oab_uf"])
    sheet.append(["MUN-B", NEW, "Outra", "o@exemplo.org.br", "", ""])
    sheet.append(["oab-a", int(NEW), "Nova", "n@exemplo.org.br", "5", "SP"])
    data = io.BytesIO()
    book.save(data)
    lines = import_members(world.entity_a, data.getvalue())
    assert [line.outcome for line in lines] == [Outcome.REFUSED, Outcome.ADDED]
    assert "não desta (OAB-A)" in lines[0].message


def test_a_file_with_other_columns_is_refused_with_the_expected_ones(world: World):
    with pytest.raises(UnreadableFile, match="Esperadas, nesta ordem: cpf, name, email, oab_number, oab_uf"):
        import_members(world.entity_a, b"nome;cpf\nX;1\n")


def test_the_page_shows_the_report(world: World, certificate_client):
    upload = io.BytesIO(f"cpf,name,email,oab_number,oab_uf\n{NEW},Nova,n@exemplo.org.br,5,SP\nx,,,,\n".encode())
    upload.name = "membros.csv"
    page = certificate_client(LAWYER).post("/gestao/OAB-A/planilha/", {"file": upload}, secure=True)
    text = page.content.decode()
    assert "1 incluído, 0 atualizados, 0 sem mudança, 1 recusado." in text
    assert "Linha 3" in text and "CPF inválido" in text


def test_an_unreadable_file_is_a_sentence_on_the_form(world: World, certificate_client):
    upload = io.BytesIO(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old excel")
    upload.name = "membros.xls"
    page = certificate_client(LAWYER).post("/gestao/OAB-A/planilha/", {"file": upload}, secure=True)
    text = page.content.decode()
    assert page.status_code == 200 and 'id="resumo-erros"' in text and "formato antigo do Excel" in text
