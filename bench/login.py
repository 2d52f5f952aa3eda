"""One certificate login end to end, side by side with nginx answering by itself, in one run.

    .venv/bin/python bench/login.py [--requests N]

Starts the real stack (nginx + gunicorn, as `make run`) on free loopback ports with the demo PKI and data in a
temporary directory. Every request opens a NEW TLS connection with the demo lawyer's certificate (a full mutual
TLS handshake), like a person clicking "Entrar com certificado digital":

- reference: GET / on the login host — nginx answers (302) right after the mutual-TLS handshake;
- ours: GET /entrar/certificado/ — nginx forwards the certificate, Django validates chain, policy and identity,
  binds the member, writes the audit row and creates the session.
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def request(context: ssl.SSLContext, port: int, path: str) -> tuple[int, float]:
    start = time.perf_counter()
    connection = http.client.HTTPSConnection("localhost", port, context=context, timeout=10)
    connection.request("GET", path, headers={"Connection": "close"})
    status = connection.getresponse().status
    connection.close()
    return status, (time.perf_counter() - start) * 1000


def measure(context: ssl.SSLContext, port: int, path: str, count: int, expect: int) -> list[float]:
    for _ in range(5):
        request(context, port, path)
    samples = []
    for _ in range(count):
        status, elapsed = request(context, port, path)
        if status != expect:
            raise SystemExit(f"{path}: HTTP {status}, expected {expect}")
        samples.append(elapsed)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    count = parser.parse_args().requests

    with tempfile.TemporaryDirectory(prefix="a3-bench-") as tmp:
        os.chmod(tmp, 0o755)  # noqa: S103  (nginx's workers, nobody, reach gunicorn's socket under it)
        env = {
            **os.environ,
            "PORTAL_VAR_DIR": tmp,
            "PORTAL_DEMO": "1",
            "SECRET_KEY": secrets.token_urlsafe(40),
            "CERTAUTH_PROXY_SECRET": secrets.token_urlsafe(32),
            "PORTAL_PORT": str(free_port()),
            "CERT_LOGIN_PORT": str(free_port()),
            "DJANGO_SETTINGS_MODULE": "portal.settings",
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
                for who, what, path, expect in (
                    ("reference", "nginx answers itself after the mTLS handshake", "/", 302),
                    ("ours", "full certificate login (Django validates, binds, audits)", "/entrar/certificado/", 302),
                ):
                    samples = sorted(measure(context, site.login_port, path, count, expect))
                    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
                    rows.append((who, f"{name}: {what}", statistics.median(samples), p99))
        print(f"{'who':<10} {'what':<70} {'median':>9} {'p99':>9}")
        for who, what, median, p99 in rows:
            print(f"{who:<10} {what:<70} {median:>6.1f} ms {p99:>6.1f} ms")
        print(f"({count} sequential requests each, a new TLS connection per request, 2 gunicorn workers)")


if __name__ == "__main__":
    main()
