"""A PSC simulator: the "API v0" of DOC-ICP-17.01 §6.4 on a real loopback HTTP server, for the tests and the demo.

It implements the endpoints honestly (PKCE S256, single-use authorization codes, bearer tokens, client credentials,
real RSA/ECDSA signatures with the account's key) and can be told, through :class:`Behaviour`, to act like each
PSC's deviation (path prefix, hash and token-request encodings, VIDaaS push, certificate format), to be slow, to
fail, to refuse, to return another CPF or a signature that does not verify.

Endpoints, all under ``{path_prefix}/v0/oauth/`` (endpoint names, used by ``delay_endpoints``/``fail_endpoints``
and by :meth:`PscSimulator.requests_to`, in parentheses):

- ``POST user-discovery`` ("user-discovery");
- ``GET authorize`` ("authorize") and, for ``approval="page"``, ``POST authorize/decision`` ("authorize-decision");
- ``POST token`` ("token");
- ``GET certificate-discovery`` ("certificate-discovery");
- ``POST signature`` ("signature");
- at the server root: ``GET /valid/api/v1/trusted-services/authentications?code=`` ("authentications", VIDaaS push).

A request to any other path is recorded with the endpoint name ``"unknown"`` and answered 404.

No Django here: the module is used by plain tests and run as a process by the demo (``python -m
cloudauth.simulator --help``).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import html
import json
import secrets
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any, ClassVar
from urllib.parse import SplitResult, parse_qs, urlencode, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

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


# --------------------------------------------------------------------------------------------------------------------
# HTTP plumbing


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], simulator: PscSimulator) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.simulator = simulator
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay silent (the default prints a traceback to stderr)."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "PscSimulator/1.0"
    sys_version = ""
    timeout = 10  # seconds a client may take to send its request

    def do_GET(self) -> None:  # noqa: N802
        self._dispatch()

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch()

    def do_PUT(self) -> None:  # noqa: N802
        self._dispatch()

    def do_PATCH(self) -> None:  # noqa: N802
        self._dispatch()

    def do_DELETE(self) -> None:  # noqa: N802
        self._dispatch()

    def do_HEAD(self) -> None:  # noqa: N802
        self._dispatch()

    def do_OPTIONS(self) -> None:  # noqa: N802
        self._dispatch()

    def log_message(self, format: str, *args: Any) -> None:
        """Never log (the default writes to stderr)."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Malformed request lines and headers get a JSON answer too."""
        self.close_connection = True
        self._send(_Response.json(code, {"error": "invalid_request"}))

    def _dispatch(self) -> None:
        self.close_connection = True
        simulator: PscSimulator = self.server.simulator  # type: ignore[attr-defined]
        try:
            response = simulator._handle(self.command, self.path, self.headers.items(), self._read_body)
        except Exception:  # a bug of the simulator must not become a traceback on stderr
            response = _Problem(500, "server_error").response()
        if response is not None:
            self._send(response)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding"):
            raise _Problem(411, "invalid_request", "chunked bodies are not supported; send Content-Length")
        length_header = self.headers.get("Content-Length", "0").strip()
        if not length_header.isdigit():
            raise _invalid("invalid Content-Length")
        length = int(length_header)
        if length > MAX_BODY_BYTES:
            raise _Problem(413, "invalid_request", "body too large")
        return self.rfile.read(length)

    def _send(self, response: _Response) -> None:
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("Connection", "close")
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)
        except OSError:  # the client went away (e.g. it timed out during a delay)
            pass


# --------------------------------------------------------------------------------------------------------------------
# The simulator


