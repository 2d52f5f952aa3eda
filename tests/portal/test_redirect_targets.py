"""Open redirects: every view that reads a ``next`` (the admin's login, the certificate login, the entity choice) sends
the browser only to a path on this site, and the views that take no ``next`` (password login, cloud login, logout,
the admin's logout) do not start following one. A hostile target falls back to the view's default page, never a 500.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.test import Client

from portal.models import User
from portal.permissions import MANAGEMENT_GROUP
from tests.conftest import LAWYER

HOSTILE = [
    "https://evil.example",
    "https://evil.example/admin/",
    "//evil.example/x",
    "///evil.example/x",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "/\t/evil.example",
    " //evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(1)//",
    "data:text/html,<script>alert(1)</script>",
    "http://localhost:8443@evil.example",
    "https://localhost@evil.example/",
    "https:evil.example",
    "http://localhost/admin/",  # an absolute URL, even to this host: only paths
    "evil.example",
    "\x01//evil.example",
]


def location_path(response: Any) -> str:
    """The path a redirect sends to, asserting it stays on this site."""
    assert response.status_code == 302, response.status_code
    target = urlsplit(response["Location"])
    assert target.netloc in ("", "localhost:8443", settings.PORTAL_HOSTNAME), response["Location"]
    assert target.scheme in ("", "https"), response["Location"]
    assert target.path.startswith("/") and not target.path.startswith("//"), response["Location"]
    return response["Location"]


# ---------------------------------------------------------------------------------------------- the admin's login


@pytest.fixture
def staff(staff_factory, staff_login) -> Client:
    return staff_login(staff_factory(groups=(MANAGEMENT_GROUP,)))


@pytest.mark.parametrize("target", HOSTILE)
def test_admin_login_sends_logged_in_staff_only_to_a_path_here(staff, target):
    response = staff.get("/admin/login/", {"next": target}, secure=True)
    assert location_path(response) == "/admin/"


def test_admin_login_keeps_a_path_here(staff):
    response = staff.get("/admin/login/", {"next": "/admin/portal/member/?q=Maria"}, secure=True)
    assert response["Location"] == "/admin/portal/member/?q=Maria"


@pytest.mark.parametrize("target", HOSTILE)
def test_admin_login_page_hands_the_certificate_login_only_a_path_here(client, db, target):
    page = client.get("/admin/login/", {"next": target}, secure=True)
    assert page.status_code == 200
    link = re.search(r'href="(https://[^"]+/entrar/certificado/\?[^"]+)"', page.content.decode())
    assert link, "no certificate login link"
    query = parse_qs(urlsplit(link.group(1).replace("&amp;", "&")).query)
    assert query["next"] == ["/admin/"]


# ---------------------------------------------------------------------------------------------- the certificate login


@pytest.mark.parametrize("target", HOSTILE)
def test_certificate_login_sends_only_to_a_path_on_the_portal(login_with, member_factory, target):
    member_factory()
    response = login_with(LAWYER, data={"next": target})
    assert response.status_code == 302, response.get("X-Error-Code")
    assert response["Location"] == settings.CERTAUTH_LOGIN_REDIRECT_URL


# ---------------------------------------------------------------------------------------------- the entity choice


@pytest.fixture
def member_of_two(proxy_client, login_with, member_factory, entity_factory) -> tuple[Client, Any]:
    member = member_factory(entity=entity_factory(code="ALFA", name="Alfa"))
    member.memberships.create(entity=entity_factory(code="BETA", name="Beta"))
    assert login_with(LAWYER).status_code == 302
    return proxy_client, member.entities.get(code="ALFA")


@pytest.mark.parametrize("target", HOSTILE)
def test_entity_choice_sends_only_to_a_path_here(member_of_two, target):
    client, alfa = member_of_two
    page = client.get("/entidade/", {"next": target}, secure=True).content.decode()
    assert 'name="next" value="/painel/"' in page
    by_query = client.post(f"/entidade/?{_query(target)}", {"entity": alfa.pk}, secure=True)
    assert location_path(by_query) == "/painel/"
    by_form = client.post("/entidade/", {"entity": alfa.pk, "next": target}, secure=True)
    assert location_path(by_form) == "/painel/"


def test_entity_choice_keeps_a_path_here(member_of_two):
    client, alfa = member_of_two
    chosen = client.post("/entidade/", {"entity": alfa.pk, "next": "/cronograma/?uf=SP"}, secure=True)
    assert chosen["Location"] == "/cronograma/?uf=SP"


# ---------------------------------------------------------------------------------------------- views without a next


@pytest.mark.parametrize("target", HOSTILE[:4] + ["javascript:alert(1)"])
def test_password_login_ignores_next(db, member_factory, entity_factory, target):
    member = member_factory(LAWYER.cpf, entity=entity_factory(uf="RS"))  # RS: no cutover date yet
    member.user = User.objects.create_user(username=LAWYER.cpf, password="senha-antiga-do-portal-123")
    member.save()
    client = Client(HTTP_HOST=settings.PORTAL_HOSTNAME)
    response = client.post(
        f"/entrar/senha/?{_query(target)}",
        {"cpf": LAWYER.cpf, "password": "senha-antiga-do-portal-123", "next": target},
        secure=True,
    )
    assert location_path(response) == "/painel/"


@pytest.mark.parametrize("target", HOSTILE[:4] + ["javascript:alert(1)"])
def test_portal_logout_ignores_next(proxy_client, login_with, member_factory, target):
    member_factory()
    login_with(LAWYER)
    response = proxy_client.post(f"/sair/?{_query(target)}", {"next": target}, secure=True)
    assert location_path(response) == "/"


@pytest.mark.parametrize("target", HOSTILE[:4] + ["javascript:alert(1)"])
def test_admin_logout_follows_no_foreign_next(staff, target):
    response = staff.post(f"/admin/logout/?{_query(target)}", {"next": target}, secure=True)
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        location_path(response)


@pytest.mark.parametrize("target", HOSTILE[:4] + ["javascript:alert(1)"])
def test_cloud_login_start_ignores_next(client, db, target):
    form = client.get(f"/entrar/nuvem/?{_query(target)}", secure=True)
    assert form.status_code == 200
    assert "evil.example" not in form.content.decode()
    assert "javascript:" not in form.content.decode()


def _query(target: str) -> str:
    from urllib.parse import urlencode

    return urlencode({"next": target})
