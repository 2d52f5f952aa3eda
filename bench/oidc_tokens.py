"""The OpenID provider's code exchange, side by side with a Django view of the same stack that does no work, in one
run.

    .venv/bin/python bench/oidc_tokens.py [--exchanges N] [--threads T]

Starts the real stack (nginx + gunicorn, as `make run`) on free loopback ports with the demo PKI and data in a
temporary directory, logs the demo lawyer in with her certificate once, registers a client, then:

- reference: GET /oidc/jwks/ on the portal host — nginx, gunicorn and Django answer a public document (no database);
- ours: one authorization (GET /oidc/authorize/ with the session: the portal's gate decides access again, a code is
  stored and linked to the session) + its exchange (POST /oidc/token/: client secret checked, PKCE, the session
  checked through the middleware stack, access + refresh tokens stored, an RS256 ID token signed).

Each is measured sequentially (latency) and with T threads over keep-alive connections (throughput).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
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
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))

from bench.machine import free_port  # noqa: E402

CLIENT_ID = "bench-pat"
SECRET = secrets.token_urlsafe(32)
REDIRECT = "https://pat.bench.invalid/retorno"


def connection(context: ssl.SSLContext, port: int) -> http.client.HTTPSConnection:
    return http.client.HTTPSConnection("localhost", port, context=context, timeout=30)


def log_in(context: ssl.SSLContext, login_port: int) -> str:
    conn = connection(context, login_port)
    conn.request("GET", "/entrar/certificado/")
    response = conn.getresponse()
    response.read()
    for value in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = value.partition("=")
        if name.strip() == "sessionid":
            return rest.split(";", 1)[0]
    raise SystemExit(f"login failed: HTTP {response.status}")


def exchange_once(conn: http.client.HTTPSConnection, cookie: str) -> None:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = urlencode(
        {
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT,
            "scope": "openid profile entidade certificado",
            "state": "s",
            "nonce": secrets.token_urlsafe(8),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    conn.request("GET", f"/oidc/authorize/?{query}", headers={"Cookie": f"sessionid={cookie}"})
    response = conn.getresponse()
    response.read()
    location = response.getheader("Location") or ""
    code = parse_qs(urlparse(location).query).get("code", [""])[0]
    if response.status != 302 or not code:
        raise SystemExit(f"authorize: HTTP {response.status} → {location[:120]}")
    body = urlencode(
        {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": verifier}
    )
    basic = base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
    conn.request(
        "POST",
        "/oidc/token/",
        body=body,
        headers={"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"},
    )
    response = conn.getresponse()
    payload = response.read()
    if response.status != 200:
        raise SystemExit(f"token: HTTP {response.status} {payload[:200]!r}")


def jwks_once(conn: http.client.HTTPSConnection, cookie: str) -> None:
    conn.request("GET", "/oidc/jwks/")
    response = conn.getresponse()
    response.read()
    if response.status != 200:
        raise SystemExit(f"jwks: HTTP {response.status}")


def sequential(work: Callable[..., None], context: ssl.SSLContext, port: int, cookie: str, count: int) -> list[float]:
    conn = connection(context, port)
    for _ in range(5):
        work(conn, cookie)
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        work(conn, cookie)
        samples.append((time.perf_counter() - start) * 1000)
    return sorted(samples)


def throughput(
    work: Callable[..., None], context: ssl.SSLContext, port: int, cookie: str, count: int, threads: int
) -> float:
    per_thread = max(1, count // threads)

    def run() -> None:
        conn = connection(context, port)
        for _ in range(per_thread):
            work(conn, cookie)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return per_thread * threads / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--exchanges", type=int, default=200)
    parser.add_argument("--threads", type=int, default=4)
    options = parser.parse_args()

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
            "CERT_LOGIN_TLS12_PORT": "0",
            "OIDC_GATEWAY_PORT": "0",
            "OIDC_SIGNING_KEY_FILE": str(Path(tmp) / "oidc" / "signing-key.pem"),
            "DJANGO_SETTINGS_MODULE": "portal.settings",
        }
        subprocess.run([sys.executable, "-m", "oidc.keygen", env["OIDC_SIGNING_KEY_FILE"]], env=env, check=True)
        for command in (["demo_pki"], ["migrate", "-v0"], ["load_demo"], ["collectstatic", "--noinput", "-v0"]):
            subprocess.run(
                [sys.executable, "manage.py", *command], cwd=BASE_DIR, env=env, check=True, capture_output=True
            )
        os.environ.update(env)
        import django

        django.setup()
        from oidc.models import Client
        from portal.serving.config import site_from_settings
        from portal.serving.processes import Stack

        Client.objects.create(
            name="PAT (bench)",
            client_id=CLIENT_ID,
            client_secret=SECRET,
            client_type=Client.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Client.GRANT_AUTHORIZATION_CODE,
            redirect_uris=REDIRECT,
            skip_authorization=True,
            algorithm=Client.RS256_ALGORITHM,
        )
        site = site_from_settings()
        pki = Path(tmp) / "demo-pki"
        user = pki / "usuarios" / "advogada-oab-sp"
        context = ssl.create_default_context(cafile=str(pki / "ac" / "ac-tls-demo.pem"))
        context.load_cert_chain(user / "certificado.pem", user / "chave-demo.pem")
        rows = []
        with Stack(site=site, env=env, gunicorn_workers=2, output=Path(tmp) / "processes.log"):
            cookie = log_in(context, site.login_port)
            for who, what, work in (
                ("reference", "GET /oidc/jwks/ (Django view, no database)", jwks_once),
                ("ours", "authorize (gate, code) + token exchange (PKCE, tokens, ID token)", exchange_once),
            ):
                samples = sequential(work, context, site.portal_port, cookie, options.exchanges)
                rate = throughput(work, context, site.portal_port, cookie, options.exchanges, options.threads)
                p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
                rows.append((who, what, statistics.median(samples), p99, rate))
        print(f"{'who':<10} {'what':<68} {'median':>9} {'p99':>9} {'per second':>11}")
        for who, what, median, p99, rate in rows:
            print(f"{who:<10} {what:<68} {median:>6.1f} ms {p99:>6.1f} ms {rate:>8.0f}/s")
        print(
            f"({options.exchanges} sequential on one keep-alive connection; throughput with {options.threads} "
            "threads; 2 gunicorn workers; TLS 1.3)"
        )


if __name__ == "__main__":
    main()
