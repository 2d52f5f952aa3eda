"""Who may open the lookup, and which attempts each sees: every support URL × every kind of visitor.

Regional groups see the attempts of their superintendência only (by the entity of the attempt or the CPF of one of
its members, the admin audit's rule); another region's attempt answers as an unknown reference (404, nothing
shown), and the lookup log says "out of scope". The support group, the national groups and superusers see all."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from portal.permissions import MANAGEMENT_GROUP, NATIONAL_VIEW_GROUP, regional_group_name
from support.models import LookupResult, ReferenceLookup
from support.roles import SUPPORT_GROUP
from tests.support.conftest import World, staff_user

pytestmark = pytest.mark.django_db

URLS = ("form", "search", "sp", "pr", "stranger", "unknown", "invalid")
ALL = {"form": 200, "search": 302, "sp": 200, "pr": 200, "stranger": 200, "unknown": 404, "invalid": 400}
#: actor → {url kind → status}; a string status is a redirect to that place.
EXPECTED: dict[str, dict[str, int | str]] = {
    "anonimo": dict.fromkeys(URLS, "login"),
    "membro": dict.fromkeys(URLS, 403),
    "servidor-sem-grupo": dict.fromkeys(URLS, 403),
    "suporte": ALL,
    "regional-mesma": {**ALL, "pr": 404, "stranger": 404},  # Sudeste I: the SP attempt only
    "regional-outra": {**ALL, "sp": 404, "stranger": 404},  # Sul: the PR attempt only
    "consulta-nacional": ALL,
    "gestao": ALL,
    "superusuario": ALL,
    "gestao-por-senha": dict.fromkeys(URLS, 403),  # a session not opened with a certificate
}
GROUPS: dict[str, tuple[str, ...]] = {
    "servidor-sem-grupo": (),
    "suporte": (SUPPORT_GROUP,),
    "regional-mesma": (regional_group_name("Sudeste I"),),
    "regional-outra": (regional_group_name("Sul"),),
    "consulta-nacional": (NATIONAL_VIEW_GROUP,),
    "gestao": (MANAGEMENT_GROUP,),
    "superusuario": (),
    "gestao-por-senha": (MANAGEMENT_GROUP,),
}


def url(kind: str, world: World) -> str:
    return {
        "form": "/suporte/consulta/",
        "search": f"/suporte/consulta/?referencia={world.a1_reference.lower().replace('-', ' ')}",
        "sp": f"/suporte/consulta/{world.a1_reference}/",
        "pr": f"/suporte/consulta/{world.pr_reference}/",
        "stranger": f"/suporte/consulta/{world.stranger_reference}/",
        "unknown": "/suporte/consulta/ZZZZZ-ZZZZZ/",
        "invalid": "/suporte/consulta/?referencia=nao-e-referencia",
    }[kind]


@pytest.fixture
def actor_client(request: Any, client: Client, world: World, member_client: Client, staff_login: Any) -> Client:
    name = request.param
    if name == "anonimo":
        return client
    if name == "membro":
        return member_client
    user = staff_user(
        f"{50752917080 if name != 'superusuario' else 20365418870}", *GROUPS[name], superuser=name == "superusuario"
    )
    if name == "gestao-por-senha":
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client
    return staff_login(user)


@pytest.mark.parametrize("actor_client", list(EXPECTED), indirect=True)
def test_every_support_url_answers_each_visitor_as_the_policy_says(
    actor_client: Client, world: World, request: Any
) -> None:
    actor = request.node.callspec.params["actor_client"]
    for kind in URLS:
        response = actor_client.get(url(kind, world), secure=True)
        expected = EXPECTED[actor][kind]
        if expected == "login":
            assert response.status_code == 302 and "/entrar/certificado/" in response["Location"], kind
        else:
            assert response.status_code == expected, (actor, kind, response.status_code)
        if expected == 200 and kind != "form":
            assert 'id="diagnostico"' in response.content.decode(), (actor, kind)
        if expected == 404:
            assert response["X-Error-Code"] == "SUPPORT_REFERENCE_UNKNOWN"
            assert 'id="diagnostico"' not in response.content.decode()


def test_a_password_session_opens_the_lookup_only_where_staff_password_login_is_allowed(
    client: Client, world: World, settings: Any
) -> None:
    settings.PORTAL_STAFF_PASSWORD_LOGIN = True
    client.force_login(staff_user("50752917080", SUPPORT_GROUP), backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(url("sp", world), secure=True).status_code == 200


def test_every_lookup_is_logged_with_who_when_which_reference_and_the_result(world: World, staff_login: Any) -> None:
    support = staff_login(staff_user("50752917080", SUPPORT_GROUP))
    regional = staff_login(staff_user("20365418870", regional_group_name("Sudeste I")))
    support.get(url("sp", world), secure=True)
    support.get(url("unknown", world), secure=True)
    support.get(url("invalid", world), secure=True)
    regional.get(url("pr", world), secure=True)
    support.get(url("search", world), secure=True)  # only sends to the reference's page: not a lookup yet
    rows = list(ReferenceLookup.objects.order_by("pk").values_list("username", "reference", "result"))
    assert rows == [
        ("servidor-50752917080", world.a1_reference, LookupResult.FOUND),
        ("servidor-50752917080", "ZZZZZ-ZZZZZ", LookupResult.UNKNOWN),
        ("servidor-50752917080", "", LookupResult.INVALID),
        ("servidor-20365418870", world.pr_reference, LookupResult.OUT_OF_SCOPE),
    ]
    assert all(r.created_at and r.user_id for r in ReferenceLookup.objects.all())
