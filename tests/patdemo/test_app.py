"""The stand-in's pages and its OpenID Connect client, with the provider's answers given (the browser test and the
end-to-end test drive it against the real portal): the authorization request, the callback (Authlib checks the ID
token against the JWKS), what the signed-in page shows, the back-channel logout and "Sair"."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from authlib.oidc.core import UserInfo

from patdemo.presentation import BRASILIA
from patdemo.sessions import COOKIE_NAME
from tests.patdemo.conftest import BASE_URL, CLIENT_ID, CPF, ISSUER, new_key, sign

CLAIMS: dict[str, Any] = {
    "sub": CPF,
    "name": "Maria da Silva",
    "email": "maria@exemplo.org.br",
    "amr": ["x509", "x509_token"],
    "acr": "urn:inss:a3:acr:a3",
    "auth_time": 1_767_268_800,  # 2026-01-01 12:00:00 UTC = 09:00:00 in Brasília
    "sid": "sid-da-sessao",
}
USERINFO: dict[str, Any] = {
    **CLAIMS,
    "entity": {"code": "OAB-SP", "name": "OAB Seção São Paulo", "kind": "oab", "uf": "SP"},
    "entities": [
        {"code": "OAB-SP", "name": "OAB Seção São Paulo", "kind": "oab", "uf": "SP"},
        {"code": "SIND-1", "name": "Sindicato dos Aposentados", "kind": "sindicato", "uf": "RJ"},
    ],
    "oab": [{"number": "123456", "uf": "SP"}],
    "certificate": {
        "type": "A3",
        "serial": "0A1B2C",
        "issuer": "CN=AC Teste OAB,OU=AC Teste Nivel 1,O=ICP-Brasil,C=BR",
        "not_after": "2027-01-01T00:00:00Z",
    },
}


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def start_login(client: Any) -> dict[str, str]:
    response = client.get("/entrar")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{ISSUER}/oidc/authorize/"
    return {k: v[0] for k, v in parse_qs(location.query).items()}


@pytest.fixture
def provider(app, signing_key, monkeypatch):
    """The token and userinfo endpoints' answers; what the stand-in sent to the token endpoint is recorded."""
    portal = app.extensions["patdemo.portal"]
    sent: dict[str, Any] = {}
    answer: dict[str, Any] = {"id_claims": dict(CLAIMS), "userinfo": dict(USERINFO), "key": signing_key}

    def fetch_access_token(**params: Any) -> dict[str, Any]:
        sent.update(params)
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": CLIENT_ID, "iat": now, "exp": now + 300, **answer["id_claims"]}
        claims.setdefault("nonce", answer.get("nonce"))
        claims = {k: v for k, v in claims.items() if v is not None}
        return {
            "access_token": "token-de-acesso",
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": sign(answer["key"], claims, typ="JWT"),
        }

    monkeypatch.setattr(portal, "fetch_access_token", fetch_access_token)
    monkeypatch.setattr(portal, "userinfo", lambda **kwargs: UserInfo(answer["userinfo"]))
    return {"sent": sent, "answer": answer}


def sign_in(client: Any, provider: dict[str, Any], **callback: str) -> Any:
    request = start_login(client)
    provider["answer"].setdefault("nonce", request["nonce"])
    query = {"code": "codigo-1", "state": request["state"], "iss": ISSUER, **callback}
    return client.get("/retorno", query_string={k: v for k, v in query.items() if v})


# ---------------------------------------------------------------------------------------------- the request


def test_the_authorization_request_is_a_code_flow_with_pkce_s256_state_and_nonce(client):
    request = start_login(client)
    assert request["response_type"] == "code"
    assert request["client_id"] == CLIENT_ID
    assert request["redirect_uri"] == f"{BASE_URL}/retorno"
    assert request["scope"].split() == ["openid", "profile", "email", "entidade", "certificado"]
    assert request["code_challenge_method"] == "S256"
    assert len(request["code_challenge"]) == 43
    assert len(request["state"]) >= 20 and len(request["nonce"]) >= 20
    assert start_login(client)["state"] != request["state"]


