"""Fault injection through the real stack (nginx + gunicorn): the database going away, nginx and gunicorn
reloaded under load, the disk filling up while the audit row is written, CRL servers down during a refresh.

The faults that would break the session's shared stack (its database is the test process's sqlite file) are
injected into a private stack started by the test: same settings, certificates and static files as ``e2e_stack``,
its own ports and its own database (PostgreSQL behind a relay the test can cut, or sqlite on a tiny tmpfs).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import errno
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509

from certauth.icp.builder import Issued, PersonSpec, RevokedEntry
from certauth.icp.crl import key_id
from certauth.models import CrlIssuer, LoginAttempt
from portal.serving.nginx import nginx_command
from portal.serving.processes import BASE_DIR
from tests.conftest import LAWYER
from tests.e2e.conftest import (
    BRASILIA,
    BRASILIA_DATETIME,
    Browser,
    E2EStack,
    Response,
    _distinct_free_ports,
    _unavailable,
    assert_audited_once,
    assert_rejection_page,
    cookies_from,
    element_text,
    serving,
    sibling_stack,
)
from tests.e2e.test_load import LoginLoad, client_context, last_attempt_pk, load_members, valid_cpf

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LEAKS = ("Traceback", "OperationalError", "DatabaseError", "psycopg", "sqlite3", "Django Version", "Exception Value")


# ---------------------------------------------------------------------------------------------- a private stack


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)[:80]}: {result.stdout}{result.stderr}"
    return result.stdout


def seed(env: dict[str, str], pki, directory: Path, members: list[tuple[str, str]]) -> None:
    """Migrate the private database, load an empty CRL of every test AC, and add ``members`` (CPF, name)."""
    manage(env, "migrate", "--noinput", "-v0")
    directory.mkdir(parents=True, exist_ok=True)
    files = []
    for authority in (pki.root, pki.level1, pki.oab, pki.final):
        path = directory / f"{authority.common_name.replace(' ', '-')}.crl"
        path.write_bytes(pki.builder.crl(authority, number=1))
        files.append(str(path))
    manage(env, "crl", "import", *files)
    manage(
        env,
        "shell",
        "-c",
        "from portal.models import EntityKind, EntityStatus, Member, Membership, PartnerEntity\n"
        "entity = PartnerEntity.objects.create(code='OAB-RS', name='OAB Rio Grande do Sul', kind=EntityKind.OAB,"
        " uf='RS', status=EntityStatus.ACTIVE)\n"
        f"for cpf, name in {members!r}:\n"
        "    Membership.objects.create(member=Member.objects.create(cpf=cpf, name=name), entity=entity)\n",
    )


@contextlib.contextmanager
def private_stack(e2e_stack: E2EStack, base: Path, database_url: str, *, workers: int = 2) -> Iterator[E2EStack]:
    """nginx + gunicorn like ``e2e_stack`` (same settings, TLS, trust and static files) on a database of its own."""
    running = sibling_stack(e2e_stack, base, env={"DATABASE_URL": database_url}, workers=workers)
    with serving(running, what="the private stack"):
        yield running


def children(pid: int) -> set[int]:
    """The live child processes of ``pid`` (gunicorn's workers, nginx's workers)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def wait_until(predicate, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.05)


def assert_no_leak(response: Response) -> None:
    """No stack trace, exception name or debug page reaches the user."""
    for text in LEAKS:
        assert text not in response.body, f"{text!r} shown to the user: {response}"


def assert_error_facts(response: Response, code: str) -> str:
    """A page with the screenshot facts: ``code``, a reference, the date and time in Brasília now."""
    assert element_text(response.body, "codigo-erro") == code, response
    reference = element_text(response.body, "referencia")
    assert reference and re.fullmatch(r"[0-9A-Z]{5}-[0-9A-Z]{5}", reference), response
    when = element_text(response.body, "data-hora")
    assert when is not None and BRASILIA_DATETIME.fullmatch(when), response
    shown = dt.datetime.strptime(when, "%d/%m/%Y %H:%M:%S").replace(tzinfo=BRASILIA)
    assert abs((dt.datetime.now(BRASILIA) - shown).total_seconds()) < 120, f"{when} is not Brasília time now"
    return reference


