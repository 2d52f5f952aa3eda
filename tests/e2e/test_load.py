"""A bounded load through the real stack: concurrent certificate logins (a new mutual-TLS connection each, as a
click on "Entrar com certificado digital") through nginx to gunicorn, a fixed number of them. No timing is asserted
(however slow the machine) — only that every login succeeds and that each one left exactly one audit row.

``bench/load.py`` is the full version (password logins and page views too, throughput and latency figures).
The load helpers here are also used by ``test_faults.py`` (logins while nginx and gunicorn are reloaded).
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from certauth.icp.builder import Issued, PersonSpec
from certauth.models import LoginAttempt
from tests.e2e.conftest import E2EStack

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

REQUEST_TIMEOUT = 30.0


def valid_cpf(base: int) -> str:
    """A CPF with correct check digits from a 9-digit ``base`` (the test PKI's certificates must carry valid ones)."""
    digits = [int(d) for d in f"{base:09d}"]
    for length in (9, 10):
        remainder = sum(d * (length + 1 - i) for i, d in enumerate(digits[:length])) % 11
        digits.append(0 if remainder < 2 else 11 - remainder)
    return "".join(map(str, digits))


def load_members(count: int, member_factory, pki, *, first: int = 700_000_001) -> list[Issued]:
    """``count`` members, each with an e-CPF A3 from the test PKI's final AC (no OAB field: bound by CPF)."""
    certificates = []
    for n in range(count):
        cpf = valid_cpf(first + 7919 * n)
        member_factory(cpf, name=f"Membro de Carga {n}")
        certificates.append(pki.issue(PersonSpec(f"MEMBRO DE CARGA {n}", cpf), pki.final))
    return certificates


def client_context(stack: E2EStack, certificate: Issued, directory: Path) -> ssl.SSLContext:
    """A TLS client that trusts the stack's server certificate and presents ``certificate`` when asked."""
    serial = format(certificate.certificate.serial_number, "x")
    pem, key = directory / f"{serial}.pem", directory / f"{serial}.key"
    pem.write_bytes(certificate.certificate_pem())
    key.write_bytes(certificate.key_pem())
    key.chmod(0o600)
    context = ssl.create_default_context(cafile=str(stack.tls_root))
    context.load_cert_chain(pem, key)
    return context


class LoopbackHTTPSConnection(http.client.HTTPSConnection):
    """Connects to 127.0.0.1 (where nginx listens) while naming ``localhost`` (SNI, certificate, Host)."""

    def connect(self) -> None:
        sock = socket.create_connection(("127.0.0.1", self.port), self.timeout, self.source_address)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = self._context.wrap_socket(sock, server_hostname="localhost")  # type: ignore[attr-defined]


def certificate_login(stack: E2EStack, context: ssl.SSLContext) -> tuple[int, str, list[str]]:
    """One certificate login on a new connection: (status, Location, Set-Cookie headers)."""
    connection = LoopbackHTTPSConnection("localhost", stack.login_port, context=context, timeout=REQUEST_TIMEOUT)
    try:
        connection.request("GET", "/entrar/certificado/", headers={"Connection": "close"})
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Location") or "", response.headers.get_all("Set-Cookie") or []
    finally:
        connection.close()


@dataclass
class LoadOutcome:
    sent: int  #: logins whose request was started
    statuses: Counter[str]  #: "302", "503", "ConnectionResetError"…
    failures: list[str]  #: one line per login that did not end in a session on the portal dashboard
    latencies: list[float] = field(default_factory=list)  #: seconds per login, for a reader (never asserted)

    @property
    def succeeded(self) -> int:
        return self.sent - len(self.failures)


class LoginLoad:
    """Certificate logins by ``concurrency`` threads until ``count`` were sent or :meth:`stop` is called (whichever
    first); members' certificates are used in turn. No time limit: each request has its own timeout
    (``REQUEST_TIMEOUT``), so the load always ends, however slow the machine."""

    def __init__(
        self,
        stack: E2EStack,
        contexts: Sequence[ssl.SSLContext],
        *,
        count: int,
        concurrency: int,
    ) -> None:
        self.stack = stack
        self.contexts = contexts
        self.count = count
        self.concurrency = concurrency
        self._lock = threading.Lock()
        self._next = 0
        self._done = 0
        self._stopped = threading.Event()
        self._statuses: Counter[str] = Counter()
        self._failures: list[str] = []
        self._latencies: list[float] = []
        self._threads: list[threading.Thread] = []

    @property
    def completed(self) -> int:
        with self._lock:
            return self._done

    def start(self) -> LoginLoad:
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(self.concurrency)]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()

    def wait(self) -> LoadOutcome:
        for thread in self._threads:
            thread.join()
        with self._lock:
            return LoadOutcome(
                sent=self._next,
                statuses=Counter(self._statuses),
                failures=list(self._failures),
                latencies=list(self._latencies),
            )

    def wait_for_progress(self, logins: int, *, stall: float = 2 * REQUEST_TIMEOUT) -> None:
        """Block until ``logins`` more logins have completed (the load is still going when a fault is injected).
        Not a speed bound: it fails only when NO login at all completes for ``stall`` seconds (twice a request's own
        timeout: every request in flight has ended by then, so the load is stuck)."""
        target = self.completed + logins
        seen, last_progress = self.completed, time.monotonic()
        while (done := self.completed) < target:
            if done != seen:
                seen, last_progress = done, time.monotonic()
            assert time.monotonic() - last_progress < stall, f"the load is stuck: {done} < {target}"
            assert any(t.is_alive() for t in self._threads), "the load ended before the fault was injected"
            time.sleep(0.01)

    def _take(self) -> int | None:
        with self._lock:
            if self._stopped.is_set() or self._next >= self.count:
                return None
            self._next += 1
            return self._next - 1

    def _run(self) -> None:
        dashboard = f"{self.stack.portal}/painel/"
        while (n := self._take()) is not None:
            start = time.perf_counter()
            try:
                status, location, cookies = certificate_login(self.stack, self.contexts[n % len(self.contexts)])
                outcome = str(status)
                problem = None
                if status != 302 or location != dashboard:
                    problem = f"HTTP {status} → {location!r}"
                elif not any(c.startswith("sessionid=") for c in cookies):
                    problem = "302 without a session cookie"
            except (OSError, http.client.HTTPException) as exc:
                outcome, problem = type(exc).__name__, f"{type(exc).__name__}: {exc}"
            elapsed = time.perf_counter() - start
            with self._lock:
                self._done += 1
                self._statuses[outcome] += 1
                self._latencies.append(elapsed)
                if problem is not None:
                    self._failures.append(f"login #{n}: {problem}")


def last_attempt_pk() -> int:
    return LoginAttempt.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_concurrent_certificate_logins_all_succeed_and_each_is_audited_once(e2e_stack, member_factory, pki, tmp_path):
    certificates = load_members(8, member_factory, pki)
    contexts = [client_context(e2e_stack, c, tmp_path) for c in certificates]
    before = last_attempt_pk()

    outcome = LoginLoad(e2e_stack, contexts, count=200, concurrency=8).start().wait()

    assert outcome.sent == 200
    assert outcome.failures == [], outcome.statuses
    assert outcome.statuses == Counter({"302": 200})
    rows = LoginAttempt.objects.filter(pk__gt=before)
    assert rows.count() == outcome.sent
    assert {(r.outcome, r.method) for r in rows} == {("accepted", "certificate")}
    # Every member logged in (the certificates were used in turn), each login under its own reference.
    assert rows.values("cpf").distinct().count() == len(certificates)
    assert rows.values("reference").distinct().count() == outcome.sent
