"""The coordinator's page: the migration status of the association's entities, and who may open it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from associations.models import AssociatedEntity, Coordinator
from rollout.models import EntityOverride
from tests.associations.conftest import OTHER_COORDINATOR, OUTSIDER, member, municipality, valid_cpf
from tests.conftest import LAWYER

pytestmark = pytest.mark.django_db


def test_the_coordinator_sees_each_entity_with_its_figures_and_the_totals(world, certificate_client):
    for n in range(3):
        member(f"Servidor {n}", valid_cpf(420000001 + n), world.manaus, a3=n == 0)
    cutover = timezone.localdate() + dt.timedelta(days=20)
    EntityOverride.objects.create(entity=world.manaus, cutover_on=cutover, reason="teste")
    page = certificate_client(LAWYER).get("/associacao/AAM/", secure=True)
    assert page.status_code == 200
    text = page.content.decode()
    row = text.split('id="entidade-MUN-MANAUS-T"')[1].split("</tr>")[0]
    assert ">3<" in row and ">1<" in row and "33,3%" in row, row
    assert cutover.strftime("%d/%m/%Y") in row and ">20<" in row, row
    assert 'id="total-entidades">2<' in text and 'id="total-membros">4<' in text and 'id="total-a3">2<' in text
    assert "50,0%" in text
    assert "Pelotas" not in text, "another association's entity"


def test_the_index_goes_to_the_only_association(world, certificate_client):
    response = certificate_client(LAWYER).get("/associacao/", secure=True)
    assert response.status_code == 302 and response["Location"] == "/associacao/AAM/"


def test_a_password_session_is_refused_with_its_code_and_offered_the_certificate_login(world, password_client):
    response = password_client(world.coordinator).get("/associacao/AAM/", secure=True)
    assert response.status_code == 403 and response["X-Error-Code"] == "COORDINATOR_A3_REQUIRED"
    text = response.content.decode()
    assert "COORDINATOR_A3_REQUIRED" in re.sub(r"<[^>]+>", "", text) and response["X-Reference"] in text
    assert "next=/associacao/AAM/" in text.replace("%2F", "/")
    assert "Manaus" not in text


@pytest.mark.parametrize("path", ["/associacao/", "/associacao/AAM/", "/associacao/AAM/sem-a3.csv"])
def test_someone_who_coordinates_nothing_is_told_so(world, certificate_client, path):
    response = certificate_client(OUTSIDER).get(path, secure=True)
    assert response.status_code == 403 and response["X-Error-Code"] == "COORDINATOR_NOT_APPOINTED"
    assert "Manaus" not in response.content.decode()


def test_an_ended_appointment_no_longer_opens_the_page(world, certificate_client):
    Coordinator.objects.filter(member=world.coordinator).update(active=False)
    response = certificate_client(LAWYER).get("/associacao/AAM/", secure=True)
    assert response["X-Error-Code"] == "COORDINATOR_NOT_APPOINTED"


def test_anonymous_visitors_are_sent_to_the_login(world, client):
    response = client.get("/associacao/AAM/", secure=True)
    assert response.status_code == 302 and "next=/associacao/AAM/" in response["Location"].replace("%2F", "/")


def test_an_entity_that_left_the_association_is_no_longer_shown(world, certificate_client):
    AssociatedEntity.objects.filter(entity=world.parintins).update(active=False)
    text = certificate_client(LAWYER).get("/associacao/AAM/", secure=True).content.decode()
    assert "Parintins" not in text and "Manaus" in text


def test_the_page_makes_the_same_queries_whatever_the_number_of_entities(world, certificate_client):
    client = certificate_client(LAWYER)
    client.get("/associacao/AAM/", secure=True)  # the figures' snapshot taken
    with CaptureQueriesContext(connection) as few:
        assert client.get("/associacao/AAM/", secure=True).status_code == 200
    for n in range(8):
        entity = municipality(f"MUN-EXTRA-{n}", f"Município extra {n}", "AM")
        AssociatedEntity.objects.create(association=world.aam, entity=entity)
        member(f"Membro extra {n}", valid_cpf(430000001 + n), entity, a3=n % 2 == 0)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/associacao/AAM/", secure=True)
    assert page.status_code == 200 and "Município extra 7" in page.content.decode()
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_the_other_associations_coordinator_sees_only_theirs(world, certificate_client):
    text = certificate_client(OTHER_COORDINATOR).get("/associacao/ASSOC-SUL/", secure=True).content.decode()
    assert "Pelotas" in text and "Manaus" not in text


def test_the_dashboard_links_coordinators_only(world, certificate_client):
    coordinator_page = certificate_client(LAWYER).get("/painel/", secure=True).content.decode()
    assert "Acompanhar as entidades da associação" in coordinator_page
    outsider_page = certificate_client(OUTSIDER).get("/painel/", secure=True).content.decode()
    assert "Acompanhar as entidades da associação" not in outsider_page


def test_a_coordinator_of_two_associations_chooses_one(world, certificate_client):
    Coordinator.objects.create(member=world.coordinator, association=world.sul)
    client = certificate_client(LAWYER)
    page = client.get("/associacao/", secure=True)
    assert page.status_code == 200
    text = page.content.decode()
    assert 'href="/associacao/AAM/"' in text and 'href="/associacao/ASSOC-SUL/"' in text
    assert "Pelotas" in client.get("/associacao/ASSOC-SUL/", secure=True).content.decode()
