"""Logins that bring the user back: an anonymous request to a login-required page lands on the home page with
``next``; every login choice there carries it (certificate on the login host and its TLS 1.2 twin, cloud, password);
each login, and the entity choice that may come between, sends the user to a safe ``next`` (else the dashboard);
refusals' "Tentar novamente" keeps it. The rule itself: tests/portal/test_next_url.py; the cloud login's round trip
through the PSC: tests/cloudauth/test_cloud_login_next.py."""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.conf import settings
from django.test import Client

from certauth.icp.builder import PersonSpec
from oidc.models import Client as OidcClient
from tests.conftest import LAWYER, MEMBER_PASSWORD
from tests.pki import escaped
from tests.portal.test_redirect_targets import HOSTILE

GATEWAY = "https://localhost:8446"
AUTHORIZE = "/oidc/authorize/?" + urlencode(
    {
        "client_id": "pat-demo",
        "response_type": "code",
        "scope": "openid profile",
        "redirect_uri": "http://localhost:8450/retorno",
        "state": "abc",
        "code_challenge": "x" * 43,
        "code_challenge_method": "S256",
    }
)
UNSAFE = [
    *HOSTILE,
    "https://localhost:8443.evil.example/",
    "https://localhost:8443@evil.example/",
    "%2F%2Fevil.example",
]

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def origins(settings: Any) -> None:
    settings.PORTAL_NEXT_ORIGINS = [settings.PORTAL_BASE_URL, GATEWAY]


def links(page: str) -> dict[str, str]:
    """The home page's login links by id (HTML entities decoded)."""
    result: dict[str, str] = {}
    for tag in re.findall(r"<a [^>]*>", page):
        ident = re.search(r'id="([^"]+)"', tag)
        href = re.search(r'href="([^"]+)"', tag)
        if ident and href:
            result[ident.group(1)] = html.unescape(href.group(1))
    return result


def next_of(url: str) -> list[str]:
    return parse_qs(urlsplit(url).query).get("next", [])


def sends_to(location: str, path: str, target: str) -> bool:
    """``location`` is ``path`` with ``next=target`` (however the query encodes it)."""
    return location.split("?", 1)[0] == path and next_of(location) == [target]


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# ---------------------------------------------------------------------------------------------- the home page


def test_an_anonymous_request_to_a_member_page_lands_on_the_home_page_with_next(client: Client) -> None:
    response = client.get("/painel/?aba=1", secure=True)
    assert response.status_code == 302
    assert sends_to(response["Location"], "/", "/painel/?aba=1")


def test_the_home_page_hands_next_to_every_login_choice(client: Client) -> None:
    page = client.get("/", {"next": AUTHORIZE}, secure=True).content.decode()
    found = links(page)
    assert found["entrar-certificado"].startswith(settings.CERT_LOGIN_BASE_URL + "/entrar/certificado/?")
    assert next_of(found["entrar-certificado"]) == [AUTHORIZE]
    assert found["entrar-certificado-tls12"].startswith(settings.CERT_LOGIN_TLS12_BASE_URL + "/entrar/certificado/?")
    assert next_of(found["entrar-certificado-tls12"]) == [AUTHORIZE]
    assert found["entrar-nuvem"].startswith("/entrar/nuvem/?") and next_of(found["entrar-nuvem"]) == [AUTHORIZE]
    assert found["entrar-senha"].startswith("/entrar/senha/?") and next_of(found["entrar-senha"]) == [AUTHORIZE]


@pytest.mark.parametrize("target", UNSAFE)
def test_the_home_page_hands_on_no_unsafe_next(client: Client, target: str) -> None:
    page = client.get("/", {"next": target}, secure=True).content.decode()
    found = links(page)
    for ident in ("entrar-certificado", "entrar-certificado-tls12", "entrar-nuvem", "entrar-senha"):
        assert next_of(found[ident]) == [], (ident, found[ident])
    assert "evil.example" not in page and "javascript:" not in page.lower()


def test_a_logged_in_user_goes_straight_to_a_safe_next(login_with: Any, proxy_client: Client, member_factory: Any):
    member_factory()
    assert login_with(LAWYER)["Location"] == settings.CERTAUTH_LOGIN_REDIRECT_URL
    assert proxy_client.get("/", {"next": AUTHORIZE}, secure=True)["Location"] == AUTHORIZE
    assert proxy_client.get("/", {"next": f"{GATEWAY}/x"}, secure=True)["Location"] == f"{GATEWAY}/x"
    assert proxy_client.get("/", {"next": "https://evil.example/"}, secure=True).status_code == 200