def test_the_cookie_holds_only_a_random_id_http_only_and_lax(client):
    client.get("/entrar")
    cookie = client.get_cookie(COOKIE_NAME)
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    assert len(cookie.value) >= 40 and "." not in cookie.value  # not a signed payload: an id


# ---------------------------------------------------------------------------------------------- the callback


def test_a_login_shows_what_the_pat_learned(client, provider):
    response = sign_in(client, provider)
    assert (response.status_code, response.headers["Location"]) == (303, "/")
    # PKCE: the verifier sent to the token endpoint is the one the challenge was made from.
    verifier = provider["sent"]["code_verifier"]
    assert provider["sent"]["code"] == "codigo-1"
    assert provider["sent"]["redirect_uri"] == f"{BASE_URL}/retorno"

    page = client.get("/")
    body = text(page)
    assert page.status_code == 200
    assert '<h1 id="nome">Maria da Silva</h1>' in body
    assert '<dd id="cpf">***.456.789-**</dd>' in body and CPF not in body
    assert '<dd id="metodo">Certificado A3 em token/cartão</dd>' in body
    assert '<dd id="garantia">Certificado ICP-Brasil A3</dd>' in body
    assert '<dd id="login-em">01/01/2026 09:00:00</dd>' in body
    assert '<dd id="entidade">OAB Seção São Paulo (OAB-SP · Seccional da OAB · SP)</dd>' in body
    assert "<li>Sindicato dos Aposentados (SIND-1 · sindicato · RJ)</li>" in body
    assert '<dd id="oab">123456/SP</dd>' in body
    assert '<dd id="certificado-tipo">A3</dd>' in body and '<dd id="certificado-serie">0A1B2C</dd>' in body
    assert '<dd id="certificado-emissor">AC Teste OAB</dd>' in body
    assert '<dd id="certificado-validade">31/12/2026 21:00:00</dd>' in body
    assert 'id="senha-ate"' not in body
    assert f'<meta http-equiv="refresh" content="{3}">' in body
    assert base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")


def test_the_pkce_verifier_matches_the_challenge(client, provider):
    request = start_login(client)
    provider["answer"]["nonce"] = request["nonce"]
    client.get("/retorno", query_string={"code": "c", "state": request["state"], "iss": ISSUER})
    verifier = provider["sent"]["code_verifier"].encode()
    assert (
        base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").decode() == (request["code_challenge"])
    )


def test_the_session_id_changes_at_login(client, provider):
    client.get("/entrar")
    before = client.get_cookie(COOKIE_NAME).value
    client.get("/")  # the same id until the login
    assert client.get_cookie(COOKIE_NAME).value == before
    sign_in(client, provider)
    assert client.get_cookie(COOKIE_NAME).value != before


@pytest.mark.parametrize(
    ("amr", "acr", "method", "assurance"),
    [
        (["x509", "x509_vidaas"], "urn:inss:a3:acr:a3", "Certificado em nuvem (VIDaaS)", "Certificado ICP-Brasil A3"),
        (["x509", "x509_token"], "urn:inss:a3:acr:a4", "Certificado A3 em token/cartão", "Certificado ICP-Brasil A4"),
        (["passwd"], "urn:inss:a3:acr:senha", "Login e senha", "Login e senha (acesso legado, até a data da entidade)"),
    ],
)
def test_the_method_and_assurance_in_words(client, provider, amr, acr, method, assurance):
    provider["answer"]["id_claims"].update(amr=amr, acr=acr)
    sign_in(client, provider)
    body = text(client.get("/"))
    assert f'<dd id="metodo">{method}</dd>' in body
    assert f'<dd id="garantia">{assurance}</dd>' in body


