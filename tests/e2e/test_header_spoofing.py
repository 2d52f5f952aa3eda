"""Forged trust headers, against the real nginx + gunicorn: none of them logs anybody in.

Extends ``test_proxy_boundary.py`` (which covers: no / wrong / empty / duplicated-right / underscored secret straight
to gunicorn, and the full set of forged headers in both spellings on each host) with the cases below. What is
expected, and why:

* **Straight to gunicorn** (bypassing nginx, as any process on the host could). The e2e stack leaves
  ``CERTAUTH_TRUSTED_PROXIES`` unset (``tests/e2e/conftest.py`` strips it from the environment), so the shared
  secret alone decides. Any value of ``X-Proxy-Secret`` other than exactly the secret — a prefix, a longer value,
  another case, the secret split over two headers or next to a wrong one (gunicorn joins repeated headers with
  ``,``), or the secret in a cookie or the query string — is ``PROXY_UNTRUSTED``; nothing the sender said is
  believed (not its ``X-Real-IP``, request id or verify result) and the certificate is not even parsed.
  With the *right* secret the sender is the proxy by design; then two certificate headers are ``CERT_MALFORMED``
  (neither is picked) and an underscored one never reaches Django (gunicorn drops it: ``CERT_ABSENT``).
* **Straight to a gunicorn with ``CERTAUTH_TRUSTED_PROXIES=unix,10.0.0.0/8``** (the documented production setting,
  ``docs/deploy.md``): even the right secret over TCP from 127.0.0.1 is ``PROXY_UNTRUSTED``; over the unix socket
  it is believed (the control), a wrong secret still is not.
* **Through nginx to the login host without a TLS client certificate**: nginx overwrites every trusted header, so
  a forged one behaves as if it had not been sent: ``CERT_ABSENT`` (nginx's real secret makes Django trust the
  request, and nginx's empty certificate variable makes it send no certificate header at all), audited with
  nginx's request id and ``verify=NONE``. A forged *wrong* secret would turn this into ``PROXY_UNTRUSTED`` if nginx
  passed it along (gunicorn would join it with the real one), and a forged ``X-Forwarded-Proto: http`` into a
  301 (``SECURE_SSL_REDIRECT``) if Django believed it — so ``CERT_ABSENT`` is the precise proof of the overwrite.
* **Through nginx with a real TLS client certificate** and a forged header naming somebody else: the TLS one is
  used — its holder logs in (or is refused for their own reasons), never the person in the forged header.
* **Malformed header names** (a space before the colon): nginx (and gunicorn) answer 400 themselves.
* **The portal host** never runs the certificate view, whatever the spelling of the path.
"""

from __future__ import annotations

import datetime as dt
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes

from certauth.icp.builder import Issued, PersonSpec
from certauth.models import LoginAttempt
from portal.serving.processes import BASE_DIR, free_port
from tests.conftest import LAWYER
from tests.e2e.conftest import (
    E2EStack,
    Response,
    assert_audited_once,
    assert_not_logged_in,
    assert_rejection_page,
    cookies_from,
    curl,
    element_text,
    log_tails,
)
from tests.pki import escaped

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LOGIN_PATH = "/entrar/certificado/"
JOAO = PersonSpec("JOAO PEREIRA", "08301661305")  # a second member: whom the forged headers name
STRANGER = PersonSpec("PESSOA NAO CADASTRADA", "93786579741")  # a valid e-CPF of nobody in the portal
FORGED_IP = "203.0.113.9"
FORGED_REQUEST_ID = "f" * 32


@dataclass(frozen=True)
class People:
    maria: Issued  #: LAWYER, a member with OAB 123456SP
    joao: Issued  #: JOAO, a member

    @property
    def maria_header(self) -> str:
        return escaped(self.maria.certificate)

    @property
    def joao_header(self) -> str:
        return escaped(self.joao.certificate)


@pytest.fixture
def people(member_factory, entity_factory, pki) -> People:
    """Two members whose certificates would log them in if a forged header were believed."""
    entity = entity_factory(code="OAB-SP", uf="SP")
    member_factory(oab="123456SP", entity=entity)
    member_factory(JOAO.cpf, name="João Pereira", entity=entity)
    return People(maria=pki.issue(LAWYER), joao=pki.issue(JOAO))