# ---------------------------------------------------------------------------------------------- database down


class TcpRelay:
    """A loopback TCP relay in front of PostgreSQL. :meth:`cut` drops every open connection and closes the port
    (connection refused: the database server is gone, as after a crash or a failover); :meth:`restore` accepts
    connections again on the same port."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = _distinct_free_ports(1)[0]
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self._acceptor: threading.Thread | None = None
        self.restore()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.1)
        self._listener = listener
        self._acceptor = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self._acceptor.start()

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        if self._acceptor is not None:
            self._acceptor.join(5)  # until then the port could still accept (and relay) a connection
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while self._listener is listener:
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            client.settimeout(None)
            upstream.settimeout(None)
            with self._lock:
                self._sockets |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


@dataclasses.dataclass
class OutageStack:
    stack: E2EStack
    relay: TcpRelay
    certificate: Issued  #: a member's e-CPF A3
    database_url: str  #: direct, not through the relay

    def browser(self, directory: Path, *, certificate: bool = False) -> Browser:
        directory.mkdir(parents=True, exist_ok=True)
        return Browser(self.stack, directory, self.certificate if certificate else None)

    def attempts(self) -> Counter[str]:
        import psycopg

        with psycopg.connect(self.database_url) as connection:
            rows = connection.execute("SELECT outcome, count(*) FROM certauth_loginattempt GROUP BY outcome")
            return Counter(dict(rows.fetchall()))


OUTAGE_MEMBER = ("52998224725", "Beatriz Rocha")


@pytest.fixture(scope="module")
def outage_stack(e2e_stack, pki, tmp_path_factory) -> Iterator[OutageStack]:
    """A private stack on a PostgreSQL database of its own (the production path), reached through a relay."""
    try:
        admin_url = subprocess.run(
            [str(BASE_DIR / "scripts" / "postgres.sh")], capture_output=True, text=True, timeout=120, check=True
        ).stdout.strip()
        import psycopg
    except (OSError, subprocess.SubprocessError, ImportError) as exc:
        _unavailable(f"PostgreSQL is not available for the database outage tests ({exc})")
    match = re.fullmatch(r"postgres://([^:]+):([^@]+)@([^:]+):(\d+)/(\w+)", admin_url)
    assert match, admin_url
    user, password, host, port, _ = match.groups()
    name = f"portal_faults_{os.getpid()}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    base = tmp_path_factory.mktemp("faults-postgres")
    relay = None
    try:
        relay = TcpRelay((host, int(port)))
        direct = f"postgres://{user}:{password}@{host}:{port}/{name}"
        seed({**e2e_stack.stack.env, "DATABASE_URL": direct}, pki, base / "crls", [OUTAGE_MEMBER])
        certificate = pki.issue(PersonSpec(OUTAGE_MEMBER[1].upper(), OUTAGE_MEMBER[0]), pki.final)
        relayed = f"postgres://{user}:{password}@127.0.0.1:{relay.port}/{name}"
        with private_stack(e2e_stack, base, relayed) as stack:
            yield OutageStack(stack, relay, certificate, direct)
    finally:
        if relay is not None:
            relay.cut()
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def database_down(outage: OutageStack) -> Iterator[None]:
    outage.relay.cut()
    try:
        yield
    finally:
        outage.relay.restore()


def during_outage(outage: OutageStack, tmp_path: Path) -> dict[str, tuple[Browser, Response]]:
    """The same three requests, each from its own browser, while the database is unreachable: an anonymous page
    that reads the database, a signed-in member's dashboard, a certificate login."""
    anonymous = outage.browser(tmp_path / "anonymous")
    member = outage.browser(tmp_path / "member", certificate=True)
    assert member.login().status == 302
    signing_in = outage.browser(tmp_path / "signing-in", certificate=True)
    with database_down(outage):
        return {
            "anonymous page view": (anonymous, anonymous.get(f"{outage.stack.portal}/cronograma/")),
            "signed-in page view": (member, member.get(f"{outage.stack.portal}/painel/")),
            "certificate login": (signing_in, signing_in.login()),
        }


