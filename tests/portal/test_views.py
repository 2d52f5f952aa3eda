"""The portal's pages."""

from __future__ import annotations

import re

import pytest

from portal.models import User
from tests.conftest import LAWYER

BRASILIA_DATETIME = re.compile(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}")


def test_home_has_a_plain_link_to_the_certificate_login_host(client, db):
    page = client.get("/", secure=True).content.decode()
    assert (
        '<a class="botao botao--grande" id="entrar-certificado" href="https://localhost:8444/entrar/certificado/">'
        in page
    )
    assert "Entrar com certificado digital" in page


def test_dashboard_requires_login(client, db):
    response = client.get("/painel/", secure=True)
    assert response.status_code == 302
    assert response["Location"].startswith("/?next=")


def test_logout_is_a_post_and_ends_the_session(proxy_client, login_with, member_factory):
    member_factory()
    login_with(LAWYER)
    assert proxy_client.get("/sair/", secure=True).status_code == 405
    response = proxy_client.post("/sair/", secure=True)
    assert response.status_code == 302
    assert proxy_client.get("/painel/", secure=True).status_code == 302
    assert "Sessão encerrada" in proxy_client.get("/", secure=True).content.decode()


def test_not_found_page_is_screenshot_ready(client, db):
    response = client.get("/nao-existe/", secure=True)
    assert response.status_code == 404
    body = response.content.decode()
    assert "Página não encontrada" in body and "HTTP_<wbr>404" in body
    assert BRASILIA_DATETIME.search(body)
    assert "Certificado Digital ACT" in body


def test_server_error_page_shows_reference_and_time_not_a_traceback(client, db, settings, monkeypatch):
    from portal import views

    def boom(request):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(views, "dashboard_context", lambda **kw: boom(None))
    client.raise_request_exception = False
    client.force_login(User.objects.create(username="u"), backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/painel/", secure=True)
    assert response.status_code == 500
    body = response.content.decode()
    assert "secret internals" not in body
    assert BRASILIA_DATETIME.search(body) and "HTTP_<wbr>500" in body


@pytest.mark.parametrize("path", ["/", "/painel/"])
def test_pages_are_in_portuguese(client, db, path):
    response = client.get(path, secure=True, follow=True)
    assert '<html lang="pt-BR">' in response.content.decode()
