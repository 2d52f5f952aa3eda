"""The schedule in the admin: before a wave or an entity date is saved, staff see who it affects, and confirm."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from portal.permissions import MANAGEMENT_GROUP, regional_group_name
from rollout.models import EntityOverride, Wave

NOW = timezone.now()
TODAY = timezone.localdate(NOW)


@pytest.fixture(autouse=True)
def clock_stopped_at_now(time_machine):
    """Dates here are counted from TODAY, taken when the module is imported: the tests run on that day, even when
    they reach it after a Brasília midnight."""
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def schedule_entities(entity_factory, member_factory):
    """PR and SC (wave 6, ended in 2024) and RS (no date yet), with members who did and did not use A3."""
    pr = entity_factory(code="OAB-PR", uf="PR")
    sc = entity_factory(code="OAB-SC", uf="SC")
    rs = entity_factory(code="OAB-RS", uf="RS")
    municipio_rs = entity_factory(code="MUN-POA", uf="RS", kind="municipio")
    for cpf, entity, used_a3 in (
        ("52601815906", pr, True),
        ("08301661305", pr, False),
        ("78778932807", sc, False),
        ("12398745619", rs, False),
        ("31415926590", rs, True),
        ("27182818205", municipio_rs, False),
    ):
        member = member_factory(cpf, entity=entity)
        if used_a3:
            member.first_a3_login_at = timezone.now()
            member.save()
    return {"pr": pr, "sc": sc, "rs": rs}


@pytest.fixture
def manager(staff_factory, staff_login) -> Client:
    return staff_login(staff_factory(groups=(MANAGEMENT_GROUP,)))


def wave(ufs: list[str]) -> Wave:
    return Wave.objects.get(ufs=ufs)


def wave_post(w: Wave, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "number": w.number,
        "name": w.name,
        "superintendencia": w.superintendencia_id,
        "kinds": w.kinds,
        "ufs": w.ufs,
        "window_start": w.window_start.isoformat() if w.window_start else "",
        "window_end": w.window_end.isoformat() if w.window_end else "",
        "undefined_reason": w.undefined_reason,
        "notes": w.notes,
        "_save": "Salvar",
    }
    data.update(changes)
    return data


def counter(html: str, element_id: str) -> int:
    found = re.search(rf'id="{element_id}">(\d+)<', html)
    assert found, f"{element_id} not in the page"
    return int(found.group(1))


def hidden_fields(html: str) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html):
        fields.setdefault(name, []).append(value)
    return fields


def test_setting_rs_dates_in_the_past_previews_immediate_loss_and_saves_only_when_confirmed(schedule_entities, manager):
    rs = wave(["RS"])
    start, end = TODAY - dt.timedelta(days=20), TODAY - dt.timedelta(days=10)
    url = f"/admin/rollout/wave/{rs.pk}/change/"

    preview = manager.post(url, wave_post(rs, window_start=start, window_end=end, undefined_reason=""), secure=True)

    assert preview.status_code == 200
    html = preview.content.decode()
    assert "Confirme a alteração do cronograma" in html
    assert counter(html, "impacto-entidades") == 1  # OAB-RS; the RS city hall is not an OAB section
    assert counter(html, "impacto-perdem-agora") == 1
    assert counter(html, "impacto-membros") == 2
    assert counter(html, "impacto-sem-a3") == 1  # the member who already used A3 keeps access
    assert "OAB-RS" in html and "MUN-POA" not in html
    assert "perde o acesso com senha imediatamente" in html
    rs.refresh_from_db()
    assert rs.window_start is None, "nothing is saved before the confirmation"

    confirmed = manager.post(url, hidden_fields(html), secure=True)

    assert confirmed.status_code == 302
    rs.refresh_from_db()
    assert (rs.window_start, rs.window_end) == (start, end)
    assert rs.history.count() == 2  # the data migration's row and this change


def test_extending_a_finished_wave_previews_entities_that_regain_password_access(schedule_entities, manager):
    sul = wave(["PR", "SC"])
    new_end = TODAY + dt.timedelta(days=30)

    preview = manager.post(
        f"/admin/rollout/wave/{sul.pk}/change/", wave_post(sul, window_end=new_end.isoformat()), secure=True
    )

    html = preview.content.decode()
    assert counter(html, "impacto-entidades") == 2
    assert counter(html, "impacto-membros") == 3
    assert counter(html, "impacto-sem-a3") == 0  # a later deadline takes access from nobody
    assert html.count("volta a poder entrar com senha") == 2
    assert 'id="impacto-perdem-agora"' not in html


def test_a_change_that_affects_nobody_is_saved_at_once(schedule_entities, manager):
    sul = wave(["PR", "SC"])

    response = manager.post(
        f"/admin/rollout/wave/{sul.pk}/change/", wave_post(sul, notes="webinar em 10/07/2024"), secure=True
    )

    assert response.status_code == 302
    sul.refresh_from_db()
    assert sul.notes == "webinar em 10/07/2024"


def test_an_invalid_wave_shows_the_form_errors_not_a_preview(schedule_entities, manager):
    sul = wave(["PR", "SC"])

    response = manager.post(
        f"/admin/rollout/wave/{sul.pk}/change/",
        wave_post(sul, window_start="2024-08-10", window_end="2024-08-01"),
        secure=True,
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "O fim da janela não pode ser anterior ao início." in html
    assert "Confirme a alteração do cronograma" not in html


def test_a_wave_with_ufs_of_another_superintendencia_is_refused(schedule_entities, manager):
    sul = wave(["PR", "SC"])

    response = manager.post(f"/admin/rollout/wave/{sul.pk}/change/", wave_post(sul, ufs=["PR", "SP"]), secure=True)

    assert "UFs da Superintendência Sul" in response.content.decode()
    sul.refresh_from_db()
    assert sul.ufs == ["PR", "SC"]


def test_a_new_wave_for_municipalities_previews_them(schedule_entities, manager):
    rs = wave(["RS"])
    data = wave_post(rs, name="Municípios do RS", kinds=["municipio"], window_start="2024-01-01")
    data.update(window_end="2024-01-31", undefined_reason="")

    html = manager.post("/admin/rollout/wave/add/", data, secure=True).content.decode()

    assert counter(html, "impacto-entidades") == 1
    assert "MUN-POA" in html and "OAB-RS" not in html
    assert Wave.objects.filter(name="Municípios do RS").count() == 0
    assert manager.post("/admin/rollout/wave/add/", hidden_fields(html), secure=True).status_code == 302
    assert Wave.objects.filter(name="Municípios do RS").count() == 1


def test_an_entity_date_previews_its_members_and_records_who_granted_it(schedule_entities, manager):
    sc = schedule_entities["sc"]
    data = {
        "entity": sc.pk,
        "cutover_on": (TODAY + dt.timedelta(days=45)).isoformat(),
        "reason": "troca dos tokens da seccional",
        "_save": "Salvar",
    }

    preview = manager.post("/admin/rollout/entityoverride/add/", data, secure=True)

    html = preview.content.decode()
    assert counter(html, "impacto-entidades") == 1
    assert counter(html, "impacto-membros") == 1
    assert "volta a poder entrar com senha" in html
    assert not EntityOverride.objects.exists()
    assert manager.post("/admin/rollout/entityoverride/add/", hidden_fields(html), secure=True).status_code == 302
    override = EntityOverride.objects.get()
    assert override.granted_by is not None and override.granted_by.groups.filter(name=MANAGEMENT_GROUP).exists()
    assert override.history.get().history_change_reason == "troca dos tokens da seccional"


def test_removing_an_entity_date_shows_who_loses_access_on_the_delete_page(schedule_entities, manager):
    override = EntityOverride.objects.create(
        entity=schedule_entities["pr"], cutover_on=TODAY + dt.timedelta(days=10), reason="prorrogação"
    )

    page = manager.get(f"/admin/rollout/entityoverride/{override.pk}/delete/", secure=True).content.decode()

    assert counter(page, "impacto-perdem-agora") == 1
    assert counter(page, "impacto-sem-a3") == 1


def test_regional_staff_read_the_schedule_but_do_not_change_it(
    schedule_entities, entity_factory, staff_factory, staff_login
):
    EntityOverride.objects.create(entity=schedule_entities["pr"], cutover_on=TODAY, reason="PR")
    sp = entity_factory(code="OAB-SP", uf="SP")
    sp_override = EntityOverride.objects.create(entity=sp, cutover_on=TODAY, reason="SP")
    regional = staff_login(staff_factory("11144477735", groups=(regional_group_name("Sudeste I"),)))
    sul = wave(["PR", "SC"])

    assert regional.get("/admin/rollout/wave/", secure=True).status_code == 200
    refused = regional.post(f"/admin/rollout/wave/{sul.pk}/change/", wave_post(sul, notes="x"), secure=True)
    overrides = regional.get("/admin/rollout/entityoverride/", secure=True).content.decode()

    assert refused.status_code == 403
    assert f"/admin/rollout/entityoverride/{sp_override.pk}/" in overrides
    assert "OAB-PR" not in overrides


def test_the_preview_agrees_in_number_with_its_counts(schedule_entities, manager):
    """'1 entidade ... (1 perde ...)', '2 membros dessa entidade', '1 membro que nunca entrou': never '(s)'."""
    rs = wave(["RS"])
    start, end = TODAY - dt.timedelta(days=20), TODAY - dt.timedelta(days=10)
    preview = manager.post(
        f"/admin/rollout/wave/{rs.pk}/change/",
        wave_post(rs, window_start=start, window_end=end, undefined_reason=""),
        secure=True,
    )
    text = " ".join(re.sub(r"<[^>]+>", "", preview.content.decode()).split())
    assert "1 entidade com o acesso alterado (1 perde o acesso com senha imediatamente);" in text
    assert "2 membros dessa entidade;" in text
    assert "1 membro que nunca entrou com certificado A3 e perderá o acesso com senha mais cedo" in text
    assert "(s)" not in text