def test_database_outage_is_refused_cleanly_and_served_again_without_a_restart(outage_stack, tmp_path):
    stack = outage_stack.stack
    gunicorn = stack.stack.processes["gunicorn"]
    workers = children(gunicorn.pid)
    before = outage_stack.attempts()

    responses = during_outage(outage_stack, tmp_path)

    for what, (_, response) in responses.items():
        assert response.returncode == 0 and response.status >= 500, (what, response)
        assert_no_leak(response)
    login = responses["certificate login"][1]
    assert "sessionid" not in cookies_from(login) and not login.header("Location"), login
    assert outage_stack.attempts() == before + Counter(accepted=1)  # the member's login before the outage only

    # The database is back: the same processes serve again (each worker reconnects at its next request).
    anonymous, member, signing_in = (browser for browser, _ in responses.values())
    assert anonymous.get(f"{stack.portal}/cronograma/").status == 200
    assert member.get(f"{stack.portal}/painel/").status == 200
    again = signing_in.login()
    assert again.status == 302 and again.header("Location") == f"{stack.portal}/painel/", again
    assert gunicorn.poll() is None and children(gunicorn.pid) == workers, "gunicorn or a worker was restarted"
    assert outage_stack.attempts() == before + Counter(accepted=2)


def assert_unavailable_page(response: Response) -> None:
    """503 with the screenshot facts: Django's error page (code, reference, Brasília time) or nginx's own
    ``indisponivel.html`` (SERVICE_UNAVAILABLE, request id, Brasília time)."""
    assert response.returncode == 0 and response.status == 503, response
    assert_no_leak(response)
    code = element_text(response.body, "codigo-erro")
    if code is not None:
        assert_error_facts(response, code)
    else:
        assert "SERVICE_UNAVAILABLE" in response.body and BRASILIA_DATETIME.search(response.body), response


@pytest.mark.parametrize("what", ["anonymous page view", "signed-in page view", "certificate login"])
def test_database_outage_answers_a_503_page_with_code_reference_and_time(outage_stack, tmp_path, what):
    _, response = during_outage(outage_stack, tmp_path)[what]
    assert_unavailable_page(response)


# ---------------------------------------------------------------------------------------------- gunicorn down


def test_gunicorn_down_nginx_answers_its_own_unavailable_page(e2e_stack, tmp_path, pki):
    """No application server at all (gunicorn stopped): nginx's ``indisponivel.html`` for a page view and for a
    certificate login — 502, SERVICE_UNAVAILABLE, nginx's request id as the reference, Brasília date and time."""
    url = f"sqlite:///{tmp_path / 'portal.sqlite3'}"
    manage({**e2e_stack.stack.env, "DATABASE_URL": url}, "migrate", "--noinput", "-v0")
    with private_stack(e2e_stack, tmp_path, url, workers=1) as stack:
        gunicorn = stack.stack.processes["gunicorn"]
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)
        browser = Browser(stack, tmp_path, pki.issue(LAWYER))
        for response in (browser.get(f"{stack.portal}/cronograma/"), browser.login()):
            assert response.returncode == 0 and response.status == 502, response
            assert_no_leak(response)
            assert "Portal temporariamente indisponível" in response.body and "SERVICE_UNAVAILABLE" in response.body
            request_id = re.search(r"<dt>Referência</dt><dd><code>([0-9a-f]{32})</code>", response.body)
            assert request_id, response
            when = BRASILIA_DATETIME.search(response.body)
            assert when, response
            shown = dt.datetime.strptime(when.group(0), "%d/%m/%Y %H:%M:%S").replace(tzinfo=BRASILIA)
            assert abs((dt.datetime.now(BRASILIA) - shown).total_seconds()) < 120, f"{when} is not Brasília time now"
            assert stack.access_log_line(request_id.group(1))


