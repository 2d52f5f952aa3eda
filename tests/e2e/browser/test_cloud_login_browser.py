"""The cloud A3 login in a real browser: headless Chromium (Debian's, driven by Playwright) goes from the portal home
to the PSC simulator's approval page and back to the dashboard, through the real nginx and gunicorn, under the
portal's real Content-Security-Policy. No token here: the key is in the (simulated) PSC's HSM, so Chromium is
launched without the PKCS#11 module, trusting only the e2e stack's TLS root."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from certauth.models import LoginAttempt
from tests.conftest import LAWYER
from tests.e2e.browser.conftest import (
    ACTION_TIMEOUT_MS,
    NAVIGATION_TIMEOUT_MS,
    axe_violations,
    browser_env,
    launch_chromium,
    new_nss_db,
)
from tests.e2e.conftest import E2EStack, register_psc

try:
    from playwright.sync_api import expect
except ImportError:  # the browser_tools fixture skips, or fails under PORTAL_REQUIRE_E2E=1, and says why
    expect = None

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Error, Page, Playwright

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CPF_TYPED = "526.018.159-06"
#: The push waiting page refreshes every 2 s and polls the PSC at most every 2 s: approval shows within ~4 s.
PUSH_LANDING_TIMEOUT_MS = 8_000
#: The countdown script ticks every second.
COUNTDOWN_TICK_TIMEOUT_MS = 2_500
REDIRECT_BUTTON = 'li[data-prestador="vidaas"] button[name="mode"][value="redirect"]'
PUSH_BUTTON = 'li[data-prestador="vidaas"] button[name="mode"][value="push"]'


# ---------------------------------------------------------------------------------------------- the browser


@dataclass
class CloudBrowser:
    """One headless Chromium and page, recording what the page reported: CSP violations and script errors."""

    browser: Browser
    context: BrowserContext
    page: Page
    console: list[str] = field(default_factory=list)
    script_errors: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        self.console.append(f"[{message.type}] {message.text} ({self.page.url})")

    def on_page_error(self, error: Error) -> None:
        self.script_errors.append(f"{error} ({self.page.url})")

    def csp_violations(self) -> list[str]:
        """Chromium reports each blocked load, script or form submission on the console ("Refused to …")."""
        return [m for m in self.console if "Content Security Policy" in m or "Refused to" in m]

    def assert_no_csp_violation_nor_script_error(self) -> None:
        assert not self.csp_violations(), "the browser reported CSP violations:\n" + "\n".join(self.csp_violations())
        assert not self.script_errors, "scripts failed:\n" + "\n".join(self.script_errors)


@pytest.fixture
def launch_cloud_browser(pw: Playwright, e2e_stack: E2EStack, tmp_path: Path) -> Iterator[Callable[..., CloudBrowser]]:
    """``launch(bypass_csp=False)``: Chromium launched as the token tests launch it (same binary, flags, zone and
    timeouts), with its own HOME whose NSS db trusts only the e2e stack's TLS root: no token module, no policy."""
    launched: list[CloudBrowser] = []

    def launch(*, bypass_csp: bool = False) -> CloudBrowser:
        home = tmp_path / f"home-nuvem-{len(launched)}"
        nssdb = home / ".pki" / "nssdb"
        nssdb.mkdir(parents=True)
        env = browser_env(home)
        new_nss_db(nssdb, env, e2e_stack.tls_root)
        browser, context = launch_chromium(pw, env, bypass_csp=bypass_csp)
        opened = CloudBrowser(browser, context, context.new_page())
        opened.page.on("console", opened.on_console)
        opened.page.on("pageerror", opened.on_page_error)
        launched.append(opened)
        return opened

    yield launch
    for opened in launched:
        try:
            opened.context.close()
            opened.browser.close()
        except Exception as exc:  # a dead browser must not hide the test's own failure
            print(f"closing the cloud login browser: {exc}", file=sys.stderr)