def test_an_authorization_request_is_named_by_its_client(client: Client) -> None:
    OidcClient.objects.create(
        client_id="pat-demo",
        name="Portal de Atendimento (demonstração)",
        client_type=OidcClient.CLIENT_CONFIDENTIAL,
        authorization_grant_type=OidcClient.GRANT_AUTHORIZATION_CODE,
        redirect_uris="http://localhost:8450/retorno",
    )
    page = text(client.get("/", {"next": AUTHORIZE}, secure=True))
    assert (
        "O serviço <strong>Portal de Atendimento (demonstração)</strong> pediu a sua identificação: depois de entrar, "
        "você volta a ele." in page
    )


def test_an_authorization_request_of_an_unknown_client_is_told_generically(client: Client) -> None:
    page = text(client.get("/", {"next": AUTHORIZE}, secure=True))
    notice = re.search(r'id="aviso-servico">(.*?)</div> </div>', page)
    assert notice and "Um serviço pediu a sua identificação: depois de entrar, você volta a ele." in notice.group(1)
    assert "pat-demo" not in notice.group(1) and "<strong>" not in notice.group(1)


def test_a_plain_next_is_not_called_a_service(client: Client) -> None:
    page = text(client.get("/", {"next": "/painel/"}, secure=True))
    assert "pediu a sua identificação" not in page


# ---------------------------------------------------------------------------------------------- the password login


@pytest.fixture
def browser() -> Client:
    return Client(HTTP_HOST=settings.PORTAL_HOSTNAME)


def password_post(browser: Client, target: str, **extra: Any) -> Any:
    return browser.post(
        "/entrar/senha/", {"cpf": LAWYER.cpf, "password": MEMBER_PASSWORD, "next": target, **extra}, secure=True
    )


def test_the_password_form_keeps_next(browser: Client) -> None:
    page = browser.get("/entrar/senha/", {"next": AUTHORIZE}, secure=True).content.decode()
    assert f'name="next" value="{html.escape(AUTHORIZE)}"' in page


def test_a_password_login_goes_to_a_safe_next(browser: Client, password_member: Any) -> None:
    password_member(uf="RS")  # RS: no cutover date yet
    assert password_post(browser, AUTHORIZE)["Location"] == AUTHORIZE


def test_a_password_login_goes_to_an_allowed_origin(browser: Client, password_member: Any) -> None:
    password_member(uf="RS")
    assert password_post(browser, f"{GATEWAY}/consulta/")["Location"] == f"{GATEWAY}/consulta/"


@pytest.mark.parametrize("target", UNSAFE)
def test_a_password_login_refuses_an_unsafe_next(browser: Client, password_member: Any, target: str) -> None:
    password_member(uf="RS")
    assert password_post(browser, target)["Location"] == "/painel/"


def test_a_wrong_password_keeps_next_for_the_next_try(browser: Client, password_member: Any) -> None:
    password_member(uf="RS")
    response = password_post(browser, "/cronograma/", password="errada")
    assert response.status_code == 401
    assert 'name="next" value="/cronograma/"' in response.content.decode()


def test_a_password_member_of_two_entities_chooses_then_goes_to_next(
    browser: Client, password_member: Any, entity_factory: Any
) -> None:
    member = password_member(uf="RS")
    other = entity_factory(uf="RS", code="BETA")
    member.memberships.create(entity=other)
    response = password_post(browser, AUTHORIZE)
    assert sends_to(response["Location"], "/entidade/", AUTHORIZE)
    chosen = browser.post(response["Location"], {"entity": other.pk}, secure=True)
    assert chosen["Location"] == AUTHORIZE


# ---------------------------------------------------------------------------------------------- the certificate login


def test_a_certificate_login_goes_back_to_a_portal_path(login_with: Any, member_factory: Any) -> None:
    member_factory()
    response = login_with(LAWYER, data={"next": AUTHORIZE})
    assert response["Location"] == settings.PORTAL_BASE_URL + AUTHORIZE


def test_a_certificate_login_goes_to_an_allowed_origin(login_with: Any, member_factory: Any) -> None:
    member_factory()
    assert login_with(LAWYER, data={"next": f"{GATEWAY}/consulta/"})["Location"] == f"{GATEWAY}/consulta/"


