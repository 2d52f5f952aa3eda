"""The OpenID provider on two portal hosts (one PostgreSQL): a code obtained on host A is exchanged at host B's token
endpoint (the relying party is Authlib's ``OAuth2Session``), and when the member is deactivated the client's
back-channel receiver gets exactly one logout token while ``manage.py oidc_worker`` runs on both hosts at once;
refreshes are refused at both hosts afterwards."""

from __future__ import annotations

import http.server
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from portal.serving.processes import BASE_DIR
from tests.e2e.conftest import Browser, E2EStack
from tests.e2e.multihost.conftest import TwoHosts
from tests.e2e.oidc_rp import BACKCHANNEL_EVENT, AuthlibRP, TokenRefused, code_redirect, register_client
from tests.e2e.test_load import valid_cpf

pytestmark = [pytest.mark.e2e]

WORKER_INTERVAL = 0.2  #: seconds between the workers' rounds (1 s in production)
#: The client answers a logout after this long: meanwhile the other host's rounds see the row still undelivered (a
#: claim that did not hold would deliver it twice).
RECEIVER_DELAY = 1.0


class BackchannelReceiver:
    """The client's back-channel logout endpoint: an HTTP server in the test process that records every POST."""

    def __init__(self) -> None:
        self.tokens: list[str] = []
        self.received_at: list[float] = []
        tokens, received_at = self.tokens, self.received_at

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
                tokens.extend(parse_qs(body).get("logout_token", ["(no logout_token) " + body]))
                received_at.append(time.monotonic())
                time.sleep(RECEIVER_DELAY)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/backchannel-logout"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[BackchannelReceiver]:
    running = BackchannelReceiver()
    yield running
    running.close()


@pytest.fixture
def workers_on_both_hosts(two_hosts: TwoHosts, tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    """``manage.py oidc_worker`` in host A's and host B's environment at once (one per host, as in production)."""
    processes = []
    for name, host in (("a", two_hosts.a), ("b", two_hosts.b)):
        with (tmp_path / f"worker-{name}.log").open("wb") as log:
            processes.append(
                subprocess.Popen(
                    [sys.executable, "manage.py", "oidc_worker", "--interval", str(WORKER_INTERVAL)]
                    + ["--host-id", f"host-{name}"],
                    cwd=BASE_DIR,
                    env=dict(host.stack.env),
                    stdout=log,
                    stderr=log,
                )
            )
    yield processes
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def token_endpoint(host: E2EStack) -> str:
    return f"{host.portal}/oidc/token/"


def refresh_at(rp: AuthlibRP, host: E2EStack, refresh_token: str) -> dict[str, Any]:
    """A refresh sent to ``host``'s own token endpoint; :class:`TokenRefused` if refused."""
    answer = requests.post(
        token_endpoint(host),
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=(rp.registration.client_id, rp.registration.client_secret),
        verify=rp.verify,
        timeout=20,
    )
    if answer.status_code != 200:
        raise TokenRefused(answer.status_code, answer.json())
    return dict(answer.json())


def verified_logout_token(rp: AuthlibRP, token: str) -> dict[str, Any]:
    decoded = jwt.decode(
        token,
        key=KeySet.import_key_set(rp.jwks()),
        registry=JWSRegistry(algorithms=["RS256"]),  # type: ignore[arg-type]
    )
    assert decoded.header.get("typ") == "logout+jwt", decoded.header
    return dict(decoded.claims)


def wait_until(predicate: Any, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out after {timeout:.0f} s waiting until {what}"
        time.sleep(0.05)


def test_a_code_from_host_a_exchanged_at_host_b_ends_with_one_logout_though_both_hosts_run_the_worker(
    two_hosts, receiver, workers_on_both_hosts, tmp_path
):
    cpf = valid_cpf(333_444_555)
    browser = Browser(two_hosts.a, tmp_path, two_hosts.add_member(cpf, "Elisa Ramos"))
    assert browser.login().status == 302
    rp = AuthlibRP(two_hosts.a, register_client(two_hosts.a, backchannel_logout_uri=receiver.url))
    assert rp.issuer == two_hosts.a.portal  # the public name both hosts are configured with

    pending = rp.start()
    location = code_redirect(browser, pending.url)  # the code, from host A
    tokens = rp.session.fetch_token(  # exchanged at host B
        token_endpoint(two_hosts.b),
        authorization_response=location,
        state=pending.state,
        code_verifier=pending.verifier,
    )
    claims = rp.id_token_claims(tokens, pending.nonce)  # signature (A's JWKS), iss, aud, nonce, at_hash
    assert claims["sub"] == cpf and claims["sid"], claims
    refreshed = refresh_at(rp, two_hosts.b, tokens["refresh_token"])  # refreshes work on B while the session lasts
    assert refreshed["refresh_token"] != tokens["refresh_token"]

    saved = time.monotonic()
    two_hosts.orm(f"from portal.models import Member\nm = Member.objects.get(cpf={cpf!r})\nm.active = False\nm.save()")
    wait_until(lambda: receiver.tokens, "the client received a logout token")
    delivered_in = receiver.received_at[0] - saved
    time.sleep(20 * WORKER_INTERVAL)  # both workers' next rounds: a second delivery would come now

    assert len(receiver.tokens) == 1, receiver.tokens
    logout = verified_logout_token(rp, receiver.tokens[0])
    assert logout["iss"] == two_hosts.a.portal and logout["aud"] in (
        rp.registration.client_id,
        [rp.registration.client_id],
    )
    assert logout["sub"] == cpf and logout["sid"] == claims["sid"]
    assert logout["events"] == {BACKCHANNEL_EVENT: {}}
    assert "nonce" not in logout
    for host in two_hosts.hosts():
        for refresh_token in (tokens["refresh_token"], refreshed["refresh_token"]):
            with pytest.raises(TokenRefused) as refused:
                refresh_at(rp, host, refresh_token)
            assert refused.value.error == "invalid_grant", (host.portal, refused.value)
    deliveries = two_hosts.orm(
        "from oidc.models import LogoutDelivery\n"
        "result = list(LogoutDelivery.objects.filter(session_client__client__client_id="
        f"{rp.registration.client_id!r}).values_list('attempts', flat=True))"
    )
    assert deliveries == [1], deliveries
    print(f"\nmember saved inactive → logout token at the client: {delivered_in * 1000:.0f} ms (two workers)")