def fingerprint(issued: Issued) -> str:
    return issued.certificate.fingerprint(hashes.SHA256()).hex()


def direct(stack: E2EStack, workdir: Path, headers, *, path: str = LOGIN_PATH, base: str | None = None, extra=()):
    """A request straight to a gunicorn, looking like HTTPS for the site's host name (as nginx would send it)."""
    return curl(
        stack,
        "GET",
        f"{base or stack.gunicorn}{path}",
        headers=[("Host", "localhost"), ("X-Forwarded-Proto", "https"), *headers],
        workdir=workdir,
        extra=extra,
    )


def assert_no_session_from(stack: E2EStack, browser_factory, response: Response) -> None:
    """No session cookie, and whatever cookies the response set, replayed on the portal host, open no dashboard."""
    cookies = cookies_from(response)
    assert "sessionid" not in cookies, response
    header = "; ".join(f"{k}={v}" for k, v in cookies.items())
    dashboard = browser_factory(None).get(f"{stack.portal}/painel/", headers=[("Cookie", header)] if header else [])
    assert dashboard.status == 302, dashboard
    assert not LoginAttempt.objects.filter(outcome="accepted").exists()


def assert_untrusted_and_unparsed(response: Response, *, ip: str = "127.0.0.1") -> LoginAttempt:
    """PROXY_UNTRUSTED, audited once; nothing the sender said was believed and its certificate was not parsed."""
    reference = assert_rejection_page(response, "PROXY_UNTRUSTED", status=403)
    row = assert_audited_once("PROXY_UNTRUSTED", reference)
    assert row.ip == ip, "the peer's address, never the forged X-Real-IP"
    assert (row.proxy_request_id, row.proxy_verify) == ("", ""), "an untrusted sender's headers are not believed"
    assert (row.cpf, row.cert_fingerprint, row.user) == ("", "", None), "an untrusted certificate is not parsed"
    return row


# ------------------------------------------------------------------------- straight to gunicorn, no valid secret


def _wrong(secret: str) -> str:
    return secret[:-4] + ("AAAA" if secret[-4:] != "AAAA" else "BBBB")


#: Forgeries of the secret not in test_proxy_boundary.py; each comes with forged informational headers too.
SECRET_FORGERIES: dict[str, Callable[[str], list[tuple[str, str]]]] = {
    "secret missing its last character": lambda s: [("X-Proxy-Secret", s[:-1])],
    "secret with one character more": lambda s: [("X-Proxy-Secret", s + "x")],
    "secret with its letters' case swapped": lambda s: [("X-Proxy-Secret", s.swapcase())],
    "wrong secret, then the right one": lambda s: [("X-Proxy-Secret", _wrong(s)), ("X-Proxy-Secret", s)],
    "right secret, then a wrong one": lambda s: [("X-Proxy-Secret", s), ("X-Proxy-Secret", _wrong(s))],
    "secret split over two headers": lambda s: [("X-Proxy-Secret", s[:20]), ("X-Proxy-Secret", s[20:])],
    "secret in a cookie": lambda s: [("Cookie", f"X-Proxy-Secret={s}; HTTP_X_PROXY_SECRET={s}")],
    "secret in a lookalike header": lambda s: [("X-Proxy-Secrets", s), ("Proxy-Secret", s), ("X-Proxy-Secret-", s)],
}


@pytest.mark.parametrize("how", list(SECRET_FORGERIES))
def test_straight_to_gunicorn_a_forged_secret_is_proxy_untrusted(how, e2e_stack, tmp_path, browser_factory, people):
    assert e2e_stack.proxy_secret.swapcase() != e2e_stack.proxy_secret, "the secret has letters"
    headers = [
        *SECRET_FORGERIES[how](e2e_stack.proxy_secret),
        ("X-SSL-Client-Cert", people.maria_header),
        ("X-SSL-Client-Verify", "SUCCESS"),
        ("X-Real-IP", FORGED_IP),
        ("X-Request-Id", FORGED_REQUEST_ID),
    ]

    response = direct(e2e_stack, tmp_path, headers)

    assert_untrusted_and_unparsed(response)
    assert_no_session_from(e2e_stack, browser_factory, response)


