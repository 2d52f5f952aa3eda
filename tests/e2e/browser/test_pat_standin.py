"""The demo's Portal de Atendimento (patdemo: Flask + Authlib, a real OpenID Connect client) in front of the real
portal, in a real browser: its "Entrar" → the portal's login choices → the A3 token login in Chromium → back to the
stand-in, which shows who logged in; then staff deactivate the member (the ORM save, as the admin does) and, within
the back-channel worker's cycle, the stand-in's page (which refreshes itself) says the portal ended the session.

The stand-in runs as ``manage.py serve`` runs it (``python -m patdemo``), registered by the demo's own registration
(``oidc.demo.register_pat_demo``), trusting the e2e stack's TLS root; ``manage.py oidc_worker`` runs beside it."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from certauth.icp.numbers import mask_cpf
from patdemo import process as stand_in_process
from portal.models import Member
from portal.serving.processes import BASE_DIR, free_port
from tests.conftest import LAWYER
from tests.e2e.browser.conftest import TokenBrowser
from tests.e2e.conftest import BRASILIA, BRASILIA_DATETIME, E2EStack

try:
    from playwright.sync_api import expect
except ImportError:  # the browser_tools fixture skips, or fails under PORTAL_REQUIRE_E2E=1, and says why
    expect = None

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

#: The worker's loop (oidc_worker --interval) and the bound this test holds the whole chain to: the save marks the
#: session, the worker re-checks it, ends it, delivers the logout token; the stand-in's page refreshes every 3 s.
WORKER_INTERVAL = 1
END_SEEN_WITHIN_S = 30
SIZES = ((1280, 800), (360, 640))
REGISTER = "from oidc.demo import register_pat_demo; print(register_pat_demo().summary())"


@dataclass(frozen=True)
class StandIn:
    base_url: str
    log: Path


@pytest.fixture
def stand_in(e2e_stack: E2EStack, tmp_path: Path) -> Iterator[StandIn]:
    """``python -m patdemo`` on a free loopback port, registered by the demo's own registration run in the stack's
    environment (its settings hash the secret as the served portal checks it; the same database), trusting the
    stack's TLS root."""
    port = free_port()
    var = tmp_path / "var"
    registration = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", REGISTER],
        cwd=BASE_DIR,
        env={**e2e_stack.stack.env, "PORTAL_VAR_DIR": str(var), "OIDC_DEMO_RP_PORT": str(port)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert registration.returncode == 0, registration.stdout + registration.stderr
    env = {
        **e2e_stack.stack.env,
        "PATDEMO_ISSUER": e2e_stack.portal,
        "PATDEMO_CA_FILE": str(e2e_stack.tls_root),
        "PATDEMO_CLIENT_SECRET_FILE": str(var / "oidc" / "pat-demo-secret"),
        "PATDEMO_STATE_DIR": str(tmp_path / "patdemo"),
        "OIDC_DEMO_RP_PORT": str(port),
    }
    log = tmp_path / "pat-demo.log"
    child = stand_in_process.start(env, port=port, log=log)
    try:
        yield StandIn(f"http://localhost:{port}", log)
    finally:
        stand_in_process.stop(child)


@pytest.fixture
def oidc_worker(e2e_stack: E2EStack, tmp_path: Path) -> Iterator[Path]:
    """``manage.py oidc_worker`` as ``manage.py serve`` runs it, in the stack's environment."""
    log = tmp_path / "oidc-worker.log"
    with log.open("wb") as output:
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "oidc_worker", "--interval", str(WORKER_INTERVAL)],
            cwd=BASE_DIR,
            env=dict(e2e_stack.stack.env),
            stdout=output,
            stderr=output,
        )
    try:
        yield log
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def fits(page: Page, label: str, shot: Path) -> None:
    """Nothing wider than the screen (no sideways scrolling) and the page's main content visible."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    viewport = page.viewport_size
    assert viewport is not None and width <= viewport["width"], f"{label}: {width}px wide; screenshot {shot}"


def screenshots(page: Page, directory: Path, name: str) -> None:
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        shot = directory / f"{name}-{width}x{height}.png"
        page.screenshot(path=shot, full_page=True)
        fits(page, f"{name} at {width}x{height}", shot)
    page.set_viewport_size({"width": SIZES[0][0], "height": SIZES[0][1]})


def test_pat_stand_in_token_login_then_the_member_deactivated_ends_its_session(
    e2e_stack, launch_browser, lawyer_token, member_factory, stand_in, oidc_worker, tmp_path
):
    member_factory(oab="123456SP")
    shots = tmp_path / "telas"
    shots.mkdir()
    browser: TokenBrowser = launch_browser(lawyer_token)
    page = browser.page

    # The stand-in's home: "Entrar" with the portal's login.
    browser.goto(f"{stand_in.base_url}/")
    expect(page.locator("#entrar")).to_have_text("Entrar")
    screenshots(page, shots, "pat-inicio")

    # "Entrar" → the portal's authorization endpoint → no session yet: the portal's login choices.
    browser.click_and_wait("#entrar", re.compile(rf"^{re.escape(e2e_stack.portal)}/\?next="))
    expect(page.locator("#entrar-certificado")).to_be_visible()

    # The A3 token login (mutual TLS signed in the token) brings the browser back through the authorization request
    # to the stand-in, which shows what it learned.
    response = browser.click_and_wait("#entrar-certificado", f"{stand_in.base_url}/")
    assert response is not None and response.status == 200, (response, stand_in.log.read_text())
    expect(page.locator("#nome")).to_have_text("Maria da Silva")
    expect(page.locator("#cpf")).to_have_text(mask_cpf(LAWYER.cpf))  # masked as the portal masks it
    expect(page.locator("#metodo")).to_have_text("Certificado A3 em token/cartão")
    expect(page.locator("#garantia")).to_have_text("Certificado ICP-Brasil A3")
    login_shown = page.locator("#login-em").inner_text().strip()
    assert BRASILIA_DATETIME.fullmatch(login_shown), login_shown
    login_at = dt.datetime.strptime(login_shown, "%d/%m/%Y %H:%M:%S").replace(tzinfo=BRASILIA)
    assert abs((dt.datetime.now(BRASILIA) - login_at).total_seconds()) < 120, f"{login_shown} is not Brasília now"
    expect(page.locator("#entidade")).not_to_be_empty()
    screenshots(page, shots, "pat-sessao")

    # Staff deactivate the member (what the admin's save does); the stand-in's page refreshes itself.
    member = Member.objects.get(cpf=LAWYER.cpf)
    member.active = False
    saved = time.monotonic()
    member.save()
    ended = page.locator("#sessao-encerrada")
    try:
        expect(ended).to_be_visible(timeout=END_SEEN_WITHIN_S * 1000)
    except AssertionError as exc:
        raise AssertionError(
            f"the stand-in's page did not show the end within {END_SEEN_WITHIN_S} s\n"
            f"worker log:\n{oidc_worker.read_text()[-3000:]}\nstand-in log:\n{stand_in.log.read_text()[-3000:]}"
        ) from exc
    elapsed = time.monotonic() - saved
    expect(ended).to_contain_text("Sua sessão foi encerrada pelo Portal de Acesso A3 em")
    ended_shown = page.locator("#encerrada-em").inner_text().strip()
    assert BRASILIA_DATETIME.fullmatch(ended_shown), ended_shown
    ended_at = dt.datetime.strptime(ended_shown, "%d/%m/%Y %H:%M:%S").replace(tzinfo=BRASILIA)
    assert abs((dt.datetime.now(BRASILIA) - ended_at).total_seconds()) < 60, f"{ended_shown} is not Brasília now"
    expect(page.locator("#nome")).to_have_count(0)
    expect(page.locator("#entrar")).to_be_visible()
    screenshots(page, shots, "pat-encerrada")
    print(f"\nmember saved inactive → the stand-in's page says the session ended: {elapsed:.1f} s")