class PscSimulator:
    """A simulated PSC on a loopback HTTP server. See the module docstring for the endpoints."""

    def __init__(
        self,
        accounts: Iterable[Account] = (),
        *,
        client_id: str = "portal-a3-inss",
        client_secret: str = "segredo-de-teste",  # noqa: S107
        redirect_uris: Iterable[str] = (),
        behaviour: Behaviour | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        #: Registered redirect URIs; empty: any http(s) URL without a fragment is accepted.
        self.redirect_uris: tuple[str, ...] = tuple(redirect_uris)
        self.behaviour: Behaviour = behaviour or Behaviour()
        self.host = host
        self.requests: list[RecordedRequest] = []
        self._port = port
        self._accounts: list[Account] = []
        self._lock = threading.RLock()
        self._codes: dict[str, _Code] = {}
        self._tokens: dict[str, _Token] = {}
        self._pushes: dict[str, _Push] = {}
        self._pending_approvals: dict[str, _Grant] = {}
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        for account in accounts:
            self.add_account(account)

    # ---- public API -------------------------------------------------------------------------------------------------

    def add_account(self, account: Account) -> None:
        """Hold ``account``; an account with the same CPF and alias is replaced. A CPF may have several accounts."""
        if len(account.cpf) != 11 or not account.cpf.isascii() or not account.cpf.isdigit():
            raise ValueError(f"an account's CPF must be 11 digits, not {account.cpf!r}")
        with self._lock:
            self._accounts = [a for a in self._accounts if (a.cpf, a.alias) != (account.cpf, account.alias)]
            self._accounts.append(account)

    @property
    def accounts(self) -> list[Account]:
        with self._lock:
            return list(self._accounts)

    def start(self) -> None:
        """Listen and serve in a daemon thread. After :meth:`stop`, starting again reuses the same port."""
        if self._server is not None:
            return
        self._stopping.clear()
        server = _Server((self.host, self._port), self)
        self._port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.01}, name=f"psc-simulator-{self._port}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop listening. Handlers sleeping in a ``delay`` wake up and close their connection without answering."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> PscSimulator:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the simulator is not running")
        return self._port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``: no prefix, no trailing slash."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def oauth_url(self) -> str:
        """``base_url + behaviour.path_prefix + "/v0/oauth"`` (no trailing slash)."""
        return f"{self.base_url}{self.behaviour.path_prefix}/v0/oauth"

    def requests_to(self, endpoint: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.endpoint == endpoint]

    def reset(self) -> None:
        """Forget requests, codes, tokens, pushes and pending approval pages; ``behaviour`` becomes
        ``Behaviour(path_prefix=<current prefix>)``. Accounts, client credentials and redirect URIs stay, and the
        server keeps running on the same port."""
        with self._lock:
            self.requests.clear()
            self._codes.clear()
            self._tokens.clear()
            self._pushes.clear()
            self._pending_approvals.clear()
            self.behaviour = Behaviour(path_prefix=self.behaviour.path_prefix)

    # ---- request handling -------------------------------------------------------------------------------------------

    _ROUTES: ClassVar[dict[str, tuple[str, str]]] = {
        # path below "{prefix}/v0/oauth/" -> (endpoint name, method)
        "user-discovery": ("user-discovery", "POST"),
        "authorize": ("authorize", "GET"),
        "authorize/decision": ("authorize-decision", "POST"),
        "token": ("token", "POST"),
        "certificate-discovery": ("certificate-discovery", "GET"),
        "signature": ("signature", "POST"),
    }

    def _route(self, path: str, behaviour: Behaviour) -> tuple[str, str | None]:
        if path == AUTHENTICATIONS_PATH:
            return "authentications", "GET"
        base = f"{behaviour.path_prefix}/v0/oauth/"
        if path.startswith(base) and path[len(base) :] in self._ROUTES:
            return self._ROUTES[path[len(base) :]]
        return "unknown", None

    def _handle(
        self, method: str, target: str, header_items: Iterable[tuple[str, str]], read_body: Callable[[], bytes]
    ) -> _Response | None:
        """Record the request, then delay, fail or answer it. ``None``: close the connection without an answer."""
        behaviour = self.behaviour
        split = urlsplit(target)
        endpoint, expected_method = self._route(split.path, behaviour)
        headers = {name.lower(): value for name, value in header_items}
        early: _Response | None = None
        try:
            body = read_body()
        except _Problem as problem:
            body, early = b"", problem.response()
        with self._lock:
            self.requests.append(RecordedRequest(endpoint, method, target, headers, body))
        if early is not None:
            return early
        if expected_method is None:
            return _Response.json(404, {"error": "not_found"})
        if method != expected_method:
            return _Response.json(
                405, {"error": "invalid_request", "error_description": "method not allowed"}, {"Allow": expected_method}
            )
        if behaviour.delay > 0 and (behaviour.delay_endpoints is None or endpoint in behaviour.delay_endpoints):
            if self._stopping.wait(behaviour.delay):
                return None
        if endpoint in behaviour.fail_endpoints:
            return _Response.json(behaviour.fail_endpoints[endpoint], {"error": "server_error"})
        handlers: dict[str, Callable[[_Request, Behaviour], _Response]] = {
            "user-discovery": self._user_discovery,
            "authorize": self._authorize,
            "authorize-decision": self._authorize_decision,
            "token": self._token,
            "certificate-discovery": self._certificate_discovery,
            "signature": self._signature,
            "authentications": self._authentications,
        }
        try:
            response = handlers[endpoint](_Request(method, split, headers, body), behaviour)
        except _Problem as problem:
            response = problem.response()
        return response

    def _accounts_for(self, cpf: str) -> list[Account]:
        with self._lock:
            return [a for a in self._accounts if a.cpf == cpf]

    def _check_client(self, client_id: Any, client_secret: Any) -> None:
        ok = (
            isinstance(client_id, str)
            and isinstance(client_secret, str)
            and secrets.compare_digest(client_id.encode(), self.client_id.encode())
            and secrets.compare_digest(client_secret.encode(), self.client_secret.encode())
        )
        if not ok:
            raise _Problem(401, "invalid_client", "unknown client or wrong client secret")

    # ---- user-discovery ---------------------------------------------------------------------------------------------

    def _user_discovery(self, request: _Request, behaviour: Behaviour) -> _Response:
        fields = request.json_object()
        self._check_client(fields.get("client_id"), fields.get("client_secret"))
        kind = _string_field(fields, "user_cpf_cnpj")
        number = _string_field(fields, "val_cpf_cnpj")
        if kind not in ("CPF", "CNPJ"):
            raise _invalid('user_cpf_cnpj must be "CPF" or "CNPJ"')
        if len(number) != (11 if kind == "CPF" else 14) or not number.isascii() or not number.isdigit():
            raise _invalid(f"val_cpf_cnpj must be the {kind}'s digits")
        accounts = self._accounts_for(number) if kind == "CPF" else []
        status = behaviour.discovery_status or ("S" if accounts else "N")
        if status == "N":
            return _Response.json(200, {"status": "N"})
        slots = [{"slot_alias": a.alias, "label": a.label} for a in accounts]
        return _Response.json(200, {"status": "S", "slots": slots})

    # ---- authorize --------------------------------------------------------------------------------------------------

    def _authorize(self, request: _Request, behaviour: Behaviour) -> _Response:
        grant = self._validated_grant(request.query(), behaviour)
        known = bool(self._accounts_for(grant.cpf))
        if grant.redirect_uri == PUSH_REDIRECT_URI:
            push_id = str(uuid.uuid4())
            status = "PENDING" if known and behaviour.approval != "deny" else "REJECTED"
            with self._lock:
                self._pushes[push_id] = _Push(grant, time.monotonic(), status)
            return _Response(200, f"code={push_id}".encode(), "text/plain; charset=utf-8")
        if not known:
            return self._denied(grant, "no certificate for this login_hint")
        if behaviour.approval == "deny":
            return self._denied(grant, "the holder refused the authorization")
        if behaviour.approval == "page":
            request_id = secrets.token_urlsafe(24)
            with self._lock:
                self._pending_approvals[request_id] = grant
            return self._approval_page(grant, request_id, behaviour)
        return self._approved(grant, behaviour)

    def _validated_grant(self, query: Mapping[str, str], behaviour: Behaviour) -> _Grant:
        client_id = query.get("client_id", "")
        if not secrets.compare_digest(client_id.encode(), self.client_id.encode()):
            raise _Problem(400, "invalid_client", "unknown client_id")
        redirect_uri, given = query.get("redirect_uri"), True
        if redirect_uri is None and self.redirect_uris:
            redirect_uri, given = self.redirect_uris[0], False
        if not redirect_uri or not self._redirect_uri_allowed(redirect_uri, behaviour):
            raise _invalid("redirect_uri missing or not registered")
        # From here on the redirect_uri is trusted, but errors are still answered 400 JSON (no redirect).
        if query.get("response_type") != "code":
            raise _Problem(400, "unsupported_response_type", "response_type must be code")
        if query.get("code_challenge_method") != "S256":
            raise _invalid("code_challenge_method must be S256")
        challenge = query.get("code_challenge", "")
        if not _is_code_challenge(challenge):
            raise _invalid("code_challenge missing or not an S256 challenge")
        scope = query.get("scope", "")
        if scope not in SCOPES:
            raise _Problem(400, "invalid_scope", f"scope must be one of {', '.join(sorted(SCOPES))}")
        lifetime = query.get("lifetime")
        if lifetime is not None and not (
            lifetime.isascii() and lifetime.isdigit() and 0 < int(lifetime) <= MAX_LIFETIME_SECONDS
        ):
            raise _invalid(f"lifetime must be an integer number of seconds, 1 to {MAX_LIFETIME_SECONDS}")
        cpf = query.get("login_hint", "")
        if len(cpf) != 11 or not cpf.isascii() or not cpf.isdigit():
            raise _invalid("login_hint must be the CPF's 11 digits")
        return _Grant(client_id, redirect_uri, given, challenge, scope, cpf, query.get("state"))

    def _redirect_uri_allowed(self, uri: str, behaviour: Behaviour) -> bool:
        if uri == PUSH_REDIRECT_URI:
            return behaviour.push
        if self.redirect_uris:
            return uri in self.redirect_uris
        try:
            parts = urlsplit(uri)
        except ValueError:
            return False
        return parts.scheme in ("http", "https") and bool(parts.hostname) and not parts.fragment and "#" not in uri

    def _issue_code(self, grant: _Grant, behaviour: Behaviour) -> str:
        code = secrets.token_urlsafe(32)
        with self._lock:
            self._codes[code] = _Code(grant, time.monotonic() + behaviour.code_lifetime)
        return code

    def _approved(self, grant: _Grant, behaviour: Behaviour) -> _Response:
        code = self._issue_code(grant, behaviour)
        return _Response.redirect(_with_query(grant.redirect_uri, {"code": code, "state": grant.state}))

    @staticmethod
    def _denied(grant: _Grant, description: str) -> _Response:
        params = {"error": "access_denied", "error_description": description, "state": grant.state}
        return _Response.redirect(_with_query(grant.redirect_uri, params))

    def _approval_page(self, grant: _Grant, request_id: str, behaviour: Behaviour) -> _Response:
        e = html.escape
        labels = ", ".join(a.label for a in self._accounts_for(grant.cpf))
        action = f"{behaviour.path_prefix}/v0/oauth/authorize/decision"
        page = f"""<!DOCTYPE html>
<html lang="pt-BR">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Simulador de PSC: autorizar acesso ao certificado</title>
</head>
<body>
<main>
<h1>Simulador de PSC</h1>
<p>Uma aplicação pede autorização para usar o seu certificado digital em nuvem.</p>
<dl>
<dt>Titular (CPF)</dt><dd id="cpf">{e(_formatted_cpf(grant.cpf))}</dd>
<dt>Aplicação</dt><dd id="client">{e(grant.client_id)}</dd>
<dt>Finalidade</dt><dd id="scope">{e(grant.scope)} ({e(_SCOPE_DESCRIPTIONS[grant.scope])})</dd>
<dt>Certificado</dt><dd>{e(labels)}</dd>
<dt>Retorno para</dt><dd>{e(grant.redirect_uri)}</dd>
</dl>
<form method="post" action="{e(action)}">
<input type="hidden" name="request_id" value="{e(request_id)}">
<button type="submit" name="decision" value="aprovar">Aprovar</button>
<button type="submit" name="decision" value="recusar">Recusar</button>
</form>
<p><small>Ambiente de testes: nenhuma chave real é usada.</small></p>
</main>
</body>
</html>
"""
        headers = {
            # No form-action: browsers apply it to the redirect that follows the form's submission.
            "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
        }
        return _Response(200, page.encode(), "text/html; charset=utf-8", headers)

    def _authorize_decision(self, request: _Request, behaviour: Behaviour) -> _Response:
        if request.media_type != "application/x-www-form-urlencoded":
            raise _invalid("the decision is a form post")
        fields = request.form()
        decision = fields.get("decision")
        if decision not in ("aprovar", "recusar"):
            raise _invalid('decision must be "aprovar" or "recusar"')
        with self._lock:
            grant = self._pending_approvals.pop(fields.get("request_id", ""), None)
        if grant is None:
            raise _invalid("unknown or already decided request_id")
        if decision == "recusar":
            return self._denied(grant, "the holder refused the authorization")
        return self._approved(grant, behaviour)

    # ---- push (VIDaaS) ----------------------------------------------------------------------------------------------

    def _authentications(self, request: _Request, behaviour: Behaviour) -> _Response:
        push_id = request.query().get("code")
        if not push_id:
            raise _invalid("missing code")
        with self._lock:
            push = self._pushes.get(push_id)
            if push is None:
                return _Response.json(404, {"error": "not_found"})
            if push.status == "PENDING":
                if behaviour.approval == "deny":
                    push.status = "REJECTED"
                elif time.monotonic() - push.created_at >= behaviour.push_approve_after:
                    push.status = "APPROVED"
            if push.status != "APPROVED":
                return _Response.json(200, {"status": push.status})
            if push.code is None:  # the same authorization code on every poll once approved
                push.code = self._issue_code(push.grant, behaviour)
            code = push.code
        return _Response.json(200, {"authorizationToken": code, "redirectUrl": PUSH_REDIRECT_URI})

    # ---- token ------------------------------------------------------------------------------------------------------

    def _token(self, request: _Request, behaviour: Behaviour) -> _Response:
        fields = self._token_fields(request, behaviour.token_encoding)
        if fields.get("grant_type") != "authorization_code":
            raise _Problem(400, "unsupported_grant_type", "grant_type must be authorization_code")
        self._check_client(fields.get("client_id"), fields.get("client_secret"))
        code = fields.get("code")
        if not code:
            raise _invalid("missing code")
        with self._lock:
            issued = self._codes.pop(code, None)  # consumed by this attempt, whatever its outcome
        if issued is None:
            raise _Problem(400, "invalid_grant", "unknown or already used code")
        grant = issued.grant
        if time.monotonic() >= issued.expires_at:
            raise _Problem(400, "invalid_grant", "expired code")
        if grant.client_id != fields["client_id"]:
            raise _Problem(400, "invalid_grant", "code issued to another client")
        redirect_uri = fields.get("redirect_uri")
        may_omit = not grant.redirect_uri_given or grant.redirect_uri == PUSH_REDIRECT_URI
        if redirect_uri != grant.redirect_uri and not (redirect_uri is None and may_omit):
            raise _Problem(400, "invalid_grant", "redirect_uri differs from the authorization request's")
        verifier = fields.get("code_verifier", "")
        if not _is_code_verifier(verifier) or not secrets.compare_digest(_s256(verifier), grant.code_challenge):
            raise _Problem(400, "invalid_grant", "code_verifier does not match the code_challenge")
        access_token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[access_token] = _Token(
                grant.client_id, grant.scope, grant.cpf, time.monotonic() + behaviour.token_lifetime
            )
        payload = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": round(behaviour.token_lifetime),
            "scope": grant.scope,
            "authorized_identification_type": "CPF",
            "authorized_identification": behaviour.token_cpf or grant.cpf,
        }
        return _Response.json(200, payload, {"Pragma": "no-cache"})

    @staticmethod
    def _token_fields(request: _Request, expected: str) -> dict[str, str]:
        media = request.media_type
        if media == "application/json":
            received = "json"
        elif media == "application/x-www-form-urlencoded":
            received = "form"
        else:
            received = "json" if request.body.lstrip().startswith(b"{") else "form"
        if received != expected:
            wanted = "application/json" if expected == "json" else "application/x-www-form-urlencoded"
            raise _invalid(f"this PSC expects the token request as {wanted}")
        if received == "form":
            return request.form()
        fields = request.json_object()
        if not all(isinstance(v, str) for v in fields.values()):
            raise _invalid("every token request field must be a string")
        return {k: str(v) for k, v in fields.items()}

    # ---- bearer endpoints -------------------------------------------------------------------------------------------

    def _token_of(self, request: _Request) -> _Token:
        token = request.bearer_token()
        with self._lock:
            found = self._tokens.get(token) if token else None
        if found is None or time.monotonic() >= found.expires_at:
            challenge = 'Bearer error="invalid_token"'
            raise _Problem(401, "invalid_token", "missing, unknown or expired token", {"WWW-Authenticate": challenge})
        return found

    def _certificate_discovery(self, request: _Request, behaviour: Behaviour) -> _Response:
        token = self._token_of(request)
        certificates = [
            {"alias": a.alias, "certificate": self._certificate_text(a.certificate, behaviour)}
            for a in self._accounts_for(token.cpf)
        ]
        return _Response.json(200, {"status": "S", "certificates": certificates})

    @staticmethod
    def _certificate_text(certificate: x509.Certificate, behaviour: Behaviour) -> str:
        if behaviour.certificate_format == "base64":
            return base64.b64encode(certificate.public_bytes(serialization.Encoding.DER)).decode("ascii")
        return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")

    def _signature(self, request: _Request, behaviour: Behaviour) -> _Response:
        token = self._token_of(request)
        if token.scope == "authentication_session":
            raise _Problem(403, "insufficient_scope", "an authentication_session token cannot sign")
        fields = request.json_object()
        alias = _string_field(fields, "certificate_alias")
        account = next((a for a in self._accounts_for(token.cpf) if a.alias == alias), None)
        if account is None:
            raise _invalid("certificate_alias is not a certificate of the token's holder")
        items = fields.get("hashes")
        if not isinstance(items, list) or not items:
            raise _invalid("hashes must be a non-empty list")
        if token.scope == "single_signature" and len(items) > 1:
            raise _invalid("a single_signature token signs exactly one hash")
        to_sign = [self._hash_item(item, behaviour.hash_encoding) for item in items]
        if token.scope in ("single_signature", "multi_signature"):
            with self._lock:
                if token.used:
                    raise _Problem(401, "invalid_token", "this token has already signed")
                token.used = True
        key = behaviour.sign_with or account.key
        signatures = []
        for item_id, digest in to_sign:
            if behaviour.bad_signature:
                digest = hashlib.sha256(b"not what was asked: " + digest).digest()
            raw = _sign(key, digest)
            signatures.append({"id": item_id, "raw_signature": base64.b64encode(raw).decode("ascii")})
        return _Response.json(200, {"certificate_alias": alias, "signatures": signatures})

    @staticmethod
    def _hash_item(item: Any, encoding: str) -> tuple[str | int, bytes]:
        if not isinstance(item, dict):
            raise _invalid("each hash must be a JSON object")
        item_id = item.get("id")
        if not isinstance(item_id, str | int) or isinstance(item_id, bool) or item_id == "":
            raise _invalid("each hash needs an id")
        if not isinstance(item.get("alias", ""), str):
            raise _invalid("alias must be a string")
        if item.get("hash_algorithm") != SHA256_OID:
            raise _invalid(f"hash_algorithm must be {SHA256_OID} (SHA-256)")
        if item.get("signature_format") != "RAW":
            raise _invalid("signature_format must be RAW")
        value = item.get("hash")
        digest: bytes | None = None
        if isinstance(value, str):
            try:
                digest = bytes.fromhex(value) if encoding == "hex" else base64.b64decode(value, validate=True)
            except (ValueError, binascii.Error):
                digest = None
        if digest is None or len(digest) != 32:
            raise _invalid(f"hash must be a SHA-256 digest in {encoding}")
        return item_id, digest


