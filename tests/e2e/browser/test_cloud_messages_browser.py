"""The cloud login's refusals as a phone and a desktop show them, in Debian's Chromium through the real nginx and
gunicorn: an error code is never split inside a word nor wider than its box (``CLOUD_RATE_LIMITED`` may wrap only
after an underscore), the rate-limited page says until when, and a CPF the chosen PSC holds nothing for is told so.

The lines of the code are measured, not guessed: each character's box (a DOM Range per character) gives the line it
sits on and how far right it reaches."""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.browser.conftest import browser_env, launch_chromium, new_nss_db
from tests.e2e.conftest import E2EStack, register_psc

try:
    from playwright.sync_api import expect
except ImportError:  # the browser_tools fixture skips, or fails under PORTAL_REQUIRE_E2E=1, and says why
    expect = None

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Playwright

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCREEN_SIZES = ((360, 640), (1280, 800))
#: The PSC simulator holds a certificate for the lawyer only.
NO_CLOUD_CPF = "111.444.777-35"

#: The lines the code element's text is laid out on, and how each line sits in the element's box (its ``<dd>``).
CODE_LAYOUT = """(element) => {
    const box = element.closest("dd").getBoundingClientRect();
    const lines = [];
    let top = null;
    let right = -Infinity, left = Infinity;
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
        for (let i = 0; i < node.data.length; i++) {
            const range = document.createRange();
            range.setStart(node, i);
            range.setEnd(node, i + 1);
            const rect = range.getBoundingClientRect();
            if (top === null || rect.top > top + rect.height / 2) {
                lines.push("");
                top = rect.top;
            }
            lines[lines.length - 1] += node.data[i];
            right = Math.max(right, rect.right);
            left = Math.min(left, rect.left);
        }
    }
    return {
        lines: lines,
        text: element.textContent,
        left: left, right: right, boxLeft: box.left, boxRight: box.right,
        viewport: document.documentElement.clientWidth,
    };
}"""


@dataclass
class PhoneBrowser:
    browser: Browser
    context: BrowserContext
    page: Page
    console: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        """What the page reports going wrong: a load, style or script the CSP blocked (the refusal's own 403/429
        status is reported too, and is expected)."""
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            self.console.append(f"[{message.type}] {message.text} ({self.page.url})")


@pytest.fixture
def launch(pw: Playwright, e2e_stack: E2EStack, tmp_path: Path) -> Iterator[Callable[[], PhoneBrowser]]:
    """Chromium as the other browser tests launch it (no token: these pages need none)."""
    launched: list[PhoneBrowser] = []

    def make() -> PhoneBrowser:
        home = tmp_path / f"home-{len(launched)}"
        nssdb = home / ".pki" / "nssdb"
        nssdb.mkdir(parents=True)
        env = browser_env(home)
        new_nss_db(nssdb, env, e2e_stack.tls_root)
        browser, context = launch_chromium(pw, env)
        opened = PhoneBrowser(browser, context, context.new_page())
        opened.page.on("console", opened.on_console)
        launched.append(opened)
        return opened

    yield make
    for opened in launched:
        try:
            opened.context.close()
            opened.browser.close()
        except Exception as exc:  # a dead browser must not hide the test's own failure
            print(f"closing the browser: {exc}", file=sys.stderr)


def start_cloud_login(page: Page, stack: E2EStack, cpf: str) -> None:
    page.goto(f"{stack.portal}/entrar/nuvem/")
    page.get_by_label("CPF").fill(cpf)
    with page.expect_navigation(wait_until="load"):
        page.click("#continuar")


def assert_code_laid_out_whole(page: Page, code: str, label: str) -> dict[str, Any]:
    """The code reads whole: every line but the last ends at an underscore (no word split), no character is outside
    the code's box, and the box is inside the screen."""
    element = page.locator("#codigo-erro")
    expect(element).to_have_text(code)
    layout: dict[str, Any] = element.evaluate(CODE_LAYOUT)
    lines = layout["lines"]
    assert "".join(lines) == code, layout
    assert all(line.endswith("_") for line in lines[:-1]), f"{label}: {code} split inside a word: {lines}"
    assert layout["left"] >= layout["boxLeft"] - 0.5 and layout["right"] <= layout["boxRight"] + 0.5, (
        f"{label}: {code} overflows its box: {layout}"
    )
    assert layout["boxRight"] <= layout["viewport"] + 0.5, f"{label}: the code's box is wider than the screen: {layout}"
    return layout


