"""Behind a TCP load balancer speaking the PROXY protocol (``PORTAL_PROXY_PROTOCOL_FROM``).

A private stack (nginx + gunicorn, the session's database) rendered with 127.0.0.1 as its only balancer. The
tests play the balancer: a TCP connection from 127.0.0.1 that opens with ``PROXY TCP4 <client> ...`` and then
speaks TLS. Another loopback address (127.0.0.2: all of 127.0.0.0/8 is the loopback interface on Linux) plays a
client that reaches nginx directly and sends a PROXY header of its own.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from certauth.icp.builder import Issued
from certauth.models import LoginAttempt
from portal.serving.processes import Stack
from tests.conftest import LAWYER
from tests.e2e.conftest import E2EStack, _distinct_free_ports, curl, log_tails
from tests.e2e.tls_client import Answer, Client, flushed_access_log, refused

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

BALANCER = "127.0.0.1"  #: the configured balancer
STRANGER = "127.0.0.2"  #: not a balancer: reaches nginx directly
MONITORING = "198.51.100.0/24"  #: Prometheus' network, say (the balancer's own address is listed as well)


def get(stack: E2EStack, port: int, path: str, *, claimed: str | None, **kwargs: object) -> Answer:
    client = Client(stack, port, claimed=claimed, **kwargs)  # type: ignore[arg-type]
    try:
        return client.get(path)
    finally:
        client.close()


@pytest.fixture(scope="module")
def balanced_stack(e2e_stack: E2EStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[E2EStack]:
    """nginx rendered with ``proxy_protocol_from=[127.0.0.1]`` and its own gunicorn, on the session's database."""
    base = tmp_path_factory.mktemp("balanced")
    portal_port, login_port, gunicorn_port, tls12_port = _distinct_free_ports(4)
    site = dataclasses.replace(
        e2e_stack.site,
        prefix=base / "nginx",
        upstream=f"127.0.0.1:{gunicorn_port}",
        portal_base_url=f"https://localhost:{portal_port}",
        login_base_url=f"https://localhost:{login_port}",
        portal_port=portal_port,
        login_port=login_port,
        login_tls12_port=tls12_port,
        proxy_protocol_from=[BALANCER],
        gateway_port=0,  # the gateway stays the main stack's (its port is taken)
    )
    env = {
        **e2e_stack.stack.env,
        "PORTAL_PORT": str(portal_port),
        "CERT_LOGIN_PORT": str(login_port),
        "CERT_LOGIN_TLS12_PORT": str(tls12_port),
        "PORTAL_MONITORING_NETWORKS": f"{BALANCER}/32,{MONITORING}",
        "PORTAL_PROXY_PROTOCOL_FROM": BALANCER,
    }
    logs = site.prefix / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    stack = Stack(site=site, env=env, gunicorn_workers=1, output=logs / "processes-output.log")
    running = dataclasses.replace(e2e_stack, site=site, stack=stack, gunicorn_port=gunicorn_port)
    try:
        stack.start()
        _wait_until_serving(running)
    except Exception as exc:
        stack.stop()
        pytest.fail(f"the balanced stack did not start: {exc}\n{log_tails(logs)}", pytrace=False)
    try:
        yield running
    finally:
        stack.stop()


def _wait_until_serving(stack: E2EStack, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if get(stack, stack.portal_port, "/", claimed="192.0.2.1").status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"the portal home page did not answer 200 through the balancer within {timeout} s")
        time.sleep(0.2)


def certificate_files(certificate: Issued, directory: Path) -> tuple[Path, Path]:
    pem, key = directory / "leaf.pem", directory / "leaf.key"
    pem.write_bytes(certificate.certificate_pem())
    key.write_bytes(certificate.key_pem())
    key.chmod(0o600)
    return pem, key


# ---------------------------------------------------------------------------------------------- through the balancer


def test_client_behind_the_balancer_is_audited_with_its_own_address(balanced_stack):
    response = get(balanced_stack, balanced_stack.login_port, "/entrar/certificado/", claimed="203.0.113.7")

    assert response.status == 403, response
    assert response.header("X-Error-Code") == "CERT_ABSENT", response
    row = LoginAttempt.objects.get()
    assert (row.code, row.reference) == ("CERT_ABSENT", response.header("X-Reference"))
    assert row.ip == "203.0.113.7", "the client the balancer named, not the balancer"
    line = balanced_stack.access_log_line(row.proxy_request_id)
    assert line.startswith("203.0.113.7 "), line