# --------------------------------------------------------------------------------------------------------------------
# Command line (the demo runs the simulator as a process)


def _load_accounts(certificates: Sequence[Path], keys: Sequence[Path]) -> list[Account]:
    from certauth.icp.identity import extract_identity  # pure, no Django

    accounts: list[Account] = []
    for certificate_path, key_path in zip(certificates, keys, strict=True):
        certificate = x509.load_pem_x509_certificate(certificate_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise ValueError(f"{key_path}: only RSA and EC keys are supported")
        cpf = extract_identity(certificate).cpf
        same_cpf = sum(1 for a in accounts if a.cpf == cpf)
        alias = "cert-a3-nuvem" if same_cpf == 0 else f"cert-a3-nuvem-{same_cpf + 1}"
        accounts.append(Account(cpf=cpf, certificate=certificate, key=key, alias=alias))
    return accounts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cloudauth.simulator",
        description="A PSC simulator (DOC-ICP-17.01 API v0) on loopback. Serves until SIGTERM or Ctrl-C.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: any free port (printed on stdout)")
    parser.add_argument("--certificate", type=Path, action="append", required=True, help="PEM; repeatable")
    parser.add_argument("--key", type=Path, action="append", required=True, help="PEM PKCS#8, unencrypted; one each")
    parser.add_argument("--prefix", default="", help="path prefix before /v0/oauth (NeoID: /psc)")
    parser.add_argument("--hash-encoding", choices=("base64", "hex"), default="base64")
    parser.add_argument("--token-encoding", choices=("form", "json"), default="form")
    parser.add_argument("--push", action="store_true", help="accept VIDaaS-style push (redirect_uri=push://)")
    parser.add_argument("--approval", choices=("auto", "deny", "page"), default="auto")
    parser.add_argument("--client-id", default="portal-a3-inss")
    parser.add_argument("--client-secret", default="segredo-de-teste")
    parser.add_argument("--redirect-uri", action="append", default=[], help="registered redirect URI; repeatable")
    args = parser.parse_args(argv)
    if len(args.certificate) != len(args.key):
        parser.error("give one --key for each --certificate")
    prefix = args.prefix.strip().rstrip("/")
    if prefix and not prefix.startswith("/"):
        prefix = "/" + prefix
    try:
        accounts = _load_accounts(args.certificate, args.key)
    except Exception as error:  # any unreadable input is a usage error
        parser.error(f"cannot load the accounts: {error}")
    behaviour = Behaviour(
        path_prefix=prefix,
        hash_encoding=args.hash_encoding,
        token_encoding=args.token_encoding,
        push=args.push,
        approval=args.approval,
    )
    simulator = PscSimulator(
        accounts,
        client_id=args.client_id,
        client_secret=args.client_secret,
        redirect_uris=args.redirect_uri,
        behaviour=behaviour,
        host=args.host,
        port=args.port,
    )
    stopped = threading.Event()

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, on_sigterm)
    simulator.start()
    cpfs = ", ".join(sorted({a.cpf for a in accounts}))
    print(f"PSC simulator listening on {simulator.base_url} (API {simulator.oauth_url}; CPF {cpfs})", flush=True)
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        simulator.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
