"""Time from staff saving "member inactive" to the client having received its back-channel logout token.

    .venv/bin/python bench/oidc_logout.py [--runs 20] [--database-url URL]

Production's path, end to end: a temporary database (SQLite, or ``--database-url``), a client (relying party)
registered with a back-channel URI served by a real HTTP receiver in this process, and ``manage.py oidc_worker
--interval 1`` running as its own process, as ``manage.py serve`` and a production host run it. Each run:

1. a member logs in (a certificate session, as ``certauth``'s login leaves it: ``force_login`` with its backend and
   the certificate it records) and the session hands a code to the client (the ``SessionClient`` link the authorize
   view creates); the bench waits until the worker has re-evaluated the link once (the steady state: an open
   session the worker already knows);
2. after a random pause (so the change falls anywhere in the worker's one-second cycle), the member is saved with
   ``active = False`` through the ORM — the signals the admin's save sends, so the session's row is marked;
3. the clock stops when the receiver has the logout token with that session's ``sid``.

Prints min / median / p90 / max over the runs and PASS/FAIL against the target (60 s worst case). Each session's
end reason and the audit code are checked to be the member's deactivation, not some other cause.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import http.server
import json
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))

TARGET_SECONDS = 60.0
WAIT_GUARD = 120.0  #: seconds a run may take before the bench gives up on it


def cpf(n: int) -> str:
    """A valid CPF (check digits computed) from a 9-digit base."""
    digits = [int(d) for d in f"{n:09d}"]
    for size in (9, 10):
        total = sum(d * w for d, w in zip(digits, range(size + 1, 1, -1), strict=True))
        digits.append(0 if total % 11 < 2 else 11 - total % 11)
    return "".join(map(str, digits))


class Receiver:
    """The client's back-channel endpoint: the instant (monotonic) each session's logout token arrived."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.condition = threading.Condition()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                at = time.monotonic()
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                token = urllib.parse.parse_qs(body.decode())["logout_token"][0]
                payload = token.split(".")[1]
                claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
                with receiver.condition:
                    receiver.arrived.setdefault(claims["sid"], at)
                    receiver.condition.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/backchannel-logout"

    def wait_for(self, sid: str, timeout: float) -> float | None:
        with self.condition:
            self.condition.wait_for(lambda: sid in self.arrived, timeout=timeout)
            return self.arrived.get(sid)