def test_monitoring_answers_by_the_clients_address_not_the_balancers(balanced_stack):
    """The balancer's own address is a monitoring address: believing it for everyone would open /saude/ to all."""
    port = balanced_stack.portal_port

    assert get(balanced_stack, port, "/saude/", claimed="198.51.100.20").status == 200
    assert get(balanced_stack, port, "/metricas/", claimed="198.51.100.20").status == 200
    assert get(balanced_stack, port, "/saude/", claimed="203.0.113.7").status == 403
    assert get(balanced_stack, port, "/metricas/", claimed="203.0.113.7").status == 403


def test_password_page_limit_counts_each_client_behind_the_balancer_apart(balanced_stack):
    """Everything arrives from the balancer's one address; nginx's limit (30 a minute, burst 60) is per client."""
    client = Client(balanced_stack, balanced_stack.portal_port, claimed="203.0.113.40")
    try:
        statuses = [client.get("/entrar/senha/").status for _ in range(70)]
    finally:
        client.close()

    assert statuses[:55] == [200] * 55
    assert 429 in statuses
    assert get(balanced_stack, balanced_stack.portal_port, "/entrar/senha/", claimed="203.0.113.41").status == 200


# ---------------------------------------------------------------------------------------------- not the balancer


@pytest.mark.parametrize("host", ["portal", "login"])
def test_a_stranger_sending_a_proxy_header_is_refused(host, balanced_stack):
    """Someone who reaches nginx directly and names a monitoring address as his own gets no answer at all."""
    port = balanced_stack.portal_port if host == "portal" else balanced_stack.login_port
    before = len(flushed_access_log(balanced_stack))
    for path in ("/saude/", "/entrar/certificado/", "/entrar/senha/", "/"):
        assert refused(Client(balanced_stack, port, claimed="198.51.100.66", source=STRANGER), path), path

    assert LoginAttempt.objects.count() == 0
    log = flushed_access_log(balanced_stack)[before:]
    assert "198.51.100.66" not in log, "nothing the stranger claimed was believed"
    refusals = [line for line in log.splitlines() if line.startswith(f"{STRANGER} ") and '" 444 ' in line]
    assert len(refusals) == 4, log  # each request logged, refused (444: closed unanswered), with his real address
    # Control: the same request from the balancer is answered.
    assert get(balanced_stack, port, "/saude/", claimed="198.51.100.66").status in (200, 302)


def test_a_stranger_whose_certificate_nginx_refuses_itself_is_refused_too(balanced_stack, pki, tmp_path):
    """nginx's own 495 (an expired certificate) skips the server's checks: its named location repeats them."""
    expired = pki.issue(LAWYER.but(valid_from=dt.timedelta(days=-40), valid_for=dt.timedelta(days=30)))
    files = certificate_files(expired, tmp_path)
    port = balanced_stack.login_port

    stranger = Client(balanced_stack, port, claimed="198.51.100.66", source=STRANGER, certificate=files)
    assert refused(stranger, "/entrar/certificado/")

    assert LoginAttempt.objects.count() == 0
    # Control: through the balancer, the same certificate reaches Django and is refused with its code.
    response = get(balanced_stack, port, "/entrar/certificado/", claimed="203.0.113.9", certificate=files)
    assert (response.status, response.header("X-Error-Code")) == (403, "CERT_EXPIRED"), response
    assert LoginAttempt.objects.get().ip == "203.0.113.9"


@pytest.mark.parametrize("source", [BALANCER, STRANGER])
def test_a_client_without_a_proxy_header_is_refused(source, balanced_stack, tmp_path):
    assert refused(Client(balanced_stack, balanced_stack.portal_port, claimed=None, source=source), "/")
    assert refused(Client(balanced_stack, balanced_stack.login_port, claimed=None, source=source), "/")
    # curl, as a browser would, gets no page either.
    response = curl(balanced_stack, "GET", f"{balanced_stack.portal}/", workdir=tmp_path)
    assert (response.returncode, response.status) != (0, 200), response
