"""Regenerate the README's screenshots of the portal from a running demo (``make run``).

    make run                                          # in one terminal
    .venv/bin/python scripts/readme_screenshots.py    # in another

Debian's Chromium (``/usr/bin/chromium``), driven headless by Playwright, opens each page at 1280×800 and at
360×640 (a phone: mobile viewport, full page) and writes ``docs/screenshots/<page>-<width>.png``:

- ``home``: the home page;
- ``dashboard``: /painel/ after a certificate login with the demo lawyer's certificate (``advogada-oab-sp``);
- ``refusal``: the refusal page of a demo A1 certificate (``certificado-a1``, CERT_NOT_A3): code, reference,
  Brasília date and time, the support steps;
- ``schedule``: the public schedule /cronograma/;
- ``status-overview``: /acompanhamento/ for INSS staff (``servidor-inss``);
- ``cloud-login``: the cloud certificate login start page /entrar/nuvem/.

The demo certificates (``var/demo-pki/usuarios/<name>/certificado.pem`` + ``chave-demo.pem``) are presented with
Playwright's ``client_certificates`` for the certificate login host's origin only; the demo's TLS server CA is not
installed in the browser (``ignore_https_errors``), the script itself checks the demo against it before starting.
Each login uses a fresh browser context (no session, cookie or remembered certificate carries over). PNGs go
through ``optipng`` when it is installed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from playwright.sync_api import Browser, FloatRect, Page, Response

BASE_DIR = Path(__file__).resolve().parents[1]
DEFAULT_BASE_URL = "https://localhost:8443"
DEFAULT_LOGIN_URL = "https://localhost:8444"
DEFAULT_OUT = BASE_DIR / "docs" / "screenshots"
DEFAULT_PKI_DIR = Path(os.environ.get("PORTAL_VAR_DIR", BASE_DIR / "var")) / "demo-pki"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--no-sandbox",  # root in containers
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--host-resolver-rules=MAP localhost 127.0.0.1",  # the demo's nginx listens on 127.0.0.1 only
)
TIMEZONE = "America/Sao_Paulo"
TIMEOUT_MS = 20_000
PROBE_TIMEOUT = 5.0
#: Pixels: a whole-page screenshot stops there (the phone's status overview is 9 screens long).
MAX_HEIGHT = 2400

LAWYER = "advogada-oab-sp"
REFUSED = "certificado-a1"
REFUSED_CODE = "CERT_NOT_A3"
STAFF = "servidor-inss"


class Failure(Exception):
    """What went wrong, in one message for the person running the script."""


@dataclass(frozen=True)
class Viewport:
    width: int
    height: int
    mobile: bool


VIEWPORTS = (Viewport(1280, 800, mobile=False), Viewport(360, 640, mobile=True))


@dataclass(frozen=True)
class Demo:
    base_url: str
    login_url: str
    pki_dir: Path

    def user_files(self, slug: str) -> tuple[Path, Path]:
        directory = self.pki_dir / "usuarios" / slug
        certificate, key = directory / "certificado.pem", directory / "chave-demo.pem"
        for path in (certificate, key):
            if not path.is_file():
                raise Failure(f"{path} is missing: is {self.pki_dir} the PKI of the running demo? (--pki-dir)")
        return certificate, key

    @property
    def login_origin(self) -> str:
        parts = urlsplit(self.login_url)
        return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True)
class Shot:
    name: str
    #: Opens the page in a fresh context; returns the page to capture.
    open: Callable[[Demo, Browser, Viewport], Page]
    #: The whole page at 1280 too (phones always get the whole page, up to ``MAX_HEIGHT``).
    whole_page_on_desktop: bool = False


# ---------------------------------------------------------------------------------------------- the demo


def check_demo(demo: Demo) -> None:
    """Fail with what to do when the demo is not running (or is not the demo this PKI belongs to)."""
    tls_ca = demo.pki_dir / "ac" / "ac-tls-demo.pem"
    if not tls_ca.is_file():
        raise Failure(f"{tls_ca} is missing: start the demo first (`make run` in {BASE_DIR}), or pass --pki-dir")
    listening(demo.base_url, "the portal")
    listening(demo.login_url, "the certificate login host")
    # The portal's home page, over TLS checked against the demo's server CA: the demo of this PKI, fully started.
    url = demo.base_url + "/"
    try:
        context = ssl.create_default_context(cafile=str(tls_ca))
        with urllib.request.urlopen(url, timeout=PROBE_TIMEOUT, context=context) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (urllib.error.URLError, OSError) as exc:
        raise Failure(f"the portal at {url} is not the demo of {demo.pki_dir} ({exc})") from exc
    if status != 200:
        raise Failure(f"the portal at {url} answers HTTP {status}, not 200: is the demo fully started?")


def listening(url: str, what: str) -> None:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "localhost", parts.port or 443), timeout=PROBE_TIMEOUT):
            pass
    except OSError as exc:
        raise Failure(
            f"{what} does not answer at {url} ({exc}). Start the demo first: `make run` in {BASE_DIR} "
            "(another terminal), wait for “Portal A3 no ar”, then run this script again."
        ) from exc


# ---------------------------------------------------------------------------------------------- pages


def new_page(demo: Demo, browser: Browser, viewport: Viewport, slug: str | None = None) -> Page:
    """A fresh context (pt-BR, Brasília time) at ``viewport``, presenting ``slug``'s certificate to the login host."""
    options: dict[str, Any] = {}
    if slug is not None:
        certificate, key = demo.user_files(slug)
        options["client_certificates"] = [
            {"origin": demo.login_origin, "certPath": str(certificate), "keyPath": str(key)}
        ]
    context = browser.new_context(
        locale="pt-BR",
        timezone_id=TIMEZONE,
        viewport={"width": viewport.width, "height": viewport.height},
        device_scale_factor=1,
        is_mobile=viewport.mobile,
        has_touch=viewport.mobile,
        ignore_https_errors=True,
        **options,
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def goto(page: Page, url: str, *, status: int = 200, path: str | None = None) -> Response:
    response = page.goto(url, wait_until="load")
    if response is None:
        raise Failure(f"no response for {url}")
    landed = urlsplit(page.url).path
    if response.status != status or (path is not None and landed != path):
        raise Failure(f"{url} ended at {page.url} with HTTP {response.status}; expected {path or url} with {status}")
    return response


def public(path: str) -> Callable[[Demo, Browser, Viewport], Page]:
    def open_page(demo: Demo, browser: Browser, viewport: Viewport) -> Page:
        page = new_page(demo, browser, viewport)
        goto(page, demo.base_url + path, path=path)
        return page

    return open_page


def certificate_login(demo: Demo, page: Page, *, status: int = 200, path: str | None = None) -> Response:
    return goto(page, demo.login_url + "/entrar/certificado/", status=status, path=path)


def dashboard(demo: Demo, browser: Browser, viewport: Viewport) -> Page:
    page = new_page(demo, browser, viewport, LAWYER)
    certificate_login(demo, page, path="/painel/")
    return page


def refusal(demo: Demo, browser: Browser, viewport: Viewport) -> Page:
    page = new_page(demo, browser, viewport, REFUSED)
    certificate_login(demo, page, status=403)
    if REFUSED_CODE not in page.content():
        raise Failure(f"the refusal page of {REFUSED} does not show {REFUSED_CODE}")
    return page


def status_overview(demo: Demo, browser: Browser, viewport: Viewport) -> Page:
    page = new_page(demo, browser, viewport, STAFF)
    certificate_login(demo, page)
    goto(page, demo.base_url + "/acompanhamento/", path="/acompanhamento/")
    return page


SHOTS = (
    Shot("home", public("/")),
    Shot("dashboard", dashboard),
    Shot("refusal", refusal, whole_page_on_desktop=True),  # down to the end of the support steps
    Shot("schedule", public("/cronograma/")),
    Shot("status-overview", status_overview),
    Shot("cloud-login", public("/entrar/nuvem/")),
)


# ---------------------------------------------------------------------------------------------- capture


def capture(demo: Demo, out: Path, chromium: Path) -> list[Path]:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), headless=True, args=list(CHROMIUM_ARGS))
        try:
            for shot in SHOTS:
                for viewport in VIEWPORTS:
                    target = out / f"{shot.name}-{viewport.width}.png"
                    try:
                        page = shot.open(demo, browser, viewport)
                        screenshot(page, target, viewport, whole_page=viewport.mobile or shot.whole_page_on_desktop)
                        page.context.close()
                    except PlaywrightError as exc:
                        raise Failure(f"{shot.name} at {viewport.width}px: {exc.message}") from exc
                    written.append(target)
                    print(target, flush=True)
        finally:
            browser.close()
    return written