def test_straight_to_gunicorn_the_secret_in_the_query_string_is_proxy_untrusted(
    e2e_stack, tmp_path, browser_factory, people
):
    secret = e2e_stack.proxy_secret
    response = direct(
        e2e_stack,
        tmp_path,
        [("X-SSL-Client-Cert", people.maria_header)],
        path=f"{LOGIN_PATH}?X-Proxy-Secret={secret}&HTTP_X_PROXY_SECRET={secret}&secret={secret}",
    )

    assert_untrusted_and_unparsed(response)
    assert_no_session_from(e2e_stack, browser_factory, response)


# ------------------------------------------------------------------ straight to gunicorn, with the right secret


def test_control_straight_to_gunicorn_the_right_secret_is_the_whole_boundary_when_no_proxies_are_listed(
    e2e_stack, tmp_path, people
):
    """Without CERTAUTH_TRUSTED_PROXIES whoever holds the secret *is* the proxy: this is why the cases around it are
    refused for their forgery alone (and why production lists the proxy; see the restricted gunicorn below)."""
    response = direct(
        e2e_stack, tmp_path, [("X-Proxy-Secret", e2e_stack.proxy_secret), ("X-SSL-Client-Cert", people.maria_header)]
    )

    assert response.status == 302, response
    assert response.header("Location") == f"{e2e_stack.portal}/painel/", response
    row = LoginAttempt.objects.get()
    assert (row.outcome, row.cpf, row.cert_fingerprint) == ("accepted", LAWYER.cpf, fingerprint(people.maria))


def test_straight_to_gunicorn_two_certificate_headers_are_cert_malformed_even_with_the_right_secret(
    e2e_stack, tmp_path, browser_factory, people
):
    """gunicorn joins repeated headers with ","; certauth wants exactly one PEM block, so neither member (both of
    whom would log in alone) is picked."""
    response = direct(
        e2e_stack,
        tmp_path,
        [
            ("X-Proxy-Secret", e2e_stack.proxy_secret),
            ("X-SSL-Client-Cert", people.maria_header),
            ("X-SSL-Client-Cert", people.joao_header),
        ],
    )

    reference = assert_rejection_page(response, "CERT_MALFORMED", status=400)
    row = assert_audited_once("CERT_MALFORMED", reference)
    assert (row.cpf, row.cert_fingerprint, row.user) == ("", "", None)
    assert_no_session_from(e2e_stack, browser_factory, response)


def test_straight_to_gunicorn_an_underscored_certificate_header_never_reaches_django(
    e2e_stack, tmp_path, browser_factory, people
):
    """Second line behind nginx's ``underscores_in_headers off``: gunicorn's ``header_map=drop`` (the default)
    drops ``X_SSL_Client_Cert`` (it would map to the same ``HTTP_X_SSL_CLIENT_CERT``), so with the right secret the
    request carries no certificate at all."""
    response = direct(
        e2e_stack,
        tmp_path,
        [("X-Proxy-Secret", e2e_stack.proxy_secret), ("X_SSL_Client_Cert", people.maria_header)],
    )

    reference = assert_rejection_page(response, "CERT_ABSENT", status=403)
    row = assert_audited_once("CERT_ABSENT", reference)
    assert (row.cpf, row.cert_fingerprint) == ("", "")
    assert_no_session_from(e2e_stack, browser_factory, response)


def test_straight_to_gunicorn_a_header_name_with_a_space_before_the_colon_is_refused_by_gunicorn(
    e2e_stack, tmp_path, people
):
    response = direct(
        e2e_stack,
        tmp_path,
        [("X-Proxy-Secret", e2e_stack.proxy_secret), ("X-SSL-Client-Cert ", people.maria_header)],
    )

    assert response.status == 400, response
    assert response.header("X-Error-Code") is None, "gunicorn's own answer: Django never saw the request"
    assert not LoginAttempt.objects.exists()


# ---------------------------------------------------- a gunicorn configured as deployed: CERTAUTH_TRUSTED_PROXIES


@dataclass(frozen=True)
class RestrictedGunicorn:
    """A second gunicorn on the same database, with ``CERTAUTH_TRUSTED_PROXIES=unix,10.0.0.0/8``: bound to a unix
    socket (trusted) and to a loopback TCP port (127.0.0.1 is not listed)."""

    tcp: str
    socket: Path