def test_a_long_code_wraps_only_after_underscores_and_the_page_says_until_when(e2e_stack, launch, tmp_path):
    opened = launch()
    page = opened.page
    for _ in range(6):  # CLOUDAUTH_RATE_PER_CPF (5) starts are admitted, the sixth is refused
        start_cloud_login(page, e2e_stack, NO_CLOUD_CPF)
        if page.locator("#codigo-erro").count():
            break
    expect(page.locator("#codigo-erro")).to_have_text("CLOUD_RATE_LIMITED")
    steps = page.locator("#o-que-fazer + ul.passos").inner_text()
    until = re.search(
        r"Aguarde até as (\d{2}:\d{2})(?: de (\d{2}/\d{2}/\d{4}))? \(horário de Brasília\) e tente novamente\.", steps
    )
    assert until, steps
    # The date is named only when that minute falls on another Brasília day than the refusal's (a run near
    # midnight): then it is the next day.
    refused_on = dt.datetime.strptime(page.locator("#data-hora").inner_text().strip(), "%d/%m/%Y %H:%M:%S").date()
    if until.group(2):
        assert until.group(2) == (refused_on + dt.timedelta(days=1)).strftime("%d/%m/%Y"), steps
    assert "alguns minutos" not in steps

    layouts = {}
    for width, height in SCREEN_SIZES:
        page.set_viewport_size({"width": width, "height": height})
        label = f"{width}x{height}"
        page.screenshot(path=tmp_path / f"nuvem-limite-{label}.png", full_page=True)
        layouts[label] = assert_code_laid_out_whole(page, "CLOUD_RATE_LIMITED", label)
    assert len(layouts["1280x800"]["lines"]) == 1, layouts["1280x800"]
    assert not opened.console, opened.console


def test_a_cpf_the_chosen_psc_holds_nothing_for_is_told_so_on_a_phone(e2e_stack, launch, psc, tmp_path):
    register_psc(psc)
    opened = launch()
    page = opened.page
    page.set_viewport_size({"width": 360, "height": 640})
    start_cloud_login(page, e2e_stack, NO_CLOUD_CPF)
    expect(page.locator('li[data-prestador="vidaas"]')).to_contain_text("não tem certificado para este CPF")
    page.screenshot(path=tmp_path / "nuvem-escolha-sem-certificado-360x640.png", full_page=True)
    with page.expect_navigation(url=re.compile(r"/entrar/nuvem/retorno/"), wait_until="load"):
        page.click('li[data-prestador="vidaas"] button[name="mode"]')  # the PSC answers access_denied at once

    expect(page.get_by_role("heading", level=1)).to_have_text("Nenhum certificado em nuvem neste prestador")
    expect(page.locator(".erro__detalhe")).to_contain_text("***.444.777-**")
    page.screenshot(path=tmp_path / "nuvem-sem-certificado-360x640.png", full_page=True)
    assert_code_laid_out_whole(page, "CLOUD_NO_CERTIFICATE", "360x640")
    assert "recusad" not in page.locator("main").inner_text()
    assert not opened.console, opened.console


def test_the_choice_page_promises_the_minutes_the_waiting_page_then_counts_down(e2e_stack, launch, psc, tmp_path):
    register_psc(psc, adapter="vidaas")
    psc.behaviour.push = True
    psc.behaviour.push_approve_after = 3600  # not approved on the phone
    opened = launch()
    page = opened.page
    for width, height in SCREEN_SIZES:
        page.set_viewport_size({"width": width, "height": height})
        start_cloud_login(page, e2e_stack, "526.018.159-06")
        expect(page.locator("main")).to_contain_text("aprove o pedido no aplicativo em até 2 minutos")
        page.screenshot(path=tmp_path / f"nuvem-escolha-push-{width}x{height}.png", full_page=True)
        with page.expect_navigation(url=re.compile(r"/aguardando/$"), wait_until="load"):
            page.click('li[data-prestador="vidaas"] button[name="mode"][value="push"]')
        shown = page.locator("#tempo-restante").inner_text()
        assert re.fullmatch(r"2 min 00 s|1 min 5\d s", shown), shown
        page.screenshot(path=tmp_path / f"nuvem-aguardando-{width}x{height}.png", full_page=True)
    assert not opened.console, opened.console