def screenshot(page: Page, target: Path, viewport: Viewport, *, whole_page: bool) -> None:
    """What the window shows, or the whole page down to ``MAX_HEIGHT``, once the web fonts are in."""
    page.evaluate("document.fonts.ready.then(() => true)")
    if not whole_page:
        page.screenshot(path=str(target), animations="disabled")
        return
    height = min(int(page.evaluate("document.documentElement.scrollHeight")), MAX_HEIGHT)
    clip: FloatRect = {"x": 0, "y": 0, "width": viewport.width, "height": height}
    page.screenshot(path=str(target), full_page=True, clip=clip, animations="disabled")


def optimise(files: list[Path]) -> None:
    optipng = shutil.which("optipng")
    if optipng is None:
        print("optipng is not installed: PNGs left as Chromium wrote them")
        return
    subprocess.run([optipng, "-quiet", "-o2", "-strip", "all", *map(str, files)], check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--base-url", default=DEFAULT_BASE_URL, help="the portal host (default: %(default)s)")
    parser.add_argument(
        "--login-url", default=DEFAULT_LOGIN_URL, help="the certificate login host, mutual TLS (default: %(default)s)"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the PNGs go (default: %(default)s)")
    parser.add_argument(
        "--pki-dir", type=Path, default=DEFAULT_PKI_DIR, help="the demo PKI of the running demo (default: %(default)s)"
    )
    parser.add_argument("--chromium", type=Path, default=CHROMIUM, help="the browser (default: %(default)s)")
    args = parser.parse_args(argv)
    demo = Demo(args.base_url.rstrip("/"), args.login_url.rstrip("/"), args.pki_dir.resolve())
    try:
        if not os.access(args.chromium, os.X_OK):
            raise Failure(f"{args.chromium} is not an executable browser (apt-get install chromium, or --chromium)")
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError as exc:
            raise Failure(
                "the Python package playwright is missing: run this with the project's .venv/bin/python"
            ) from exc
        check_demo(demo)
        files = capture(demo, args.out.resolve(), args.chromium)
        optimise(files)
    except Failure as exc:
        print(f"readme_screenshots: {exc}", file=sys.stderr)
        return 1
    total = sum(f.stat().st_size for f in files)
    print(f"{len(files)} screenshots, {total / 1024:.0f} KiB in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
