"""The one refusal page (portal.refusals): every refusal and error page of the portal shows its title, what to do and
the facts a support screenshot needs — the code, a reference and the date and time in Brasília — and answers with
the refusal's status, code and reference (headers a test or a proxy reads)."""

from __future__ import annotations

import datetime as dt
import logging
import re
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from portal.models import User
from portal.refusals import Refusal, render_refusal

pytestmark = pytest.mark.django_db

UTC_NOON = dt.datetime(2024, 6, 1, 12, 0, 5, tzinfo=ZoneInfo("UTC"))  #: 09:00:05 in Brasília (UTC-3)
REFUSAL = Refusal("SOMETHING_REFUSED", "Você não pode entrar aqui", "Peça a nomeação à Superintendência.")
A3_REFUSAL = Refusal(
    "A3_NEEDED", "Entre com o certificado digital A3", "Entre com o seu certificado.", show_certificate_login=True
)


def request_for(path: str, user: User | None = None) -> HttpRequest:
    request = RequestFactory().get(path, secure=True)
    request.user = user or AnonymousUser()
    return request


def fact(page: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}">(.*?)</', page, re.S)
    assert found, f"no #{element_id} on the page"
    return found.group(1)


def buttons(page: str) -> list[tuple[str, str]]:
    """(href, label) of the page's buttons under "O que fazer"."""
    actions = re.search(r'<p class="acoes">(.*?)</p>', page, re.S)
    assert actions, "no actions on the page"
    return [
        (href, re.sub(r"<[^>]+>", "", label).strip())
        for href, label in re.findall(r'<a class="br-button [a-z]+" href="([^"]*)"[^>]*>(.*?)</a>', actions.group(1))
    ]


def page_of(response: HttpResponse) -> str:
    return response.content.decode()


def test_the_page_shows_the_title_code_reference_and_brasilia_time_and_answers_with_them(time_machine) -> None:
    time_machine.move_to(UTC_NOON, tick=False)
    response = render_refusal(request_for("/gestao/"), REFUSAL)
    page = page_of(response)
    assert response.status_code == 403
    assert fact(page, "erro-titulo") == "Você não pode entrar aqui"
    assert "Peça a nomeação à Superintendência." in page
    assert fact(page, "codigo-erro") == "SOMETHING_<wbr>REFUSED"
    assert fact(page, "data-hora") == "01/06/2024 09:00:05"
    reference = fact(page, "referencia")
    assert re.fullmatch(r"[0-9A-Z]{5}-[0-9A-Z]{5}", reference)
    assert (response["X-Error-Code"], response["X-Reference"]) == ("SOMETHING_REFUSED", reference)


def test_each_page_has_a_reference_of_its_own() -> None:
    first, second = (fact(page_of(render_refusal(request_for("/"), REFUSAL)), "referencia") for _ in range(2))
    assert first != second


def test_the_status_is_the_refusals() -> None:
    response = render_refusal(request_for("/nada/"), Refusal("HTTP_404", "Página não encontrada", "", status=404))
    assert (response.status_code, response["X-Error-Code"]) == (404, "HTTP_404")


def test_without_the_certificate_login_the_way_back_is_the_home_page(settings) -> None:
    assert buttons(page_of(render_refusal(request_for("/gestao/"), REFUSAL))) == [
        (f"{settings.PORTAL_BASE_URL}/", "Voltar à página inicial")
    ]


def test_the_certificate_logins_come_back_to_the_refused_address_and_the_way_back_is_the_dashboard(settings) -> None:
    page = page_of(render_refusal(request_for("/gestao/OAB-A/?q=ana"), A3_REFUSAL))
    back_here = "?next=%2Fgestao%2FOAB-A%2F%3Fq%3Dana"
    assert buttons(page) == [
        (f"{settings.CERT_LOGIN_BASE_URL}/entrar/certificado/{back_here}", "Entrar com certificado digital"),
        (f"/entrar/nuvem/{back_here}", "Entrar com certificado em nuvem"),
        ("/painel/", "Voltar ao painel"),
    ]
    assert 'id="entrar-certificado"' in page and 'class="br-button tertiary" href="/painel/"' in page


def test_a_signed_in_users_refusal_without_the_certificate_login_goes_back_to_the_dashboard() -> None:
    refusal = Refusal("NOT_APPOINTED", "Você não é gestor", "Peça.", back_to_dashboard=True)
    page = page_of(render_refusal(request_for("/gestao/"), refusal))
    assert buttons(page) == [("/painel/", "Voltar ao painel")]
    assert 'class="br-button primary" href="/painel/"' in page


def test_the_refusal_is_logged_with_its_reference_under_the_callers_logger(caplog) -> None:
    user = User.objects.create(username="gestora")
    caplog.set_level(logging.INFO, logger="managers.access")
    response = render_refusal(request_for("/gestao/", user), REFUSAL, logger=logging.getLogger("managers.access"))
    assert [(r.name, r.getMessage()) for r in caplog.records] == [
        (
            "managers.access",
            f"managers: SOMETHING_REFUSED refused to user {user.pk} (reference {response['X-Reference']})",
        )
    ]


def test_without_a_logger_nothing_is_logged(caplog) -> None:
    caplog.set_level(logging.DEBUG)
    render_refusal(request_for("/nada/"), REFUSAL)
    assert not [r for r in caplog.records if r.name.startswith(("portal", "managers"))]