def environment(tmp: Path, database_url: str) -> None:
    from oidc.keygen import write_key

    key = tmp / "oidc" / "signing-key.pem"
    write_key(key, bits=2048)
    (tmp / "static").mkdir()
    os.environ.pop("DATABASE_URL", None)
    os.environ.update(
        {
            "PORTAL_VAR_DIR": str(tmp),
            "SECRET_KEY": secrets.token_urlsafe(40),
            "PORTAL_DEMO": "0",
            "DEBUG": "0",
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "CERTAUTH_PROXY_SECRET": secrets.token_urlsafe(32),
            "OIDC_SIGNING_KEY_FILE": str(key),
            **({"DATABASE_URL": database_url} if database_url else {}),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--database-url", default="", help="an empty database to use (default: temporary SQLite)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    random.seed(args.seed)

    tmp = Path(tempfile.mkdtemp(prefix="a3-bench-oidc-logout-"))
    environment(tmp, args.database_url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)

    from django.test import Client as TestClient
    from django.utils import timezone

    from certauth.models import LoginAttempt
    from certauth.sessions import SessionCertificate
    from certauth.views import BACKEND
    from oidc.models import Client, LogoutDelivery, SessionClient
    from oidc.session_check import check_session
    from portal.models import Member, Membership, PartnerEntity, User

    receiver = Receiver()
    client = Client.objects.create(
        name="PAT (bench)",
        client_type=Client.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Client.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://pat.example/retorno",
        algorithm=Client.RS256_ALGORITHM,
        skip_authorization=True,
        backchannel_logout_uri=receiver.url(),
    )
    entity = PartnerEntity.objects.create(code="OAB-SP", name="OAB São Paulo", kind="oab", uf="SP", status="active")

    log = tmp / "oidc-worker.log"
    with log.open("wb") as output:
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "oidc_worker", "--interval", "1", "--host-id", "bench"],
            cwd=BASE_DIR,
            env=dict(os.environ),
            stdout=output,
            stderr=output,
            start_new_session=True,
        )

    def logged_in_link(n: int) -> tuple[Member, SessionClient]:
        number = cpf(100_000_000 + n)
        user = User.objects.create_user(username=number)
        member = Member.objects.create(cpf=number, name=f"Advogada {n}", user=user)
        Membership.objects.create(member=member, entity=entity)
        browser = TestClient(HTTP_HOST="localhost")
        browser.force_login(user, backend=BACKEND)
        session = browser.session
        now = timezone.now()
        SessionCertificate(
            fingerprint=secrets.token_hex(32),
            serial_hex=secrets.token_hex(8).upper(),
            issuer="CN=AC Bench,O=ICP-Brasil,C=BR",
            issuer_key_id=secrets.token_hex(20),
            subject=f"CN=ADVOGADA {n}:{number},O=ICP-Brasil,C=BR",
            holder_name=f"ADVOGADA {n}",
            cpf=number,
            certificate_type="A3",
            not_after=now + dt.timedelta(days=365),
            method="certificate",
            logged_in_at=now,
            reference=f"BENCH-{n:05d}",
            revocation_checked_at=now,
        ).store(session)
        session.save()
        key = str(session.session_key)
        link = SessionClient.objects.create(session_key=key, client=client, user=user)
        return member, link

    samples: list[float] = []
    reasons: dict[str, int] = {}
    try:
        for n in range(args.runs):
            member, link = logged_in_link(n)
            verdict = check_session(link.session_key)
            if not verdict.open:
                raise SystemExit(f"run {n}: the session is not open before the change ({verdict})")
            deadline = time.monotonic() + WAIT_GUARD
            while SessionClient.objects.filter(pk=link.pk, checked_at=None).exists():  # the worker has seen it
                if time.monotonic() > deadline or worker.poll() is not None:
                    raise SystemExit(f"run {n}: the worker never re-evaluated the link; see {log}")
                time.sleep(0.05)
            time.sleep(random.uniform(0.0, 1.0))  # noqa: S311  (a pause, not a secret)

            start = time.monotonic()
            member.active = False
            member.save()
            arrived = receiver.wait_for(link.sid, WAIT_GUARD)
            if arrived is None:
                raise SystemExit(f"run {n}: no logout token after {WAIT_GUARD:.0f} s; see {log}")
            samples.append(arrived - start)

            while not LogoutDelivery.objects.filter(session_client=link).exclude(delivered_at=None).exists():
                if time.monotonic() > deadline + WAIT_GUARD:
                    raise SystemExit(f"run {n}: the receiver has the token but the row is not delivered; see {log}")
                time.sleep(0.05)  # the worker records the outcome just after the receiver answered
            link.refresh_from_db()
            row = LogoutDelivery.objects.get(session_client=link)
            audit = LoginAttempt.objects.filter(user=member.user).order_by("-pk").values_list("code", flat=True).first()
            reason = f"{link.end_reason} / auditoria {audit}"
            reasons[reason] = reasons.get(reason, 0) + 1
            print(
                f"run {n + 1:>2}: {samples[-1] * 1000:7.0f} ms  (link ended: {link.end_reason}; "
                f"delivery attempts {row.attempts}, {row.last_status})",
                flush=True,
            )
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            status = worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            status = worker.wait()
        receiver.server.shutdown()

    ordered = sorted(samples)
    p90 = ordered[max(0, int(0.9 * len(ordered) + 0.999) - 1)]
    print()
    print(f"Desativação do membro → logout token recebido pelo cliente ({len(samples)} execuções, worker a cada 1 s):")
    print(
        f"  mín {ordered[0]:.2f} s · mediana {statistics.median(ordered):.2f} s · p90 {p90:.2f} s · "
        f"máx {ordered[-1]:.2f} s"
    )
    print(f"  motivos: {reasons}")
    print(f"  worker encerrado com status {status} (SIGTERM); log: {log}")
    verdict = "PASS" if ordered[-1] <= TARGET_SECONDS else "FAIL"
    print(f"{verdict}: pior caso {ordered[-1]:.2f} s (meta ≤ {TARGET_SECONDS:.0f} s)")


if __name__ == "__main__":
    main()