@pytest.mark.parametrize("target", UNSAFE)
def test_a_certificate_login_refuses_an_unsafe_next(login_with: Any, member_factory: Any, target: str) -> None:
    member_factory()
    assert login_with(LAWYER, data={"next": target})["Location"] == settings.CERTAUTH_LOGIN_REDIRECT_URL


def test_a_certificate_member_of_two_entities_chooses_on_the_portal_then_goes_to_next(
    proxy_client: Client, login_with: Any, member_factory: Any, entity_factory: Any
) -> None:
    member = member_factory(entity=entity_factory(code="ALFA"))
    beta = entity_factory(code="BETA")
    member.memberships.create(entity=beta)
    response = login_with(LAWYER, data={"next": AUTHORIZE})
    assert sends_to(response["Location"], settings.PORTAL_BASE_URL + "/entidade/", AUTHORIZE)
    chosen = proxy_client.post("/entidade/", {"entity": beta.pk, "next": AUTHORIZE}, secure=True)
    assert chosen["Location"] == AUTHORIZE


def test_a_refused_certificate_login_retries_with_next(login_with: Any, db: None) -> None:
    refused = login_with(PersonSpec("FULANO SEM CADASTRO", "11144477735"), data={"next": AUTHORIZE})
    assert refused.status_code == 403, refused.status_code
    retry = re.search(r'href="([^"]+)"><i class="fas fa-redo"', refused.content.decode())
    assert retry, "no Tentar novamente"
    url = html.unescape(retry.group(1))
    assert urlsplit(url).path == "/entrar/certificado/" and next_of(url) == [AUTHORIZE]


def test_a_refused_certificate_login_retries_without_an_unsafe_next(login_with: Any, db: None) -> None:
    refused = login_with(PersonSpec("FULANO SEM CADASTRO", "11144477735"), data={"next": "//evil.example/"})
    assert "evil.example" not in refused.content.decode()


# ---------------------------------------------------------------------------------------------- the entity choice


@pytest.fixture
def member_of_two(proxy_client: Client, login_with: Any, member_factory: Any, entity_factory: Any) -> Any:
    member = member_factory(entity=entity_factory(code="ALFA", name="Alfa"))
    member.memberships.create(entity=entity_factory(code="BETA", name="Beta"))
    assert login_with(LAWYER).status_code == 302
    return member.entities.get(code="ALFA")


def test_the_entity_choice_keeps_a_next_of_an_allowed_origin(proxy_client: Client, member_of_two: Any) -> None:
    target = f"{GATEWAY}/consulta/?id=1"
    page = proxy_client.get("/entidade/", {"next": target}, secure=True).content.decode()
    assert f'name="next" value="{html.escape(target)}"' in page
    chosen = proxy_client.post("/entidade/", {"entity": member_of_two.pk, "next": target}, secure=True)
    assert chosen["Location"] == target


def test_a_member_page_sends_to_the_choice_with_its_whole_address(proxy_client: Client, member_of_two: Any) -> None:
    response = proxy_client.get("/painel/?aba=1", secure=True)
    assert sends_to(response["Location"], "/entidade/", "/painel/?aba=1")


# ---------------------------------------------------------------------------------------------- the round trip


def test_anonymous_to_certificate_login_and_back(proxy_client: Client, pki: Any, member_factory: Any) -> None:
    member_factory()
    to_home = proxy_client.get("/painel/?aba=1", secure=True)
    home = proxy_client.get(to_home["Location"], secure=True).content.decode()
    certificate_link = urlsplit(links(home)["entrar-certificado"])
    issued = pki.issue(LAWYER)
    logged_in = proxy_client.get(
        f"{certificate_link.path}?{certificate_link.query}",
        HTTP_X_SSL_CLIENT_CERT=escaped(issued.certificate),
        secure=True,
    )
    assert logged_in["Location"] == settings.PORTAL_BASE_URL + "/painel/?aba=1"
    assert proxy_client.get("/painel/?aba=1", secure=True).status_code == 200


def test_anonymous_to_password_login_and_back(browser: Client, password_member: Any) -> None:
    password_member(uf="RS")
    to_home = browser.get("/painel/?aba=1", secure=True)
    home = browser.get(to_home["Location"], secure=True).content.decode()
    form_url = links(home)["entrar-senha"]
    form = browser.get(form_url, secure=True).content.decode()
    hidden = html.unescape(re.search(r'name="next" value="([^"]*)"', form).group(1))  # type: ignore[union-attr]
    response = password_post(browser, hidden)
    assert response["Location"] == "/painel/?aba=1"
    assert browser.get(response["Location"], secure=True).status_code == 200
