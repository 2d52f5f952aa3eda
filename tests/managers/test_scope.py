"""Who may use which manager URL, as a matrix (like the admin's): every manager URL × another entity's objects answers
404 and changes nothing; every role × every URL answers what the role may; every POST needs the CSRF token."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.db import models
from django.test import Client

from managers import rules
from managers.models import EntityManager, MemberReminder
from portal.models import Member, Membership, OabRegistration
from portal.permissions import MANAGEMENT_GROUP
from tests.conftest import LAWYER, STAFF
from tests.managers.conftest import MANAGER_B, MEMBER_A, World, valid_cpf

pytestmark = pytest.mark.django_db

NEW_CPF = valid_cpf(330000001)
TABLES: tuple[type[models.Model], ...] = (
    Member,
    Membership,
    OabRegistration,
    MemberReminder,
    EntityManager,
    Member.history.model,
    Membership.history.model,
    OabRegistration.history.model,
)


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    state = {m._meta.label: list(map(tuple, m.objects.order_by("pk").values_list())) for m in TABLES}  # type: ignore[attr-defined]
    state["mail"] = [(len(mail.outbox),)]
    return state


def csv_file() -> io.BytesIO:
    data = io.BytesIO(f"cpf;name;email;oab_number;oab_uf\n{NEW_CPF};Nova Pessoa;nova@exemplo.org.br;77;SP\n".encode())
    data.name = "membros.csv"
    return data


def requests(code: str, member_id: int) -> list[tuple[str, str, Callable[[], dict[str, Any]]]]:
    """(method, URL, data) of every manager page, for an entity and a member."""
    add = {"cpf": NEW_CPF, "name": "Nova Pessoa", "email": "nova@exemplo.org.br", "oab_number": "77", "oab_uf": "SP"}
    return [
        ("GET", f"/gestao/{code}/", dict),
        ("GET", f"/gestao/{code}/incluir/", dict),
        ("POST", f"/gestao/{code}/incluir/", lambda: add),
        ("GET", f"/gestao/{code}/planilha/", dict),
        ("POST", f"/gestao/{code}/planilha/", lambda: {"file": csv_file()}),
        ("POST", f"/gestao/{code}/membros/{member_id}/lembrete/", dict),
        ("POST", f"/gestao/{code}/membros/{member_id}/desativar/", dict),
        ("POST", f"/gestao/{code}/membros/{member_id}/reativar/", dict),
    ]


def send(client: Client, method: str, url: str, data: Callable[[], dict[str, Any]]) -> Any:
    return client.get(url, secure=True) if method == "GET" else client.post(url, data(), secure=True)


def test_every_manager_url_on_another_entity_is_not_found_and_changes_nothing(world: World, certificate_client):
    manager_a = certificate_client(LAWYER)
    other_entity = requests("MUN-B", world.member_b.pk)
    other_member_here = requests("OAB-A", world.member_b.pk)[5:]  # entity A's URLs, entity B's member
    before = snapshot()
    for method, url, data in other_entity + other_member_here:
        response = send(manager_a, method, url, data)
        assert response.status_code == 404, (method, url, response.status_code)
    assert snapshot() == before


def test_the_index_of_an_unknown_entity_is_not_found(world: World, certificate_client):
    assert certificate_client(LAWYER).get("/gestao/NAO-EXISTE/", secure=True).status_code == 404


ROLES = ("anonimo", "membro", "gestor-senha", "gestor-b", "servidor")


@pytest.fixture
def role_client(world: World, certificate_client, password_client, staff_factory, staff_login) -> Callable[[str], Any]:
    def make(role: str) -> Client:
        if role == "anonimo":
            return Client(HTTP_HOST="localhost")
        if role == "membro":
            return certificate_client(MEMBER_A)
        if role == "gestor-senha":
            return password_client(world.manager_a)
        if role == "gestor-b":
            return certificate_client(MANAGER_B)
        return staff_login(staff_factory(STAFF.cpf, groups=(MANAGEMENT_GROUP,)))

    return make


@pytest.mark.parametrize("role", ROLES)
def test_roles_that_may_not_manage_entity_a_are_refused_and_change_nothing(world: World, role_client, role: str):
    client = role_client(role)
    before = snapshot()
    for method, url, data in requests("OAB-A", world.member_a.pk):
        response = send(client, method, url, data)
        if role == "anonimo":
            assert response.status_code == 302 and response["Location"].startswith("/?next="), (method, url)
        elif role == "gestor-b":
            assert response.status_code == 404, (method, url, response.status_code)
        else:
            code = rules.A3_REQUIRED if role == "gestor-senha" else rules.NOT_A_MANAGER
            assert (response.status_code, response.get("X-Error-Code")) == (403, code), (method, url)
    assert snapshot() == before


def test_a_managers_password_session_is_offered_the_certificate_login_back_here(world: World, password_client):
    response = password_client(world.manager_a).get("/gestao/OAB-A/?q=ana", secure=True)
    assert response.status_code == 403 and response["X-Error-Code"] == rules.A3_REQUIRED
    page = response.content.decode()
    assert "/entrar/certificado/?next=%2Fgestao%2FOAB-A%2F%3Fq%3Dana" in page
    assert 'id="codigo-erro"' in page and 'id="referencia"' in page and 'id="data-hora"' in page


def test_the_manager_of_entity_a_may_use_every_url(world: World, certificate_client):
    client = certificate_client(LAWYER)
    for method, url, data in requests("OAB-A", world.member_a.pk):
        response = send(client, method, url, data)
        assert response.status_code == (200 if method == "GET" or "planilha" in url else 302), (method, url)
    assert Member.objects.filter(cpf=NEW_CPF).exists()


def test_every_post_needs_the_csrf_token(world: World, certificate_client):
    client = certificate_client(LAWYER)
    client.handler.enforce_csrf_checks = True
    before = snapshot()
    for method, url, data in requests("OAB-A", world.member_a.pk):
        if method == "POST":
            assert send(client, method, url, data).status_code == 403, url
    assert snapshot() == before


def test_an_ended_appointment_takes_the_pages_away_at_once(world: World, certificate_client):
    client = certificate_client(LAWYER)
    appointment = EntityManager.objects.get(member=world.manager_a)
    appointment.active = False
    appointment.save()
    response = client.get("/gestao/OAB-A/", secure=True)
    assert (response.status_code, response["X-Error-Code"]) == (403, rules.NOT_A_MANAGER)
