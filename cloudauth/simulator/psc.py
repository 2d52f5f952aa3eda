"""The simulated PSC: its endpoints, on a loopback server."""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import Any, ClassVar
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from cloudauth.simulator.model import (
    _SCOPE_DESCRIPTIONS,
    AUTHENTICATIONS_PATH,
    MAX_LIFETIME_SECONDS,
    PUSH_REDIRECT_URI,
    SCOPES,
    SHA256_OID,
    Account,
    Behaviour,
    RecordedRequest,
)
from cloudauth.simulator.protocol import (
    _Code,
    _formatted_cpf,
    _Grant,
    _invalid,
    _is_code_challenge,
    _is_code_verifier,
    _Problem,
    _Push,
    _Request,
    _Response,
    _s256,
    _sign,
    _string_field,
    _Token,
    _with_query,
)
from cloudauth.simulator.transport import _Server

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