def click_and_wait(browser: CloudBrowser, selector: str, url: str | re.Pattern[str]) -> None:
    """Click and wait for the page at ``url``; a navigation that never comes (a CSP block…) fails with the console."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        with browser.page.expect_navigation(url=url, timeout=ACTION_TIMEOUT_MS):
            browser.page.click(selector)
    except PlaywrightTimeout as exc:
        raise AssertionError(
            f"clicking {selector} did not lead to {url}; the page is at {browser.page.url}; console:\n"
            + "\n".join(browser.console)
        ) from exc


def choice_page_url(stack: E2EStack) -> re.Pattern[str]:
    return re.compile(re.escape(stack.portal) + r"/entrar/nuvem/[\w-]+/$")


def open_choice_page(browser: CloudBrowser, stack: E2EStack) -> None:
    """Home → “Entrar com certificado em nuvem” → the CPF → the list of PSCs."""
    page = browser.page
    page.goto(f"{stack.portal}/")
    click_and_wait(browser, "#entrar-nuvem", f"{stack.portal}/entrar/nuvem/")
    page.get_by_label("CPF").fill(CPF_TYPED)
    click_and_wait(browser, "#continuar", choice_page_url(stack))
    expect(page.locator("#cpf-informado")).to_have_text("***.018.159-**")  # the CPF typed, masked as everywhere
    expect(page.locator('li[data-prestador="vidaas"]')).to_contain_text("certificado encontrado")


def assert_on_dashboard(page: Page, stack: E2EStack, *, timeout_ms: int = NAVIGATION_TIMEOUT_MS) -> None:
    """Wait for the dashboard or a rejection page (fail with its code), then check the dashboard."""
    expect(page.locator("#nome-membro, #codigo-erro").first).to_be_visible(timeout=timeout_ms)
    refused = page.locator("#codigo-erro")
    assert refused.count() == 0, f"refused with {refused.inner_text()} at {page.url}"
    assert page.url == f"{stack.portal}/painel/", page.url
    expect(page.locator("#nome-membro")).to_have_text("Maria da Silva")
    expect(page.locator("#metodo")).to_contain_text("em nuvem")
    expect(page.locator("#metodo")).to_contain_text("VIDaaS (teste)")


def assert_one_accepted_cloud_login() -> LoginAttempt:
    row = LoginAttempt.objects.get()
    assert (row.outcome, row.code, row.method, row.provider) == ("accepted", "", "cloud", "vidaas"), row.__dict__
    assert row.cpf == LAWYER.cpf
    assert "Chrome" in row.user_agent, row.user_agent
    return row


# ---------------------------------------------------------------------------------------------- tests


def test_holder_approves_on_the_psc_page_and_lands_on_the_dashboard(
    e2e_stack, launch_cloud_browser, member_factory, psc, tmp_path
):
    member_factory()
    register_psc(psc)
    psc.behaviour.approval = "page"
    browser = launch_cloud_browser()
    page = browser.page

    open_choice_page(browser, e2e_stack)
    page.screenshot(path=tmp_path / "nuvem-escolha-do-prestador.png", full_page=True)
    # The form posts to the portal, which redirects to the PSC: the choice page's form-action must allow that.
    click_and_wait(browser, REDIRECT_BUTTON, re.compile(re.escape(f"{psc.oauth_url}/authorize?")))
    expect(page.get_by_role("heading", level=1)).to_have_text("Simulador de PSC")
    expect(page.locator("#cpf")).to_have_text(CPF_TYPED)
    page.get_by_role("button", name="Aprovar").click()

    assert_on_dashboard(page, e2e_stack)
    page.screenshot(path=tmp_path / "nuvem-painel.png", full_page=True)
    browser.assert_no_csp_violation_nor_script_error()
    assert_one_accepted_cloud_login()
    assert len(psc.requests_to("authorize-decision")) == 1
    assert len(psc.requests_to("signature")) == 1


def test_push_countdown_ticks_and_the_page_lands_on_the_dashboard_once_approved(
    e2e_stack, launch_cloud_browser, member_factory, psc, tmp_path
):
    member_factory()
    register_psc(psc, adapter="vidaas")
    psc.behaviour.push = True
    psc.behaviour.push_approve_after = 3600  # not approved on the phone yet
    browser = launch_cloud_browser()
    page = browser.page
    open_choice_page(browser, e2e_stack)

    click_and_wait(browser, PUSH_BUTTON, re.compile(re.escape(e2e_stack.portal) + r"/entrar/nuvem/[\w-]+/aguardando/$"))

    code = page.locator("#codigo-confirmacao").inner_text().strip()
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}", code), code
    # The script ticks the server's figure down in the same document (a refresh would render data-seconds again).
    page.wait_for_function(
        """() => {
            const element = document.getElementById("tempo-restante");
            if (element === null) { return false; }
            const seconds = Number(element.dataset.seconds), minutes = Math.floor(seconds / 60);
            const served = minutes ? `${minutes} min ${String(seconds % 60).padStart(2, "0")} s` : `${seconds} s`;
            return element.textContent.trim() !== served;
        }""",
        timeout=COUNTDOWN_TICK_TIMEOUT_MS,
    )
    shown = page.locator("#tempo-restante").inner_text()
    ticked = re.fullmatch(r"(?:(\d) min (\d{2})|(\d{1,2})) s", shown)
    assert ticked, shown
    left = int(ticked.group(1)) * 60 + int(ticked.group(2)) if ticked.group(1) else int(ticked.group(3))
    assert 0 < left < 120, shown
    page.screenshot(path=tmp_path / "nuvem-aguardando.png", full_page=True)
    assert not LoginAttempt.objects.exists()

    psc.behaviour.push_approve_after = 0  # the holder approves on the phone

    assert_on_dashboard(page, e2e_stack, timeout_ms=PUSH_LANDING_TIMEOUT_MS)  # by the page's own refresh
    page.screenshot(path=tmp_path / "nuvem-painel-push.png", full_page=True)
    browser.assert_no_csp_violation_nor_script_error()
    assert_one_accepted_cloud_login()
    (signed,) = psc.requests_to("signature")[0].json()["hashes"]
    assert f"código {code} " in signed["alias"], "the app showed the code the waiting page showed"


# ---------------------------------------------------------------------------------------------- accessibility


#: axe-core impacts that fail the test (as in test_token_login.py).
def test_cloud_login_pages_have_no_serious_or_critical_accessibility_violations(
    e2e_stack, launch_cloud_browser, member_factory, psc
):
    member_factory()
    register_psc(psc)
    browser = launch_cloud_browser(bypass_csp=True)

    open_choice_page(browser, e2e_stack)
    violations = axe_violations(browser.page, "escolha do prestador")
    browser.page.goto(f"{e2e_stack.portal}/entrar/nuvem/")
    violations += axe_violations(browser.page, "entrar com certificado em nuvem")

    assert not violations, "axe-core found serious/critical violations:\n" + "\n".join(violations)
