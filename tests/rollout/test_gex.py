"""Gerências-Executivas (issue 19, 1): the model's rule, ``import_gex`` and the optional ``gex`` column of the
entities file."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client

from portal.models import PartnerEntity, User
from portal.permissions import scope_entities
from portal.resources import EntityResource
from rollout.models import GerenciaExecutiva, Superintendencia

pytestmark = pytest.mark.django_db

ENTITY_HEADER = "code,name,kind,uf,act_number,act_signed_on,contact_email"


@pytest.fixture
def gex_centro() -> GerenciaExecutiva:
    return GerenciaExecutiva.objects.create(
        code="gex-sp-centro",
        name="GEX São Paulo — Centro",
        superintendencia=Superintendencia.objects.get(code="sudeste-1"),
        contact_email="gex.centro@inss.example",
    )


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(command: str, *args: object) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(command, *[str(a) for a in args], stdout=out, stderr=err)
    except CommandError as exc:
        raise CommandError(f"{exc}\n{err.getvalue()}") from exc
    return out.getvalue(), err.getvalue()


def test_an_entity_outside_its_gex_superintendencia_is_refused(
    gex_centro: GerenciaExecutiva, entity_factory: Callable[..., PartnerEntity]
) -> None:
    entity = entity_factory(uf="RJ", gex=gex_centro)
    with pytest.raises(ValidationError) as caught:
        entity.full_clean()
    assert "não abrange a UF RJ" in caught.value.message_dict["gex"][0]
    entity.uf = "SP"
    entity.full_clean()


def test_import_gex_creates_updates_and_reports_unchanged_rows(tmp_path: Path) -> None:
    text = (
        "code,name,superintendencia,contact_email\n"
        "gex-manaus,GEX Manaus,Norte/Centro-Oeste,gex.manaus@inss.example\n"
        "GEX-Campinas,GEX Campinas,sudeste-1,\n"
    )
    out, _ = run("import_gex", write(tmp_path, "gex.csv", text))
    assert "2 novas, 0 atualizadas, 0 inalteradas" in out
    manaus = GerenciaExecutiva.objects.get(code="gex-manaus")
    assert (manaus.superintendencia.code, manaus.contact_email) == ("norte-centro-oeste", "gex.manaus@inss.example")
    assert GerenciaExecutiva.objects.get(code="gex-campinas").superintendencia.name == "Sudeste I"
    out, _ = run("import_gex", write(tmp_path, "gex.csv", text.replace("GEX Manaus,", "GEX Manaus (AM),")))
    assert "0 novas, 1 atualizadas, 1 inalteradas" in out
    assert manaus.history.count() == 2


def test_import_gex_refuses_the_whole_file_when_a_row_is_bad(tmp_path: Path) -> None:
    text = (
        "code,name,superintendencia,contact_email\n"
        "gex-boa,GEX Boa,Sul,\n"
        "gex-ruim,GEX Ruim,Superintendência Lunar,nao-e-email\n"
    )
    with pytest.raises(CommandError) as caught:
        run("import_gex", write(tmp_path, "gex.csv", text))
    assert "linha 3: Superintendência desconhecida: Superintendência Lunar" in str(caught.value)
    assert "E-mail inválido." in str(caught.value)
    assert not GerenciaExecutiva.objects.exists()


def import_entities(text: str) -> tuple[list[str], str]:
    from portal.management.commands.import_partners import run as run_resource
    from portal.spreadsheet_formats import dataset_from

    return run_resource(EntityResource(), dataset_from(text.encode()))


def test_the_entities_file_assigns_a_gex_by_its_code(gex_centro: GerenciaExecutiva) -> None:
    problems, _ = import_entities(
        f"{ENTITY_HEADER},gex\nOAB-SP,OAB SP,oab,SP,,,,gex-sp-centro\nOAB-RJ,OAB RJ,oab,RJ,,,,\n"
    )
    assert problems == []
    assert PartnerEntity.objects.get(code="OAB-SP").gex == gex_centro
    assert PartnerEntity.objects.get(code="OAB-RJ").gex is None


def test_an_unknown_gex_code_is_a_refused_row_in_portuguese(gex_centro: GerenciaExecutiva) -> None:
    problems, _ = import_entities(f"{ENTITY_HEADER},gex\nOAB-SP,OAB SP,oab,SP,,,,gex-inexistente\n")
    assert problems == [
        "linha 2: gex: Gerência-executiva desconhecida: gex-inexistente. Cadastre-a antes de atribuí-la."
    ]
    assert not PartnerEntity.objects.exists()


def test_a_gex_of_another_superintendencia_is_a_refused_row(gex_centro: GerenciaExecutiva) -> None:
    problems, _ = import_entities(f"{ENTITY_HEADER},gex\nOAB-RJ,OAB RJ,oab,RJ,,,,gex-sp-centro\n")
    assert len(problems) == 1 and "não abrange a UF RJ" in problems[0]
    assert not PartnerEntity.objects.exists()


def test_a_file_without_the_gex_column_keeps_the_entity_gex_and_the_export_keeps_seven_columns(
    gex_centro: GerenciaExecutiva, entity_factory: Callable[..., PartnerEntity]
) -> None:
    entity_factory(code="OAB-SP", name="OAB SP", uf="SP", gex=gex_centro)
    problems, summary = import_entities(f"{ENTITY_HEADER}\nOAB-SP,OAB SP atualizada,oab,SP,,,\n")
    assert problems == []
    entity = PartnerEntity.objects.get(code="OAB-SP")
    assert (entity.name, entity.gex) == ("OAB SP atualizada", gex_centro)
    assert EntityResource().export(PartnerEntity.objects.all()).headers == list(ENTITY_HEADER.split(","))


def test_an_entity_row_that_only_changes_its_gex_is_an_update(
    gex_centro: GerenciaExecutiva, entity_factory: Callable[..., PartnerEntity]
) -> None:
    entity_factory(code="OAB-SP", name="OAB SP", uf="SP")
    problems, summary = import_entities(f"{ENTITY_HEADER},gex\nOAB-SP,OAB SP,oab,SP,,,,gex-sp-centro\n")
    assert problems == [] and "1 atualizada" in summary
    assert PartnerEntity.objects.get(code="OAB-SP").gex == gex_centro


def test_a_gex_gets_its_two_staff_groups_named_after_it_and_renamed_with_it(gex_centro: GerenciaExecutiva) -> None:
    gex_centro.refresh_from_db()
    assert gex_centro.consulta_group is not None and gex_centro.gestao_group is not None
    assert (gex_centro.consulta_group.name, gex_centro.gestao_group.name) == (
        "GEX São Paulo — Centro — consulta",
        "GEX São Paulo — Centro — gestão",
    )
    gex_centro.name = "GEX São Paulo — Sé"
    gex_centro.save()
    assert set(Group.objects.filter(name__startswith="GEX ").values_list("name", flat=True)) == {
        "GEX São Paulo — Sé — consulta",
        "GEX São Paulo — Sé — gestão",
    }
    assert gex_centro.gestao_group.permissions.filter(codename="change_partnerentity").exists()
    assert not gex_centro.consulta_group.permissions.filter(codename__startswith="change_").exists()


def test_gex_staff_see_only_the_entities_assigned_to_their_gex(
    gex_centro: GerenciaExecutiva, entity_factory: Callable[..., PartnerEntity], staff_factory: Callable[..., User]
) -> None:
    mine = entity_factory(uf="SP", gex=gex_centro)
    entity_factory(uf="SP")  # same UF, no GEX
    gex_centro.refresh_from_db()
    user = staff_factory(groups=(gex_centro.consulta_group.name,))  # type: ignore[union-attr]
    assert list(scope_entities(PartnerEntity.objects.all(), user)) == [mine]


def test_a_gex_manager_edits_its_entity_but_cannot_move_it_out_of_its_gex(
    gex_centro: GerenciaExecutiva,
    entity_factory: Callable[..., PartnerEntity],
    staff_factory: Callable[..., User],
    staff_login: Callable[[User], Client],
) -> None:
    entity = entity_factory(code="OAB-SP", name="OAB SP", uf="SP", gex=gex_centro)
    gex_centro.refresh_from_db()
    client = staff_login(staff_factory(groups=(gex_centro.gestao_group.name,)))  # type: ignore[union-attr]
    url = f"/admin/portal/partnerentity/{entity.pk}/change/"
    page = client.get(url, secure=True)
    assert page.status_code == 200
    form = {
        "name": "OAB SP (nova)",
        "kind": "oab",
        "uf": "RJ",
        "gex": "",
        "code": "OUTRA",
        "status": "active",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    response = client.post(url, form, secure=True)
    assert response.status_code == 302, response.content.decode()[:2000]
    entity.refresh_from_db()
    assert (entity.name, entity.code, entity.uf, entity.gex) == ("OAB SP (nova)", "OAB-SP", "SP", gex_centro)
    assert client.get("/admin/portal/partnerentity/import/", secure=True).status_code == 403
