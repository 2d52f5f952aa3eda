"""What the admin says, in Portuguese that agrees with each model: an object that does not exist or belongs to
another superintendência, the bulk delete action, the messages after a save, the schedule read by whoever may only
view, month names; and the project's translation catalogue (``locale/admin``) compiled from its source."""

from __future__ import annotations

import datetime as dt
import gettext
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.test import Client
from django.utils import formats, translation

from certauth.icp.numbers import mask_cpf
from portal.admin_texts import FEMININE, PortalTexts
from portal.models import EntitySelection, PartnerEntity, User
from portal.permissions import MANAGEMENT_GROUP, regional_group_name
from rollout.models import EntityOverride, Wave

SUDESTE_1 = regional_group_name("Sudeste I")  # SP
CATALOGUE = Path(settings.BASE_DIR) / "locale" / "admin" / "pt_BR" / "LC_MESSAGES"


@pytest.fixture
def manager(staff_factory, staff_login) -> Client:
    return staff_login(staff_factory(groups=(MANAGEMENT_GROUP,)))


@pytest.fixture
def regional(staff_factory, staff_login) -> Client:
    return staff_login(staff_factory("78778932807", groups=(SUDESTE_1,)))


def messages_on(client: Client, url: str) -> list[str]:
    """The messages the page at ``url`` shows (the admin's message list), as text."""
    body = client.get(url, secure=True).content.decode()
    return [
        " ".join(unescape(re.sub(r"<[^>]+>", "", m)).split())
        for m in re.findall(
            r'<li class="[^"]*">(.*?)</li>', body.split('<ul class="messagelist">')[1].split("</ul>")[0]
        )
    ]


# --- every admin ------------------------------------------------------------------------------------------------


def test_every_admin_of_the_site_speaks_of_its_model_with_its_gender() -> None:
    registered = admin.site._registry
    assert len(registered) >= 10
    for model, model_admin in registered.items():
        assert isinstance(model_admin, PortalTexts), model
        assert model._meta.label_lower in FEMININE, f"{model._meta.label_lower}: add its gender to FEMININE"


# --- an object that cannot be shown -----------------------------------------------------------------------------


def test_a_regional_viewer_asking_for_another_regions_entity_is_told_it_is_outside_its_superintendencia(
    regional, entity_factory
) -> None:
    rj = entity_factory(code="OAB-RJ", name="OAB RJ", uf="RJ")
    response = regional.get(f"/admin/portal/partnerentity/{rj.pk}/change/", secure=True)
    assert response.status_code == 302
    assert response["Location"] == "/admin/portal/partnerentity/"  # the list it may read, not the index
    assert messages_on(regional, response["Location"]) == [
        f"A entidade parceira com ID “{rj.pk}” pertence a outra superintendência: o seu acesso se limita às "
        "entidades parceiras da sua superintendência."
    ]


def test_an_object_that_does_not_exist_is_named_with_its_gender(regional, manager, member_factory) -> None:
    missing = PartnerEntity.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    response = regional.get(f"/admin/portal/partnerentity/{missing + 99}/change/", secure=True)
    assert response.status_code == 302 and response["Location"] == "/admin/portal/partnerentity/"
    assert messages_on(regional, response["Location"]) == [
        f"A entidade parceira com ID “{missing + 99}” não existe. Talvez tenha sido removida."
    ]
    response = manager.get("/admin/portal/member/abc/change/", secure=True)
    assert messages_on(manager, response["Location"]) == [
        "O membro com ID “abc” não existe. Talvez tenha sido removido."
    ]
    response = manager.get("/admin/rollout/wave/99999/delete/", secure=True)
    assert messages_on(manager, response["Location"]) == [
        "A etapa do cronograma com ID “99999” não existe. Talvez tenha sido removida."
    ]


# --- bulk delete and the messages after a save ------------------------------------------------------------------


def test_the_bulk_delete_action_agrees_with_each_model(manager, entity_factory) -> None:
    EntityOverride.objects.create(entity=entity_factory(uf="SP"), cutover_on=dt.date(2027, 1, 20), reason="prazo")
    waves = manager.get("/admin/rollout/wave/", secure=True).content.decode()
    assert '<option value="delete_selected">Remover as etapas do cronograma selecionadas</option>' in waves
    assert "Remover etapas do cronograma selecionados" not in waves  # Django's own label
    overrides = manager.get("/admin/rollout/entityoverride/", secure=True).content.decode()
    assert "Remover as datas específicas de entidades selecionadas" in overrides


def test_the_message_after_a_save_has_no_wrong_gender(manager, entity_factory) -> None:
    entity = entity_factory(code="OAB-MG", name="OAB MG", uf="MG")
    form = {
        "code": entity.code,
        "name": entity.name,
        "kind": entity.kind,
        "uf": entity.uf,
        "status": entity.status,
        "contact_email": "contato@oabmg.org.br",
        "other_emails": "",
        "phone": "",
        "notes": "",
        "act_number": "",
        "act_signed_on": "",
        "act_ends_on": "",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "_save": "Salvar",
    }
    response = manager.post(f"/admin/portal/partnerentity/{entity.pk}/change/", form, secure=True)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert messages_on(manager, response["Location"]) == ["Alteração salva: entidade parceira “OAB MG”."]


