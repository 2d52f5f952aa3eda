"""The refusals nginx itself pronounces (an expired or not yet valid certificate: its 495, on every path of the login
host) look like every other refusal page in a real browser: the page's stylesheets, scripts and icon come from the
login host whatever nginx thinks of the certificate, under the page's own CSP, with nothing on the console.

Chromium never offers an expired or not yet valid certificate itself (it filters them by its own clock), so
Playwright presents the certificate in its TLS proxy for the login host's origin (``launch_chromium``'s
``client_certificates``); the pages are rendered, styled and CSP-checked by Debian's Chromium."""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from certauth.icp.builder import PersonSpec
from tests.e2e.browser.conftest import browser_env, launch_chromium, new_nss_db
from tests.e2e.conftest import E2EStack, assert_audited_once
from tests.pki import TestPki

try:
    from playwright.sync_api import expect
except ImportError:  # the browser_tools fixture skips, or fails under PORTAL_REQUIRE_E2E=1, and says why
    expect = None

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Playwright, Response

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CPF = "47104974601"
SPECS: dict[str, Callable[[PersonSpec], PersonSpec]] = {
    "CERT_EXPIRED": lambda spec: spec.but(valid_from=dt.timedelta(days=-40), valid_for=dt.timedelta(days=30)),
    "CERT_NOT_YET_VALID": lambda spec: spec.but(valid_from=dt.timedelta(days=2)),
}
#: The home page's links to the login host and to its TLS 1.2-only twin, with the protocol nginx must log.
LOGIN_HOSTS = {"TLS 1.3": ("#entrar-certificado", "TLSv1.3"), "TLS 1.2": ("#entrar-certificado-tls12", "TLSv1.2")}
#: Computed styles that only the portal's stylesheets give these elements (unstyled HTML has none of them).
STYLED = {
    ".br-header": ("display", "box-shadow", "background-color"),
    ".marca-govbr": ("color", "font-weight", "font-size"),
    ".erro .fatos": (
        "background-color",
        "border-top-style",
        "border-top-color",
        "border-left-width",
        "border-left-color",
    ),
    ".erro .fatos .codigo": ("color", "font-weight"),
    ".erro__titulo .fas": ("color", "font-family"),
    "body": ("font-family",),
}
SCREEN_SIZES = ((1280, 800), (360, 640))


@dataclass
class RecordingBrowser:
    """One headless Chromium and page, recording the console, script errors, CSP violations and subresources."""

    browser: Browser
    context: BrowserContext
    page: Page
    console: list[str] = field(default_factory=list)
    script_errors: list[str] = field(default_factory=list)
    subresources: list[tuple[str, str, int]] = field(default_factory=list)  #: (resource type, URL, status)
    failed: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        self.console.append(f"[{message.type}] {message.text} ({self.page.url})")

    def on_response(self, response: Response) -> None:
        if response.request.resource_type != "document":
            self.subresources.append((response.request.resource_type, response.url, response.status))

    def on_request_failed(self, request: Any) -> None:
        self.failed.append(f"{request.resource_type} {request.url}: {request.failure}")

    def forget(self) -> None:
        for recorded in (self.console, self.script_errors, self.subresources, self.failed):
            recorded.clear()

    def console_errors(self) -> list[str]:
        """Errors on the console and uncaught script errors, except Chromium's note of the refusal page's own
        status (every refusal page answers 403: that is the page, not a failure of it)."""
        own_status = (
            f"[error] Failed to load resource: the server responded with a status of 403 (Forbidden) ({self.page.url})"
        )
        return [m for m in self.console if m.startswith("[error]") and m != own_status] + self.script_errors

    def csp_violations(self) -> list[str]:
        """Every ``securitypolicyviolation`` event the page saw (recorded by the init script) and each console
        report of a blocked load ("Refused to …")."""
        events = self.page.evaluate("() => window.__cspViolations || []")
        return [str(e) for e in events] + [m for m in self.console if "Content Security Policy" in m or "Refused" in m]


#: Runs before the page's own scripts (Playwright injects it outside the page's CSP).
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""


@pytest.fixture(autouse=True)
def _playwright_trusts_the_server(e2e_stack: E2EStack, monkeypatch: pytest.MonkeyPatch) -> None:
    """Playwright's TLS proxy (Node) verifies nginx's certificate against the e2e stack's TLS root (read by Node at
    start: set before the ``pw`` fixture starts Playwright)."""
    monkeypatch.setenv("NODE_EXTRA_CA_CERTS", str(e2e_stack.tls_root))


@pytest.fixture
def launch_recording_browser(
    _playwright_trusts_the_server: None, pw: Playwright, e2e_stack: E2EStack, tmp_path: Path
) -> Iterator[Callable[..., RecordingBrowser]]:
    """``launch(client_certificates=None)``: Chromium as the other browser tests launch it, trusting only the e2e
    stack's TLS root, recording what the page reports."""
    launched: list[RecordingBrowser] = []

    def launch(*, client_certificates: list[dict[str, Any]] | None = None) -> RecordingBrowser:
        home = tmp_path / f"home-recusa-{len(launched)}"
        nssdb = home / ".pki" / "nssdb"
        nssdb.mkdir(parents=True)
        env = browser_env(home)
        new_nss_db(nssdb, env, e2e_stack.tls_root)
        browser, context = launch_chromium(pw, env, client_certificates=client_certificates)
        context.add_init_script(RECORD_CSP_VIOLATIONS)
        opened = RecordingBrowser(browser, context, context.new_page())
        opened.page.on("console", opened.on_console)
        opened.page.on("pageerror", lambda error: opened.script_errors.append(f"{error} ({opened.page.url})"))
        opened.page.on("response", opened.on_response)
        opened.page.on("requestfailed", opened.on_request_failed)
        launched.append(opened)
        return opened

    yield launch
    for opened in launched:
        try:
            opened.context.close()
            opened.browser.close()
        except Exception as exc:  # a dead browser must not hide the test's own failure
            print(f"closing the refusal pages browser: {exc}", file=sys.stderr)


