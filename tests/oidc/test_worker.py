"""``manage.py oidc_worker``: a round delivers the due logouts and logs one line each; as a process (the way
``manage.py serve`` and a production host run it), it keeps delivering until SIGTERM, then exits cleanly."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from oidc.models import Client, LogoutDelivery
from tests.oidc.conftest import BackchannelReceiver, verified_logout_token

BASE_DIR = Path(__file__).resolve().parents[2]


def run_once() -> str:
    output = io.StringIO()
    call_command("oidc_worker", "--once", stdout=output, stderr=io.StringIO())
    return output.getvalue()


@pytest.mark.django_db
def test_a_round_delivers_the_due_logouts_and_logs_one_line_each(
    oidc_client_factory: Callable[..., Client],
    backchannel: BackchannelReceiver,
    owed_logout: Callable[..., LogoutDelivery],
) -> None:
    row = owed_logout(oidc_client_factory(name="PAT (teste)", backchannel_logout_uri=backchannel.url()))

    lines = run_once().splitlines()

    assert len(lines) == 1
    assert f"logout entregue: cliente PAT (teste), sid {row.session_client.sid[:8]}…, tentativa 1: HTTP 200" in lines[0]
    assert len(backchannel.received) == 1
    row.refresh_from_db()
    assert row.delivered_at is not None


@pytest.mark.django_db
def test_a_failed_delivery_is_logged_with_its_next_try(
    oidc_client_factory: Callable[..., Client],
    backchannel: BackchannelReceiver,
    owed_logout: Callable[..., LogoutDelivery],
) -> None:
    backchannel.status = 503
    owed_logout(oidc_client_factory(backchannel_logout_uri=backchannel.url()))
    [line] = run_once().splitlines()
    assert "logout falhou:" in line
    assert "tentativa 1: HTTP 503; nova tentativa às " in line


def database_url() -> str:
    """The test database, for a child process (SQLite: the file; PostgreSQL: the server of ``DATABASE_URL``)."""
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(name).resolve()}"
    server, _, _ = os.environ["DATABASE_URL"].rpartition("/")
    return f"{server}/{name}"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_process_delivers_until_sigterm_then_exits_cleanly(
    oidc_client_factory: Callable[..., Client],
    backchannel: BackchannelReceiver,
    owed_logout: Callable[..., LogoutDelivery],
    tmp_path: Path,
) -> None:
    client = oidc_client_factory(backchannel_logout_uri=backchannel.url())
    log = tmp_path / "oidc-worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PORTAL_DEMO": "0",  # `make test` exports 1, whose trust store is a demo PKI a clean checkout has not made
        "DATABASE_URL": database_url(),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
    }
    (tmp_path / "prometheus").mkdir()
    with log.open("wb") as output:
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "oidc_worker", "--interval", "0.2", "--host-id", "teste"],
            cwd=BASE_DIR,
            env=env,
            stdout=output,
            stderr=output,
        )
    try:
        rows = [owed_logout(client)]
        deadline = time.monotonic() + 30
        while len(backchannel.received) < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        rows.append(owed_logout(client))  # the worker is now in its loop: a later logout is delivered too
        while len(backchannel.received) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(backchannel.received) == 2, log.read_text()

        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=10) == 0, log.read_text()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()

    text = log.read_text()
    assert "oidc_worker teste: uma rodada a cada 0.2 s" in text
    assert text.count("logout entregue:") == 2
    assert text.rstrip().endswith("oidc_worker teste: encerrado."), text
    assert {verified_logout_token(t)[1]["sid"] for t in backchannel.tokens()} == {r.session_client.sid for r in rows}
    assert not list((tmp_path / "prometheus").glob("gauge_livemostrecent_*"))  # its gauge left with it
