"""``cloudauth.psc.client``: a PSC's error answers each end as the right stable code — a refused or replayed code
(``invalid_grant``), a token without a signing scope, a signature that is not base64, a body that is not a JSON
object — never as an exception of another kind, and never as a login."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from certauth.icp.builder import Issued
from certauth.icp.errors import Reason
from cloudauth.psc.adapters import STANDARD
from cloudauth.psc.challenge import LoginChallenge
from cloudauth.psc.client import AccessToken, PscClient, PscConfig
from cloudauth.psc.errors import PscError
from cloudauth.psc.pkce import new_verifier, s256_challenge
from cloudauth.psc.transport import HttpAnswer
from cloudauth.simulator import PscSimulator
from tests.cloudauth.conftest import CLIENT_ID, CLIENT_SECRET, follow_psc
from tests.conftest import LAWYER

CPF = LAWYER.cpf
REDIRECT_URI = "https://localhost/entrar/nuvem/retorno/"
TOKEN = AccessToken("token-de-teste", CPF, "single_signature")
CHALLENGE = LoginChallenge("vidaas", CPF, "nonce-0123456789abcdef", dt.datetime(2026, 11, 22, 12, tzinfo=dt.UTC))
HTML = b"<html><body>502 Bad Gateway</body></html>"


def json_answer(status: int, data: Any) -> HttpAnswer:
    return HttpAnswer(status, json.dumps(data).encode(), {"Content-Type": "application/json"})


@dataclass
class Scripted:
    """A transport that answers each endpoint (the last part of the path) with a fixed answer."""

    answers: dict[str, HttpAnswer]
    calls: list[str] = field(default_factory=list)

    def __call__(
        self, method: str, url: str, *, body: bytes | None, headers: Mapping[str, str], timeout: float
    ) -> HttpAnswer:
        endpoint = urlsplit(url).path.rsplit("/", 1)[-1]
        self.calls.append(endpoint)
        return self.answers[endpoint]


def client(**answers: HttpAnswer) -> PscClient:
    config = PscConfig("vidaas", "PSC Teste", "https://psc.example", CLIENT_ID, CLIENT_SECRET, STANDARD)
    return PscClient(config, transport=Scripted({k.replace("_", "-"): v for k, v in answers.items()}))


def refusal(call: Any) -> PscError:
    with pytest.raises(PscError) as exc:
        call()
    return exc.value


def exchange(psc: PscClient) -> AccessToken:
    return psc.exchange(code="codigo", verifier="verificador", redirect_uri=REDIRECT_URI, cpf=CPF)


def token_answer(**fields: Any) -> HttpAnswer:
    data = {
        "access_token": "token-de-teste",
        "token_type": "Bearer",
        "authorized_identification_type": "CPF",
        "authorized_identification": CPF,
        "scope": "single_signature",
        **fields,
    }
    return json_answer(200, {k: v for k, v in data.items() if v is not None})


# ---------------------------------------------------------------------------------------------- invalid_grant


def test_an_invalid_grant_is_a_used_or_expired_code_not_an_unavailable_psc() -> None:
    error = refusal(lambda: exchange(client(token=json_answer(400, {"error": "invalid_grant"}))))
    assert error.reason is Reason.CLOUD_CHALLENGE_INVALID
    assert error.detail == "PSC Teste recusou o código de autorização (expirado ou já utilizado)."


@pytest.mark.parametrize(
    ("answer", "detail"),
    [
        (json_answer(400, {"error": "invalid_request"}), "PSC Teste: token respondeu HTTP 400 (invalid_request)"),
        (json_answer(401, {"error": "invalid_grant"}), "PSC Teste: token respondeu HTTP 401 (invalid_grant)"),
        (json_answer(400, ["invalid_grant"]), "PSC Teste: token respondeu HTTP 400"),
        (HttpAnswer(400, b"invalid_grant"), "PSC Teste: token respondeu HTTP 400"),
    ],
    ids=["another 400 error", "invalid_grant with 401", "a JSON list", "plain text"],
)
def test_other_token_errors_are_an_unavailable_psc(answer: HttpAnswer, detail: str) -> None:
    error = refusal(lambda: exchange(client(token=answer)))
    assert (error.reason, error.detail) == (Reason.CLOUD_PSC_UNAVAILABLE, detail)


def test_a_code_exchanged_twice_at_a_real_psc_is_refused_as_invalid_grant(
    simulator: PscSimulator, cloud_certificate: Issued
) -> None:
    """Through the PSC simulator (a real HTTP server): the second exchange of the same code gets ``invalid_grant``,
    which the client reports as CLOUD_CHALLENGE_INVALID."""
    config = PscConfig("vidaas", "PSC Simulado", simulator.base_url, CLIENT_ID, CLIENT_SECRET, STANDARD)
    psc = PscClient(config, timeout=5)
    verifier = new_verifier()
    authorize = psc.authorize_url(
        cpf=CPF, state="estado", code_challenge=s256_challenge(verifier), redirect_uri=REDIRECT_URI, lifetime=300
    )
    code = parse_qs(urlsplit(follow_psc(authorize)).query)["code"][0]
    first = psc.exchange(code=code, verifier=verifier, redirect_uri=REDIRECT_URI, cpf=CPF)
    assert first.cpf == CPF and "single_signature" in first.scope.split()

    error = refusal(lambda: psc.exchange(code=code, verifier=verifier, redirect_uri=REDIRECT_URI, cpf=CPF))

    assert error.reason is Reason.CLOUD_CHALLENGE_INVALID


# ---------------------------------------------------------------------------------------------- signing scope


@pytest.mark.parametrize("scope", ["authentication_session", "openid profile", "signature", "single_signatures"])
def test_a_token_without_a_signing_scope_is_refused(scope: str) -> None:
    """Without a signature the login cannot prove the key: such a token is of no use, however valid."""
    error = refusal(lambda: exchange(client(token=token_answer(scope=scope))))
    assert error.reason is Reason.CLOUD_PSC_UNAVAILABLE
    assert error.detail == (f"PSC Teste: o prestador não concedeu ao portal permissão de assinatura (escopo “{scope}”)")


@pytest.mark.parametrize(
    "scope", ["single_signature", "multi_signature", "signature_session", "openid single_signature", None]
)
def test_a_token_with_a_signing_scope_is_accepted(scope: str | None) -> None:
    token = exchange(client(token=token_answer(scope=scope)))
    assert token == AccessToken("token-de-teste", CPF, scope or "single_signature")


# ---------------------------------------------------------------------------------------------- the signature


def signatures(*entries: dict[str, Any]) -> HttpAnswer:
    return json_answer(200, {"signatures": list(entries)})


def test_a_base64_signature_of_the_challenge_is_returned() -> None:
    raw = bytes(range(256))
    answer = signatures({"id": CHALLENGE.nonce, "raw_signature": base64.b64encode(raw).decode()})
    assert client(signature=answer).sign(TOKEN, alias="a3", challenge=CHALLENGE) == raw


@pytest.mark.parametrize(
    "raw_signature",
    ["não é base64!", "QUJDRA", "QU JD RA==", "QUJD\nRA==", "", None, 12345, ["QUJD"]],
    ids=["not base64", "missing padding", "spaces", "a line break", "empty", "null", "a number", "a list"],
)
def test_a_signature_that_is_not_strict_base64_is_a_bad_signature(raw_signature: Any) -> None:
    answer = signatures({"id": CHALLENGE.nonce, "raw_signature": raw_signature})
    error = refusal(lambda: client(signature=answer).sign(TOKEN, alias="a3", challenge=CHALLENGE))
    assert error.reason is Reason.CLOUD_BAD_SIGNATURE
    assert error.detail == "PSC Teste não devolveu a assinatura do desafio de login."


@pytest.mark.parametrize(
    "answer",
    [
        signatures({"id": "outro-nonce", "raw_signature": base64.b64encode(b"x" * 256).decode()}),
        signatures(),
        json_answer(200, {}),
        json_answer(200, {"signatures": "QUJD"}),
    ],
    ids=["another hash's signature", "no signature", "no signatures field", "signatures not a list"],
)
def test_an_answer_without_the_challenges_signature_is_a_bad_signature(answer: HttpAnswer) -> None:
    error = refusal(lambda: client(signature=answer).sign(TOKEN, alias="a3", challenge=CHALLENGE))
    assert error.reason is Reason.CLOUD_BAD_SIGNATURE


# ---------------------------------------------------------------------------------------------- not JSON


NOT_AN_OBJECT = {
    "HTML": HttpAnswer(200, HTML, {"Content-Type": "text/html"}),
    "JSON list": json_answer(200, [{"access_token": "x"}]),
    "JSON string": json_answer(200, "ok"),
    "JSON null": json_answer(200, None),
    "truncated JSON": HttpAnswer(200, b'{"access_token": "x"'),
    "not UTF-8": HttpAnswer(200, b'{"status": "\xff\xfe"}'),
    "empty": HttpAnswer(200, b""),
}

CALLS = {
    "user-discovery": lambda psc: psc.holds_certificate(CPF),
    "token": exchange,
    "certificate-discovery": lambda psc: psc.certificates(TOKEN),
    "signature": lambda psc: psc.sign(TOKEN, alias="a3", challenge=CHALLENGE),
}


@pytest.mark.parametrize("endpoint", list(CALLS))
@pytest.mark.parametrize("body", list(NOT_AN_OBJECT))
def test_a_200_answer_that_is_not_a_json_object_is_an_unavailable_psc(endpoint: str, body: str) -> None:
    psc = client(**{endpoint.replace("-", "_"): NOT_AN_OBJECT[body]})
    error = refusal(lambda: CALLS[endpoint](psc))
    assert (error.reason, error.detail) == (
        Reason.CLOUD_PSC_UNAVAILABLE,
        f"PSC Teste: resposta de {endpoint} não é um objeto JSON",
    )


@pytest.mark.parametrize("endpoint", list(CALLS))
def test_an_error_page_that_is_not_json_is_an_unavailable_psc_with_its_status(endpoint: str) -> None:
    psc = client(**{endpoint.replace("-", "_"): HttpAnswer(502, HTML, {"Content-Type": "text/html"})})
    error = refusal(lambda: CALLS[endpoint](psc))
    assert (error.reason, error.detail) == (Reason.CLOUD_PSC_UNAVAILABLE, f"PSC Teste: {endpoint} respondeu HTTP 502")


@pytest.mark.parametrize("endpoint", ["user-discovery", "certificate-discovery", "signature"])
def test_access_denied_is_the_holders_refusal(endpoint: str) -> None:
    psc = client(**{endpoint.replace("-", "_"): json_answer(403, {"error": "access_denied"})})
    error = refusal(lambda: CALLS[endpoint](psc))
    assert (error.reason, error.detail) == (Reason.CLOUD_DENIED, "PSC Teste: pedido recusado pelo titular.")


# ---------------------------------------------------------------------------------------------- the certificate


@pytest.mark.parametrize(
    "value",
    ["não é base64", "MIIB" + "*" * 40, base64.b64encode(b"not DER at all").decode(), "-----BEGIN CERTIFICATE-----"],
    ids=["not base64", "base64 with junk", "base64 of something else", "a PEM header only"],
)
def test_a_certificate_that_cannot_be_read_is_malformed(value: str) -> None:
    answer = json_answer(200, {"certificates": [{"alias": "a3", "certificate": value}]})
    error = refusal(lambda: client(certificate_discovery=answer).certificates(TOKEN))
    assert error.reason is Reason.CERT_MALFORMED


def test_a_base64_der_certificate_with_line_breaks_is_read(cloud_certificate: Issued) -> None:
    der = cloud_certificate.certificate.public_bytes(Encoding.DER)
    text = base64.encodebytes(der).decode()  # 76-character lines
    answer = json_answer(200, {"certificates": [{"alias": "a3", "certificate": text}, {"alias": "x"}, "junk"]})
    found = client(certificate_discovery=answer).certificates(TOKEN)
    assert [(c.alias, c.certificate) for c in found] == [("a3", cloud_certificate.certificate)]