# ---------------------------------------------------------------------------------------------- reloads under load


def test_nginx_reload_and_gunicorn_worker_restarts_during_logins_lose_no_request(
    e2e_stack, member_factory, pki, tmp_path
):
    """While 6 clients log in continuously (a new mutual-TLS connection each): nginx reloaded as an operator does
    (``nginx -s reload``), gunicorn's workers all replaced (SIGHUP), one worker added and removed (TTIN, TTOU), one
    worker stopped (SIGTERM; the master starts another). Every login ends on the dashboard and is audited once."""
    contexts = [client_context(e2e_stack, c, tmp_path) for c in load_members(6, member_factory, pki)]
    nginx, gunicorn = (e2e_stack.stack.processes[name].pid for name in ("nginx", "gunicorn"))
    workers = len(children(gunicorn))
    before = last_attempt_pk()
    load = LoginLoad(e2e_stack, contexts, count=50_000, concurrency=6).start()
    injected = []
    try:
        load.wait_for_progress(100)

        old = children(nginx)
        subprocess.run(nginx_command(e2e_stack.site, "-s", "reload"), check=True, capture_output=True, timeout=30)
        wait_until(lambda: len(children(nginx) - old) == e2e_stack.site.workers, "nginx started new workers")
        wait_until(lambda: not children(nginx) & old, "nginx's old workers finished")
        injected.append(("nginx -s reload", load.completed))
        load.wait_for_progress(100)

        old = children(gunicorn)
        os.kill(gunicorn, signal.SIGHUP)
        wait_until(lambda: not children(gunicorn) & old and len(children(gunicorn)) == workers, "workers replaced")
        injected.append(("gunicorn SIGHUP", load.completed))
        load.wait_for_progress(100)

        os.kill(gunicorn, signal.SIGTTIN)
        wait_until(lambda: len(children(gunicorn)) == workers + 1, "one more worker")
        load.wait_for_progress(100)
        os.kill(gunicorn, signal.SIGTTOU)
        wait_until(lambda: len(children(gunicorn)) == workers, "one worker fewer")
        injected.append(("gunicorn TTIN + TTOU", load.completed))
        load.wait_for_progress(100)

        victim = min(children(gunicorn))
        os.kill(victim, signal.SIGTERM)
        wait_until(lambda: victim not in children(gunicorn) and len(children(gunicorn)) == workers, "worker replaced")
        injected.append(("SIGTERM to one worker", load.completed))
        load.wait_for_progress(100)
    finally:
        load.stop()
    outcome = load.wait()

    assert len(injected) == 4, injected
    assert outcome.failures == [], (outcome.statuses, outcome.failures[:20], injected)
    assert outcome.statuses == Counter({"302": outcome.sent}), injected
    rows = LoginAttempt.objects.filter(pk__gt=before)
    assert rows.count() == outcome.sent
    assert set(rows.values_list("outcome", flat=True)) == {"accepted"}
    assert e2e_stack.stack.processes["gunicorn"].poll() is None and len(children(gunicorn)) == workers


# ---------------------------------------------------------------------------------------------- disk full


