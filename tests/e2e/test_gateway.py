"""The A3 gateway through the real nginx (auth_request) and gunicorn: a legacy system (here a recorder in the test
process) gets each request of an open member session with identity headers it verifies; an anonymous request goes
to the portal's login and comes back; a session ended at the portal is refused with nginx's page; nothing the
browser sends as X-A3-* reaches the upstream, and a header set copied elsewhere does not verify."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import quote

import pytest

from oidc.gateway_signature import SIGNATURE_HEADER, GatewaySignatureError, verify
from portal.models import Member
from portal.session_access import end_sessions
from tests.conftest import LAWYER
from tests.e2e.conftest import BRASILIA_DATETIME, E2EStack, element_text

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@dataclass
class Seen:
    method: str
    target: str
    headers: dict[str, str]


@dataclass
class Recorder:
    """The upstream: records what reached it and answers whether the identity verified (as a legacy system would)."""

    secret: str
    requests: list[Seen] = field(default_factory=list)

    def verdict(self, seen: Seen) -> str:
        try:
            return f"ok {verify(self.secret, method=seen.method, uri=seen.target, headers=seen.headers).cpf}"
        except GatewaySignatureError as refusal:
            return f"refused {refusal}"


@pytest.fixture(scope="module")
def upstream(e2e_stack: E2EStack) -> Iterator[Recorder]:
    recorder = Recorder(e2e_stack.gateway_secret)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            seen = Seen(self.command, self.path, {k: v for k, v in self.headers.items()})
            recorder.requests.append(seen)
            body = recorder.verdict(seen).encode()
            self.send_response(200 if body.startswith(b"ok") else 403)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = answer

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", e2e_stack.gateway_upstream_port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def recorder(upstream: Recorder) -> Recorder:
    upstream.requests.clear()
    return upstream


@pytest.fixture
def member_browser(e2e_stack, browser_factory, member_factory, pki):
    member_factory(oab="123456SP")
    browser = browser_factory(pki.issue(LAWYER.but(oab="123456SP")))
    assert browser.login().status == 302
    return browser


def login_redirect(stack: E2EStack, uri: str) -> str:
    return f"{stack.portal}/?next={quote(stack.gateway + uri, safe='')}"


def assert_refused_page(response, code: str) -> None:
    assert response.status == 403, response
    assert element_text(response.body, "codigo-erro") == code, response
    assert (element_text(response.body, "referencia") or "").strip(), response
    assert BRASILIA_DATETIME.fullmatch(element_text(response.body, "data-hora") or ""), response
    assert "Acesso ao sistema recusado" in response.body


def test_an_open_session_passes_with_identity_headers_the_upstream_verifies(e2e_stack, member_browser, recorder):
    uri = "/legado/beneficios?cpf=1&aba=%C3%A9"
    response = member_browser.get(e2e_stack.gateway + uri)
    assert response.status == 200, response
    assert response.body == f"ok {LAWYER.cpf}"
    [seen] = recorder.requests
    assert (seen.method, seen.target) == ("GET", uri), "the URI reaches the upstream as the browser sent it"
    identity = verify(e2e_stack.gateway_secret, method="GET", uri=uri, headers=seen.headers)
    assert (identity.name, identity.method, identity.assurance) == (
        "Maria da Silva",
        "x509_token",
        "urn:inss:a3:acr:a3",
    )
    cookies = seen.headers.get("Cookie", "")
    assert "sessionid" not in cookies and "csrftoken" not in cookies, "the portal's cookies stay at the portal"


def test_a_post_passes_with_its_body_and_is_signed_as_a_post(e2e_stack, member_browser, recorder):
    response = member_browser.post(
        f"{e2e_stack.gateway}/legado/form", data="a=1", headers=[("Content-Type", "application/x-www-form-urlencoded")]
    )
    assert response.status == 200, response
    [seen] = recorder.requests
    assert seen.method == "POST" and seen.headers["Content-Type"] == "application/x-www-form-urlencoded"


def test_an_anonymous_request_goes_to_the_login_and_back(e2e_stack, browser_factory, recorder):
    uri = "/legado/beneficios?aba=2&x=%C3%A9"
    response = browser_factory().get(e2e_stack.gateway + uri)
    assert response.status == 302, response
    assert response.header("Location") == login_redirect(e2e_stack, uri)
    assert recorder.requests == []


def test_the_gateways_root_leads_to_the_legacy_system(e2e_stack, browser_factory):
    response = browser_factory().get(f"{e2e_stack.gateway}/")
    assert (response.status, response.header("Location")) == (302, f"{e2e_stack.gateway}/legado/"), response


def test_a_session_staff_ended_is_refused_at_the_gateway(e2e_stack, member_browser, recorder):
    assert member_browser.get(f"{e2e_stack.gateway}/legado/").status == 200
    member = Member.objects.get(cpf=LAWYER.cpf)
    assert end_sessions(user_ids=[member.user_id]) == 1
    response = member_browser.get(f"{e2e_stack.gateway}/legado/")
    assert_refused_page(response, "SESSION_ENDED")
    assert len(recorder.requests) == 1
    # ended for good: the next request is sent to the login
    assert member_browser.get(f"{e2e_stack.gateway}/legado/").status == 302


def test_a_member_deactivated_is_refused_at_the_gateway(e2e_stack, member_browser, recorder):
    assert member_browser.get(f"{e2e_stack.gateway}/legado/").status == 200
    member = Member.objects.get(cpf=LAWYER.cpf)
    member.active = False
    member.save()  # what the admin's save does
    assert_refused_page(member_browser.get(f"{e2e_stack.gateway}/legado/"), "MEMBER_INACTIVE")
    assert len(recorder.requests) == 1


def test_identity_headers_the_browser_sends_never_reach_the_upstream(
    e2e_stack, member_browser, browser_factory, recorder
):
    forged = [
        ("X-A3-CPF", "11144477735"),
        ("X-A3-Name", "Impostor"),
        ("x-a3-entity", "OUTRA"),
        ("X-A3-Signature", "v1=" + "0" * 64),
        ("X-A3-Extra", "qualquer"),
        ("X-A3-Original-URI", "/legado/outro"),
    ]
    response = member_browser.get(f"{e2e_stack.gateway}/legado/", headers=forged)
    assert response.status == 200, response
    [seen] = recorder.requests
    received = {k.lower(): v for k, v in seen.headers.items()}
    assert received["x-a3-cpf"] == LAWYER.cpf and received["x-a3-name"] == "Maria%20da%20Silva"
    assert "x-a3-extra" not in received and "x-a3-original-uri" not in received
    assert received["x-a3-signature"] != "v1=" + "0" * 64

    assert browser_factory().get(f"{e2e_stack.gateway}/legado/", headers=forged).status == 302
    assert len(recorder.requests) == 1


def test_a_header_set_replayed_on_another_url_or_forged_fails_verification(e2e_stack, member_browser, recorder):
    assert member_browser.get(f"{e2e_stack.gateway}/legado/a").status == 200
    [seen] = recorder.requests
    signed = {k: v for k, v in seen.headers.items() if k.lower().startswith("x-a3-")}
    assert recorder.verdict(Seen("GET", "/legado/a", signed)).startswith("ok")
    assert recorder.verdict(Seen("GET", "/legado/admin", signed)) == "refused bad signature"
    assert recorder.verdict(Seen("POST", "/legado/a", signed)) == "refused bad signature"
    forged = {**signed, "X-A3-CPF": "11144477735"}
    assert recorder.verdict(Seen("GET", "/legado/a", forged)) == "refused bad signature"
    timestamp = int(signed["X-A3-Timestamp"])
    with pytest.raises(GatewaySignatureError, match="stale"):
        verify(e2e_stack.gateway_secret, method="GET", uri="/legado/a", headers=signed, now=timestamp + 61)
    assert SIGNATURE_HEADER in signed
