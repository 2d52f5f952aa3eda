"""``import_partners`` (DESIGN.md): idempotent, every row validated, errors by line, nothing half-imported."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from portal.models import Member, Membership, OabRegistration, PartnerEntity
from portal.resources import EntityResource, MemberResource
from portal.spreadsheet_formats import SpreadsheetCSV

pytestmark = pytest.mark.django_db

ENTITIES = """code,name,kind,uf,act_number,act_signed_on,contact_email
OAB-SP,OAB — Seção São Paulo,oab,SP,ACT 12/2023,2023-03-01,contato@oabsp.example
MUN-MAO,Prefeitura de Manaus,municipio,am,ACT 1/2024,2024-09-02,
"""
MEMBERS = """entity_code,cpf,name,email,oab_number,oab_uf
OAB-SP,526.018.159-06,Maria Souza,maria@example.com,0123456,SP
OAB-SP,52601815906,Maria Souza,maria@example.com,77,RJ
MUN-MAO,08301661305,João Pereira,,,
"""


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def run(*args: object) -> str:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_partners", *[str(a) for a in args], stdout=out, stderr=err)
    except CommandError as exc:
        raise CommandError(f"{exc}\n{err.getvalue()}") from exc
    return out.getvalue()


def snapshot() -> tuple[object, ...]:
    return (
        sorted(PartnerEntity.objects.values_list("code", "name", "kind", "uf", "status")),
        sorted(Member.objects.values_list("cpf", "name", "email", "active")),
        sorted(Membership.objects.values_list("member__cpf", "entity__code", "active")),
        sorted(OabRegistration.objects.values_list("member__cpf", "number", "uf")),
    )


def test_import_creates_entities_members_memberships_and_oab_registrations(tmp_path):
    output = run("--entities", write(tmp_path, "e.csv", ENTITIES), "--members", write(tmp_path, "m.csv", MEMBERS))
    assert "entidades: 2 novas" in output
    entity = PartnerEntity.objects.get(code="MUN-MAO")
    assert (entity.kind, entity.uf, entity.superintendencia) == ("municipio", "AM", "Norte/Centro-Oeste")
    maria = Member.objects.get(cpf="52601815906")
    assert sorted(maria.oab_registrations.values_list("number", "uf")) == [("123456", "SP"), ("77", "RJ")]
    assert maria.oab_registrations.get(uf="SP").main
    assert Member.objects.get(cpf="08301661305").entities.get().code == "MUN-MAO"


EXCEL_ENTITIES = (
    "code;name;kind;uf;act_number;act_signed_on;contact_email\r\n"
    "OAB-SP;OAB — Seção São Paulo;Seccional da OAB;SP;ACT 12/2023;01/03/2023;contato@oabsp.example\r\n"
    "MUN-MAO;Prefeitura de Manaus;Município;am;ACT 1/2024;2/9/2024;\r\n"
)


def history_rows() -> tuple[int, ...]:
    return tuple(
        model.history.count()  # type: ignore[attr-defined]
        for model in (PartnerEntity, Member, Membership, OabRegistration)
    )


def test_excel_files_in_windows_1252_or_utf8_with_a_bom_with_semicolons_and_brazilian_dates_are_imported(tmp_path):
    entities = tmp_path / "entidades.csv"
    entities.write_bytes(EXCEL_ENTITIES.encode("cp1252"))
    members = tmp_path / "membros.csv"
    members.write_bytes(MEMBERS.replace(",", ";").encode("utf-8-sig"))
    output = run("--entities", entities, "--members", members)
    assert "entidades: 2 novas" in output and "membros: 2 novas, 1 atualizadas" in output
    assert sorted(PartnerEntity.objects.values_list("code", "name", "kind", "uf", "act_signed_on")) == [
        ("MUN-MAO", "Prefeitura de Manaus", "municipio", "AM", dt.date(2024, 9, 2)),
        ("OAB-SP", "OAB — Seção São Paulo", "oab", "SP", dt.date(2023, 3, 1)),
    ]
    assert Member.objects.get(cpf="08301661305").name == "João Pereira"


def test_an_xlsx_file_is_imported(tmp_path):
    book = openpyxl.Workbook()
    for row in [
        ["code", "name", "kind", "uf", "act_number", "act_signed_on", "contact_email"],
        ["MUN-ITA", "Prefeitura de Itajaí", "Município", "SC", "ACT 9/2024", dt.datetime(2024, 5, 17), None],
    ]:
        book.active.append(row)
    book.save(tmp_path / "e.xlsx")
    run("--entities", tmp_path / "e.xlsx")
    assert PartnerEntity.objects.get().act_signed_on == dt.date(2024, 5, 17)


def test_blank_lines_are_passed_over_and_keep_the_line_numbers(tmp_path):
    header = "entity_code;cpf;name;email;oab_number;oab_uf\r\n"
    run("--entities", write(tmp_path, "e.csv", ENTITIES))
    content = header + "OAB-SP;52601815906;Maria;;;\r\n;;;;;\r\n\r\nOAB-SP;111;Fulano;;;\r\n"
    with pytest.raises(CommandError) as exc:
        run("--members", write(tmp_path, "m.csv", content))
    assert "linha 5: cpf: CPF inválido: 111." in str(exc.value)
    assert "linha 3" not in str(exc.value) and "linha 4" not in str(exc.value)


def test_importing_the_same_files_again_reports_every_row_unchanged_and_writes_no_history(tmp_path):
    files = ("--entities", write(tmp_path, "e.csv", ENTITIES), "--members", write(tmp_path, "m.csv", MEMBERS))
    run(*files)
    before = history_rows()
    output = run(*files)
    assert "entidades: 0 novas, 0 atualizadas, 2 sem mudança; membros: 0 novas, 0 atualizadas, 3 sem mudança" in output
    assert history_rows() == before


def test_import_is_idempotent(tmp_path):
    files = ("--entities", write(tmp_path, "e.csv", ENTITIES), "--members", write(tmp_path, "m.csv", MEMBERS))
    run(*files)
    before = snapshot()
    output = run(*files)
    assert snapshot() == before
    assert "entidades: 0 novas, 0 atualizadas, 2 sem mudança" in output


def test_a_second_run_updates_what_changed(tmp_path):
    run("--entities", write(tmp_path, "e.csv", ENTITIES))
    run(
        "--entities",
        write(tmp_path, "e2.csv", ENTITIES.replace("Prefeitura de Manaus", "Prefeitura Municipal de Manaus")),
    )
    assert PartnerEntity.objects.get(code="MUN-MAO").name == "Prefeitura Municipal de Manaus"
    assert PartnerEntity.objects.count() == 2


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        ("OAB-SP,526.018.159-07,Maria,,,\n", "linha 2: cpf: CPF inválido: 526.018.159-07."),
        ("NOPE,52601815906,Maria,,,\n", "linha 2: entity_code: Entidade NOPE não cadastrada."),
        ("OAB-SP,52601815906,Maria,,123,XX\n", "linha 2: oab_uf: UF da inscrição na OAB inválida: XX."),
        ("OAB-SP,52601815906,Maria,nao-e-email,,\n", "linha 2: email: E-mail inválido."),
        ("OAB-SP,52601815906,,,,\n", "linha 2: name: Nome obrigatório."),
    ],
)
def test_bad_member_rows_are_reported_by_line_and_nothing_is_imported(tmp_path, members, expected):
    run("--entities", write(tmp_path, "e.csv", ENTITIES))
    before = snapshot()
    good = "MUN-MAO,08301661305,João Pereira,,,\n"
    header = "entity_code,cpf,name,email,oab_number,oab_uf\n"
    with pytest.raises(CommandError) as exc:
        run("--members", write(tmp_path, "m.csv", header + members + good))
    assert expected in str(exc.value)
    assert "nada foi importado" in str(exc.value)
    assert snapshot() == before, "the good row was not imported either"


@pytest.mark.parametrize(
    ("entities", "expected"),
    [
        ("X1,Nome,oab,ZZ,,,\n", "linha 3: uf: UF desconhecida: ZZ."),
        ("X1,Nome,sindicato,SP,,,\n", "linha 3: kind: Tipo inválido"),
        ("X1,Nome,oab,SP,,31/02/2024,\n", "linha 3: act_signed_on: Data inválida: 31/02/2024. Use dd/mm/aaaa"),
        ("X1,Nome,oab,SP,,2024-13-01,\n", "linha 3: act_signed_on: Data inválida: 2024-13-01. Use dd/mm/aaaa"),
        ("X1,Nome,oab,SP,,1/2/24,\n", "linha 3: act_signed_on: Data inválida: 1/2/24. Use dd/mm/aaaa"),
        ("X1,Nome,oab,SP,,,\nX1,Outro,oab,SP,,,\n", "linha 4: code: Código X1 repetido no arquivo (já na linha 3)."),
    ],
)
def test_bad_entity_rows_are_reported_and_nothing_is_imported(tmp_path, entities, expected):
    header = "code,name,kind,uf,act_number,act_signed_on,contact_email\n"
    with pytest.raises(CommandError) as exc:
        run("--entities", write(tmp_path, "e.csv", header + "OK1,Boa,oab,SP,,,\n" + entities))
    assert expected in str(exc.value)
    assert not PartnerEntity.objects.exists()


def test_a_member_file_whose_entity_file_fails_imports_nothing_of_either(tmp_path):
    bad_entities = ENTITIES + "X9,Nome,oab,ZZ,,,\n"
    with pytest.raises(CommandError):
        run("--entities", write(tmp_path, "e.csv", bad_entities), "--members", write(tmp_path, "m.csv", MEMBERS))
    assert snapshot() == ([], [], [], [])


def test_an_oab_registration_of_another_member_is_refused(tmp_path):
    run("--entities", write(tmp_path, "e.csv", ENTITIES), "--members", write(tmp_path, "m.csv", MEMBERS))
    clash = "entity_code,cpf,name,email,oab_number,oab_uf\nOAB-SP,18609139034,Ana,,123456,SP\n"
    with pytest.raises(CommandError, match="já pertence a outro membro"):
        run("--members", write(tmp_path, "m2.csv", clash))


def test_wrong_columns_and_wrong_encoding_are_refused(tmp_path):
    with pytest.raises(CommandError, match="Colunas inesperadas"):
        run("--entities", write(tmp_path, "e.csv", "codigo,nome\nX,Y\n"))
    undecodable = tmp_path / "u.csv"
    undecodable.write_bytes(ENTITIES.encode().replace(b"Manaus", b"Man\x81us"))  # neither UTF-8 nor Windows-1252
    with pytest.raises(CommandError, match="não está em UTF-8 nem em Windows-1252 .caractere ilegível na linha 3"):
        run("--entities", undecodable)
    with pytest.raises(CommandError, match="linha 2: 3 colunas"):
        run("--entities", write(tmp_path, "e.csv", "code,name,kind,uf,act_number,act_signed_on,contact_email\na,b,c\n"))


def test_export_round_trip_gives_back_the_imported_files(tmp_path):
    """What the admin's CSV export writes (for Excel in Portuguese: ``;``, BOM, labels, dd/mm/aaaa) imports back."""
    run("--entities", write(tmp_path, "e.csv", ENTITIES), "--members", write(tmp_path, "m.csv", MEMBERS))
    before = snapshot()
    entities = SpreadsheetCSV().export_data(EntityResource().export())
    members = SpreadsheetCSV().export_data(MemberResource().export())
    assert entities.startswith("\ufeff") and members.startswith("\ufeff")
    assert sorted(entities.removeprefix("\ufeff").splitlines()) == sorted(
        "code;name;kind;uf;act_number;act_signed_on;contact_email\r\n"
        "OAB-SP;OAB — Seção São Paulo;Seccional da OAB;SP;ACT 12/2023;01/03/2023;contato@oabsp.example\r\n"
        "MUN-MAO;Prefeitura de Manaus;Município;AM;ACT 1/2024;02/09/2024;\r\n".splitlines()
    )
    assert sorted(members.removeprefix("\ufeff").splitlines()) == sorted(
        "entity_code;cpf;name;email;oab_number;oab_uf\n"
        "OAB-SP;52601815906;Maria Souza;maria@example.com;123456;SP\n"
        "OAB-SP;52601815906;Maria Souza;maria@example.com;77;RJ\n"
        "MUN-MAO;08301661305;João Pereira;;;\n".splitlines()
    )
    PartnerEntity.objects.all().delete()
    Member.objects.all().delete()
    run("--entities", write(tmp_path, "e3.csv", entities), "--members", write(tmp_path, "m3.csv", members))
    assert snapshot() == before