def _wait_serving(check: Callable[[], bool], process: subprocess.Popen[bytes], log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the restricted gunicorn did not start\n{log_tails(log.parent)}")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def restricted_gunicorn(e2e_stack: E2EStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RestrictedGunicorn]:
    base = tmp_path_factory.mktemp("restricted")
    socket_path, port, log = base / "gunicorn.sock", free_port(), base / "gunicorn.log"
    (base / "prometheus").mkdir()
    env = {
        **e2e_stack.stack.env,
        "CERTAUTH_TRUSTED_PROXIES": "unix,10.0.0.0/8",
        "PROMETHEUS_MULTIPROC_DIR": str(base / "prometheus"),
    }
    with open(log, "ab") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "portal.wsgi:application",
                "--config",
                "python:portal.serving.gunicorn_conf",
                "--bind",
                f"unix:{socket_path}",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--error-logfile",
                str(log),
            ],
            cwd=BASE_DIR,
            env=env,
            start_new_session=True,
            stdout=output,
            stderr=output,
        )
    running = RestrictedGunicorn(tcp=f"http://127.0.0.1:{port}", socket=socket_path)
    try:

        def serving() -> bool:
            home = direct(e2e_stack, base, [], path="/", base=running.tcp)
            over_socket = direct(
                e2e_stack, base, [], path="/", base="http://localhost", extra=["--unix-socket", str(socket_path)]
            )
            return home.status == 200 and over_socket.status == 200

        _wait_serving(serving, process, log)
        yield running
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_with_trusted_proxies_listed_the_right_secret_over_tcp_from_an_unlisted_address_is_proxy_untrusted(
    e2e_stack, restricted_gunicorn, tmp_path, browser_factory, people
):
    response = direct(
        e2e_stack,
        tmp_path,
        [
            ("X-Proxy-Secret", e2e_stack.proxy_secret),
            ("X-SSL-Client-Cert", people.maria_header),
            ("X-Real-IP", FORGED_IP),
            ("X-Request-Id", FORGED_REQUEST_ID),
        ],
        base=restricted_gunicorn.tcp,
    )

    assert_untrusted_and_unparsed(response)
    assert_no_session_from(e2e_stack, browser_factory, response)


def test_with_trusted_proxies_listed_a_wrong_secret_over_the_trusted_socket_is_proxy_untrusted(
    e2e_stack, restricted_gunicorn, tmp_path, people
):
    response = direct(
        e2e_stack,
        tmp_path,
        [("X-Proxy-Secret", _wrong(e2e_stack.proxy_secret)), ("X-SSL-Client-Cert", people.maria_header)],
        base="http://localhost",
        extra=["--unix-socket", str(restricted_gunicorn.socket)],
    )

    # A unix-socket peer has no address, and an untrusted sender's X-Real-IP is not believed: no address at all.
    assert_untrusted_and_unparsed(response, ip=None)


def test_control_with_trusted_proxies_listed_the_right_secret_over_the_trusted_socket_is_believed(
    e2e_stack, restricted_gunicorn, tmp_path, people
):
    response = direct(
        e2e_stack,
        tmp_path,
        [
            ("X-Proxy-Secret", e2e_stack.proxy_secret),
            ("X-SSL-Client-Cert", people.maria_header),
            ("X-Real-IP", "198.51.100.7"),
            ("X-Request-Id", "a" * 32),
        ],
        base="http://localhost",
        extra=["--unix-socket", str(restricted_gunicorn.socket)],
    )

    assert response.status == 302, response
    row = LoginAttempt.objects.get()
    assert (row.outcome, row.cpf, row.cert_fingerprint) == ("accepted", LAWYER.cpf, fingerprint(people.maria))
    assert (row.ip, row.proxy_request_id) == ("198.51.100.7", "a" * 32), "the trusted proxy's headers are believed"


# ------------------------------------------------------------- through nginx, login host, no client certificate