# --- the schedule, read by whoever may only view ----------------------------------------------------------------


def test_a_read_only_viewer_reads_a_waves_kinds_and_ufs_as_labels(regional) -> None:
    wave = Wave.objects.get(number=1)
    wave.kinds, wave.ufs = ["oab", "municipio"], ["SP"]
    wave.save()
    for url in (f"/admin/rollout/wave/{wave.pk}/change/", f"/admin/rollout/wave/{wave.pk}/history/{_version(wave)}/"):
        body = regional.get(url, secure=True).content.decode()
        assert body.count("Seccional da OAB, Município") == 1, url  # once, where the field was
        assert body.count("São Paulo (SP)") == 1, url
        assert "[&quot;" not in body and '["' not in body, url  # no stored list as JSON
        assert 'name="_save"' not in body, url


def test_whoever_may_change_a_wave_still_edits_its_kinds_and_ufs(manager) -> None:
    wave = Wave.objects.get(number=1)
    body = manager.get(f"/admin/rollout/wave/{wave.pk}/change/", secure=True).content.decode()
    assert 'name="kinds"' in body and 'name="ufs"' in body


def _version(wave: Wave) -> int:
    return int(wave.history.first().history_id)  # type: ignore[attr-defined]


# --- dates and the catalogue ------------------------------------------------------------------------------------


def test_month_names_are_written_in_lower_case() -> None:
    with translation.override("pt-br"):
        assert formats.date_format(dt.date(2026, 12, 6)) == "6 de dezembro de 2026"
        assert formats.date_format(dt.date(2026, 3, 1), "YEAR_MONTH_FORMAT") == "março de 2026"
        assert formats.date_format(dt.date(2026, 3, 2), "l") == "segunda-feira"


def test_the_compiled_catalogue_is_the_one_its_source_gives(tmp_path: Path) -> None:
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("msgfmt (gettext) is not installed")
    compiled = tmp_path / "django.mo"
    subprocess.run([msgfmt, "-o", str(compiled), str(CATALOGUE / "django.po")], check=True)  # noqa: S603
    with compiled.open("rb") as fresh, (CATALOGUE / "django.mo").open("rb") as committed:
        assert gettext.GNUTranslations(committed)._catalog == gettext.GNUTranslations(fresh)._catalog  # type: ignore[attr-defined]


def test_the_entitys_superintendencia_is_written_with_its_accent(manager, entity_factory) -> None:
    entity = entity_factory(code="OAB-SP", name="OAB SP", uf="SP")
    for url in ("/admin/portal/partnerentity/", f"/admin/portal/partnerentity/{entity.pk}/change/"):
        body = manager.get(url, secure=True).content.decode()
        assert re.search(r">\s*Superintendência:?\s*<", body), url
        assert not re.search(r"(?i)superintendencia\s*:?\s*<", body), url


def test_each_list_is_headed_with_its_models_article(manager, regional) -> None:
    waves = manager.get("/admin/rollout/wave/", secure=True).content.decode()
    assert "<h1>Selecione a etapa do cronograma que deseja alterar</h1>" in waves
    members = regional.get("/admin/portal/member/", secure=True).content.decode()
    assert "<h1>Selecione o membro que deseja visualizar</h1>" in members


def test_bulk_action_messages_agree_in_number(manager, entity_factory) -> None:
    one, two = entity_factory(uf="SP"), entity_factory(uf="RJ")
    changelist = "/admin/portal/partnerentity/"
    done = manager.post(changelist, {"action": "suspend", "_selected_action": [one.pk, two.pk]}, secure=True)
    assert messages_on(manager, done["Location"]) == ["2 entidades suspensas."]
    done = manager.post(changelist, {"action": "reactivate", "_selected_action": [one.pk]}, secure=True)
    assert messages_on(manager, done["Location"]) == ["1 entidade reativada."]
    done = manager.post(changelist, {"action": "end_member_sessions", "_selected_action": [one.pk]}, secure=True)
    assert messages_on(manager, done["Location"]) == ["Nenhuma sessão aberta: nada a encerrar."]


def test_a_members_account_is_named_with_its_cpf_masked_on_staff_pages(
    manager, staff_factory, staff_login, member_factory
):
    member = member_factory(name="Maria Souza")
    member.user = User.objects.create_user(username=member.cpf)
    member.save()
    EntitySelection.objects.create(user=member.user, entity=member.entities.get(), login_reference="ABCDE-12345")
    superuser = staff_login(staff_factory("47363361886", superuser=True))
    listing = superuser.get("/admin/portal/entityselection/", secure=True).content.decode()
    assert mask_cpf(member.cpf) in listing and member.cpf not in listing
    assert str(member.user) == mask_cpf(member.cpf)
