"""What the simulated PSC holds and how it behaves: accounts, behaviour knobs, recorded requests."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

ENDPOINTS = frozenset(
    {
        "user-discovery",
        "authorize",
        "authorize-decision",
        "token",
        "certificate-discovery",
        "signature",
        "authentications",
    }
)
SCOPES = frozenset({"single_signature", "multi_signature", "signature_session", "authentication_session"})
SHA256_OID = "2.16.840.1.101.3.4.2.1"
PUSH_REDIRECT_URI = "push://"
AUTHENTICATIONS_PATH = "/valid/api/v1/trusted-services/authentications"
MAX_BODY_BYTES = 1 << 20
MAX_LIFETIME_SECONDS = 7 * 24 * 3600  # DOC-ICP-17.01: at most 7 days for a natural person

_SCOPE_DESCRIPTIONS = {
    "single_signature": "uma assinatura",
    "multi_signature": "várias assinaturas em uma única requisição",
    "signature_session": "sessão de assinaturas",
    "authentication_session": "somente autenticação, sem assinatura",
}


@dataclass
class Account:
    """A certificate (and its key) held in the simulated PSC's HSM for a CPF."""

    cpf: str  #: 11 digits
    certificate: x509.Certificate
    key: PrivateKey
    alias: str = "cert-a3-nuvem"  #: ``certificate_alias`` / ``slot_alias``
    label: str = "e-CPF A3 em nuvem"


@dataclass
class Behaviour:
    """How the simulated PSC behaves. Read at each request: tests may mutate ``simulator.behaviour`` in between."""

    #: Endpoints live under ``f"{path_prefix}/v0/oauth/"`` (NeoID: ``"/psc"``, SerproID: ``"/oauth"``).
    path_prefix: str = ""
    #: ``"base64"`` | ``"hex"``: the encoding ``/signature`` expects for ``hash``.
    hash_encoding: str = "base64"
    #: ``"form"`` | ``"json"``: the only body encoding ``/token`` accepts.
    token_encoding: str = "form"  # noqa: S105 - not a secret
    #: ``"auto"`` (redirect at once with a code) | ``"deny"`` (redirect with ``error=access_denied``) | ``"page"`` (an
    #: HTML approval page whose form posts to ``authorize/decision``).
    approval: str = "auto"
    #: VIDaaS-style push: ``authorize`` with ``redirect_uri=push://`` answers ``code=<uuid>`` to poll.
    push: bool = False
    #: Age (seconds) a push must reach before it is approved; compared at each poll, with the current value.
    push_approve_after: float = 0.0
    #: Seconds each endpoint sleeps before answering (after the request is recorded).
    delay: float = 0.0
    #: Endpoint names ``delay`` applies to (``None``: every endpoint).
    delay_endpoints: frozenset[str] | None = None
    #: Endpoint name → HTTP status answered instead of doing the work, with body ``{"error": "server_error"}``.
    fail_endpoints: dict[str, int] = field(default_factory=dict)
    #: Force user-discovery's ``"S"``/``"N"`` (``None``: ``"S"`` iff an account has that CPF).
    discovery_status: str | None = None
    #: ``authorized_identification`` returned by ``/token`` instead of the CPF the code was issued for.
    token_cpf: str | None = None
    #: ``/signature`` signs a different digest (the signature will not verify).
    bad_signature: bool = False
    #: ``/signature`` signs with this key instead of the account's.
    sign_with: PrivateKey | None = None
    #: ``"pem"`` (PEM text with newlines) | ``"base64"`` (base64 DER, one line) in certificate-discovery.
    certificate_format: str = "pem"
    #: Seconds an authorization code stays exchangeable.
    code_lifetime: float = 60.0
    #: Seconds an access token stays valid (also its ``expires_in``).
    token_lifetime: float = 300.0

    def __post_init__(self) -> None:
        if self.path_prefix and (not self.path_prefix.startswith("/") or self.path_prefix.endswith("/")):
            raise ValueError("path_prefix must be empty or start with '/' and not end with '/'")
        _check_choice("hash_encoding", self.hash_encoding, ("base64", "hex"))
        _check_choice("token_encoding", self.token_encoding, ("form", "json"))
        _check_choice("approval", self.approval, ("auto", "deny", "page"))
        _check_choice("certificate_format", self.certificate_format, ("pem", "base64"))
        if self.discovery_status is not None:
            _check_choice("discovery_status", self.discovery_status, ("S", "N"))


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, not {value!r}")


@dataclass(frozen=True)
class RecordedRequest:
    """A request as the simulator received it. Header names are lower-cased (``headers["authorization"]``)."""

    endpoint: str  #: endpoint name (see the module docstring), ``"unknown"`` for any other path
    method: str
    path: str  #: the request target as sent, query string included
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON (raises ``ValueError`` if it is not JSON)."""
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        """The body parsed as ``application/x-www-form-urlencoded`` (first value of each field)."""
        return {k: v[0] for k, v in parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True).items()}

    def query(self) -> dict[str, str]:
        """The query string of ``path`` (first value of each parameter)."""
        return {k: v[0] for k, v in parse_qs(urlsplit(self.path).query, keep_blank_values=True).items()}