#: Each forgery is sent without a TLS client certificate; ``(secret, people) -> headers``.
NGINX_FORGERIES: dict[str, Callable[[str, People], list[tuple[str, str]]]] = {
    "certificate header": lambda s, p: [("X-SSL-Client-Cert", p.maria_header), ("X-SSL-Client-Verify", "SUCCESS")],
    "two certificate headers": lambda s, p: [
        ("X-SSL-Client-Cert", p.maria_header),
        ("X-SSL-Client-Cert", p.joao_header),
    ],
    "certificate header in other letter cases": lambda s, p: [
        ("x-ssl-client-cert", p.maria_header),
        ("X-Ssl-Client-CERT", p.joao_header),
    ],
    "certificate header and a wrong secret": lambda s, p: [
        ("X-SSL-Client-Cert", p.maria_header),
        ("X-Proxy-Secret", _wrong(s)),
    ],
    "certificate header and two secrets": lambda s, p: [
        ("X-SSL-Client-Cert", p.maria_header),
        ("X-Proxy-Secret", _wrong(s)),
        ("X-Proxy-Secret", s[::-1]),
    ],
    "underscored and dashed certificate headers": lambda s, p: [
        ("X_SSL_Client_Cert", p.maria_header),
        ("X-SSL-Client-Cert", p.joao_header),
        ("X_SSL_Client_Verify", "SUCCESS"),
    ],
    "forwarding headers claiming plain http from elsewhere": lambda s, p: [
        ("X-SSL-Client-Cert", p.maria_header),
        ("X-Forwarded-Proto", "http"),
        ("X-Forwarded-Proto", "http"),
        ("X-Real-IP", FORGED_IP),
        ("X-Forwarded-For", FORGED_IP),
        ("Forwarded", f"for={FORGED_IP};proto=http"),
        ("X-Request-Id", FORGED_REQUEST_ID),
    ],
}


@pytest.mark.parametrize("how", list(NGINX_FORGERIES))
def test_forged_headers_to_the_login_host_without_a_client_certificate_behave_as_if_not_sent(
    how, e2e_stack, browser_factory, people
):
    browser = browser_factory(None)

    response = browser.login(headers=NGINX_FORGERIES[how](e2e_stack.proxy_secret, people))

    # Not PROXY_UNTRUSTED (nginx did not pass a forged secret along), not a 301 (nor a forged http scheme), not a
    # login: CERT_ABSENT, exactly as without the forged headers.
    reference = assert_rejection_page(response, "CERT_ABSENT", status=403)
    row = assert_audited_once("CERT_ABSENT", reference)
    assert row.ip == "127.0.0.1"
    assert re.fullmatch(r"[0-9a-f]{32}", row.proxy_request_id) and row.proxy_request_id != FORGED_REQUEST_ID
    assert row.proxy_verify == "NONE", "nginx's own verify result for a handshake without a certificate"
    assert (row.cpf, row.cert_fingerprint, row.user) == ("", "", None)
    assert_no_session_from(e2e_stack, browser_factory, response)
    assert_not_logged_in(browser)


@pytest.mark.parametrize("name", ["X-SSL-Client-Cert ", "X-SSL-Client-Cert\t", " X-SSL-Client-Cert"])
def test_a_header_name_with_whitespace_is_refused_by_nginx_itself(name, e2e_stack, browser_factory, people):
    browser = browser_factory(None)

    response = browser.login(headers=[(name, people.maria_header)])

    assert response.status == 400, response
    assert response.header("X-Error-Code") is None, "nginx's own 400: Django never saw the request"
    assert not LoginAttempt.objects.exists()
    assert_not_logged_in(browser)


# --------------------------------------------------- through nginx, login host, with a real client certificate


TLS_FORGERIES = {
    "certificate header": lambda s, p: [("X-SSL-Client-Cert", p.joao_header)],
    "two certificate headers": lambda s, p: [
        ("X-SSL-Client-Cert", p.joao_header),
        ("X-SSL-Client-Cert", p.joao_header),
    ],
    "underscored certificate header": lambda s, p: [("X_SSL_Client_Cert", p.joao_header)],
    "certificate header, wrong secret and verify": lambda s, p: [
        ("X-SSL-Client-Cert", p.joao_header),
        ("X-Proxy-Secret", _wrong(s)),
        ("X-SSL-Client-Verify", "FAILED:forged"),
    ],
}