def certificate_files(pki: TestPki, code: str, directory: Path) -> tuple[Path, Path]:
    certificate = pki.issue(SPECS[code](PersonSpec("PESSOA VENCIDA", CPF)))
    pem, key = directory / f"{code}.pem", directory / f"{code}.key"
    pem.write_bytes(certificate.certificate_pem())
    key.write_bytes(certificate.key_pem())
    key.chmod(0o600)
    return pem, key


def refusal_from_the_home_page(browser: RecordingBrowser, stack: E2EStack, link: str) -> Response:
    """Home page → the login link → the refusal page on the login host; returns the page's response."""
    page = browser.page
    # networkidle: the home page's own late loads (Chromium fetches the favicon after "load") are over before the
    # recording restarts, so what follows is only what the refusal page loads
    page.goto(f"{stack.portal}/", wait_until="networkidle")
    login_origin = re.escape(page.locator(link).get_attribute("href") or "").split("/entrar/")[0]
    browser.forget()  # only what the refusal page loads and reports from here on
    with page.expect_navigation(url=re.compile(login_origin + r"/entrar/certificado/"), wait_until="load") as nav:
        page.click(link)
    response = nav.value
    assert response is not None
    return response


def computed_styles(page: Page) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for selector, properties in STYLED.items():
        element = page.locator(selector).first
        expect(element).to_be_attached()
        values = element.evaluate(
            "(element, names) => names.map(n => getComputedStyle(element).getPropertyValue(n))",
            list(properties),
        )
        found[selector] = dict(zip(properties, values, strict=True))
    return found


@pytest.fixture
def styles_of_a_refusal_django_pronounces(e2e_stack, launch_recording_browser, tmp_path) -> dict[str, dict[str, str]]:
    """The reference: the CERT_ABSENT page (no certificate), a refusal nginx never intercepts."""
    browser = launch_recording_browser()
    response = refusal_from_the_home_page(browser, e2e_stack, "#entrar-certificado")
    assert response.header_value("x-error-code") == "CERT_ABSENT", response
    styles = computed_styles(browser.page)
    for width, height in SCREEN_SIZES:
        browser.page.set_viewport_size({"width": width, "height": height})
        browser.page.screenshot(path=tmp_path / f"recusa-CERT_ABSENT-{width}x{height}.png", full_page=True)
    assert styles[".erro .fatos"]["border-left-width"] == "8px", styles  # the red box is there
    assert styles[".marca-govbr"]["font-weight"] == "800", styles  # and the gov.br header
    return styles


@pytest.mark.parametrize("host", list(LOGIN_HOSTS))
@pytest.mark.parametrize("code", list(SPECS))
def test_refusal_pages_nginx_pronounces_are_styled_like_the_others(
    code,
    host,
    e2e_stack,
    launch_recording_browser,
    styles_of_a_refusal_django_pronounces,
    member_factory,
    pki,
    tmp_path,
):
    member_factory(CPF, name="Pessoa Vencida")
    stack: E2EStack = e2e_stack
    link, protocol = LOGIN_HOSTS[host]
    pem, key = certificate_files(pki, code, tmp_path)
    browser = launch_recording_browser(
        client_certificates=[
            {"origin": origin, "certPath": str(pem), "keyPath": str(key)}
            for origin in (stack.login, f"https://localhost:{stack.site.login_tls12_port}")
        ]
    )
    page = browser.page

    response = refusal_from_the_home_page(browser, stack, link)

    assert (response.status, response.header_value("x-error-code")) == (403, code), response
    expect(page.locator("#codigo-erro")).to_have_text(code)
    row = assert_audited_once(code, page.locator("#referencia").inner_text().strip())
    line = stack.access_log_line(row.proxy_request_id)
    assert f" tls={protocol} " in line and ' verify="FAILED:' in line, line  # nginx's own refusal, on this host
    styles = computed_styles(page)  # at 1280×800, as the reference's
    for width, height in SCREEN_SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=tmp_path / f"recusa-{code}-{protocol}-{width}x{height}.png", full_page=True)
    login_origin = page.url.split("/entrar/")[0]
    stylesheets = [(url, status) for kind, url, status in browser.subresources if kind == "stylesheet"]
    elsewhere = [
        (k, u, s) for k, u, s in browser.subresources if s != 200 or not u.startswith(f"{login_origin}/static/")
    ]
    observed = {
        "stylesheets loaded": len(stylesheets) >= 4 and all(status == 200 for _, status in stylesheets),
        "subresources not served by the login host": elsewhere,
        "failed loads": browser.failed,
        "computed styles differ from CERT_ABSENT's": {
            selector: values
            for selector, values in styles.items()
            if values != styles_of_a_refusal_django_pronounces[selector]
        },
        "CSP violations": browser.csp_violations(),
        "console errors": browser.console_errors(),
    }
    assert observed == {
        "stylesheets loaded": True,
        "subresources not served by the login host": [],
        "failed loads": [],
        "computed styles differ from CERT_ABSENT's": {},
        "CSP violations": [],
        "console errors": [],
    }, f"{stylesheets}; screenshots in {tmp_path}"
