"""The simulator's internal state (codes, tokens, pushes) and request/response helpers."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import SplitResult, parse_qs, urlencode

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

from cloudauth.simulator.model import PrivateKey

# --------------------------------------------------------------------------------------------------------------------
# Internal state


@dataclass(frozen=True)
class _Grant:
    """What an authorization request asked for, once validated."""

    client_id: str
    redirect_uri: str
    redirect_uri_given: bool  #: False when the first registered URI was used because none was sent
    code_challenge: str
    scope: str
    cpf: str
    state: str | None


@dataclass
class _Code:
    grant: _Grant
    expires_at: float


@dataclass
class _Token:
    client_id: str
    scope: str
    cpf: str
    expires_at: float
    used: bool = False  #: a single_signature/multi_signature token that has signed


@dataclass
class _Push:
    grant: _Grant
    created_at: float
    status: str = "PENDING"  #: PENDING | APPROVED | REJECTED
    code: str | None = None  #: the authorization code issued when the push was approved


@dataclass(frozen=True)
class _Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, payload: Any, headers: Mapping[str, str] | None = None) -> _Response:
        return cls(status, json.dumps(payload, ensure_ascii=False).encode(), headers=headers or {})

    @classmethod
    def redirect(cls, location: str) -> _Response:
        return cls(302, b"", "text/plain; charset=utf-8", {"Location": location})


class _Problem(Exception):
    """An OAuth-style error answer, raised from deep inside an endpoint."""

    def __init__(
        self, status: int, error: str, description: str | None = None, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(error)
        self.status, self.error, self.description, self.headers = status, error, description, headers or {}

    def response(self) -> _Response:
        payload = {"error": self.error}
        if self.description:
            payload["error_description"] = self.description
        return _Response.json(self.status, payload, self.headers)


def _invalid(description: str) -> _Problem:
    return _Problem(400, "invalid_request", description)


@dataclass(frozen=True)
class _Request:
    method: str
    target: SplitResult
    headers: dict[str, str]
    body: bytes

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    def query(self) -> dict[str, str]:
        return _single_values(self.target.query, "query")

    def form(self) -> dict[str, str]:
        try:
            text = self.body.decode("utf-8")
        except UnicodeDecodeError:
            raise _invalid("the form body is not UTF-8") from None
        return _single_values(text, "form body")

    def json_object(self) -> dict[str, Any]:
        try:
            value = json.loads(self.body)
        except (ValueError, RecursionError):
            raise _invalid("the body is not valid JSON") from None
        if not isinstance(value, dict):
            raise _invalid("the body must be a JSON object")
        return value

    def bearer_token(self) -> str | None:
        scheme, _, token = self.headers.get("authorization", "").strip().partition(" ")
        return (token.strip() or None) if scheme.lower() == "bearer" else None


def _single_values(text: str, where: str) -> dict[str, str]:
    """``application/x-www-form-urlencoded`` fields; a repeated field is refused (RFC 6749 §3.1)."""
    try:
        parsed = parse_qs(text, keep_blank_values=True, max_num_fields=100)
    except ValueError:
        raise _invalid(f"too many fields in the {where}") from None
    repeated = sorted(k for k, v in parsed.items() if len(v) > 1)
    if repeated:
        raise _invalid(f"repeated parameter in the {where}: {', '.join(repeated)}")
    return {k: v[0] for k, v in parsed.items()}


def _string_field(fields: Mapping[str, Any], name: str) -> str:
    value = fields.get(name)
    if not isinstance(value, str) or not value:
        raise _invalid(f"missing or invalid field: {name}")
    return value


def _is_code_challenge(value: str) -> bool:
    """An S256 challenge is 43 base64url characters (RFC 7636 §4.2)."""
    return len(value) == 43 and all(c.isascii() and (c.isalnum() or c in "-_") for c in value)


def _is_code_verifier(value: str) -> bool:
    """43 to 128 unreserved characters (RFC 7636 §4.1)."""
    return 43 <= len(value) <= 128 and all(c.isascii() and (c.isalnum() or c in "-._~") for c in value)


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode("ascii")


def _with_query(uri: str, params: Mapping[str, str | None]) -> str:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    separator = "" if uri.endswith(("?", "&")) else "&" if "?" in uri else "?"
    return f"{uri}{separator}{query}"


def _formatted_cpf(cpf: str) -> str:
    return f"{cpf[:3]}.{cpf[3:6]}.{cpf[6:9]}-{cpf[9:]}" if len(cpf) == 11 else cpf


def _sign(key: PrivateKey, digest: bytes) -> bytes:
    """A RAW signature over a SHA-256 digest: RSASSA-PKCS1-v1_5 over the DigestInfo, or DER-encoded ECDSA."""
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))
    return key.sign(digest, ec.ECDSA(Prehashed(hashes.SHA256())))