def test_a_password_session_says_when_password_access_ends_in_brasilia_time(client, provider):
    provider["answer"]["id_claims"].update(amr=["passwd"], acr="urn:inss:a3:acr:senha")
    provider["answer"]["userinfo"].update(password_access_until="2026-06-30T03:00:00+00:00")
    provider["answer"]["userinfo"].pop("certificate")
    sign_in(client, provider)
    assert '<dd id="senha-ate">30/06/2026 00:00:00</dd>' in text(client.get("/"))


def test_a_password_session_without_a_date_says_so(client, provider):
    provider["answer"]["userinfo"].update(password_access_until=None)
    sign_in(client, provider)
    assert '<dd id="senha-ate">Sem data definida ainda' in text(client.get("/"))


def test_a_wrong_nonce_is_refused_by_the_id_token_check(client, provider):
    provider["answer"]["nonce"] = "outro-nonce"
    response = sign_in(client, provider)
    assert response.status_code == 400
    assert "Não foi possível entrar" in text(response)
    assert 'id="nome"' not in text(client.get("/"))


def test_an_id_token_signed_by_another_key_is_refused(client, provider):
    provider["answer"]["key"] = new_key("chave-1")  # the same kid, not the provider's key
    assert sign_in(client, provider).status_code == 400
    assert 'id="nome"' not in text(client.get("/"))


def test_an_id_token_for_another_client_is_refused(client, provider):
    provider["answer"]["id_claims"]["aud"] = "outro-cliente"
    response = sign_in(client, provider)
    assert response.status_code == 400
    assert 'id="nome"' not in text(client.get("/"))


def test_an_unknown_state_is_refused(client, provider):
    start_login(client)
    response = client.get("/retorno", query_string={"code": "c", "state": "estado-forjado", "iss": ISSUER})
    assert response.status_code == 400
    assert provider["sent"] == {}  # no code was exchanged


def test_a_response_from_another_issuer_is_refused(client, provider):
    """RFC 9207 (the portal sends ``iss``): a response naming another issuer is a mix-up."""
    response = sign_in(client, provider, iss="https://outro-provedor.teste")
    assert response.status_code == 400
    assert provider["sent"] == {}


def test_an_error_from_the_portal_is_shown_with_its_code(client, provider):
    request = start_login(client)
    response = client.get("/retorno", query_string={"error": "access_denied", "state": request["state"]})
    assert response.status_code == 400
    assert '<code id="codigo">access_denied</code>' in text(response)


def test_userinfo_for_another_person_is_refused(client, provider):
    provider["answer"]["userinfo"]["sub"] = "98765432100"
    response = sign_in(client, provider)
    assert response.status_code == 400
    assert 'id="nome"' not in text(client.get("/"))


# ---------------------------------------------------------------------------------------------- back-channel logout


def test_a_back_channel_logout_ends_the_session_and_the_page_says_when(client, provider, logout_token):
    sign_in(client, provider)
    before = dt.datetime.now(BRASILIA).replace(microsecond=0)
    response = client.post("/backchannel-logout", data={"logout_token": logout_token(sid="sid-da-sessao")})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"

    body = text(client.get("/"))
    found = re.search(
        r"Sua sessão foi encerrada pelo Portal de Acesso A3 em <time id=\"encerrada-em\">([^<]+)</time>", body
    )
    assert found, body
    shown = dt.datetime.strptime(found.group(1), "%d/%m/%Y %H:%M:%S").replace(tzinfo=BRASILIA)
    assert before <= shown <= dt.datetime.now(BRASILIA)
    assert "Maria da Silva" not in body and 'id="entrar"' in body
    assert 'http-equiv="refresh"' not in body  # the end is shown; nothing more to watch


def test_a_back_channel_logout_for_another_sid_leaves_the_session(client, provider, logout_token):
    sign_in(client, provider)
    assert client.post("/backchannel-logout", data={"logout_token": logout_token(sid="outra")}).status_code == 200
    assert '<h1 id="nome">Maria da Silva</h1>' in text(client.get("/"))


