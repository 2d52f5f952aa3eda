"""Each PSC's deviations from the standard API v0, in one small adapter per PSC (psc-cloud-login.md §5, §7).

What varies: the path prefix in front of ``/v0/oauth/``, how the hash to sign is encoded (Base64 or hex), how the
token request is encoded (form, as RFC 6749 says, or JSON), and the proprietary push approval (VIDaaS). Everything
else in the code is the same for every PSC. "Verify in homologation" items of the recipe stay as adapter values.
"""

from __future__ import annotations

import base64
import json
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cloudauth.psc.transport import HttpAnswer

PUSH_REDIRECT = "push://"


class HashEncoding(StrEnum):
    BASE64 = "base64"
    HEX = "hex"


class BodyEncoding(StrEnum):
    FORM = "form"
    JSON = "json"


class PushState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"


@dataclass(frozen=True, slots=True)
class PushAnswer:
    state: PushState
    #: APPROVED: the authorization code to exchange at ``/token`` (never the push code itself).
    code: str = ""


@dataclass(frozen=True, slots=True)
class Adapter:
    key: str
    label: str
    default_prefix: str = ""
    hash_encoding: HashEncoding = HashEncoding.BASE64
    token_encoding: BodyEncoding = BodyEncoding.FORM
    #: Approval by a notification on the phone, with the portal polling (VIDaaS's ``push://``).
    push: bool = False

    def oauth_url(self, base_url: str, prefix: str | None, endpoint: str) -> str:
        chosen = self.default_prefix if prefix is None else prefix
        return f"{base_url.rstrip('/')}{_clean_prefix(chosen)}/v0/oauth/{endpoint}"

    def encode_hash(self, digest: bytes) -> str:
        if self.hash_encoding is HashEncoding.HEX:
            return digest.hex()
        return base64.b64encode(digest).decode("ascii")

    def token_request(self, fields: Mapping[str, str]) -> tuple[bytes, str]:
        """Body and content type of the ``/token`` request."""
        if self.token_encoding is BodyEncoding.JSON:
            return json.dumps(dict(fields)).encode(), "application/json"
        return urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded"

    # ---- push (VIDaaS): authorize with redirect_uri=push://, then poll Valid's "authentications" resource

    def push_poll_url(self, base_url: str, code: str) -> str:
        self._require_push()
        query = urllib.parse.urlencode({"code": code})
        return f"{base_url.rstrip('/')}/valid/api/v1/trusted-services/authentications?{query}"

    def parse_push_start(self, answer: HttpAnswer) -> str:
        """The push code: clients have seen a text body ``code=<uuid>`` and a JSON ``{"code": …}``."""
        self._require_push()
        text = answer.body.decode("utf-8", errors="replace").strip()
        if text.startswith("{"):
            value = str(_json_field(answer, "code") or "")
        else:
            value = urllib.parse.parse_qs(text).get("code", [""])[0]
        if not value:
            raise ValueError("resposta do authorize push sem código")
        return value

    def parse_push_poll(self, answer: HttpAnswer) -> PushAnswer:
        """No ``authorizationToken`` yet means pending (clients disagree on 200/202/304); a refusal says so."""
        self._require_push()
        if answer.status == 304 or not answer.body.strip():
            return PushAnswer(PushState.PENDING)
        data = answer.json()
        if not isinstance(data, dict):
            raise ValueError("resposta do push não é um objeto JSON")
        token = data.get("authorizationToken")
        if isinstance(token, str) and token:
            return PushAnswer(PushState.APPROVED, token)
        if str(data.get("status", "")).upper() in {"REJECTED", "DENIED", "REFUSED", "CANCELED", "CANCELLED"}:
            return PushAnswer(PushState.DENIED)
        return PushAnswer(PushState.PENDING)

    def _require_push(self) -> None:
        if not self.push:
            raise NotImplementedError(f"{self.label}: aprovação por notificação não suportada")


def _clean_prefix(prefix: str) -> str:
    prefix = prefix.strip().strip("/")
    return f"/{prefix}" if prefix else ""


def _json_field(answer: HttpAnswer, name: str) -> Any:
    data = answer.json()
    return data.get(name) if isinstance(data, dict) else None


SAFEID_PREFIX = "/Service/Microservice/OAuth/api"
STANDARD = Adapter("padrao", "Padrão DOC-ICP-17.01 (sem desvios)")

ADAPTERS: dict[str, Adapter] = {
    a.key: a
    for a in (
        STANDARD,
        Adapter("vidaas", "VIDaaS (Valid): notificação no celular", push=True),
        Adapter("birdid", "BirdID (Soluti) / VaultID: hash em hexadecimal", hash_encoding=HashEncoding.HEX),
        Adapter("neoid", "NeoID (Serpro): prefixo /psc", default_prefix="/psc"),
        Adapter("serproid", "SerproID (Serpro, endereço antigo): prefixo /oauth", default_prefix="/oauth"),
        Adapter("safeid", "SafeID (Safeweb): prefixo do microsserviço", default_prefix=SAFEID_PREFIX),
        Adapter("json", "Padrão com pedido de token em JSON", token_encoding=BodyEncoding.JSON),
    )
}
