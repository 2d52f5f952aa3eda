"""What the A3 gateway's check costs per request: the same upstream reached through nginx by a plain proxy, and
through the gateway (``auth_request`` → gunicorn → Django's middleware stack and ``/_a3/check``), side by side.

    .venv/bin/python bench/gateway.py [--requests 2000] [--concurrency 4]

Starts, on free loopback ports in a temporary directory, the real stack (nginx rendered from the settings with
the gateway server, and gunicorn with 2 workers, on a migrated SQLite file) and a second nginx that holds the
upstream (answers 200 by itself: what is measured is the path to it, not a legacy system) and a plain TLS proxy to
it. A member's certificate session is made with ``force_login`` and what a certificate login stores
(``SessionCertificate``, the login instant), its cookie sent with every request of both kinds.

For each kind: ``--requests`` sequential requests on one kept-alive TLS connection (median and p99 latency), then
``--concurrency`` connections in parallel (requests per second). The kinds alternate in two rounds; the second
round is reported (warm caches, the session's once-a-minute re-checks done).
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import os
import secrets
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))

from bench.machine import free_port  # noqa: E402

UPSTREAM_CONFIG = """
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
daemon off;
worker_processes 1;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/tmp; proxy_temp_path {prefix}/tmp; fastcgi_temp_path {prefix}/tmp;
    uwsgi_temp_path {prefix}/tmp; scgi_temp_path {prefix}/tmp;
    # the upstream: a legacy system that answers at once
    server {{
        listen 127.0.0.1:{upstream_port};
        location / {{ default_type text/plain; return 200 "ok"; }}
    }}
    upstream legacy {{ server 127.0.0.1:{upstream_port}; keepalive 16; }}
    # (a) the same upstream behind a plain TLS proxy: no check
    server {{
        listen 127.0.0.1:{plain_port} ssl;
        ssl_certificate {certificate};
        ssl_certificate_key {key};
        location / {{
            proxy_pass http://legacy;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}
    }}
}}
"""


class Session:
    """One kept-alive TLS connection sending the session cookie (reopened when nginx closes it)."""

    def __init__(self, context: ssl.SSLContext, port: int, cookie: str) -> None:
        self.context, self.port, self.cookie = context, port, cookie
        self.connection = http.client.HTTPSConnection("localhost", port, context=context, timeout=10)

    def get(self, path: str) -> tuple[int, float]:
        start = time.perf_counter()
        try:
            self.connection.request("GET", path, headers={"Cookie": self.cookie})
            response = self.connection.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            self.connection.close()
            self.connection = http.client.HTTPSConnection("localhost", self.port, context=self.context, timeout=10)
            self.connection.request("GET", path, headers={"Cookie": self.cookie})
            response = self.connection.getresponse()
        response.read()
        return response.status, (time.perf_counter() - start) * 1000


def sequential(session: Session, path: str, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        status, elapsed = session.get(path)
        if status != 200:
            raise SystemExit(f"{path} on port {session.port}: HTTP {status}")
        samples.append(elapsed)
    return samples


def parallel(sessions: list[Session], path: str, count: int) -> float:
    """Requests per second with each session sending ``count`` requests at once."""
    errors: list[str] = []

    def run(session: Session) -> None:
        for _ in range(count):
            status, _ = session.get(path)
            if status != 200:
                errors.append(f"HTTP {status}")
                return

    threads = [threading.Thread(target=run, args=(s,)) for s in sessions]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise SystemExit(f"{path}: {errors[0]}")
    return len(sessions) * count / (time.perf_counter() - start)


def member_session_cookie() -> str:
    """A member's certificate session, as a certificate login leaves it (the check then writes nothing)."""
    import datetime as dt

    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from certauth.sessions import SessionCertificate
    from certauth.views import BACKEND
    from portal import session_keys
    from portal.models import EntityKind, Member, Membership, PartnerEntity, User

    cpf = "52601815906"
    entity = PartnerEntity.objects.create(
        code="OAB-SP-BENCH", name="OAB Seccional São Paulo", kind=EntityKind.OAB, uf="SP"
    )
    user = User.objects.create_user(username=cpf)
    member = Member.objects.create(cpf=cpf, name="Maria da Silva", user=user)
    Membership.objects.create(member=member, entity=entity)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user, backend=BACKEND)
    now = timezone.now()
    session = client.session
    SessionCertificate(
        fingerprint=secrets.token_hex(32),
        serial_hex="1A2B3C4D5E6F",
        issuer="CN=AC Bench,O=ICP-Brasil,C=BR",
        issuer_key_id=secrets.token_hex(20),
        subject=f"CN=MARIA DA SILVA:{cpf},O=ICP-Brasil,C=BR",
        holder_name="MARIA DA SILVA",
        cpf=cpf,
        certificate_type="A3",
        not_after=now + dt.timedelta(days=365),
        method="certificate",
        logged_in_at=now,
        reference="BENCH-00001",
        revocation_checked_at=now,
    ).store(session)
    session[session_keys.ENTITY] = entity.pk
    session[session_keys.LAST_SEEN] = int(time.time())
    session[session_keys.ACCESS_CHECKED_AT] = int(time.time())
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=4)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="a3-bench-gateway-") as name:
        tmp = Path(name)
        os.chmod(tmp, 0o755)  # noqa: S103  (nginx's workers, nobody, read under it)
        from certauth.icp.builder import PkiBuilder

        builder = PkiBuilder(now=datetime.datetime.now(datetime.UTC))
        root = builder.root("AC TLS Bench", years=1)
        server = builder.server(root, ("localhost",), ips=("127.0.0.1",))
        (tmp / "ac.pem").write_bytes(root.certificate_pem())
        (tmp / "servidor.pem").write_bytes(server.certificate_pem())
        (tmp / "servidor.key").write_bytes(server.key_pem())
        (tmp / "static").mkdir()
        subprocess.run(
            [sys.executable, "-m", "oidc.keygen", str(tmp / "oidc-key.pem")],
            cwd=BASE_DIR,
            check=True,
            capture_output=True,
        )
        upstream_port, plain_port, gateway_port = free_port(), free_port(), free_port()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("OIDC_", "PORTAL_", "CERT_LOGIN_"))},
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "PORTAL_VAR_DIR": str(tmp),
            "PORTAL_DEMO": "0",
            "DEBUG": "0",
            "DATABASE_URL": f"sqlite:///{tmp / 'portal.sqlite3'}",
            "SECRET_KEY": secrets.token_urlsafe(40),
            "CERTAUTH_PROXY_SECRET": secrets.token_urlsafe(32),
            "CERTAUTH_TRUST_ROOTS": str(tmp / "ac.pem"),
            "PORTAL_PORT": str(free_port()),
            "CERT_LOGIN_PORT": str(free_port()),
            "CERT_LOGIN_TLS12_PORT": "0",
            "PORTAL_TLS_CERT": str(tmp / "servidor.pem"),
            "PORTAL_TLS_KEY": str(tmp / "servidor.key"),
            "NGINX_WORKERS": "1",
            "OIDC_SIGNING_KEY_FILE": str(tmp / "oidc-key.pem"),
            "OIDC_GATEWAY_SECRET": secrets.token_urlsafe(32),
            "OIDC_GATEWAY_PORT": str(gateway_port),
            "OIDC_GATEWAY_UPSTREAM": f"http://127.0.0.1:{upstream_port}/legado/",
        }
        os.environ.clear()
        os.environ.update(env)
        import django

        django.setup()
        from django.core.management import call_command

        from portal.serving.config import site_from_settings
        from portal.serving.nginx import nginx_binary
        from portal.serving.processes import Stack

        call_command("migrate", verbosity=0)
        cookie = member_session_cookie()

        upstream_prefix = tmp / "upstream"
        (upstream_prefix / "tmp").mkdir(parents=True)
        (upstream_prefix / "nginx.conf").write_text(
            UPSTREAM_CONFIG.format(
                prefix=upstream_prefix,
                upstream_port=upstream_port,
                plain_port=plain_port,
                certificate=tmp / "servidor.pem",
                key=tmp / "servidor.key",
            )
        )
        binary = nginx_binary() or "nginx"
        upstream = subprocess.Popen(
            [binary, "-p", str(upstream_prefix), "-c", str(upstream_prefix / "nginx.conf"), "-e", "stderr"],
            start_new_session=True,
        )
        site = site_from_settings()
        context = ssl.create_default_context(cafile=str(tmp / "ac.pem"))
        try:
            with Stack(site=site, env=env, gunicorn_workers=2, output=tmp / "processes.log"):
                kinds = (
                    ("plain", "nginx → upstream (plain TLS proxy, no check)", plain_port),
                    ("gateway", "nginx → auth_request /_a3/check (gunicorn, Django) → upstream", gateway_port),
                )
                rows: dict[str, tuple[str, float, float, float]] = {}
                for round_ in (1, 2):
                    for key, what, port in kinds:
                        session = Session(context, port, cookie)
                        sequential(session, "/legado/", 50)  # warm up
                        samples = sorted(sequential(session, "/legado/", options.requests))
                        p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
                        sessions = [Session(context, port, cookie) for _ in range(options.concurrency)]
                        rps = parallel(sessions, "/legado/", max(options.requests // options.concurrency, 1))
                        if round_ == 2:
                            rows[key] = (what, statistics.median(samples), p99, rps)
        finally:
            upstream.terminate()
            upstream.wait(timeout=10)

        print(f"{'kind':<8} {'path':<66} {'p50':>9} {'p99':>9} {'req/s':>8}")
        for key, (what, median, p99, rps) in rows.items():
            print(f"{key:<8} {what:<66} {median:>6.2f} ms {p99:>6.2f} ms {rps:>8.0f}")
        plain, gateway = rows["plain"], rows["gateway"]
        print(
            f"the check costs {gateway[1] - plain[1]:.2f} ms per request at the median "
            f"({options.requests} sequential requests on one kept-alive connection; req/s with "
            f"{options.concurrency} connections in parallel; 2 gunicorn workers, 1 nginx worker, "
            f"{os.cpu_count()} CPUs shared with the client)"
        )


if __name__ == "__main__":
    main()
