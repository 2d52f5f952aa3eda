"""One PSC's API v0 as a client: discovery, authorization (redirect or push), token, certificate, signature.

Every failure is a :class:`PscError` with a stable reason: no answer or an error answer is
``CLOUD_PSC_UNAVAILABLE``; a refused or replayed authorization is ``CLOUD_DENIED`` / ``CLOUD_CHALLENGE_INVALID``;
a token for another CPF is ``CLOUD_CPF_MISMATCH``. Nothing here trusts the PSC beyond what it must: the certificate
is validated and the signature verified by the caller.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509

from certauth.icp.errors import Reason
from certauth.icp.numbers import mask_cpf
from cloudauth.psc.adapters import PUSH_REDIRECT, Adapter, PushAnswer
from cloudauth.psc.challenge import LoginChallenge
from cloudauth.psc.errors import PscError, unavailable
from cloudauth.psc.transport import HttpAnswer, Transport, urllib_transport

SHA256_OID = "2.16.840.1.101.3.4.2.1"
SCOPE = "single_signature"
_SIGNING_SCOPES = frozenset({"single_signature", "multi_signature", "signature_session"})


@dataclass(frozen=True, slots=True)
class PscConfig:
    """One PSC as registered by staff."""

    slug: str  #: short name: ``vidaas`` (gov.br names the method ``x509_vidaas``)
    name: str  #: shown to the holder
    base_url: str
    client_id: str
    client_secret: str = field(repr=False)
    adapter: Adapter
    path_prefix: str | None = None  #: None: the adapter's default


@dataclass(frozen=True, slots=True)
class AccessToken:
    value: str = field(repr=False)
    cpf: str
    scope: str


@dataclass(frozen=True, slots=True)
class CloudCertificate:
    alias: str
    certificate: x509.Certificate


@dataclass
class PscClient:
    config: PscConfig
    timeout: float = 8.0
    transport: Transport = urllib_transport

    # ---------------------------------------------------------------------------------------- discovery

    def holds_certificate(self, cpf: str, *, timeout: float | None = None) -> bool:
        """``user-discovery``: does this CPF hold a certificate at this PSC?"""
        body = {
            "client_id": self.config.client_id,
            "client_secret": self.config.client_secret,
            "user_cpf_cnpj": "CPF",
            "val_cpf_cnpj": cpf,
        }
        data = self._json("POST", "user-discovery", json_body=body, timeout=timeout)
        return str(data.get("status", "")).upper() == "S"

    # ---------------------------------------------------------------------------------------- authorization

    def authorize_url(self, *, cpf: str, state: str, code_challenge: str, redirect_uri: str, lifetime: int) -> str:
        """Where the browser goes to approve (authorization code + PKCE S256, ``login_hint`` = CPF)."""
        query = urllib.parse.urlencode(self._authorize_params(cpf, state, code_challenge, redirect_uri, lifetime))
        return f"{self._url('authorize')}?{query}"

    def start_push(self, *, cpf: str, state: str, code_challenge: str, lifetime: int) -> str:
        """Ask the PSC to notify the holder's phone; returns the push code to poll with."""
        answer = self._call(
            "GET",
            self.authorize_url(
                cpf=cpf, state=state, code_challenge=code_challenge, redirect_uri=PUSH_REDIRECT, lifetime=lifetime
            ),
        )
        self._require_ok(answer, "authorize")
        try:
            return self.config.adapter.parse_push_start(answer)
        except ValueError as exc:
            raise unavailable(self.config.name, f"resposta inválida ao pedir a notificação ({exc})") from None

    def poll_push(self, push_code: str) -> PushAnswer:
        answer = self._call("GET", self.config.adapter.push_poll_url(self.config.base_url, push_code))
        if answer.status not in (200, 202, 304):
            self._require_ok(answer, "authentications")
        try:
            return self.config.adapter.parse_push_poll(answer)
        except ValueError as exc:
            raise unavailable(self.config.name, f"resposta inválida da notificação ({exc})") from None

    def _authorize_params(
        self, cpf: str, state: str, code_challenge: str, redirect_uri: str, lifetime: int
    ) -> dict[str, str]:
        return {
            "response_type": "code",
            "client_id": self.config.client_id,
            "redirect_uri": redirect_uri,
            "state": state,
            "scope": SCOPE,
            "lifetime": str(lifetime),
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
            "login_hint": cpf,
        }

    # ---------------------------------------------------------------------------------------- token

    def exchange(self, *, code: str, verifier: str, redirect_uri: str, cpf: str) -> AccessToken:
        """``/token`` with the PKCE verifier; the token must be for ``cpf`` and allow a signature."""
        fields = {
            "grant_type": "authorization_code",
            "client_id": self.config.client_id,
            "client_secret": self.config.client_secret,
            "code": code,
            "code_verifier": verifier,
            "redirect_uri": redirect_uri,
        }
        body, content_type = self.config.adapter.token_request(fields)
        answer = self._call("POST", self._url("token"), body=body, headers={"Content-Type": content_type})
        if answer.status == 400 and _error_code(answer) == "invalid_grant":
            raise PscError(
                Reason.CLOUD_CHALLENGE_INVALID,
                f"{self.config.name} recusou o código de autorização (expirado ou já utilizado).",
            )
        self._require_ok(answer, "token")
        data = self._object(answer, "token")
        token, identification = data.get("access_token"), str(data.get("authorized_identification", ""))
        if not isinstance(token, str) or not token:
            raise unavailable(self.config.name, "resposta do token sem access_token")
        kind = str(data.get("authorized_identification_type", "CPF")).upper()
        digits = re.sub(r"\D", "", identification)
        if kind != "CPF" or digits.zfill(11) != cpf:
            shown = f"{kind} {mask_cpf(digits)}" if digits else "nenhuma identificação"
            raise PscError(
                Reason.CLOUD_CPF_MISMATCH,
                f"{self.config.name} autorizou {shown}; o CPF informado foi {mask_cpf(cpf)}.",
            )
        scope = str(data.get("scope") or SCOPE)
        if not _SIGNING_SCOPES & set(scope.split()):
            raise unavailable(
                self.config.name, f"o prestador não concedeu ao portal permissão de assinatura (escopo “{scope}”)"
            )
        return AccessToken(token, cpf, scope)

    # ---------------------------------------------------------------------------------------- certificate

    def certificates(self, token: AccessToken) -> list[CloudCertificate]:
        data = self._json("GET", "certificate-discovery", token=token)
        found = []
        for entry in data.get("certificates") or []:
            if isinstance(entry, dict) and isinstance(entry.get("certificate"), str):
                found.append(CloudCertificate(str(entry.get("alias", "")), parse_certificate(entry["certificate"])))
        return found

    # ---------------------------------------------------------------------------------------- signature

    def sign(self, token: AccessToken, *, alias: str, challenge: LoginChallenge) -> bytes:
        """One RAW signature of the challenge's SHA-256, described to the holder as a login."""
        body = {
            "certificate_alias": alias,
            "hashes": [
                {
                    "id": challenge.nonce,
                    "alias": challenge.description,
                    "hash": self.config.adapter.encode_hash(challenge.digest),
                    "hash_algorithm": SHA256_OID,
                    "signature_format": "RAW",
                }
            ],
        }
        data = self._json("POST", "signature", json_body=body, token=token)
        for entry in data.get("signatures") or []:
            if isinstance(entry, dict) and entry.get("id") in (challenge.nonce, None):
                raw = entry.get("raw_signature")
                if not isinstance(raw, str) or not raw:  # absent, null, a number: not a signature (nor "None")
                    break
                try:
                    return base64.b64decode(raw, validate=True)
                except (binascii.Error, ValueError):
                    break
        raise PscError(Reason.CLOUD_BAD_SIGNATURE, f"{self.config.name} não devolveu a assinatura do desafio de login.")

    # ---------------------------------------------------------------------------------------- plumbing

    def _url(self, endpoint: str) -> str:
        return self.config.adapter.oauth_url(self.config.base_url, self.config.path_prefix, endpoint)

    def _json(
        self,
        method: str,
        endpoint: str,
        *,
        json_body: Mapping[str, Any] | None = None,
        token: AccessToken | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        headers = {"Accept": "application/json"}
        body = None
        if json_body is not None:
            body, headers["Content-Type"] = json.dumps(json_body).encode(), "application/json"
        if token is not None:
            headers["Authorization"] = f"Bearer {token.value}"
        answer = self._call(method, self._url(endpoint), body=body, headers=headers, timeout=timeout)
        self._require_ok(answer, endpoint)
        return self._object(answer, endpoint)

    def _call(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> HttpAnswer:
        try:
            return self.transport(method, url, body=body, headers=headers or {}, timeout=timeout or self.timeout)
        except TimeoutError:
            raise unavailable(self.config.name, f"sem resposta em {timeout or self.timeout:g} s") from None
        except (OSError, ValueError) as exc:
            raise unavailable(self.config.name, f"falha de comunicação ({exc})") from None

    def _require_ok(self, answer: HttpAnswer, endpoint: str) -> None:
        if answer.status == 200:
            return
        code = _error_code(answer)
        if code == "access_denied":
            raise PscError(Reason.CLOUD_DENIED, f"{self.config.name}: pedido recusado pelo titular.")
        raise unavailable(self.config.name, f"{endpoint} respondeu HTTP {answer.status}{f' ({code})' if code else ''}")

    def _object(self, answer: HttpAnswer, endpoint: str) -> dict[str, Any]:
        try:
            data = answer.json()
        except (ValueError, UnicodeDecodeError):
            data = None
        if not isinstance(data, dict):
            raise unavailable(self.config.name, f"resposta de {endpoint} não é um objeto JSON")
        return data


def parse_certificate(value: str) -> x509.Certificate:
    """The ``certificate`` field: documented as Base64, returned as PEM (sometimes with escaped ``\\n``)."""
    text = value.replace("\\n", "\n").replace("\\r", "").strip()
    try:
        if "-----BEGIN" in text:
            return x509.load_pem_x509_certificate(text.encode("ascii"))
        return x509.load_der_x509_certificate(base64.b64decode("".join(text.split()), validate=True))
    except (ValueError, binascii.Error, UnicodeEncodeError) as exc:
        raise PscError(Reason.CERT_MALFORMED, f"O prestador devolveu um certificado ilegível ({exc}).") from None


def _error_code(answer: HttpAnswer) -> str:
    try:
        data = answer.json()
    except (ValueError, UnicodeDecodeError):
        return ""
    return str(data.get("error", ""))[:60] if isinstance(data, dict) else ""
