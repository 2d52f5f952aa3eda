"""Shared fixtures of the OpenID provider's tests: clients, session links with a logout owed, a real HTTP receiver
standing in for a client's back-channel logout endpoint, and the JWKS the provider publishes."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import secrets
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import RequestFactory
from django.utils import timezone
from jwcrypto import jwk, jwt
from oauth2_provider.views.oidc import JwksInfoView

from oidc.models import Client, LogoutDelivery, SessionClient
from portal.models import Member, User
from tests.conftest import LAWYER


@dataclass(frozen=True)
class Received:
    path: str
    content_type: str
    form: dict[str, list[str]]

    @property
    def logout_token(self) -> str:
        return self.form["logout_token"][0]


class BackchannelReceiver:
    """A client's back-channel logout endpoint on loopback: records every POST, answers ``status`` (after ``delay``
    seconds), and can be taken down (connection refused) and brought back on the same port."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.status = 200
        self.delay = 0.0
        self.headers: dict[str, str] = {}
        self._lock = threading.Lock()
        self._server: http.server.ThreadingHTTPServer | None = None
        self.port = 0
        self.up()

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver._lock:
                    receiver.received.append(
                        Received(
                            path=self.path,
                            content_type=self.headers.get("Content-Type", ""),
                            form=urllib.parse.parse_qs(body.decode()),
                        )
                    )
                if receiver.delay:
                    time.sleep(receiver.delay)
                self.send_response(receiver.status)
                for name, value in receiver.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def up(self) -> None:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        server.daemon_threads = True
        self.port = int(server.server_address[1])
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self._server = server

    def down(self) -> None:
        """Nothing listens on the port any more (a POST gets "connection refused")."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def url(self, path: str = "/backchannel-logout") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def tokens(self) -> list[str]:
        with self._lock:
            return [r.logout_token for r in self.received]


@pytest.fixture
def backchannel() -> Iterator[BackchannelReceiver]:
    receiver = BackchannelReceiver()
    yield receiver
    receiver.down()


@pytest.fixture
def oidc_client_factory(db: None) -> Callable[..., Client]:
    """``oidc_client_factory(backchannel_logout_uri=..., name=...)``: a confidential code-flow client."""

    def make(*, backchannel_logout_uri: str = "", name: str = "PAT (teste)", **fields: Any) -> Client:
        client: Client = Client.objects.create(
            name=name,
            client_type=Client.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Client.GRANT_AUTHORIZATION_CODE,
            redirect_uris="https://pat.example/retorno",
            algorithm=Client.RS256_ALGORITHM,
            skip_authorization=True,
            backchannel_logout_uri=backchannel_logout_uri,
            **fields,
        )
        return client

    return make


@pytest.fixture
def member_account(member_factory: Callable[..., Member]) -> Callable[..., User]:
    """``member_account(cpf)``: a member with a login account (the account a session link names)."""

    def make(cpf: str = LAWYER.cpf) -> User:
        member = member_factory(cpf)
        member.user = User.objects.create_user(username=cpf)
        member.save()
        return member.user

    return make


@pytest.fixture
def owed_logout(member_account: Callable[..., User]) -> Callable[..., LogoutDelivery]:
    """``owed_logout(client, user=None, due=now)``: an ended session link with its logout owed (as
    ``oidc.receivers.end_links`` leaves it); ``user`` defaults to one member's account for the whole test."""

    default: list[User] = []

    def make(client: Client, *, user: User | None = None, due: dt.datetime | None = None) -> LogoutDelivery:
        if user is None:
            default[:] = default or [member_account()]
            user = default[0]
        link = SessionClient.objects.create(
            session_key=secrets.token_hex(16),
            client=client,
            user=user,
            ended_at=timezone.now(),
            end_reason="LOGOUT",
        )
        return LogoutDelivery.objects.create(session_client=link, next_attempt_at=due or timezone.now())

    return make


def published_jwks() -> jwk.JWKSet:
    """The JWKS django-oauth-toolkit's view serves at ``/oidc/jwks/`` (with the current settings)."""
    response = JwksInfoView.as_view()(RequestFactory().get("/oidc/jwks/"))
    assert response.status_code == 200
    return jwk.JWKSet.from_json(response.content)


def verified_logout_token(token: str, jwks: jwk.JWKSet | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(header, claims) of a logout token whose RS256 signature checks against the published JWKS (by its kid)."""
    checked = jwt.JWT(jwt=token, key=jwks or published_jwks(), algs=["RS256"], expected_type="JWS")
    return json.loads(checked.header), json.loads(checked.claims)


# ------------------------------------------------------------------ the relying party of the flow tests
RP_REDIRECT = "https://pat.example/retorno"
RP_SECRET = "segredo-do-cliente-de-teste-0123456789"  # noqa: S105


@pytest.fixture
def rp(db: None) -> Client:
    client = Client(
        name="PAT de teste",
        client_id="pat-teste",
        client_type=Client.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Client.GRANT_AUTHORIZATION_CODE,
        redirect_uris=RP_REDIRECT,
        post_logout_redirect_uris="https://pat.example/",
        backchannel_logout_uri="https://pat.example/backchannel",
        skip_authorization=True,
        algorithm=Client.RS256_ALGORITHM,
        client_secret=RP_SECRET,
    )
    client.save()
    return client