@pytest.fixture(scope="module")
def tiny_disk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A 16 MiB tmpfs of its own (root only), unmounted at the end."""
    if os.geteuid() != 0:
        _unavailable("a full disk is simulated with a tmpfs of its own: mounting one needs root")
    mountpoint = tmp_path_factory.mktemp("tiny-disk")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m,mode=0755", "tmpfs", str(mountpoint)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        _unavailable(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield mountpoint
    finally:
        if subprocess.run(["umount", str(mountpoint)], capture_output=True, check=False).returncode != 0:
            subprocess.run(["umount", "--lazy", str(mountpoint)], capture_output=True, check=False)


def sqlite_attempts(database: Path) -> Counter[str]:
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=20)) as connection:
        rows = connection.execute("SELECT outcome, count(*) FROM certauth_loginattempt GROUP BY outcome")
        return Counter(dict(rows.fetchall()))


@dataclasses.dataclass
class DiskStack:
    stack: E2EStack
    disk: Path
    database: Path
    returning: Issued  #: a member who has logged in before: her account exists
    newcomers: list[Issued]  #: members whose first login creates their account (one per test)

    def browser(self, directory: Path, certificate: Issued) -> Browser:
        directory.mkdir(parents=True)
        return Browser(self.stack, directory, certificate)

    def attempts(self) -> Counter[str]:
        return sqlite_attempts(self.database)

    @contextlib.contextmanager
    def full(self) -> Iterator[None]:
        """Checkpoint sqlite's write-ahead log and truncate it to 0 bytes (the next commit has to allocate disk),
        then fill the filesystem until the kernel says ENOSPC; free the space at the end."""
        with contextlib.closing(sqlite3.connect(self.database, timeout=20)) as connection:
            busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 0 and Path(f"{self.database}-wal").stat().st_size == 0
        filler = self.disk / "filler"
        try:
            with open(filler, "wb", buffering=0) as file:
                for size in (1 << 20, 1 << 12, 1):
                    try:
                        while True:
                            file.write(b"\0" * size)
                    except OSError as exc:
                        assert exc.errno == errno.ENOSPC, exc
            assert os.statvfs(self.disk).f_bavail == 0
            yield
        finally:
            filler.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def disk_stack(e2e_stack, pki, tiny_disk, tmp_path_factory) -> Iterator[DiskStack]:
    """A private stack whose sqlite database is on the tiny tmpfs (nothing else is: logs, static files, nginx's
    temporary files and the metrics stay on the ordinary disk)."""
    base = tmp_path_factory.mktemp("faults-disk")
    database = tiny_disk / "portal.sqlite3"
    url = f"sqlite:///{database}"
    members = [(valid_cpf(810_000_001 + 7 * n), f"Membro Disco {n}") for n in range(4)]
    seed({**e2e_stack.stack.env, "DATABASE_URL": url}, pki, base / "crls", members)
    certificates = [pki.issue(PersonSpec(name.upper(), cpf), pki.final) for cpf, name in members]
    with private_stack(e2e_stack, base, url) as stack:
        running = DiskStack(stack, tiny_disk, database, certificates[0], certificates[1:])
        assert running.browser(base / "first-login", running.returning).login().status == 302
        yield running


def assert_refused_without_session(browser: Browser, response: Response) -> None:
    assert response.returncode == 0 and response.status >= 500, response
    assert_no_leak(response)
    assert "sessionid" not in cookies_from(response) and not response.header("Location"), response
    dashboard = browser.get(f"{browser.stack.portal}/painel/")
    assert dashboard.status == 302 and dashboard.header("Location") == "/?next=/painel/", dashboard


def test_disk_full_while_writing_the_audit_refuses_the_login_and_recovers(disk_stack, tmp_path):
    """A REAL full filesystem under the database: sqlite gets ENOSPC from the kernel (SQLITE_FULL, "database or
    disk is full" in Django: the same DatabaseError path as PostgreSQL's "could not extend file … No space left on
    device"). Once a member's account exists, her login writes only the audit row (and the session), in one
    transaction whose commit fails here. The login must be refused — AUDIT_UNAVAILABLE, 503, no session — never
    accepted unaudited; and accepted again, by the same workers, once there is space."""
    before = disk_stack.attempts()
    with disk_stack.full():
        browser = disk_stack.browser(tmp_path / "full", disk_stack.returning)
        refused = browser.login()
        assert refused.status == 503, refused
        reference = assert_error_facts(refused, "AUDIT_UNAVAILABLE")
        assert refused.header("Retry-After") == "60" and refused.header("Cache-Control") == "no-store"
        assert_refused_without_session(browser, refused)
        assert disk_stack.attempts() == before  # nothing written, nothing accepted
        # The reference on the page is in the log, with the cause, for support to find.
        log = (disk_stack.stack.logs / "processes-output.log").read_text()
        assert f"accepted certificate login {reference} not audited: refused" in log
        assert "database or disk is full" in log

    again = disk_stack.browser(tmp_path / "again", disk_stack.returning)
    accepted = again.login()
    assert accepted.status == 302 and "sessionid" in again.cookies(), accepted
    assert again.get(f"{disk_stack.stack.portal}/painel/").status == 200
    assert disk_stack.attempts() == before + Counter(accepted=1)


def test_disk_full_at_a_first_login_refuses_it_without_a_session(disk_stack, tmp_path):
    """A first login creates the member's account (portal.binding) before the audit transaction: with the disk
    full that write fails first — the login is still refused, with no session and nothing recorded."""
    newcomer = disk_stack.newcomers[0]
    before = disk_stack.attempts()
    with disk_stack.full():
        browser = disk_stack.browser(tmp_path / "full", newcomer)
        assert_refused_without_session(browser, browser.login())
        assert disk_stack.attempts() == before

    again = disk_stack.browser(tmp_path / "again", newcomer)
    assert again.login().status == 302
    assert disk_stack.attempts() == before + Counter(accepted=1)


def test_disk_full_at_a_first_login_answers_the_audit_unavailable_page(disk_stack, tmp_path):
    with disk_stack.full():
        refused = disk_stack.browser(tmp_path / "full", disk_stack.newcomers[1]).login()
    assert refused.status == 503, refused
    assert_error_facts(refused, "AUDIT_UNAVAILABLE")


# ---------------------------------------------------------------------------------------------- CRL servers down


class BrokenCrlServer:
    """An AC's CRL repository that is up but useless. ``black hole``: the connection is accepted (by the kernel)
    and nothing ever comes back. ``trickle``: it answers 200 with a large Content-Length, then one byte every half
    second (an overloaded repository)."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.held: list[socket.socket] = []
        self.closed = threading.Event()
        if mode == "trickle":
            threading.Thread(target=self._serve, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}{path}"

    def _serve(self) -> None:
        while not self.closed.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.held.append(client)
            threading.Thread(target=self._trickle, args=(client,), daemon=True).start()

    def _trickle(self, client: socket.socket) -> None:
        try:
            client.recv(65536)
            client.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/pkix-crl\r\nContent-Length: 100000\r\n\r\n")
            while not self.closed.wait(0.5):
                client.sendall(b"0")
        except OSError:
            pass

    def close(self) -> None:
        self.closed.set()
        self.listener.close()
        for client in self.held:
            client.close()


@pytest.fixture
def broken_crl_servers() -> Iterator[dict[str, BrokenCrlServer]]:
    servers = {mode: BrokenCrlServer(mode) for mode in ("black hole", "trickle")}
    yield servers
    for server in servers.values():
        server.close()


REFRESH_TIMEOUT = 2  #: CERTAUTH_CRL_REFRESH_TIMEOUT of the refreshes below: seconds per download
#: A refresh still running after this long is hung: a guard against waiting forever, not a speed bound (how long a
#: refresh takes is never asserted; that the downloads' own deadline ended it is, by the error it left).
HUNG_AFTER = 300


def crl_refresh(e2e_stack: E2EStack) -> subprocess.CompletedProcess[str]:
    """``manage.py crl refresh`` as cron runs it, against the shared stack's database."""
    env = {**e2e_stack.stack.env, "CERTAUTH_CRL_REFRESH_TIMEOUT": str(REFRESH_TIMEOUT)}
    try:
        return subprocess.run(
            [sys.executable, "manage.py", "crl", "refresh"],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=HUNG_AFTER,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"`crl refresh` hung: still running after {HUNG_AFTER} s (downloads' deadline {REFRESH_TIMEOUT} s)")


@pytest.fixture
def oab_crl_held(e2e_stack, member_factory, pki, file_server) -> tuple[Issued, Issued]:
    """AC Teste OAB's CRL nº 60 (one of the lawyer's two certificates on it), loaded by a refresh from its
    repository; returns (good certificate, revoked certificate)."""
    member_factory()
    good, revoked = pki.issue(LAWYER), pki.issue(LAWYER)
    file_server.files["/lcr/ac-teste-oab.crl"] = pki.builder.crl(
        pki.oab, [RevokedEntry(revoked.certificate.serial_number, None, x509.ReasonFlags.key_compromise)], number=60
    )
    CrlIssuer.objects.filter(key_id=key_id(pki.oab.certificate)).update(urls=[file_server.url("/lcr/ac-teste-oab.crl")])
    result = crl_refresh(e2e_stack)
    assert result.returncode == 0, result
    assert "AC Teste OAB: LCR nº 60 carregada: 1 revogados" in result.stdout, result
    return good, revoked


def test_crl_servers_down_during_a_refresh_keep_the_last_good_crl(
    e2e_stack, oab_crl_held, browser_factory, file_server, broken_crl_servers, pki
):
    """Every address of the AC's CRL fails (refused, black hole): the refresh ends by its downloads' deadline with exit
    status 2 and the errors on record, and the CRL held keeps deciding logins (tests/certauth/test_crl_command.py
    covers a refresh with all URLs down only when no CRL was held)."""
    good, revoked = oab_crl_held
    urls = [file_server.down_url("/lcr/ac-teste-oab.crl"), broken_crl_servers["black hole"].url("/lcr/oab.crl")]
    CrlIssuer.objects.filter(key_id=key_id(pki.oab.certificate)).update(urls=urls)

    result = crl_refresh(e2e_stack)

    assert result.returncode == 2, result
    assert "as anteriores continuam valendo" in result.stderr, result
    issuer = CrlIssuer.objects.select_related("current").get(key_id=key_id(pki.oab.certificate))
    assert issuer.current.number == "60"
    refused_url, black_hole_url = urls
    first, second = issuer.last_error.split("; ")
    assert first.startswith(f"{refused_url}: ") and "refused" in first.lower(), issuer.last_error
    assert second == f"{black_hole_url}: tempo esgotado ({REFRESH_TIMEOUT} s)", issuer.last_error
    # Logins through the stack: still decided by CRL nº 60.
    assert browser_factory(good).login().status == 302
    refused = browser_factory(revoked).login()
    assert_audited_once("CERT_REVOKED", assert_rejection_page(refused, "CERT_REVOKED"))


def test_a_crl_server_trickling_bytes_does_not_hold_the_refresh_past_its_timeout(
    e2e_stack, oab_crl_held, broken_crl_servers, pki
):
    """The server answers 200 and then one byte every half second: no single read ever waits long enough to time out,
    so only the download's own deadline (the whole body within CERTAUTH_CRL_REFRESH_TIMEOUT) can end it — and the
    error it leaves says so. Without that deadline this refresh would run for 100,000 × 0.5 s.
    (tests/certauth/test_crl_fetch.py pins the deadline itself under a controlled clock.)"""
    url = broken_crl_servers["trickle"].url("/lcr/oab.crl")
    CrlIssuer.objects.filter(key_id=key_id(pki.oab.certificate)).update(urls=[url])

    result = crl_refresh(e2e_stack)

    assert result.returncode == 2, result
    issuer = CrlIssuer.objects.select_related("current").get(key_id=key_id(pki.oab.certificate))
    assert issuer.current.number == "60"
    assert issuer.last_error == f"{url}: tempo esgotado ({REFRESH_TIMEOUT} s)"
