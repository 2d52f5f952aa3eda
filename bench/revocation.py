"""Revocation with big CRLs, on SQLite and on PostgreSQL side by side, with the reference tools, in one run.

    .venv/bin/python bench/revocation.py [--sizes 10000,100000,1000000] [--seconds 10] [--clients 4]
                                         [--databases sqlite,postgresql] [--latency-seconds 8]

Chain as in shared/figures.md: root RSA-4096 → issuing AC RSA-4096 → leaf RSA-2048; the issuing AC's CRL has N
entries shaped like the issue's reference (20-byte serials, a reason code on each: 1M entries ≈ 53 MB of DER). The PKI
and CRLs are generated once; each database (a fresh one, bench/databases.py) is measured in a child process. Prints,
one column per database (PostgreSQL is production's, SQLite the demo's):
1. ingest (verify + index into the store) of each CRL size, and of the largest replacing one as large;
2. full certificate validation (parse + path + policy + identity + revocation) with the largest CRL loaded;
3. certificate logins per second through nginx (TLS 1.3 full handshakes with a client certificate, `openssl
   s_time -new`, several clients) with the largest CRL and with revocation off, CPU per login (gunicorn, nginx, the
   TLS clients), gunicorn workers' memory;
4. certificate login latency p50/p99 (one client, sequential, a new TLS connection each) without an ingest and while
   another process loads a CRL as large as the largest (the logins must keep succeeding: non-302 answers counted);
then, once (no database): pyhanko-certvalidator (revocation required) with the same chain and CRL, and nginx's own
`ssl_crl` holding the same CRLs; and the targets as PASS/FAIL.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import re
import resource
import secrets
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives.serialization import Encoding  # noqa: E402

from bench import databases  # noqa: E402
from bench.machine import children, cpu_seconds, free_port  # noqa: E402
from certauth.icp.builder import PersonSpec, PkiBuilder, RevokedEntry  # noqa: E402

NGINX_NATIVE = """
worker_processes 2;
pid {prefix}/native.pid;
error_log {prefix}/native-error.log warn;
daemon off;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/tmp; proxy_temp_path {prefix}/tmp; fastcgi_temp_path {prefix}/tmp;
    uwsgi_temp_path {prefix}/tmp; scgi_temp_path {prefix}/tmp;
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_certificate {cert}; ssl_certificate_key {key};
        ssl_verify_client on;
        ssl_verify_depth 3;
        ssl_client_certificate {cas};
        ssl_crl {crls};
        location / {{ return 200 "ok"; }}
    }}
}}
"""


def median_ms(fn, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def s_time(port: int, path: str, files: dict[str, Path], seconds: int, clients: int) -> float:
    """Connections per second (full TLS 1.3 handshakes with a client certificate, one GET each), summed."""
    command = [
        "openssl",
        "s_time",
        "-connect",
        f"127.0.0.1:{port}",
        "-new",
        "-tls1_3",
        "-time",
        str(seconds),
        "-cert",
        str(files["leaf"]),
        "-key",
        str(files["leaf_key"]),
        "-CAfile",
        str(files["tls_ca"]),
        "-www",
        path,
    ]
    processes = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) for _ in range(clients)
    ]
    total = 0.0
    for process in processes:
        output, _ = process.communicate(timeout=seconds * 4 + 60)
        match = re.search(r"(\d+) connections in (\d+) real seconds", output)
        if match:
            total += int(match.group(1)) / max(int(match.group(2)), 1)
    return total


def write_pki(tmp: Path, sizes: list[int]) -> tuple[dict[str, Path], dict[str, object]]:
    """The chain, the server certificate and the CRLs, as files both database runs read (generated once)."""
    now = dt.datetime.now(dt.UTC)
    builder = PkiBuilder(now=now, key_size=4096)
    root = builder.root("AC Raiz Bench")
    issuer = builder.intermediate(root, "AC Bench")
    builder.key_size = 2048
    leaf = builder.person(issuer, PersonSpec("MARIA DA SILVA", "52601815906", oab="0123456SP"))
    tls_root = builder.root("AC TLS Bench")
    server = builder.server(tls_root, ("localhost",), ips=("127.0.0.1",))
    files = {
        "roots": tmp / "roots.pem",
        "intermediates": tmp / "intermediates.pem",
        "leaf": tmp / "leaf.pem",
        "leaf_key": tmp / "leaf.key",
        "tls_ca": tmp / "tls-ca.pem",
        "server": tmp / "server.pem",
        "server_key": tmp / "server.key",
        "root_crl": tmp / "crl-root.der",
        "replace_crl": tmp / "crl-replace.der",  # the largest size again, newer: a refresh at that size
        "busy_crl": tmp / "crl-busy.der",  # and again, newer still: loaded while logins are timed
    }
    files["roots"].write_bytes(root.certificate_pem())
    files["intermediates"].write_bytes(issuer.certificate_pem())
    files["leaf"].write_bytes(leaf.certificate_pem())
    files["leaf_key"].write_bytes(leaf.key_pem())
    files["tls_ca"].write_bytes(tls_root.certificate_pem())
    files["server"].write_bytes(server.certificate_pem())
    files["server_key"].write_bytes(server.key_pem())
    print(
        f"Generating CRLs of {', '.join(f'{n:,}' for n in sizes)} entries (and {max(sizes):,} twice more)…", flush=True
    )
    paths = [tmp / f"crl-{size}.der" for size in sizes] + [files["replace_crl"], files["busy_crl"]]
    for number, (size, path) in enumerate(zip([*sizes, max(sizes), max(sizes)], paths, strict=True), start=2):
        entries = (
            RevokedEntry(
                int.from_bytes(secrets.token_bytes(20)) >> 1,
                now - dt.timedelta(days=1),
                (x509.ReasonFlags.key_compromise, x509.ReasonFlags.superseded)[i % 2],
            )
            for i in range(size)
        )
        path.write_bytes(builder.crl(issuer, entries, number=number))
    files["root_crl"].write_bytes(builder.crl(root, number=1))
    return files, {"root": root, "issuer": issuer, "leaf": leaf}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=1000)
    parser.add_argument("--pyhanko-rounds", type=int, default=3)
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--latency-seconds", type=float, default=8.0, help="logins timed without an ingest")
    databases.add_argument(parser)
    parser.add_argument("--child", help=argparse.SUPPRESS)  # DATABASE_URL: one database's measurement
    parser.add_argument("--tmp", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--ingest-only", help=argparse.SUPPRESS)  # a CRL file: the load beside the timed logins
    args = parser.parse_args()
    if args.ingest_only:
        ingest_only(Path(args.ingest_only))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.child:
        result = one_database(args.child, Path(args.tmp), sizes, args)
        Path(args.out).write_text(json.dumps(result))
        return

    print(f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, load average {_load()} on {os.cpu_count()} CPUs", flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="a3-bench-revocation-"))
    tmp.chmod(0o755)  # noqa: S103  (nginx's workers, nobody, reach gunicorn's socket under it)
    try:
        files, pki = write_pki(tmp, sizes)
        largest = max(sizes)
        results: dict[str, dict] = {}
        for kind in args.databases:
            print(f"\n{databases.LABELS[kind]}: ingest, validation, logins through nginx…", flush=True)
            out = tmp / f"{kind}.json"
            with databases.database(kind, tmp, "revocation") as db:
                env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
                command = [sys.executable, __file__, "--child", db.url, "--tmp", str(tmp), "--out", str(out)]
                command += ["--sizes", args.sizes, "--seconds", str(args.seconds), "--clients", str(args.clients)]
                command += ["--rounds", str(args.rounds), "--workers", str(args.workers)]
                command += ["--latency-seconds", str(args.latency_seconds)]
                command += ["--skip-throughput"] if args.skip_throughput else []
                subprocess.run(command, cwd=BASE_DIR, env=env, check=False)
            if out.exists():
                results[kind] = json.loads(out.read_text())
            else:
                print(f"{databases.LABELS[kind]}: the measurement failed (see above); its column reads —")

        print(f"\nReference: pyhanko-certvalidator, revocation required, same chain and {largest:,}-entry CRL")
        try:
            ref_cold, ref_warm, ref_rss = pyhanko(
                pki["root"], pki["issuer"], pki["leaf"], files["root_crl"].read_bytes(),
                (tmp / f"crl-{largest}.der").read_bytes(), dt.datetime.now(dt.UTC), args.pyhanko_rounds,
            )  # fmt: skip
            print(f"   warm {ref_warm:,.0f} ms / first {ref_cold:,.0f} ms  (process peak RSS {ref_rss:,.0f} MB)")
        except ImportError:
            print("   pyhanko-certvalidator: not installed (pip install -e '.[bench]')")
        native_rate = native_memory = None
        if not args.skip_throughput:
            native_rate, native_memory = native(
                tmp, files, files["root_crl"].read_bytes(), (tmp / f"crl-{largest}.der").read_bytes(), args
            )
        report(results, sizes, args, native_rate, native_memory)
        print(f"\n(end: load average {_load()}; production runs on PostgreSQL: its column is the production figure)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # ~0.7 GB: three 53 MB CRLs, the SQLite database


def _load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def report(results: dict[str, dict], sizes: list[int], args, native_rate: float | None, native_memory) -> None:
    kinds = [k for k in args.databases if k in results]
    largest = max(sizes)
    rows: list[tuple[str, dict[str, str]]] = []

    def row(what: str, fmt) -> None:
        figures = {}
        for kind in kinds:
            try:
                figures[kind] = fmt(results[kind])
            except (KeyError, TypeError, ZeroDivisionError):
                figures[kind] = "—"
        rows.append((what, figures))

    for size in sizes:
        row(f"ingest {size:>9,} entries", lambda r, s=size: f"{r['ingest'][str(s)]:.2f} s")
    row(f"ingest {largest:,} replacing {largest:,}", lambda r: f"{r['ingest']['replace']:.2f} s")
    for key in (str(largest), "replace"):
        what = f"  CPU, process + database server ({'replacing' if key == 'replace' else 'first load'})"
        row(what, lambda r, k=key: f"{r['ingest_cpu'][k]:.2f} s")
    row(f"validation, {largest:,}-entry CRL (median)", lambda r: f"{r['validation_us']:,.0f} µs")
    if not args.skip_throughput:
        row(f"logins/s, revocation with the {largest:,} CRL", lambda r: f"{r['rate_crl']:.1f}")
        row("logins/s, revocation off", lambda r: f"{r['rate_off']:.1f}")
        for part in ("gunicorn", "nginx", "clients"):
            row(f"CPU per login ({largest:,} CRL), {part}", lambda r, p=part: f"{r['cpu_crl'][p]:.2f} ms")
        row("CPU per login (revocation off), gunicorn", lambda r: f"{r['cpu_off']['gunicorn']:.2f} ms")
        row(f"gunicorn worker RSS, {largest:,} CRL", lambda r: f"{r['rss_crl']:.0f} MB")
        row("login latency p50 / p99, no ingest", lambda r: _latency(r["latency_idle"]))
        row(f"login latency p50 / p99, during a {largest:,} ingest", lambda r: _latency(r["latency_busy"]))
        row("  logins timed without / during (not 302)", lambda r: _counts(r["latency_idle"], r["latency_busy"]))
        row("  that ingest, in its own process", lambda r: f"{r['latency_busy']['ingest_s']:.2f} s")
    print()
    print(databases.side_by_side(rows, kinds))
    if native_rate is not None:
        print(f"nginx ssl_crl with the same CRLs (reference, no database): {native_rate:.1f} logins/s, "
              f"worker RSS {native_memory:.0f} MB")  # fmt: skip
    print("\nTargets (this machine):")
    targets: list[tuple[str, dict[str, str]]] = []

    def target(what: str, ok) -> None:
        figures = {}
        for kind in kinds:
            try:
                figures[kind] = "PASS" if ok(kind, results[kind]) else "FAIL"
            except (KeyError, TypeError, ZeroDivisionError):
                figures[kind] = "—"
        targets.append((what, figures))

    target(f"ingest {largest:,} ≤ 5 s (PG) / ≤ 10 s (SQLite), wall",
           lambda k, r: r["ingest"][str(largest)] <= (5 if k == "postgresql" else 10))  # fmt: skip
    target(f"ingest {largest:,} ≤ 5 s (PG) / ≤ 10 s (SQLite), CPU",
           lambda k, r: r["ingest_cpu"][str(largest)] <= (5 if k == "postgresql" else 10))  # fmt: skip
    if not args.skip_throughput and native_rate:
        for kind in kinds:
            r = results[kind]
            r["vs_native"] = r["rate_crl"] / native_rate
            r["vs_off"] = r["rate_crl"] / r["rate_off"]
        target(f"logins/s with {largest:,} CRL ≥ 20× nginx ssl_crl", lambda k, r: r["vs_native"] >= 20)
        target(f"logins/s with {largest:,} CRL ≥ 95% of revocation off", lambda k, r: r["vs_off"] >= 0.95)
        rows2 = [
            ("  ratio to nginx ssl_crl", {k: f"{results[k]['vs_native']:.1f}×" for k in kinds}),
            ("  share of revocation off", {k: f"{100 * results[k]['vs_off']:.0f}%" for k in kinds}),
        ]
        targets += rows2
    print(databases.side_by_side(targets, kinds))


def _counts(idle: dict, busy: dict) -> str:
    return f"{idle['n']} ({idle['failed']}) / {busy['n']} ({busy['failed']})"


def _latency(figures: dict) -> str:
    return f"{figures['p50']:.1f} / {figures['p99']:.1f} ms"


def one_database(url: str, tmp: Path, sizes: list[int], args) -> dict:
    """One database's figures (run in a child process: Django is set up once per process, with this DATABASE_URL)."""
    kind = "postgresql" if url.startswith("postgres") else "sqlite"
    files = {
        name: tmp / f
        for name, f in (
            ("roots", "roots.pem"), ("intermediates", "intermediates.pem"), ("leaf", "leaf.pem"),
            ("leaf_key", "leaf.key"), ("tls_ca", "tls-ca.pem"), ("server", "server.pem"),
            ("server_key", "server.key"), ("root_crl", "crl-root.der"), ("replace_crl", "crl-replace.der"),
            ("busy_crl", "crl-busy.der"),
        )
    }  # fmt: skip
    var = tmp / f"var-{kind}"
    var.mkdir()
    env = {
        "PORTAL_VAR_DIR": str(var),
        "SECRET_KEY": secrets.token_urlsafe(40),
        "PORTAL_DEMO": "0",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": url,
        "CERTAUTH_TRUST_ROOTS": str(files["roots"]),
        "CERTAUTH_INTERMEDIATES": str(files["intermediates"]),
        "CERTAUTH_PROXY_SECRET": secrets.token_urlsafe(32),
        "PORTAL_PORT": str(free_port()),
        "CERT_LOGIN_PORT": str(free_port()),
        "CERT_LOGIN_TLS12_PORT": str(free_port()),
        "CERTAUTH_CRL_FETCH_ON_LOGIN": "0",
        "PORTAL_TLS_CERT": str(files["server"]),
        "PORTAL_TLS_KEY": str(files["server_key"]),
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from certauth import crl_store
    from certauth.validator import get_validator
    from portal.models import EntityKind, EntityStatus, Member, Membership, OabRegistration, PartnerEntity

    # The leaf's holder is a member: the timed logins are accepted ones (302), the common case.
    entity = PartnerEntity.objects.create(
        code="BENCH", name="Entidade Bench", kind=EntityKind.OAB, uf="SP", status=EntityStatus.ACTIVE
    )
    member = Member.objects.create(cpf="52601815906", name="Maria da Silva", active=True)
    Membership.objects.create(member=member, entity=entity, active=True)
    OabRegistration.objects.create(member=member, number="0123456", uf="SP")

    label = "PostgreSQL" if kind == "postgresql" else "SQLite"
    result: dict = {"ingest": {}, "ingest_cpu": {}}
    issuer = x509.load_pem_x509_certificate(files["intermediates"].read_bytes())
    root = x509.load_pem_x509_certificate(files["roots"].read_bytes())
    crl_store.ingest(files["root_crl"].read_bytes(), source="bench", issuer=root, max_bytes=1 << 30)
    server_pid = _database_server_pid()

    def timed_ingest(key: str, data: bytes) -> None:
        """Wall time, and CPU time (this process + the database server's backend): the CPU figure is what the
        ingest costs on a quiet machine, whatever else the machine is doing."""
        cpu_before = time.process_time() + (cpu_seconds([server_pid]) if server_pid else 0.0)
        start = time.perf_counter()
        crl_store.ingest(data, source="bench", issuer=issuer, max_bytes=1 << 30)
        result["ingest"][key] = time.perf_counter() - start
        cpu_after = time.process_time() + (cpu_seconds([server_pid]) if server_pid else 0.0)
        result["ingest_cpu"][key] = cpu_after - cpu_before

    for size in sizes:
        data = (tmp / f"crl-{size}.der").read_bytes()
        timed_ingest(str(size), data)
        print(
            f"   {label}: ingest {size:>9,} entries  {len(data) / 1e6:6.1f} MB DER"
            f"  {result['ingest'][str(size)]:6.2f} s"
            f"  (CPU {result['ingest_cpu'][str(size)]:.2f} s)",
            flush=True,
        )
    largest = max(sizes)
    # The largest CRL replaced by one as large (a routine refresh at that size); the busy one comes later, newer.
    timed_ingest("replace", files["replace_crl"].read_bytes())
    print(
        f"   {label}: ingest {largest:,} replacing {largest:,}: {result['ingest']['replace']:.2f} s"
        f"  (CPU {result['ingest_cpu']['replace']:.2f} s)",
        flush=True,
    )

    validator = get_validator()
    at = dt.datetime.now(dt.UTC)
    leaf_pem = files["leaf"].read_bytes()
    header = quote(leaf_pem.decode(), safe="")
    from certauth.icp.forwarded import decode_forwarded_certificate

    result["validation_us"] = 1000 * median_ms(
        lambda: validator.validate(decode_forwarded_certificate(header), at=at), args.rounds
    )
    if args.skip_throughput:
        return result

    from portal.serving.config import site_from_settings
    from portal.serving.processes import Stack

    for key, extra in (("crl", {}), ("off", {"CERTAUTH_REVOCATION": "off"})):
        site = site_from_settings()
        stack = Stack(site=site, env={**os.environ, **extra}, gunicorn_workers=args.workers, output=var / "stack.log")
        stack.start()
        try:
            s_time(site.login_port, "/entrar/certificado/", files, 2, 1)  # warm the workers
            workers = children(stack.processes["gunicorn"].pid)
            nginx_workers = children(stack.processes["nginx"].pid)
            before = cpu_seconds(workers), cpu_seconds(nginx_workers), _children_cpu()
            rate = s_time(site.login_port, "/entrar/certificado/", files, args.seconds, args.clients)
            after = cpu_seconds(workers), cpu_seconds(nginx_workers), _children_cpu()
            logins = max(rate * args.seconds, 1)
            result[f"rate_{key}"] = rate
            result[f"cpu_{key}"] = {
                part: 1000 * (after[i] - before[i]) / logins for i, part in enumerate(("gunicorn", "nginx", "clients"))
            }
            result[f"rss_{key}"] = max((rss_mb(w) for w in workers), default=0.0)
            cpu = result[f"cpu_{key}"]["gunicorn"]
            print(f"   {label}: {rate:.1f} logins/s ({key}), gunicorn CPU {cpu:.2f} ms/login", flush=True)
            if key == "crl":
                host = site.login_server_name
                result["latency_idle"] = login_latency(site.login_port, files, host, seconds=args.latency_seconds)
                result["latency_busy"] = login_latency(site.login_port, files, host, ingest=files["busy_crl"])
                print(f"   {label}: login latency p50/p99 {_latency(result['latency_idle'])} without an ingest, "
                      f"{_latency(result['latency_busy'])} during one ({result['latency_busy']['ingest_s']:.1f} s)",
                      flush=True)  # fmt: skip
        finally:
            stack.stop()
    return result


def _database_server_pid() -> int | None:
    """PostgreSQL: the backend serving this connection (a local server: its CPU is read from /proc)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = int(cursor.fetchone()[0])
    return pid if Path(f"/proc/{pid}/stat").exists() else None


def login_latency(
    port: int, files: dict[str, Path], host: str, *, seconds: float = 0.0, ingest: Path | None = None
) -> dict:
    """Sequential certificate logins through nginx (a new TLS 1.3 connection each, one client), each one timed: for
    ``seconds``, or while another process loads the CRL ``ingest`` (from the moment its Django is ready to the end
    of the load; ``ingest_s`` is the load's own time, as that process measured it)."""
    context = ssl.create_default_context(cafile=str(files["tls_ca"]))
    context.load_cert_chain(str(files["leaf"]), str(files["leaf_key"]))
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    request = f"GET /entrar/certificado/ HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
    samples: list[float] = []
    statuses: dict[str, int] = {}
    process = None
    if ingest is not None:
        command = [sys.executable, __file__, "--ingest-only", str(ingest)]
        process = subprocess.Popen(command, cwd=BASE_DIR, env=os.environ, stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None
        process.stdout.readline()  # "ready": Django set up, the load starts now
    deadline = time.perf_counter() + seconds
    while (process.poll() is None) if process else (time.perf_counter() < deadline):
        begin = time.perf_counter()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=30) as raw:
                with context.wrap_socket(raw, server_hostname="localhost") as tls:
                    tls.sendall(request)
                    answer = b""
                    while chunk := tls.recv(65536):
                        answer += chunk
            status = answer.split(b" ", 2)[1].decode() if answer.startswith(b"HTTP/") else "?"
        except OSError as exc:
            status = type(exc).__name__
        samples.append(time.perf_counter() - begin)
        statuses[status] = statuses.get(status, 0) + 1
    ingest_s = 0.0
    if process is not None:
        output, _ = process.communicate()
        if process.returncode != 0 or not output.strip():
            raise RuntimeError("the ingest run beside the logins failed")
        ingest_s = float(output.split()[-1])
    samples.sort()
    pick = (lambda q: 1000 * samples[min(len(samples) - 1, int(q * len(samples)))]) if samples else (lambda q: 0.0)
    failed = sum(count for status, count in statuses.items() if status != "302")
    return {"p50": pick(0.50), "p99": pick(0.99), "n": len(samples), "failed": failed, "statuses": statuses,
            "ingest_s": ingest_s}  # fmt: skip


def ingest_only(path: Path) -> None:
    """The child loading a CRL while logins are timed: "ready" once Django is set up, then the load's time."""
    import django

    django.setup()
    from certauth import crl_store
    from certauth.crl_service import trusted_authorities

    candidates = list(trusted_authorities().values())
    data = path.read_bytes()
    print("ready", flush=True)
    start = time.perf_counter()
    crl_store.ingest(data, source=str(path), candidates=candidates, max_bytes=1 << 30)
    print(f"{time.perf_counter() - start:.3f}", flush=True)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def pyhanko(
    root, issuer, leaf, root_crl: bytes, crl: bytes, at: dt.datetime, rounds: int
) -> tuple[float, float, float]:
    from asn1crypto import crl as asn1_crl
    from asn1crypto import x509 as asn1_x509
    from pyhanko_certvalidator import CertificateValidator, ValidationContext

    def cert(issued):
        return asn1_x509.Certificate.load(issued.certificate.public_bytes(Encoding.DER))

    loop = asyncio.new_event_loop()
    crls = [asn1_crl.CertificateList.load(root_crl), asn1_crl.CertificateList.load(crl)]

    def once() -> None:
        context = ValidationContext(trust_roots=[cert(root)], crls=crls, revocation_mode="require", moment=at)
        validator = CertificateValidator(cert(leaf), intermediate_certs=[cert(issuer)], validation_context=context)
        loop.run_until_complete(validator.async_validate_usage({"digital_signature"}))

    start = time.perf_counter()
    once()
    cold = (time.perf_counter() - start) * 1000
    warm = median_ms(once, rounds)
    return cold, warm, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def native(tmp: Path, files: dict[str, Path], root_crl: bytes, crl: bytes, args) -> tuple[float, float]:
    from portal.serving.nginx import nginx_binary

    pem = b"".join(x509.load_der_x509_crl(data).public_bytes(Encoding.PEM) for data in (root_crl, crl))
    (tmp / "crls.pem").write_bytes(pem)
    (tmp / "cas.pem").write_bytes(files["roots"].read_bytes() + files["intermediates"].read_bytes())
    (tmp / "tmp").mkdir(exist_ok=True)
    port = free_port()
    (tmp / "native.conf").write_text(
        NGINX_NATIVE.format(
            prefix=tmp,
            port=port,
            cert=files["server"],
            key=files["server_key"],
            cas=tmp / "cas.pem",
            crls=tmp / "crls.pem",
        )
    )
    process = subprocess.Popen(
        [nginx_binary(), "-p", str(tmp), "-c", str(tmp / "native.conf"), "-e", str(tmp / "native-error.log")]
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        rate = s_time(port, "/", files, args.seconds, args.clients)
        memory = max((rss_mb(w) for w in children(process.pid)), default=0.0)
    finally:
        process.terminate()
        process.wait(timeout=30)
    return rate, memory


if __name__ == "__main__":
    main()
