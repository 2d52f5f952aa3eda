"""Webinars in the admin: scheduled by the management group in Brasília time, an https link only; a
superintendência's staff read theirs and the national ones (the permission matrix covers every URL and group)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from portal.permissions import MANAGEMENT_GROUP, regional_group_name
from rollout.models import Webinar

BRT = ZoneInfo("America/Sao_Paulo")
REGIONAL_CPF = "11144477735"
ADD_URL = "/admin/rollout/webinar/add/"
LIST_URL = "/admin/rollout/webinar/"

pytestmark = pytest.mark.django_db


def form(**fields: str) -> dict[str, str]:
    data = {
        "title": "Certificado A3 na prática",
        "start_0": "10/03/2027",
        "start_1": "14:00",
        "duration_minutes": "90",
        "link": "https://webinar.inss.gov.br/sala/a3",
        "superintendencia": "",
        "description": "Compra, instalação e primeiro acesso.",
    }
    return {**data, **fields}


@pytest.fixture
def management(staff_factory, staff_login):
    return staff_login(staff_factory(groups=(MANAGEMENT_GROUP,)))


@pytest.fixture
def sul_staff(staff_factory, staff_login):
    return staff_login(staff_factory(REGIONAL_CPF, groups=(regional_group_name("Sul"),)))


def test_management_schedules_a_webinar_in_brasilia_time_stored_in_utc(management):
    response = management.post(ADD_URL, form(), secure=True)

    assert response.status_code == 302, response.content.decode()[:2000]
    webinar = Webinar.objects.get()
    assert webinar.start == dt.datetime(2027, 3, 10, 17, 0, tzinfo=dt.UTC)  # 14h00 in Brasília, UTC−3
    assert webinar.superintendencia is None  # national
    assert webinar.history.count() == 1  # type: ignore[attr-defined]
    page = management.get(LIST_URL, secure=True).content.decode()
    assert ">10 de março de 2027 às 14:00</a>" in page, "shown in Brasília time"


@pytest.mark.parametrize(
    "link", ["http://webinar.inss.gov.br/sala", "ftp://webinar.inss.gov.br/sala", "javascript:alert(1)"]
)
def test_a_link_that_is_not_https_is_refused(management, link):
    response = management.post(ADD_URL, form(link=link), secure=True)

    assert response.status_code == 200
    assert not Webinar.objects.exists()
    page = response.content.decode()
    assert "Informe um link https:// válido." in page or "Informe uma URL válida." in page


def test_a_link_without_a_scheme_becomes_https(management):
    assert management.post(ADD_URL, form(link="webinar.inss.gov.br/sala"), secure=True).status_code == 302
    assert Webinar.objects.get().link == "https://webinar.inss.gov.br/sala"


def test_the_model_refuses_a_link_that_is_not_https(webinar_factory):
    webinar = Webinar(title="x", start=dt.datetime(2027, 3, 10, 14, 0, tzinfo=BRT), link="http://exemplo.gov.br")
    with pytest.raises(ValidationError) as refused:
        webinar.full_clean()
    assert refused.value.message_dict["link"] == ["Informe um link https:// válido."]


def test_regional_staff_read_their_regions_and_the_national_webinars_only(sul_staff, webinar_factory):
    start = dt.datetime(2027, 3, 10, 14, 0, tzinfo=BRT)
    national = webinar_factory(start, title="Nacional")
    own = webinar_factory(start, "sul", title="Do Sul")
    other = webinar_factory(start, "nordeste", title="Do Nordeste")

    page = sul_staff.get(LIST_URL, secure=True).content.decode()

    assert f"/admin/rollout/webinar/{national.pk}/change/" in page
    assert f"/admin/rollout/webinar/{own.pk}/change/" in page
    assert f"/admin/rollout/webinar/{other.pk}/change/" not in page
    assert sul_staff.get(f"/admin/rollout/webinar/{national.pk}/change/", secure=True).status_code == 200
    assert sul_staff.get(f"/admin/rollout/webinar/{other.pk}/change/", secure=True).status_code == 302  # not found
    assert sul_staff.get(ADD_URL, secure=True).status_code == 403


def test_regional_staff_cannot_change_a_national_webinar(sul_staff, webinar_factory):
    national = webinar_factory(dt.datetime(2027, 3, 10, 14, 0, tzinfo=BRT), title="Nacional")
    url = f"/admin/rollout/webinar/{national.pk}/change/"

    response = sul_staff.post(url, form(title="Alterado"), secure=True)

    assert response.status_code == 403
    national.refresh_from_db()
    assert national.title == "Nacional"


def test_every_save_is_a_new_revision_even_restoring_an_old_version(webinar_factory):
    webinar = webinar_factory(dt.datetime(2027, 3, 10, 14, 0, tzinfo=BRT))
    assert webinar.sequence == 0
    webinar.start += dt.timedelta(hours=1)
    webinar.save()
    assert webinar.sequence == 1
    old = webinar.history.earliest().instance  # type: ignore[attr-defined]  # sequence 0, as first saved
    old.save()
    webinar.refresh_from_db()
    assert webinar.sequence == 2
    assert webinar.start == dt.datetime(2027, 3, 10, 14, 0, tzinfo=BRT)