@pytest.mark.parametrize("how", list(TLS_FORGERIES))
def test_with_a_real_client_certificate_nginx_forwards_the_tls_one_not_the_forged_header(
    how, e2e_stack, browser_factory, people
):
    browser = browser_factory(people.maria)  # Maria's certificate in the TLS handshake; João's in the headers

    response = browser.login(headers=TLS_FORGERIES[how](e2e_stack.proxy_secret, people))

    assert response.status == 302, response
    assert response.header("Location") == f"{e2e_stack.portal}/painel/", response
    row = LoginAttempt.objects.get()
    assert (row.outcome, row.cpf, row.cert_fingerprint) == ("accepted", LAWYER.cpf, fingerprint(people.maria))
    # nginx's own verify result (optional_no_ca, no intermediates: it cannot build the path; certauth does), never
    # the forged "FAILED:forged".
    assert row.proxy_verify == "FAILED:unable to verify the first certificate", row.proxy_verify
    assert row.user is not None and row.user.username == LAWYER.cpf
    dashboard = browser.get(f"{e2e_stack.portal}/painel/")
    assert element_text(dashboard.body, "nome-membro") == "Maria da Silva", dashboard
    assert not LoginAttempt.objects.filter(cpf=JOAO.cpf).exists()


def test_a_non_members_client_certificate_with_a_forged_members_header_is_member_unknown(
    e2e_stack, browser_factory, people, pki
):
    stranger = pki.issue(STRANGER)
    browser = browser_factory(stranger)

    response = browser.login(
        headers=[("X-SSL-Client-Cert", people.maria_header), ("X-Proxy-Secret", _wrong(e2e_stack.proxy_secret))]
    )

    reference = assert_rejection_page(response, "MEMBER_UNKNOWN", status=403)
    row = assert_audited_once("MEMBER_UNKNOWN", reference)
    assert (row.cpf, row.cert_fingerprint, row.user) == (STRANGER.cpf, fingerprint(stranger), None)
    assert_no_session_from(e2e_stack, browser_factory, response)
    assert_not_logged_in(browser)


def test_an_expired_client_certificate_with_a_forged_valid_header_is_cert_expired(
    e2e_stack, browser_factory, people, pki
):
    """nginx itself refuses an expired certificate (495) and hands it to Django from a *named location*: that
    second proxy block must overwrite the forged header too."""
    expired = pki.issue(JOAO.but(valid_from=dt.timedelta(days=-40), valid_for=dt.timedelta(days=30)))
    browser = browser_factory(expired)

    response = browser.login(headers=[("X-SSL-Client-Cert", people.maria_header)])

    reference = assert_rejection_page(response, "CERT_EXPIRED", status=403)
    row = assert_audited_once("CERT_EXPIRED", reference)
    assert row.cert_fingerprint == fingerprint(expired)
    assert row.proxy_verify.startswith("FAILED"), row.proxy_verify
    assert_no_session_from(e2e_stack, browser_factory, response)


# ------------------------------------------------------------------------------------- the portal host's paths


#: Raw paths (sent as they are, ``--path-as-is``) that nginx and Django might read differently; nginx normalises
#: (decodes, resolves dot segments) before matching its locations, Django resolves the decoded path as it is.
PORTAL_RAW_PATHS = {
    "/entrar/certificado/%2e/": 302,  # nginx: "/entrar/certificado/" → its redirect to the login host
    "/entrar/%63ertificado/": 302,
    "/entrar/./certificado/": 302,
    "/x/../entrar/certificado/": 302,
    "/entrar/certificado%2F": 302,
    "/entrar/certificado/;": 404,  # not nginx's location; Django: no such page
    "/entrar/certificado/%3F": 404,
    "/entrar/certificado/%00": 400,  # nginx refuses a NUL
}


@pytest.mark.parametrize("path", list(PORTAL_RAW_PATHS))
def test_no_spelling_of_the_login_path_runs_the_certificate_view_on_the_portal_host(
    path, e2e_stack, browser_factory, people
):
    browser = browser_factory(people.maria)  # the portal host never asks for it, whatever the path

    response = browser.get(
        f"{e2e_stack.portal}{path}",
        headers=[("X-SSL-Client-Cert", people.maria_header), ("X-Proxy-Secret", _wrong(e2e_stack.proxy_secret))],
        extra=["--path-as-is"],
    )

    assert response.status == PORTAL_RAW_PATHS[path], response
    if response.status == 302:
        assert response.header("Location") == e2e_stack.login_url, response
    assert not LoginAttempt.objects.exists(), "the portal host never reaches the certificate login view"
    assert_no_session_from(e2e_stack, browser_factory, response)
    assert_not_logged_in(browser)