def test_a_bad_logout_token_is_answered_400_and_ends_nothing(client, provider, logout_token):
    sign_in(client, provider)
    for token in (logout_token(aud="outro-cliente"), logout_token(nonce="n"), "nao-e-um-jwt", ""):
        response = client.post("/backchannel-logout", data={"logout_token": token})
        assert response.status_code == 400, token
    assert '<h1 id="nome">Maria da Silva</h1>' in text(client.get("/"))


def test_a_new_login_after_the_end_is_a_fresh_session(client, provider, logout_token):
    sign_in(client, provider)
    client.post("/backchannel-logout", data={"logout_token": logout_token(sid="sid-da-sessao")})
    provider["answer"]["id_claims"]["sid"] = "sid-nova"
    provider["answer"].pop("nonce")
    sign_in(client, provider)
    body = text(client.get("/"))
    assert '<h1 id="nome">Maria da Silva</h1>' in body and "foi encerrada" not in body


# ---------------------------------------------------------------------------------------------- Sair


def test_sair_forgets_the_session_and_goes_to_the_portals_end_session(client, provider):
    sign_in(client, provider)
    page = client.get("/").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    response = client.post("/sair", data={"csrf": csrf})
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{ISSUER}/oidc/logout/"
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert query["post_logout_redirect_uri"] == f"{BASE_URL}/"
    assert query["client_id"] == CLIENT_ID
    assert query["id_token_hint"].count(".") == 2
    assert client.get_cookie(COOKIE_NAME) is None
    assert 'id="entrar"' in text(client.get("/"))


def test_sair_without_the_form_token_is_refused(client, provider):
    sign_in(client, provider)
    assert client.post("/sair", data={"csrf": "errado"}).status_code == 400
    assert '<h1 id="nome">Maria da Silva</h1>' in text(client.get("/"))


# ---------------------------------------------------------------------------------------------- the pages


def test_pages_are_portuguese_under_a_strict_csp_without_inline_script_or_style(client, provider):
    home = client.get("/")
    assert home.status_code == 200 and 'lang="pt-BR"' in text(home) and ">Entrar</a>" in text(home)
    csp = home.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "style-src 'self'" in csp and f"form-action 'self' {ISSUER}" in csp
    sign_in(client, provider)
    for response in (client.get("/"), client.get("/nao-existe")):
        body = response.get_data(as_text=True)
        assert "<script" not in body and "style=" not in body and "<style" not in body
    assert "Página não encontrada" in text(client.get("/nao-existe"))
    assert client.get("/static/patdemo.css").status_code == 200


def test_the_portal_unreachable_is_a_page_not_a_traceback(client, app):
    app.extensions["patdemo.portal"].server_metadata.clear()
    app.extensions["patdemo.portal"]._server_metadata_url = "https://127.0.0.1:9/.well-known/openid-configuration"
    response = client.get("/entrar")
    assert response.status_code == 503
    assert "Portal de Acesso A3 indisponível" in text(response)


def test_the_gateways_legacy_page_is_mounted_and_refuses_a_request_without_the_gateway(client):
    response = client.get("/legado/")
    assert response.status_code == 403
    assert "acesso recusado" in text(response)


def test_the_configured_ca_wins_over_a_ca_bundle_in_the_environment(settings_, signing_key, monkeypatch, tmp_path):
    """requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE (set on many machines and CI) override a session's own
    ``verify``: the portal's demo certificate would then fail to verify (found in the browser test)."""
    import dataclasses

    from patdemo.app import create_app

    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    monkeypatch.setenv("CURL_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    ca_file = str(tmp_path / "ac-tls-demo.pem")
    portal = create_app(dataclasses.replace(settings_, ca_file=ca_file)).extensions["patdemo.portal"]
    url = f"{ISSUER}/.well-known/openid-configuration"
    for session in (portal._get_session(), portal._get_oauth_client()):
        assert session.merge_environment_settings(url, {}, None, None, None)["verify"] == ca_file
