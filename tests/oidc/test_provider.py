"""The authorization code flow at the provider, through the portal's own middleware (Django's test client): codes
only for member sessions, the claims of each login method, PKCE S256 only, refresh deciding access again."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from django.test import Client as WebClient
from jwcrypto import jwk, jwt

from oidc.models import Client, LogoutDelivery, SessionClient
from portal import session_keys
from tests.conftest import LAWYER
from tests.oidc.conftest import RP_REDIRECT as REDIRECT
from tests.oidc.conftest import RP_SECRET as SECRET

VERIFIER = "v" * 64


def authorize(browser: WebClient, *, client_id: str = "pat-teste", **extra: str) -> Any:
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "scope": "openid profile email entidade certificado",
        "state": "estado-1",
        "nonce": "nonce-1",
        "code_challenge": create_s256_code_challenge(VERIFIER),
        "code_challenge_method": "S256",
        **extra,
    }
    return browser.get(f"/oidc/authorize/?{urlencode(query)}", secure=True)


def code_of(response: Any) -> str:
    assert response.status_code == 302, response.content[:500]
    params = parse_qs(urlparse(response["Location"]).query)
    assert params["state"] == ["estado-1"]
    return params["code"][0]


def exchange(code: str, *, verifier: str = VERIFIER) -> Any:
    basic = base64.b64encode(f"pat-teste:{SECRET}".encode()).decode()
    return WebClient().post(
        "/oidc/token/",
        {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": verifier},
        HTTP_AUTHORIZATION=f"Basic {basic}",
        secure=True,
    )


def id_token_claims(token: str) -> dict[str, Any]:
    keys = json.loads(WebClient().get("/oidc/jwks/", secure=True).content)
    keyset = jwk.JWKSet.from_json(json.dumps(keys))
    return dict(json.loads(jwt.JWT(jwt=token, key=keyset).claims))


def test_anonymous_authorization_request_shows_the_login_choices_and_comes_back(rp: Client) -> None:
    response = authorize(WebClient())
    assert response.status_code == 302
    location = urlparse(response["Location"])
    assert location.path == "/"
    assert parse_qs(location.query)["next"][0].startswith("/oidc/authorize/?")


def test_certificate_login_gets_a_code_and_an_id_token_with_the_portals_claims(
    rp: Client, login_with: Callable[..., Any], member_factory: Callable[..., Any], proxy_client: WebClient
) -> None:
    member = member_factory(LAWYER.cpf, name="Maria da Silva", oab="123456SP")  # the certificate says 0123456/SP
    member.email = "maria@example.org"
    member.save()
    login_with(LAWYER)
    tokens = exchange(code_of(authorize(proxy_client)))
    assert tokens.status_code == 200, tokens.content
    body = json.loads(tokens.content)
    assert body["expires_in"] <= 300
    claims = id_token_claims(body["id_token"])
    assert claims["sub"] == LAWYER.cpf
    assert claims["nonce"] == "nonce-1"
    assert claims["amr"] == ["x509", "x509_token"]
    assert claims["acr"] == "urn:inss:a3:acr:a3"
    assert claims["name"] == "Maria da Silva"
    assert claims["email"] == "maria@example.org"
    assert claims["entity"]["code"] == member.entities.get().code
    assert claims["oab"] == [{"number": "123456", "uf": "SP"}]
    assert claims["certificate"]["type"] == "A3"
    link = SessionClient.objects.get()
    assert claims["sid"] == link.sid
    assert claims["auth_time"] == int(proxy_client.session[session_keys.LOGGED_IN_AT])
    userinfo = WebClient().get("/oidc/userinfo/", HTTP_AUTHORIZATION=f"Bearer {body['access_token']}", secure=True)
    assert json.loads(userinfo.content)["sub"] == LAWYER.cpf


def test_a_code_is_refused_without_pkce_or_with_plain(
    rp: Client, login_with: Callable[..., Any], member_factory: Callable[..., Any], proxy_client: WebClient
) -> None:
    member_factory(LAWYER.cpf)
    login_with(LAWYER)
    for extra in (
        {"code_challenge": "", "code_challenge_method": ""},
        {"code_challenge": VERIFIER, "code_challenge_method": "plain"},
    ):
        response = authorize(proxy_client, **extra)
        assert "code=" not in response.get("Location", ""), extra


def test_logout_revokes_the_tokens_and_owes_the_client_a_logout(
    rp: Client, login_with: Callable[..., Any], member_factory: Callable[..., Any], proxy_client: WebClient
) -> None:
    member_factory(LAWYER.cpf)
    login_with(LAWYER)
    body = json.loads(exchange(code_of(authorize(proxy_client))).content)
    proxy_client.post("/sair/", secure=True)
    assert SessionClient.objects.get().ended_at is not None
    assert LogoutDelivery.objects.count() == 1
    basic = base64.b64encode(f"pat-teste:{SECRET}".encode()).decode()
    refreshed = WebClient().post(
        "/oidc/token/",
        {"grant_type": "refresh_token", "refresh_token": body["refresh_token"]},
        HTTP_AUTHORIZATION=f"Basic {basic}",
        secure=True,
    )
    assert refreshed.status_code == 400


def refresh(token: str) -> Any:
    basic = base64.b64encode(f"pat-teste:{SECRET}".encode()).decode()
    return WebClient().post(
        "/oidc/token/",
        {"grant_type": "refresh_token", "refresh_token": token},
        HTTP_AUTHORIZATION=f"Basic {basic}",
        secure=True,
    )


def test_a_refresh_decides_access_again_and_fails_once_the_member_is_deactivated(
    rp: Client, login_with: Callable[..., Any], member_factory: Callable[..., Any], proxy_client: WebClient
) -> None:
    member = member_factory(LAWYER.cpf)
    login_with(LAWYER)
    body = json.loads(exchange(code_of(authorize(proxy_client))).content)
    renewed = refresh(body["refresh_token"])
    assert renewed.status_code == 200, renewed.content
    member.refresh_from_db()  # the login linked the account
    member.active = False
    member.save()
    refused = refresh(json.loads(renewed.content)["refresh_token"])
    assert refused.status_code == 400
    assert SessionClient.objects.get().end_reason == "MEMBER_INACTIVE"
    assert LogoutDelivery.objects.count() == 1


def test_a_replayed_code_is_refused(
    rp: Client, login_with: Callable[..., Any], member_factory: Callable[..., Any], proxy_client: WebClient
) -> None:
    member_factory(LAWYER.cpf)
    login_with(LAWYER)
    code = code_of(authorize(proxy_client))
    assert exchange(code).status_code == 200
    assert exchange(code).status_code == 400


def test_a_wrong_verifier_or_redirect_uri_gets_no_token(
    rp: Client, login_with: Callable[..., Any], member_factory: Callable[..., Any], proxy_client: WebClient
) -> None:
    member_factory(LAWYER.cpf)
    login_with(LAWYER)
    assert exchange(code_of(authorize(proxy_client)), verifier="w" * 64).status_code == 400
    response = authorize(proxy_client, redirect_uri="https://pat.example/outro")
    assert "code=" not in response.get("Location", "")


def test_client_secrets_are_stored_with_the_fast_salted_hash_and_passwords_never_are(rp: Client) -> None:
    from django.contrib.auth.hashers import check_password, make_password

    assert rp.client_secret.startswith("client_secret_sha256$1$")
    assert check_password(SECRET, rp.client_secret)
    assert not make_password("uma senha de pessoa").startswith("client_secret_sha256$")


def test_a_refresh_loses_the_scopes_staff_withdrew_from_the_client(
    rp: Client, login_with: Callable[..., Any], member_factory: Callable[..., Any], proxy_client: WebClient
) -> None:
    member_factory(LAWYER.cpf)
    login_with(LAWYER)
    body = json.loads(exchange(code_of(authorize(proxy_client))).content)
    rp.allowed_scopes = "openid profile"
    rp.save()
    renewed = json.loads(refresh(body["refresh_token"]).content)
    assert set(renewed["scope"].split()) == {"openid", "profile"}
    assert "certificate" not in id_token_claims(renewed["id_token"])
