"""A bounded load on the whole stack (nginx + gunicorn, as `make run`), side by side with nginx answering alone.

    .venv/bin/python bench/load.py [--requests N] [--concurrency C] [--seconds T] [--databases sqlite,postgresql]
                                   [--workers W]

Loopback only. Starts the real stack on free ports in a temporary directory, with a test PKI shaped like
ICP-Brasil (root → 1st level AC → issuing AC → e-CPF A3) and --members members of one partner entity, each with an
e-CPF and a password. The same load runs on each database of --databases (both by default, one after the other, a
process each): a temporary SQLite file and a fresh database on the local PostgreSQL cluster (bench/databases.py,
dropped at the end); a side-by-side summary ends the run. Production runs on PostgreSQL: its column is the
production figure. ``--postgres`` is the former spelling of ``--databases postgresql``.

C virtual users each make one visit at a time, as a person in a partner office would:

- certificate visit: GET / on the portal host → certificate login on the login host (a NEW connection, full
  mutual-TLS handshake with the member's certificate, as a click on "Entrar com certificado digital") →
  GET /painel/ with the session → GET /cronograma/;
- every 5th visit (--password-every; 0: none) is a password visit: GET / → GET /entrar/senha/ (form) →
  POST /entrar/senha/ (CPF + password, Argon2) → GET /painel/ → GET /cronograma/.

The portal host's requests of a visit share one keep-alive connection, like a browser's. Each visit comes from its
own loopback address (127.0.x.y): nginx limits the password login per address (30/min, burst 60) and offices have
addresses of their own. The load is BOUNDED: no visit starts once N requests are used up or T seconds have passed.

Printed: requests per second, p50/p99 latency and errors for each kind of request; the reference (nginx alone
answering after the same mutual-TLS handshake, same concurrency); CPU used by gunicorn, nginx and this load
generator (all on the same cores); and the audit check: LoginAttempt rows == login attempts sent (exit status 1
if not).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import logging
import os
import re
import resource
import secrets
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))

from bench import databases, machine  # noqa: E402
from bench.machine import children, cpu_seconds, free_port  # noqa: E402
from certauth.icp.builder import Issued, PersonSpec, PkiBuilder  # noqa: E402

PASSWORD = "uma senha longa de carga"  # noqa: S105  (bench accounts in a throw-away database)
TIMEOUT = 30.0
KINDS = (
    "certificate login",
    "password login (POST)",
    "page / (home)",
    "page /entrar/senha/ (form)",
    "page /painel/ (session)",
    "page /cronograma/",
)


def valid_cpf(base: int) -> str:
    digits = [int(d) for d in f"{base:09d}"]
    for length in (9, 10):
        remainder = sum(d * (length + 1 - i) for i, d in enumerate(digits[:length])) % 11
        digits.append(0 if remainder < 2 else 11 - remainder)
    return "".join(map(str, digits))


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else float("nan")


def busy_seconds() -> float:
    """CPU time the whole machine spent busy (every process; /proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------------------------------------- the client


class Connection(http.client.HTTPSConnection):
    """To nginx on 127.0.0.1 naming ``localhost`` (SNI, certificate check, Host), from a chosen loopback address."""

    def connect(self) -> None:
        sock = socket.create_connection(("127.0.0.1", self.port), self.timeout, self.source_address)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = self._context.wrap_socket(sock, server_hostname="localhost")  # type: ignore[attr-defined]


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: str


class RequestFailed(Exception):
    def __init__(self, kind: str, what: str) -> None:
        super().__init__(what)
        self.kind = kind


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    sent: Counter[str] = field(default_factory=Counter)
    ok: Counter[str] = field(default_factory=Counter)


class Visitor:
    """One browser for one visit: its cookies, its source address, its keep-alive connection to the portal host."""

    def __init__(self, load: Load, source: str) -> None:
        self.load = load
        self.source = source
        self.cookies: dict[str, str] = {}
        self.portal: Connection | None = None

    def close(self) -> None:
        if self.portal is not None:
            self.portal.close()

    def request(
        self,
        kind: str,
        method: str,
        path: str,
        *,
        expect: int,
        location: str | None = None,
        body: str | None = None,
        headers: dict[str, str] | None = None,
        login_context: ssl.SSLContext | None = None,
    ) -> Answer:
        load = self.load
        all_headers = {**(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        start = time.perf_counter()
        try:
            if login_context is not None:  # a new connection to the login host, with the client certificate
                connection = Connection(
                    "localhost",
                    load.login_port,
                    context=login_context,
                    timeout=TIMEOUT,
                    source_address=(self.source, 0),
                )
                all_headers["Connection"] = "close"
            else:
                if self.portal is None:
                    self.portal = Connection(
                        "localhost",
                        load.portal_port,
                        context=load.server_context,
                        timeout=TIMEOUT,
                        source_address=(self.source, 0),
                    )
                connection = self.portal
            if connection.sock is None:
                connection.connect()
            connection.request(method, path, body=body, headers=all_headers)
            load.record_sent(kind)
            response = connection.getresponse()
            text = response.read().decode("utf-8", errors="replace")
            if login_context is not None or response.will_close:
                connection.close()
                if connection is self.portal:
                    self.portal = None
        except (OSError, http.client.HTTPException) as exc:
            if self.portal is not None:
                self.portal.close()
                self.portal = None
            load.record(kind, time.perf_counter() - start, type(exc).__name__)
            raise RequestFailed(kind, type(exc).__name__) from None
        elapsed = time.perf_counter() - start
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            cookie_value = rest.split(";", 1)[0]
            if cookie_value and "max-age=0" not in value.lower():
                self.cookies[name.strip()] = cookie_value
            else:
                self.cookies.pop(name.strip(), None)
        error = None
        if response.status != expect:
            error = f"HTTP {response.status}"
        elif location is not None and response.getheader("Location") != location:
            error = f"HTTP {response.status} → {response.getheader('Location')}"
        load.record(kind, elapsed, error)
        if error is not None:
            raise RequestFailed(kind, error)
        return Answer(response.status, response.headers, text)


@dataclass
class Member:
    cpf: str
    certificate: Issued
    context: ssl.SSLContext | None = None


class Load:
    def __init__(
        self,
        *,
        portal_port: int,
        login_port: int,
        server_context: ssl.SSLContext,
        members: list[Member],
        client_context: Callable[[Member], ssl.SSLContext],
        requests: int,
        seconds: float,
        password_every: int,
    ) -> None:
        self.portal_port = portal_port
        self.login_port = login_port
        self.server_context = server_context
        self.members = members
        self.client_context = client_context
        self.budget = requests
        self.seconds = seconds
        self.password_every = password_every
        self.stats = Stats()
        self._lock = threading.Lock()
        self._reserved = 0
        self._visits = 0
        self._start = 0.0
        self.stopped_by = "request budget"

    @property
    def portal(self) -> str:
        return f"https://localhost:{self.portal_port}"

    def record_sent(self, kind: str) -> None:
        with self._lock:
            self.stats.sent[kind] += 1

    def record(self, kind: str, elapsed: float, error: str | None) -> None:
        with self._lock:
            self.stats.latencies[kind].append(elapsed)
            if error is None:
                self.stats.ok[kind] += 1
            else:
                self.stats.errors[kind][error] += 1

    def _take(self) -> int | None:
        with self._lock:
            n = self._visits
            size = 5 if self.password_visit(n) else 4
            if time.monotonic() - self._start > self.seconds:
                self.stopped_by = f"time limit ({self.seconds:.0f} s)"
                return None
            if self._reserved + size > self.budget:
                return None
            self._reserved += size
            self._visits += 1
            return n

    def run(self, concurrency: int) -> float:
        self._start = time.monotonic()
        threads = [threading.Thread(target=self._user, daemon=True) for _ in range(concurrency)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.monotonic() - self._start

    def _user(self) -> None:
        while (n := self._take()) is not None:
            visitor = Visitor(self, f"127.0.{(n // 250) % 250 + 1}.{n % 250 + 2}")
            try:
                self.visit(n, visitor)
            except RequestFailed:
                pass  # recorded; the rest of this visit is not made
            finally:
                visitor.close()

    def password_visit(self, n: int) -> bool:
        return self.password_every > 0 and n % self.password_every == self.password_every - 1

    def visit(self, n: int, visitor: Visitor) -> None:
        member = self.members[n % len(self.members)]
        visitor.request("page / (home)", "GET", "/", expect=200)
        if self.password_visit(n):
            form = visitor.request("page /entrar/senha/ (form)", "GET", "/entrar/senha/", expect=200)
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.body)
            if token is None:
                self.record("password login (POST)", 0.0, "no CSRF token in the form")
                return
            visitor.request(
                "password login (POST)",
                "POST",
                "/entrar/senha/",
                expect=302,
                location="/painel/",
                body=urlencode({"csrfmiddlewaretoken": token.group(1), "cpf": member.cpf, "password": PASSWORD}),
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Origin": self.portal,
                    "Referer": f"{self.portal}/entrar/senha/",
                },
            )
        else:
            if member.context is None:
                member.context = self.client_context(member)
            visitor.request(
                "certificate login",
                "GET",
                "/entrar/certificado/",
                expect=302,
                location=f"{self.portal}/painel/",
                login_context=member.context,
            )
        if "sessionid" not in visitor.cookies:
            self.record("page /painel/ (session)", 0.0, "login answered without a session cookie")
            return
        visitor.request("page /painel/ (session)", "GET", "/painel/", expect=200)
        visitor.request("page /cronograma/", "GET", "/cronograma/", expect=200)


def reference(port: int, context: ssl.SSLContext, count: int, concurrency: int) -> tuple[int, int, list[float], float]:
    """nginx alone: GET / on the login host after the same mutual-TLS handshake (nginx answers 302 itself)."""
    lock, latencies, errors, taken = threading.Lock(), [], [0], [0]

    def user() -> None:
        while True:
            with lock:
                if taken[0] >= count:
                    return
                taken[0] += 1
            start = time.perf_counter()
            try:
                connection = Connection("localhost", port, context=context, timeout=TIMEOUT)
                connection.request("GET", "/", headers={"Connection": "close"})
                status = connection.getresponse().status
                connection.close()
            except (OSError, http.client.HTTPException):
                status = 0
            with lock:
                latencies.append(time.perf_counter() - start)
                errors[0] += status != 302

    start = time.monotonic()
    threads = [threading.Thread(target=user, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return count, errors[0], latencies, time.monotonic() - start


# ---------------------------------------------------------------------------------------------- setup


def build_pki(tmp: Path, members: int) -> tuple[dict[str, Path], list[tuple[str, Issued]], list[Issued]]:
    now = dt.datetime.now(dt.UTC)
    builder = PkiBuilder(now=now, shared_leaf_key=True)
    root = builder.root("AC Raiz Carga")
    level1 = builder.intermediate(root, "AC Carga Nivel 1", path_length=1)
    final = builder.intermediate(level1, "AC Carga Final")
    tls_root = builder.root("AC TLS Carga", years=2)
    server = builder.server(tls_root, ("localhost",), ips=("127.0.0.1",))
    files = {name: tmp / name for name in ("roots.pem", "intermediates.pem", "tls-ca.pem", "server.pem", "server.key")}
    files["roots.pem"].write_bytes(root.certificate_pem())
    files["intermediates.pem"].write_bytes(level1.certificate_pem() + final.certificate_pem())
    files["tls-ca.pem"].write_bytes(tls_root.certificate_pem())
    files["server.pem"].write_bytes(server.certificate_pem())
    files["server.key"].write_bytes(server.key_pem())
    files["server.key"].chmod(0o600)
    people = []
    for n in range(members):
        cpf = valid_cpf(600_000_001 + 7919 * n)
        people.append((cpf, builder.person(final, PersonSpec(f"MEMBRO DE CARGA {n}", cpf))))
    crls = [(builder.crl(ca, number=1), ca) for ca in (root, level1, final)]
    return files, people, crls  # type: ignore[return-value]


def seed(people: list[tuple[str, Issued]], crls: list[tuple[bytes, Issued]]) -> None:
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import transaction

    from certauth import crl_store
    from portal.models import EntityKind, EntityStatus, Membership, PartnerEntity, User
    from portal.models import Member as MemberRow

    call_command("migrate", "--noinput", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    for data, ca in crls:
        crl_store.ingest(data, source="bench", issuer=ca.certificate, max_bytes=1 << 24)
    password = make_password(PASSWORD)  # Argon2 (the portal's settings); one hash, shared: setup stays quick
    with transaction.atomic():
        entity = PartnerEntity.objects.create(
            code="OAB-RS", name="OAB Rio Grande do Sul", kind=EntityKind.OAB, uf="RS", status=EntityStatus.ACTIVE
        )
        for n, (cpf, _) in enumerate(people):
            user = User.objects.create(username=cpf, password=password)
            member = MemberRow.objects.create(cpf=cpf, name=f"Membro de Carga {n}", user=user)
            Membership.objects.create(member=member, entity=entity)


def count_rows() -> tuple[Counter[str], Counter[str]]:
    from django.db import connections
    from django.db.models import Count

    from certauth.models import LoginAttempt

    connections.close_all()
    methods = Counter({r["method"]: r["n"] for r in LoginAttempt.objects.values("method").annotate(n=Count("id"))})
    outcomes = Counter({r["outcome"]: r["n"] for r in LoginAttempt.objects.values("outcome").annotate(n=Count("id"))})
    return methods, outcomes


# ---------------------------------------------------------------------------------------------- main


def run_one(args: argparse.Namespace) -> int:
    """The load on one database (a process of its own: Django is set up once per process); a summary to --out."""
    postgres = args.kind == "postgresql"
    tmp = Path(tempfile.mkdtemp(prefix="a3-bench-load-"))
    tmp.chmod(0o755)  # noqa: S103  (nginx's workers, nobody, reach gunicorn's socket under it)
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, tmp, ignore_errors=True)
        database = args.one_database
        files, people, crls = build_pki(tmp, args.members)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DEBUG": "0",
            "PORTAL_DEMO": "0",
            "PORTAL_VAR_DIR": str(tmp / "var"),
            "DATABASE_URL": database,
            "SECRET_KEY": secrets.token_urlsafe(40),
            "CERTAUTH_PROXY_SECRET": secrets.token_urlsafe(32),
            "CERTAUTH_TRUST_ROOTS": str(files["roots.pem"]),
            "CERTAUTH_INTERMEDIATES": str(files["intermediates.pem"]),
            "PORTAL_TLS_CERT": str(files["server.pem"]),
            "PORTAL_TLS_KEY": str(files["server.key"]),
            "PORTAL_PORT": str(free_port()),
            "CERT_LOGIN_PORT": str(free_port()),
            "CERT_LOGIN_TLS12_PORT": str(free_port()),
        }
        os.environ.update(env)
        (tmp / "var").mkdir()
        import django

        django.setup()
        logging.getLogger("certauth").setLevel(logging.WARNING)  # the CRLs loaded by the setup
        from django.db import connections

        from portal.serving.config import site_from_settings
        from portal.serving.processes import Stack

        print(f"Setting up: {args.members} members, migrations, static files…", flush=True)
        seed(people, crls)
        connections.close_all()
        cleanup.callback(connections.close_all)

        server_context = ssl.create_default_context(cafile=str(files["tls-ca.pem"]))
        keys = tmp / "keys"
        keys.mkdir()

        def client_context(member: Member) -> ssl.SSLContext:
            pem, key = keys / f"{member.cpf}.pem", keys / f"{member.cpf}.key"
            pem.write_bytes(member.certificate.certificate_pem())
            key.write_bytes(member.certificate.key_pem())
            key.chmod(0o600)
            context = ssl.create_default_context(cafile=str(files["tls-ca.pem"]))
            context.load_cert_chain(pem, key)
            return context

        members = [Member(cpf, certificate) for cpf, certificate in people]
        site = site_from_settings()
        stack = Stack(site=site, env=env, gunicorn_workers=args.workers, output=tmp / "processes.log")
        stack.start()
        cleanup.callback(stack.stop)
        load = Load(
            portal_port=site.portal_port,
            login_port=site.login_port,
            server_context=server_context,
            members=members,
            client_context=client_context,
            requests=args.requests,
            seconds=args.seconds,
            password_every=args.password_every,
        )
        # Warm up (imports, connections, the first hash) outside the figures: one visit of each kind, then clear.
        for n in (0, args.password_every - 1) if args.password_every > 0 else (0,):
            with contextlib.suppress(RequestFailed):
                load.visit(n, Visitor(load, "127.0.0.1"))
        warm_sent = load.stats.sent.copy()
        load.stats = Stats()

        print(f"Reference: nginx alone, {args.concurrency} clients…", flush=True)
        ref_count = max(50, min(1000, args.requests // 4))
        ref = reference(site.login_port, client_context(members[0]), ref_count, args.concurrency)

        gunicorn, nginx = stack.processes["gunicorn"].pid, stack.processes["nginx"].pid
        workers, nginx_workers = children(gunicorn), children(nginx)
        cpu_before = cpu_seconds(workers), cpu_seconds(nginx_workers), _self_cpu(), busy_seconds()
        print(
            f"Load: {args.concurrency} virtual users, at most {args.requests} requests / {args.seconds:.0f} s…",
            flush=True,
        )
        wall = load.run(args.concurrency)
        cpu_after = cpu_seconds(workers), cpu_seconds(nginx_workers), _self_cpu(), busy_seconds()
        restarted = sorted(set(children(gunicorn)) ^ set(workers))

        stats = load.stats
        print()
        database_kind = "PostgreSQL" if postgres else "SQLite (WAL)"
        print(
            f"{args.concurrency} virtual users, {load._visits} visits, {sum(stats.sent.values())} requests in "
            f"{wall:.1f} s (stopped by the {load.stopped_by}); {args.workers} gunicorn workers, "
            f"{site.workers} nginx workers, {database_kind}, {os.cpu_count()} CPUs shared with the load generator"
        )
        row = "{:<10}{:<36}{:>6}{:>6}{:>8}{:>11}{:>11}   {}"
        print(row.format("who", "what", "sent", "ok", "ok/s", "p50", "p99", "errors"))

        summary: dict[str, Any] = {"rows": []}

        def line(who: str, what: str, sent: int, ok: int, samples: list[float], errors: str) -> None:
            p50, p99 = (f"{percentile(samples, q) * 1000:.1f} ms" if samples else "—" for q in (0.5, 0.99))
            summary["rows"].append([what, f"{ok / wall:.1f}/s", p50, p99, errors])
            print(row.format(who, what, sent, ok, f"{ok / wall:.1f}" if who == "ours" else "", p50, p99, errors))

        for kind in KINDS:
            errors = ", ".join(f"{what} ×{n}" for what, n in stats.errors[kind].most_common()) or "0"
            line("ours", kind, stats.sent[kind], stats.ok[kind], stats.latencies.get(kind, []), errors)
        everything = [x for kind in KINDS for x in stats.latencies.get(kind, [])]
        total_errors = sum(sum(c.values()) for c in stats.errors.values())
        line("ours", "all requests", sum(stats.sent.values()), sum(stats.ok.values()), everything, str(total_errors))
        count, ref_errors, latencies, elapsed = ref
        print(
            row.format(
                "reference",
                "nginx alone: mTLS handshake + 302",
                count,
                count - ref_errors,
                f"{(count - ref_errors) / elapsed:.1f}",
                f"{percentile(latencies, 0.5) * 1000:.1f} ms",
                f"{percentile(latencies, 0.99) * 1000:.1f} ms",
                ref_errors,
            )
        )
        logins = stats.ok["certificate login"] + stats.ok["password login (POST)"]
        print(f"   → {logins / wall:.1f} logins/s within the mixed load")
        summary["reference"] = [
            f"{(count - ref_errors) / elapsed:.1f}/s",
            f"{percentile(latencies, 0.5) * 1000:.1f} ms",
            f"{percentile(latencies, 0.99) * 1000:.1f} ms",
            str(ref_errors),
        ]
        summary["logins"] = f"{logins / wall:.1f}/s"
        summary["requests"] = f"{sum(stats.sent.values())} in {wall:.1f} s"
        used = [after - before for before, after in zip(cpu_before, cpu_after, strict=True)]
        others = max(0.0, used[3] - sum(used[:3]))
        print(
            f"CPU over {wall:.1f} s ({os.cpu_count()} CPUs: {os.cpu_count() * wall:.0f} CPU-s): gunicorn workers "
            f"{used[0]:.1f} s, nginx workers {used[1]:.1f} s, this load generator {used[2]:.1f} s, other processes "
            f"on the machine{' (PostgreSQL among them)' if postgres else ''} {others:.1f} s"
            + (f"; gunicorn workers replaced during the run: {restarted}" if restarted else "")
        )
        if others > 0.1 * (os.cpu_count() or 1) * wall and not postgres:
            print("   (other processes competed for the CPUs: the figures are lower than on an idle machine)")

        methods, outcomes = count_rows()
        sent_certificate = stats.sent["certificate login"] + warm_sent["certificate login"]
        sent_password = stats.sent["password login (POST)"] + warm_sent["password login (POST)"]
        attempts = sent_certificate + sent_password
        rows = sum(methods.values())
        verdict = "equal" if rows == attempts else "MISMATCH"
        print(
            f"Audit: login attempts sent {attempts} (certificate {sent_certificate}, password {sent_password}, "
            f"warm-up included); LoginAttempt rows {rows} (certificate {methods['certificate']}, password "
            f"{methods['password']}; accepted {outcomes['accepted']}, rejected {outcomes['rejected']}) → {verdict}"
        )
        summary["gunicorn_cpu"] = f"{used[0]:.1f} s"
        summary["others_cpu"] = f"{others:.1f} of {(os.cpu_count() or 1) * wall:.0f} s"
        summary["audit"] = f"{rows} = {attempts}" if rows == attempts else f"{rows} ≠ {attempts} MISMATCH"
        Path(args.out).write_text(json.dumps(summary))
        return 0 if rows == attempts else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000, help="request budget of the mixed load")
    parser.add_argument("--concurrency", type=int, default=16, help="virtual users (threads)")
    parser.add_argument("--seconds", type=float, default=120, help="no visit starts after this")
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--password-every", type=int, default=5, help="every Nth visit logs in with a password")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (make run: 2)")
    databases.add_argument(parser)
    parser.add_argument("--postgres", action="store_true", help="the same as --databases postgresql")
    for hidden in ("--one-database", "--kind", "--out"):  # the child process's measurement
        parser.add_argument(hidden, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one_database:
        return run_one(args)
    kinds = ["postgresql"] if args.postgres else args.databases

    print(machine.note("start"), flush=True)
    summaries: dict[str, dict[str, Any]] = {}
    status = 0
    with tempfile.TemporaryDirectory(prefix="a3-bench-load-run-") as tmp:
        for kind in kinds:
            print(f"\n===== {databases.LABELS[kind]} =====", flush=True)
            out = Path(tmp) / f"{kind}.json"
            with databases.database(kind, Path(tmp), "load") as db:
                env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
                command = [sys.executable, __file__, "--one-database", db.url, "--kind", kind, "--out", str(out)]
                for name in ("requests", "concurrency", "seconds", "members", "password_every", "workers"):
                    command += [f"--{name.replace('_', '-')}", str(getattr(args, name))]
                status |= subprocess.run(command, cwd=BASE_DIR, env=env, check=False).returncode
            if out.exists():
                summaries[kind] = json.loads(out.read_text())
            else:
                status = 1
                print(f"{databases.LABELS[kind]}: the load failed (see above); its column reads —")
    rows: list[tuple[str, dict[str, str]]] = []
    for what in [*KINDS, "all requests"]:
        for index, name in ((1, "ok/s"), (2, "p50"), (3, "p99"), (4, "errors")):
            figures = {
                kind: row[index] for kind, summary in summaries.items() for row in summary["rows"] if row[0] == what
            }
            rows.append((f"{what}: {name}", figures))
    for index, name in ((0, "ok/s"), (1, "p50"), (2, "p99"), (3, "errors")):
        rows.append((f"reference, nginx alone: {name}", {kind: s["reference"][index] for kind, s in summaries.items()}))
    for key, name in (
        ("logins", "logins/s within the mixed load"),
        ("requests", "requests sent"),
        ("gunicorn_cpu", "gunicorn workers' CPU"),
        ("others_cpu", "CPU of other processes (PostgreSQL, other work)"),
        ("audit", "audit: LoginAttempt rows = attempts"),
    ):
        rows.append((name, {kind: s.get(key, "—") for kind, s in summaries.items()}))
    print()
    print(databases.side_by_side(rows, kinds))
    print(
        f"({args.concurrency} virtual users, at most {args.requests} requests / {args.seconds:.0f} s per database, "
        "one warm-up visit of each kind not counted; production runs on PostgreSQL: its column is the production "
        "figure, SQLite is the demo's)"
    )
    print(machine.note("end"))
    return status


def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    sys.exit(main())
