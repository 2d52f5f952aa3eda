"""History pages in the admin (django-simple-history through ``portal.admin_history``): they show what the change
page shows — a superintendência only its own rows — and only whoever may change reverts; the schedule's reverts go
through the impact preview. (The permission matrix, ``test_admin_matrix``, covers every admin URL; these are the
review's proofs of concept, one by one.)"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from portal.models import Member, PartnerEntity
from portal.permissions import MANAGEMENT_GROUP, NATIONAL_VIEW_GROUP, regional_group_name
from rollout.models import Wave
from tests.conftest import LAWYER

SUDESTE_1 = regional_group_name("Sudeste I")  # SP
REGIONAL_CPF, NATIONAL_CPF = "78778932807", "12398745619"


@pytest.fixture
def partners(entity_factory, member_factory):
    sp = entity_factory(code="OAB-SP", name="OAB SP", uf="SP", contact_email="contato@oabsp.org.br")
    rj = entity_factory(code="OAB-RJ", name="OAB RJ", uf="RJ", contact_email="contato@oabrj.org.br")
    for entity in (sp, rj):
        entity.contact_email = "novo-" + entity.contact_email
        entity.save()
    maria = member_factory(LAWYER.cpf, name="Maria Souza", entity=sp)
    joao = member_factory("08301661305", name="João Pereira", entity=rj)
    return {"sp": sp, "rj": rj, "maria": maria, "joao": joao}


@pytest.fixture
def manager(staff_factory, staff_login) -> Client:
    return staff_login(staff_factory(groups=(MANAGEMENT_GROUP,)))


@pytest.fixture
def regional(staff_factory, staff_login) -> Client:
    return staff_login(staff_factory(REGIONAL_CPF, groups=(SUDESTE_1,)))


@pytest.fixture
def national_viewer(staff_factory, staff_login) -> Client:
    return staff_login(staff_factory(NATIONAL_CPF, groups=(NATIONAL_VIEW_GROUP,)))


def first_version(obj: object) -> int:
    return obj.history.order_by("history_date", "history_id").first().history_id  # type: ignore[attr-defined]


def revert_url(obj: PartnerEntity | Member | Wave, version: int | str | None = None) -> str:
    opts = obj._meta
    return f"/admin/{opts.app_label}/{opts.model_name}/{obj.pk}/history/{version or first_version(obj)}/"


def entity_form(entity: PartnerEntity, **changes: str) -> dict[str, str]:
    data = {
        "code": entity.code,
        "name": entity.name,
        "kind": entity.kind,
        "uf": entity.uf,
        "status": entity.status,
        "act_number": "",
        "contact_email": "contato@oabsp.org.br",
        "other_emails": "",
        "phone": "",
        "notes": "",
        "_save": "Reverter",
    }
    return {**data, **changes}


def database_state() -> tuple[list[tuple[object, ...]], ...]:
    return (
        list(PartnerEntity.objects.order_by("pk").values_list()),
        list(PartnerEntity.history.order_by("pk").values_list()),
        list(Member.objects.order_by("pk").values_list()),
        list(Member.history.order_by("pk").values_list()),
        list(Wave.objects.order_by("pk").values_list()),
        list(Wave.history.order_by("pk").values_list()),
    )


# --- reading: only what get_queryset shows ------------------------------------------------------------------------


def test_a_regional_viewer_reads_no_other_regions_entity_or_member_through_the_history(regional, partners):
    rj, joao = partners["rj"], partners["joao"]
    for url in (
        f"/admin/portal/partnerentity/{rj.pk}/history/",
        revert_url(rj),
        f"/admin/portal/member/{joao.pk}/history/",
        revert_url(joao),
    ):
        response = regional.get(url, secure=True)
        assert response.status_code == 404, url
        body = response.content.decode()
        assert "OAB RJ" not in body and "João" not in body and "08301661305" not in body


def test_a_regional_viewer_reads_the_history_of_its_own_region(regional, partners):
    sp = partners["sp"]
    history = regional.get(f"/admin/portal/partnerentity/{sp.pk}/history/", secure=True)
    assert history.status_code == 200
    assert "novo-contato@oabsp.org.br" in history.content.decode()


def test_a_version_of_another_row_or_a_malformed_one_is_not_found(manager, partners):
    sp, rj = partners["sp"], partners["rj"]
    for version in (first_version(rj), "abc", "999999"):
        assert manager.get(revert_url(sp, version), secure=True).status_code == 404, version


# --- writing: only with the change permission ---------------------------------------------------------------------


def test_read_only_staff_cannot_revert_an_entitys_contact_email(national_viewer, partners):
    sp = partners["sp"]
    before = database_state()
    response = national_viewer.post(revert_url(sp), entity_form(sp), secure=True)
    assert response.status_code == 403
    assert "Nada foi alterado" in response.content.decode()
    assert database_state() == before
    assert PartnerEntity.objects.get(pk=sp.pk).contact_email == "novo-contato@oabsp.org.br"


def test_read_only_staff_cannot_suspend_an_entity_through_the_revert_form(regional, partners):
    sp = partners["sp"]
    before = database_state()
    response = regional.post(revert_url(sp), entity_form(sp, status="suspended"), secure=True)
    assert response.status_code == 403
    assert database_state() == before


def test_a_regional_viewer_cannot_rewrite_a_members_cpf_to_its_own(regional, partners):
    """The review's account takeover: the member's CPF replaced by the viewer's, then a login with the viewer's A3."""
    maria = partners["maria"]
    before = database_state()
    data = {"cpf": REGIONAL_CPF, "name": maria.name, "email": "", "active": "on", "_save": "Reverter"}
    response = regional.post(revert_url(maria), data, secure=True)
    assert response.status_code == 403
    assert database_state() == before
    assert Member.objects.get(pk=maria.pk).cpf == LAWYER.cpf


def test_read_only_staff_see_an_old_version_as_text_without_a_revert_button(national_viewer, partners):
    sp = partners["sp"]
    page = national_viewer.get(revert_url(sp), secure=True)
    assert page.status_code == 200
    body = page.content.decode()
    assert "contato@oabsp.org.br" in body  # the old e-mail, shown
    assert 'name="contact_email"' not in body and 'name="status"' not in body  # as text, not as a field
    assert 'name="_save"' not in body


def test_management_reverts_an_entity_to_a_previous_version(manager, partners):
    sp = partners["sp"]
    page = manager.get(revert_url(sp), secure=True).content.decode()
    assert 'name="contact_email"' in page and 'name="_save"' in page
    response = manager.post(revert_url(sp), entity_form(sp), secure=True)
    assert response.status_code == 302
    sp.refresh_from_db()
    assert sp.contact_email == "contato@oabsp.org.br"
    assert sp.history.first().history_user.cpf == "50752917080"


def test_revert_switched_off_by_the_library_setting_refuses_everyone(manager, partners, settings):
    settings.SIMPLE_HISTORY_REVERT_DISABLED = True
    sp = partners["sp"]
    before = database_state()
    assert manager.post(revert_url(sp), entity_form(sp), secure=True).status_code == 403
    assert database_state() == before


# --- the schedule: a revert is a save, with the impact preview ----------------------------------------------------


@pytest.fixture
def wave_with_history(entity_factory, member_factory) -> Wave:
    """Wave 1 (SP) moved to 2020 and then to 2099: reverting to 2020 ends password access for a member without A3."""
    member_factory("31415926590", entity=entity_factory(code="OAB-SP-ONDA", uf="SP"))
    wave = Wave.objects.get(number=1)
    for year in (2020, 2099):
        wave.window_start, wave.window_end = dt.date(year, 1, 1), dt.date(year, 1, 31)
        wave.save()
    return wave


def wave_form(wave: Wave, year: int) -> dict[str, object]:
    return {
        "number": wave.number,
        "name": wave.name,
        "superintendencia": wave.superintendencia_id,
        "kinds": wave.kinds,
        "ufs": wave.ufs,
        "window_start": f"{year}-01-01",
        "window_end": f"{year}-01-31",
        "undefined_reason": "",
        "notes": "",
        "_save": "Reverter",
    }


def test_a_read_only_viewer_cannot_rewrite_a_waves_dates(regional, wave_with_history):
    previous = wave_with_history.history.all()[1].history_id
    before = database_state()
    response = regional.post(revert_url(wave_with_history, previous), wave_form(wave_with_history, 2020), secure=True)
    assert response.status_code == 403
    assert database_state() == before


def test_reverting_a_wave_shows_the_impact_preview_and_saves_only_once_confirmed(manager, wave_with_history):
    wave = wave_with_history
    url = revert_url(wave, wave.history.all()[1].history_id)
    before = database_state()
    preview = manager.post(url, wave_form(wave, 2020), secure=True)
    assert preview.status_code == 200
    body = preview.content.decode()
    assert "Confirme a alteração do cronograma" in body and "não foi salva" in body
    assert database_state() == before
    confirm = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', body))
    assert confirm["_impacto_confirmado"] == "1"
    data = {**wave_form(wave, 2020), **confirm}
    assert manager.post(url, data, secure=True).status_code == 302
    wave.refresh_from_db()
    assert wave.window_start == dt.date(2020, 1, 1)


# --- the member's page: a regional office sees its own entities among the member's -------------------------------


def test_a_members_entities_in_other_regions_are_not_shown_to_a_regional_viewer(regional, manager, partners):
    from portal.models import Membership

    maria = partners["maria"]
    Membership.objects.create(member=maria, entity=partners["rj"], active=True)
    url = f"/admin/portal/member/{maria.pk}/change/"
    regional_page = regional.get(url, secure=True).content.decode()
    assert "OAB SP" in regional_page and "OAB RJ" not in regional_page
    assert "OAB RJ" in manager.get(url, secure=True).content.decode()
