"""One certificate login end to end, side by side with nginx answering by itself, on SQLite and PostgreSQL.

    .venv/bin/python bench/login.py [--requests N] [--warmup W] [--databases sqlite,postgresql]

For each database (a fresh one, bench/databases.py; both by default, figures side by side), starts the real stack
(nginx + gunicorn, as `make run`) on free loopback ports with the demo PKI and data in a temporary directory, in a
process of its own. Every request opens a NEW TLS connection with the demo lawyer's certificate (a full mutual
TLS handshake), like a person clicking "Entrar com certificado digital":

- reference: GET / on the login host — nginx answers (302) right after the mutual-TLS handshake;
- ours: GET /entrar/certificado/ — nginx forwards the certificate, Django validates chain, policy and identity,
  binds the member, writes the audit row and creates the session.

Production runs on PostgreSQL: its column is the production figure; SQLite is the demo's.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))

from bench import databases, machine  # noqa: E402
from bench.machine import free_port  # noqa: E402

CASES = (
    ("reference", "nginx answers itself after the mTLS handshake", "/", 302),
    ("ours", "full certificate login (Django validates, binds, audits)", "/entrar/certificado/", 302),
)


def request(context: ssl.SSLContext, port: int, path: str) -> tuple[int, float]:
    start = time.perf_counter()
    connection = http.client.HTTPSConnection("localhost", port, context=context, timeout=10)
    connection.request("GET", path, headers={"Connection": "close"})
    status = connection.getresponse().status
    connection.close()
    return status, (time.perf_counter() - start) * 1000


def measure(context: ssl.SSLContext, port: int, path: str, count: int, expect: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        request(context, port, path)
    samples = []
    for _ in range(count):
        status, elapsed = request(context, port, path)
        if status != expect:
            raise SystemExit(f"{path}: HTTP {status}, expected {expect}")
        samples.append(elapsed)
    return samples


def one_database(database_url: str, count: int, warmup: int, out: Path) -> None:
    """The measurement on one database (a process of its own: Django is set up once per process)."""
    with tempfile.TemporaryDirectory(prefix="a3-bench-") as tmp:
        os.chmod(tmp, 0o755)  # noqa: S103  (nginx's workers, nobody, reach gunicorn's socket under it)
        env = {
            **os.environ,
            "PORTAL_VAR_DIR": tmp,
            "PORTAL_DEMO": "1",
            "DATABASE_URL": database_url,
            "SECRET_KEY": secrets.token_urlsafe(40),
            "CERTAUTH_PROXY_SECRET": secrets.token_urlsafe(32),
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            **{
                name: str(free_port())
                for name in (
                    "PORTAL_PORT",
                    "CERT_LOGIN_PORT",
                    "CERT_LOGIN_TLS12_PORT",
                    "PORTAL_DEMO_CRL_PORT",
                    "OIDC_GATEWAY_PORT",
                    "OIDC_DEMO_RP_PORT",
                )
            },
        }
        for command in (["demo_pki"], ["migrate", "-v0"], ["load_demo"], ["collectstatic", "--noinput", "-v0"]):
            subprocess.run(
                [sys.executable, "manage.py", *command], cwd=BASE_DIR, env=env, check=True, capture_output=True
            )
        os.environ.update(env)
        import django

        django.setup()
        from portal.serving.config import site_from_settings
        from portal.serving.processes import Stack

        site = site_from_settings()
        pki = Path(tmp) / "demo-pki"
        user = pki / "usuarios" / "advogada-oab-sp"
        rows = []
        with Stack(site=site, env=env, gunicorn_workers=2, output=Path(tmp) / "processes.log"):
            for version in (ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_2):
                context = ssl.create_default_context(cafile=str(pki / "ac" / "ac-tls-demo.pem"))
                context.load_cert_chain(user / "certificado.pem", user / "chave-demo.pem")
                context.minimum_version = context.maximum_version = version
                name = version.name.replace("v1_", " 1.")
                for who, what, path, expect in CASES:
                    samples = sorted(measure(context, site.login_port, path, count, expect, warmup))
                    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
                    rows.append((who, f"{name}: {what}", statistics.median(samples), p99))
        out.write_text(json.dumps(rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="measured requests per case (sequential)")
    parser.add_argument("--warmup", type=int, default=10, help="warm-up requests per case, outside the figures")
    databases.add_argument(parser)
    parser.add_argument("--one-database", help=argparse.SUPPRESS)  # DATABASE_URL: the child process's measurement
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one_database:
        one_database(args.one_database, args.requests, args.warmup, Path(args.out))
        return

    print(machine.note("start"), flush=True)
    figures: dict[str, dict[str, str]] = {}
    order: list[str] = []
    with tempfile.TemporaryDirectory(prefix="a3-bench-login-") as tmp:
        for kind in args.databases:
            print(f"{databases.LABELS[kind]}: setting up the demo and measuring…", flush=True)
            out = Path(tmp) / f"{kind}.json"
            with databases.database(kind, Path(tmp), "login") as db:
                env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
                command = [sys.executable, __file__, "--one-database", db.url, "--out", str(out)]
                command += ["--requests", str(args.requests), "--warmup", str(args.warmup)]
                subprocess.run(command, cwd=BASE_DIR, env=env, check=False)
            if not out.exists():
                print(f"{databases.LABELS[kind]}: the measurement failed (see above); its column reads —")
                continue
            for who, what, median, p99 in json.loads(out.read_text()):
                for suffix, value in (("median", median), ("p99", p99)):
                    key = f"{who:<9} {what} — {suffix}"
                    if key not in figures:
                        order.append(key)
                    figures.setdefault(key, {})[kind] = f"{value:.1f} ms"
    print()
    print(databases.side_by_side([(key, figures[key]) for key in order], args.databases))
    print(
        f"({args.requests} sequential requests per case after {args.warmup} warm-up requests, a new TLS connection "
        "per request, 2 gunicorn workers; production runs on PostgreSQL: its column is the production figure, "
        "SQLite is the demo's)"
    )
    print(machine.note("end"))


if __name__ == "__main__":
    main()
