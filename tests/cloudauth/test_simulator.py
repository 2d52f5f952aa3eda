"""The PSC simulator (cloudauth.simulator): a loopback server speaking DOC-ICP-17.01's API v0, driven with urllib."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

from certauth.icp.builder import Issued, PersonSpec
from cloudauth.simulator import Account, Behaviour, PscSimulator
from tests.pki import TestPki

CPF = "52601815906"
OTHER_CPF = "50752917080"
CLIENT_ID = "portal-a3-inss"
CLIENT_SECRET = "segredo-de-teste"
REDIRECT_URI = "https://portal.example/entrar/nuvem/retorno/"
SHA256_OID = "2.16.840.1.101.3.4.2.1"


# ---- a small urllib client ------------------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect())


@dataclass
class Reply:
    status: int
    headers: Message
    body: bytes

    def json(self) -> Any:
        assert self.headers.get_content_type() == "application/json", self.headers
        return json.loads(self.body)

    @property
    def location(self) -> str:
        return self.headers["Location"]

    def location_query(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(self.location).query).items()}


def call(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 5,
) -> Reply:
    request = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))  # noqa: S310
    try:
        with _opener.open(request, timeout=timeout) as response:
            return Reply(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        with error:
            return Reply(error.code, error.headers, error.read())


def post_json(url: str, payload: Any, **kwargs: Any) -> Reply:
    headers = {"Content-Type": "application/json", **kwargs.pop("headers", {})}
    return call("POST", url, body=json.dumps(payload).encode(), headers=headers, **kwargs)


def post_form(url: str, fields: Mapping[str, str], **kwargs: Any) -> Reply:
    headers = {"Content-Type": "application/x-www-form-urlencoded", **kwargs.pop("headers", {})}
    return call("POST", url, body=urlencode(fields).encode(), headers=headers, **kwargs)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# ---- OAuth helpers --------------------------------------------------------------------------------------------------


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_params(challenge: str, **overrides: str | None) -> dict[str, str]:
    params: dict[str, str | None] = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "state": "estado-123",
        "scope": "single_signature",
        "lifetime": "300",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "login_hint": CPF,
        **overrides,
    }
    return {k: v for k, v in params.items() if v is not None}


def authorize(simulator: PscSimulator, challenge: str, **overrides: str | None) -> Reply:
    return call("GET", f"{simulator.oauth_url}/authorize?{urlencode(authorize_params(challenge, **overrides))}")


def token_fields(code: str, verifier: str, **overrides: str) -> dict[str, str]:
    return {
        "grant_type": "authorization_code",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "code": code,
        "code_verifier": verifier,
        "redirect_uri": REDIRECT_URI,
        **overrides,
    }


def exchange(simulator: PscSimulator, code: str, verifier: str, **overrides: str) -> Reply:
    return post_form(f"{simulator.oauth_url}/token", token_fields(code, verifier, **overrides))


def login(simulator: PscSimulator, scope: str = "single_signature") -> str:
    """Authorize and exchange the code; return the access token."""
    verifier, challenge = pkce_pair()
    reply = authorize(simulator, challenge, scope=scope)
    assert reply.status == 302, reply.body
    token = exchange(simulator, reply.location_query()["code"], verifier)
    assert token.status == 200, token.body
    access_token: str = token.json()["access_token"]
    return access_token


def hash_item(digest: bytes, encoding: str = "base64", **overrides: Any) -> dict[str, Any]:
    value = digest.hex() if encoding == "hex" else base64.b64encode(digest).decode()
    return {
        "id": "nonce-1",
        "alias": "Login no Portal A3 (não é assinatura de documento)",
        "hash": value,
        "hash_algorithm": SHA256_OID,
        "signature_format": "RAW",
        **overrides,
    }


def sign(simulator: PscSimulator, token: str, items: list[dict[str, Any]], alias: str = "cert-a3-nuvem") -> Reply:
    return post_json(
        f"{simulator.oauth_url}/signature", {"certificate_alias": alias, "hashes": items}, headers=bearer(token)
    )


def verifies(public_key: Any, signature: bytes, digest: bytes) -> bool:
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))
        else:
            public_key.verify(signature, digest, ec.ECDSA(Prehashed(hashes.SHA256())))
    except InvalidSignature:
        return False
    return True


# ---- fixtures -------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def maria(pki: TestPki) -> Issued:
    return pki.issue(PersonSpec("MARIA DA SILVA", CPF, oab="0123456SP"))


@pytest.fixture
def simulator(maria: Issued) -> Iterator[PscSimulator]:
    with PscSimulator([Account(CPF, maria.certificate, maria.key)]) as running:
        yield running


# ---- user-discovery -------------------------------------------------------------------------------------------------


def discover(simulator: PscSimulator, cpf: str = CPF, secret: str = CLIENT_SECRET, timeout: float = 5) -> Reply:
    payload = {"client_id": CLIENT_ID, "client_secret": secret, "user_cpf_cnpj": "CPF", "val_cpf_cnpj": cpf}
    return post_json(f"{simulator.oauth_url}/user-discovery", payload, timeout=timeout)


def test_user_discovery_answers_s_with_the_slots_of_a_known_cpf(simulator: PscSimulator) -> None:
    reply = discover(simulator)
    assert reply.status == 200
    assert reply.json() == {"status": "S", "slots": [{"slot_alias": "cert-a3-nuvem", "label": "e-CPF A3 em nuvem"}]}


def test_user_discovery_answers_n_for_an_unknown_cpf(simulator: PscSimulator) -> None:
    reply = discover(simulator, cpf=OTHER_CPF)
    assert (reply.status, reply.json()) == (200, {"status": "N"})


def test_user_discovery_refuses_a_wrong_client_secret(simulator: PscSimulator) -> None:
    reply = discover(simulator, secret="errado")
    assert (reply.status, reply.json()["error"]) == (401, "invalid_client")


def test_user_discovery_status_can_be_forced(simulator: PscSimulator) -> None:
    simulator.behaviour.discovery_status = "N"
    assert discover(simulator).json() == {"status": "N"}
    simulator.behaviour.discovery_status = "S"
    assert discover(simulator, cpf=OTHER_CPF).json() == {"status": "S", "slots": []}


def test_user_discovery_lists_every_slot_of_a_cpf(simulator: PscSimulator, pki: TestPki) -> None:
    second = pki.issue(PersonSpec("MARIA DA SILVA", CPF))
    simulator.add_account(Account(CPF, second.certificate, second.key, alias="outro", label="e-CPF A3 antigo"))
    assert [slot["slot_alias"] for slot in discover(simulator).json()["slots"]] == ["cert-a3-nuvem", "outro"]


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[1, 2]", b'{"client_id": 1}', b"[" * 100_000, '{"x": "\xff"}'.encode("latin-1")],
    ids=["broken", "array", "wrong-types", "deeply-nested", "not-utf8"],
)
def test_malformed_json_gets_a_json_error_not_a_server_error(simulator: PscSimulator, body: bytes) -> None:
    reply = call(
        "POST", f"{simulator.oauth_url}/user-discovery", body=body, headers={"Content-Type": "application/json"}
    )
    assert reply.status in (400, 401)
    assert reply.json()["error"] in ("invalid_request", "invalid_client")


def test_user_discovery_refuses_missing_fields(simulator: PscSimulator) -> None:
    reply = post_json(f"{simulator.oauth_url}/user-discovery", {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET})
    assert (reply.status, reply.json()["error"]) == (400, "invalid_request")


# ---- authorize and token --------------------------------------------------------------------------------------------


def test_authorize_redirects_with_a_code_that_the_token_endpoint_exchanges_with_pkce(simulator: PscSimulator) -> None:
    verifier, challenge = pkce_pair()
    reply = authorize(simulator, challenge)
    assert reply.status == 302
    assert reply.location.startswith(REDIRECT_URI + "?")
    query = reply.location_query()
    assert query["state"] == "estado-123"

    token = exchange(simulator, query["code"], verifier)

    assert token.status == 200
    body = token.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 300
    assert body["scope"] == "single_signature"
    assert body["authorized_identification_type"] == "CPF"
    assert body["authorized_identification"] == CPF
    assert body["access_token"]
    assert simulator.requests_to("token")[0].form()["code_verifier"] == verifier


def test_token_refuses_a_wrong_code_verifier_and_burns_the_code(simulator: PscSimulator) -> None:
    verifier, challenge = pkce_pair()
    code = authorize(simulator, challenge).location_query()["code"]
    wrong, _ = pkce_pair()
    assert (exchange(simulator, code, wrong).status, exchange(simulator, code, wrong).json()["error"]) == (
        400,
        "invalid_grant",
    )
    assert exchange(simulator, code, verifier).json()["error"] == "invalid_grant"


def test_token_refuses_a_code_exchanged_twice(simulator: PscSimulator) -> None:
    verifier, challenge = pkce_pair()
    code = authorize(simulator, challenge).location_query()["code"]
    assert exchange(simulator, code, verifier).status == 200
    replay = exchange(simulator, code, verifier)
    assert (replay.status, replay.json()["error"]) == (400, "invalid_grant")


def test_token_refuses_an_expired_code(simulator: PscSimulator) -> None:
    simulator.behaviour.code_lifetime = 0
    verifier, challenge = pkce_pair()
    code = authorize(simulator, challenge).location_query()["code"]
    reply = exchange(simulator, code, verifier)
    assert (reply.status, reply.json()["error"]) == (400, "invalid_grant")


def test_token_refuses_a_wrong_client_secret(simulator: PscSimulator) -> None:
    verifier, challenge = pkce_pair()
    code = authorize(simulator, challenge).location_query()["code"]
    reply = exchange(simulator, code, verifier, client_secret="errado")
    assert (reply.status, reply.json()["error"]) == (401, "invalid_client")


def test_token_refuses_another_redirect_uri(simulator: PscSimulator) -> None:
    verifier, challenge = pkce_pair()
    code = authorize(simulator, challenge).location_query()["code"]
    reply = exchange(simulator, code, verifier, redirect_uri="https://outro.example/retorno/")
    assert (reply.status, reply.json()["error"]) == (400, "invalid_grant")


@pytest.mark.parametrize("encoding", ["form", "json"])
def test_token_accepts_only_the_body_encoding_the_psc_expects(simulator: PscSimulator, encoding: str) -> None:
    simulator.behaviour.token_encoding = encoding
    verifier, challenge = pkce_pair()
    fields = token_fields(authorize(simulator, challenge).location_query()["code"], verifier)
    url = f"{simulator.oauth_url}/token"
    right, wrong = (post_form, post_json) if encoding == "form" else (post_json, post_form)

    refused = wrong(url, fields)
    assert (refused.status, refused.json()["error"]) == (400, "invalid_request")
    assert right(url, fields).status == 200  # the refused request did not burn the code


def test_token_cpf_replaces_the_authorized_identification(simulator: PscSimulator) -> None:
    simulator.behaviour.token_cpf = OTHER_CPF
    verifier, challenge = pkce_pair()
    code = authorize(simulator, challenge).location_query()["code"]
    assert exchange(simulator, code, verifier).json()["authorized_identification"] == OTHER_CPF


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"code_challenge": None}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"scope": "everything"}, "invalid_scope"),
        ({"client_id": "intruso"}, "invalid_client"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"redirect_uri": "javascript:alert(1)"}, "invalid_request"),
        ({"redirect_uri": "push://"}, "invalid_request"),
        ({"login_hint": None}, "invalid_request"),
        ({"lifetime": "muito"}, "invalid_request"),
    ],
    ids=lambda value: "-".join(f"{k}={v}" for k, v in value.items()) if isinstance(value, dict) else "",
)
def test_authorize_answers_an_invalid_request_without_redirecting(
    simulator: PscSimulator, overrides: dict[str, str | None], error: str
) -> None:
    _, challenge = pkce_pair()
    reply = authorize(simulator, challenge, **overrides)
    assert reply.status == 400
    assert "Location" not in reply.headers
    assert reply.json()["error"] == error


def test_authorize_accepts_only_registered_redirect_uris(maria: Issued) -> None:
    registered = "https://portal.example/retorno/"
    with PscSimulator([Account(CPF, maria.certificate, maria.key)], redirect_uris=[registered]) as simulator:
        _, challenge = pkce_pair()
        assert authorize(simulator, challenge).status == 400
        assert authorize(simulator, challenge, redirect_uri=registered).status == 302
        assert authorize(simulator, challenge, redirect_uri=None).location.startswith(registered)


def test_authorize_redirects_access_denied_for_an_unknown_login_hint(simulator: PscSimulator) -> None:
    _, challenge = pkce_pair()
    reply = authorize(simulator, challenge, login_hint=OTHER_CPF)
    assert reply.status == 302
    query = reply.location_query()
    assert (query["error"], query["state"]) == ("access_denied", "estado-123")
    assert "code" not in query


def test_authorize_appends_to_a_redirect_uri_that_has_a_query(simulator: PscSimulator) -> None:
    _, challenge = pkce_pair()
    reply = authorize(simulator, challenge, redirect_uri="https://portal.example/retorno/?psc=vidaas")
    assert reply.location.startswith("https://portal.example/retorno/?psc=vidaas&code=")


def test_denied_authorization_redirects_with_access_denied_and_the_state(simulator: PscSimulator) -> None:
    simulator.behaviour.approval = "deny"
    _, challenge = pkce_pair()
    reply = authorize(simulator, challenge)
    assert reply.status == 302
    assert reply.location.startswith(REDIRECT_URI + "?")
    query = reply.location_query()
    assert (query["error"], query["state"]) == ("access_denied", "estado-123")
    assert "code" not in query


# ---- approval page --------------------------------------------------------------------------------------------------


def approval_page(simulator: PscSimulator) -> tuple[str, str, str]:
    """Open the approval page; return (verifier, html, request id)."""
    simulator.behaviour.approval = "page"
    verifier, challenge = pkce_pair()
    reply = authorize(simulator, challenge)
    assert reply.status == 200
    assert reply.headers.get_content_type() == "text/html"
    page = reply.body.decode()
    request_id = re.search(r'name="request_id" value="([^"]+)"', page)
    assert request_id
    return verifier, page, request_id.group(1)


def test_approval_page_shows_the_request_in_a_form_without_script(simulator: PscSimulator) -> None:
    _, page, _ = approval_page(simulator)
    assert "Simulador de PSC" in page
    assert "526.018.159-06" in page
    assert "single_signature" in page
    assert CLIENT_ID in page
    assert f'action="{urlsplit(simulator.oauth_url).path}/authorize/decision"' in page
    assert re.search(r'<button type="submit" name="decision" value="aprovar">Aprovar</button>', page)
    assert re.search(r'<button type="submit" name="decision" value="recusar">Recusar</button>', page)
    assert "<script" not in page.lower()
    assert not re.search(r"\son\w+=", page)


def test_approval_decision_aprovar_redirects_with_a_code(simulator: PscSimulator) -> None:
    verifier, _, request_id = approval_page(simulator)
    decision = {"request_id": request_id, "decision": "aprovar"}
    reply = post_form(f"{simulator.oauth_url}/authorize/decision", decision)
    assert reply.status == 302
    query = reply.location_query()
    assert query["state"] == "estado-123"
    assert exchange(simulator, query["code"], verifier).status == 200
    again = post_form(f"{simulator.oauth_url}/authorize/decision", decision)
    assert (again.status, again.json()["error"]) == (400, "invalid_request")


def test_approval_decision_recusar_redirects_with_access_denied(simulator: PscSimulator) -> None:
    _, _, request_id = approval_page(simulator)
    reply = post_form(f"{simulator.oauth_url}/authorize/decision", {"request_id": request_id, "decision": "recusar"})
    assert reply.status == 302
    assert reply.location_query()["error"] == "access_denied"


# ---- certificate-discovery ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("certificate_format", ["pem", "base64"])
def test_certificate_discovery_returns_the_certificate_in_the_configured_format(
    simulator: PscSimulator, maria: Issued, certificate_format: str
) -> None:
    simulator.behaviour.certificate_format = certificate_format
    token = login(simulator)
    reply = call("GET", f"{simulator.oauth_url}/certificate-discovery", headers=bearer(token))
    assert reply.status == 200
    body = reply.json()
    assert body["status"] == "S"
    [entry] = body["certificates"]
    assert entry["alias"] == "cert-a3-nuvem"
    text = entry["certificate"]
    if certificate_format == "pem":
        assert text.startswith("-----BEGIN CERTIFICATE-----\n")
        certificate = x509.load_pem_x509_certificate(text.encode())
    else:
        assert "\n" not in text and "BEGIN" not in text
        certificate = x509.load_der_x509_certificate(base64.b64decode(text))
    assert certificate == maria.certificate


@pytest.mark.parametrize("authorization", [None, "Bearer desconhecido", "Basic Zm9vOmJhcg=="])
def test_certificate_discovery_requires_a_valid_bearer_token(
    simulator: PscSimulator, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    reply = call("GET", f"{simulator.oauth_url}/certificate-discovery", headers=headers)
    assert (reply.status, reply.json()["error"]) == (401, "invalid_token")


def test_certificate_discovery_refuses_an_expired_token(simulator: PscSimulator) -> None:
    simulator.behaviour.token_lifetime = 0
    token = login(simulator)
    reply = call("GET", f"{simulator.oauth_url}/certificate-discovery", headers=bearer(token))
    assert (reply.status, reply.json()["error"]) == (401, "invalid_token")


# ---- signature ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["base64", "hex"])
def test_signature_verifies_with_the_certificate_public_key(
    simulator: PscSimulator, maria: Issued, encoding: str
) -> None:
    simulator.behaviour.hash_encoding = encoding
    digest = hashlib.sha256(b"LOGIN|portal-inss|52601815906|nonce").digest()
    reply = sign(simulator, login(simulator), [hash_item(digest, encoding)])
    assert reply.status == 200
    body = reply.json()
    assert body["certificate_alias"] == "cert-a3-nuvem"
    [signature] = body["signatures"]
    assert signature["id"] == "nonce-1"
    assert verifies(maria.certificate.public_key(), base64.b64decode(signature["raw_signature"]), digest)


@pytest.mark.parametrize(("expected", "sent"), [("base64", "hex"), ("hex", "base64")])
def test_signature_refuses_a_hash_in_the_other_encoding(simulator: PscSimulator, expected: str, sent: str) -> None:
    simulator.behaviour.hash_encoding = expected
    reply = sign(simulator, login(simulator), [hash_item(hashlib.sha256(b"x").digest(), sent)])
    assert (reply.status, reply.json()["error"]) == (400, "invalid_request")


@pytest.mark.parametrize(
    "overrides",
    [
        {"hash": base64.b64encode(b"short").decode()},
        {"hash_algorithm": "2.16.840.1.101.3.4.2.3"},
        {"signature_format": "CMS"},
        {"id": None},
    ],
    ids=["not-32-bytes", "sha512", "cms", "no-id"],
)
def test_signature_refuses_an_invalid_hash_entry(simulator: PscSimulator, overrides: dict[str, Any]) -> None:
    reply = sign(simulator, login(simulator), [hash_item(hashlib.sha256(b"x").digest(), **overrides)])
    assert (reply.status, reply.json()["error"]) == (400, "invalid_request")


def test_signature_refuses_an_alias_of_another_certificate(simulator: PscSimulator) -> None:
    reply = sign(simulator, login(simulator), [hash_item(hashlib.sha256(b"x").digest())], alias="de-outra-pessoa")
    assert (reply.status, reply.json()["error"]) == (400, "invalid_request")


def test_single_signature_token_refuses_a_second_signature(simulator: PscSimulator) -> None:
    token = login(simulator)
    item = hash_item(hashlib.sha256(b"x").digest())
    assert sign(simulator, token, [item]).status == 200
    again = sign(simulator, token, [item])
    assert (again.status, again.json()["error"]) == (401, "invalid_token")


def test_single_signature_token_refuses_two_hashes_in_one_request(simulator: PscSimulator) -> None:
    items = [hash_item(hashlib.sha256(b"a").digest()), hash_item(hashlib.sha256(b"b").digest(), id="nonce-2")]
    reply = sign(simulator, login(simulator), items)
    assert (reply.status, reply.json()["error"]) == (400, "invalid_request")


def test_signature_session_token_signs_several_times(simulator: PscSimulator) -> None:
    token = login(simulator, scope="signature_session")
    item = hash_item(hashlib.sha256(b"x").digest())
    assert [sign(simulator, token, [item]).status for _ in range(2)] == [200, 200]


def test_authentication_session_token_cannot_sign(simulator: PscSimulator) -> None:
    reply = sign(simulator, login(simulator, scope="authentication_session"), [hash_item(hashlib.sha256(b"").digest())])
    assert reply.status == 403


def test_bad_signature_does_not_verify(simulator: PscSimulator, maria: Issued) -> None:
    simulator.behaviour.bad_signature = True
    digest = hashlib.sha256(b"desafio").digest()
    [signature] = sign(simulator, login(simulator), [hash_item(digest)]).json()["signatures"]
    assert not verifies(maria.certificate.public_key(), base64.b64decode(signature["raw_signature"]), digest)


def test_sign_with_another_key_signs_with_that_key(simulator: PscSimulator, maria: Issued) -> None:
    other = ec.generate_private_key(ec.SECP256R1())
    simulator.behaviour.sign_with = other
    digest = hashlib.sha256(b"desafio").digest()
    [signature] = sign(simulator, login(simulator), [hash_item(digest)]).json()["signatures"]
    raw = base64.b64decode(signature["raw_signature"])
    assert verifies(other.public_key(), raw, digest)
    assert not verifies(maria.certificate.public_key(), raw, digest)


# ---- push (VIDaaS) --------------------------------------------------------------------------------------------------


def start_push(simulator: PscSimulator) -> tuple[str, str]:
    """Start a push authorization; return (verifier, push code)."""
    verifier, challenge = pkce_pair()
    reply = authorize(simulator, challenge, redirect_uri="push://")
    assert reply.status == 200
    assert reply.headers.get_content_type() == "text/plain"
    text = reply.body.decode()
    assert text.startswith("code=")
    return verifier, text.removeprefix("code=")


def poll(simulator: PscSimulator, push_code: str) -> Reply:
    return call("GET", f"{simulator.base_url}/valid/api/v1/trusted-services/authentications?code={push_code}")


def test_push_is_pending_until_approved_then_yields_a_code_for_the_token_endpoint(simulator: PscSimulator) -> None:
    simulator.behaviour.push = True
    simulator.behaviour.push_approve_after = 3600
    verifier, push_code = start_push(simulator)
    assert poll(simulator, push_code).json() == {"status": "PENDING"}

    simulator.behaviour.push_approve_after = 0
    approved = poll(simulator, push_code).json()

    assert approved["redirectUrl"] == "push://"
    token = exchange(simulator, approved["authorizationToken"], verifier, redirect_uri="push://")
    assert token.status == 200
    assert token.json()["authorized_identification"] == CPF
    assert exchange(simulator, push_code, verifier, redirect_uri="push://").json()["error"] == "invalid_grant"


def test_push_denied_is_rejected(simulator: PscSimulator) -> None:
    simulator.behaviour.push = True
    simulator.behaviour.approval = "deny"
    _, push_code = start_push(simulator)
    assert poll(simulator, push_code).json() == {"status": "REJECTED"}


def test_authentications_answers_404_for_an_unknown_push_code(simulator: PscSimulator) -> None:
    assert poll(simulator, "00000000-0000-0000-0000-000000000000").status == 404


# ---- deviations: prefix, failures, delays ---------------------------------------------------------------------------


def test_path_prefix_moves_the_endpoints(simulator: PscSimulator) -> None:
    old_url = simulator.oauth_url
    simulator.behaviour.path_prefix = "/psc"
    assert simulator.oauth_url == f"{simulator.base_url}/psc/v0/oauth"
    assert discover(simulator).status == 200
    assert post_json(f"{old_url}/user-discovery", {}).status == 404
    assert [r.endpoint for r in simulator.requests] == ["user-discovery", "unknown"]


@pytest.mark.parametrize("status", [500, 503])
def test_fail_endpoints_answer_the_configured_status(simulator: PscSimulator, status: int) -> None:
    simulator.behaviour.fail_endpoints = {"user-discovery": status}
    reply = discover(simulator)
    assert (reply.status, reply.json()) == (status, {"error": "server_error"})
    _, challenge = pkce_pair()
    assert authorize(simulator, challenge).status == 302


def test_a_delayed_endpoint_times_out_a_short_client_while_others_answer(simulator: PscSimulator) -> None:
    simulator.behaviour.delay = 30
    simulator.behaviour.delay_endpoints = frozenset({"user-discovery"})
    with pytest.raises(TimeoutError):
        discover(simulator, timeout=0.3)
    _, challenge = pkce_pair()
    assert authorize(simulator, challenge).status == 302
    assert len(simulator.requests_to("user-discovery")) == 1  # recorded before the delay


def test_stop_is_not_held_by_a_sleeping_handler(maria: Issued) -> None:
    simulator = PscSimulator([Account(CPF, maria.certificate, maria.key)], behaviour=Behaviour(delay=60))
    simulator.start()
    with pytest.raises(TimeoutError):
        discover(simulator, timeout=0.2)
    stopper = threading.Thread(target=simulator.stop)
    stopper.start()
    stopper.join(timeout=5)
    assert not stopper.is_alive()


# ---- bookkeeping ----------------------------------------------------------------------------------------------------


def test_requests_are_recorded_in_order_with_lowercase_headers(simulator: PscSimulator) -> None:
    discover(simulator)
    _, challenge = pkce_pair()
    authorize(simulator, challenge)
    assert [(r.endpoint, r.method) for r in simulator.requests] == [("user-discovery", "POST"), ("authorize", "GET")]
    [discovery] = simulator.requests_to("user-discovery")
    assert discovery.json()["val_cpf_cnpj"] == CPF
    assert discovery.headers["content-type"] == "application/json"
    assert simulator.requests_to("authorize")[0].query()["login_hint"] == CPF


def test_reset_forgets_requests_codes_and_behaviour_but_keeps_the_prefix(simulator: PscSimulator) -> None:
    simulator.behaviour = Behaviour(path_prefix="/oauth", approval="deny", token_encoding="json")
    verifier, challenge = pkce_pair()
    simulator.behaviour.approval = "auto"
    code = authorize(simulator, challenge).location_query()["code"]

    simulator.reset()

    assert simulator.requests == []
    assert simulator.behaviour == Behaviour(path_prefix="/oauth")
    assert exchange(simulator, code, verifier).json()["error"] == "invalid_grant"


def test_unknown_methods_and_paths_get_json_errors(simulator: PscSimulator) -> None:
    assert call("GET", f"{simulator.oauth_url}/token").status == 405
    assert call("DELETE", f"{simulator.oauth_url}/nada").status == 404
    repeated = call("GET", f"{simulator.oauth_url}/authorize?client_id={CLIENT_ID}&client_id={CLIENT_ID}")
    assert (repeated.status, repeated.json()["error"]) == (400, "invalid_request")


def test_behaviour_refuses_unknown_choices() -> None:
    with pytest.raises(ValueError, match="hash_encoding"):
        Behaviour(hash_encoding="base32")
    with pytest.raises(ValueError, match="path_prefix"):
        Behaviour(path_prefix="psc/")


# ---- command line ---------------------------------------------------------------------------------------------------


def test_command_line_serves_the_given_certificate_until_sigterm(maria: Issued, tmp_path: Path) -> None:
    certificate, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    certificate.write_bytes(maria.certificate_pem())
    key.write_bytes(maria.key_pem())
    command = [sys.executable, "-m", "cloudauth.simulator", "--port", "0", "--certificate", str(certificate)]
    command += ["--key", str(key), "--prefix", "/psc", "--hash-encoding", "hex"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
        assert match, line
        payload = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "user_cpf_cnpj": "CPF", "val_cpf_cnpj": CPF}
        reply = post_json(f"{match.group(1)}/psc/v0/oauth/user-discovery", payload)
        assert reply.json()["status"] == "S"
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0
    assert stderr == ""


def test_a_stopped_simulator_restarts_on_the_same_port(simulator: PscSimulator) -> None:
    base_url = simulator.base_url
    simulator.stop()
    with pytest.raises(urllib.error.URLError):  # connection refused
        call("GET", f"{base_url}/v0/oauth/authorize", timeout=1)
    simulator.start()
    assert simulator.base_url == base_url
    assert discover(simulator).status == 200
