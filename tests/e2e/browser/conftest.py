"""A real browser with a real PKCS#11 token in front of the e2e stack (the real nginx doing mutual TLS).

How it fits together (the proven recipe: shared/recipes/token-browser-e2e.md):

- a SoftHSM2 token per test session stands in for the lawyer's A3 USB token: the RSA key pair is generated INSIDE
  the token (sensitive, never extractable, PIN-protected), and the test PKI's "AC Teste OAB" certifies its public key;
  the certificate is written back to the token with the key's CKA_ID and a CKA_LABEL (NSS ignores unlabelled ones);
- Debian's Chromium, driven headless by Playwright, loads the token through NSS from ``$HOME/.pki/nssdb`` (one HOME
  per browser). Headless Chromium cannot ask for a PIN (it would hang on an invisible dialog), so NSS loads the
  project's pass-through module ``p11autologin.c``, which logs in with the PIN from a 0600 file below NSS;
- the managed policy ``AutoSelectCertificateForUrls`` answers the certificate picker (also invisible in headless);
- OpenSC's ``pkcs11-spy`` sits between the pass-through module and SoftHSM and logs every PKCS#11 call the browser
  makes: the proof that the TLS handshake was signed inside the token (``C_SignInit`` + ``C_Sign`` on the token key).

A hang is always a token, PIN or certificate-choice problem: every wait is short and fails with that message.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from glob import glob
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from certauth.icp.builder import Issued, PersonSpec
from tests.conftest import LAWYER
from tests.e2e.conftest import E2EStack, _unavailable
from tests.pki import TestPki

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Response

BROWSER_DIR = Path(__file__).resolve().parent
AXE_SCRIPT = BROWSER_DIR / "vendor" / "axe.min.js"
CHROMIUM = Path("/usr/bin/chromium")
SOFTHSM_MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")
PKCS11_HEADER = Path("/usr/include/p11-kit-1/p11-kit/pkcs11.h")
POLICY_FILE = Path("/etc/chromium/policies/managed/portal-a3-e2e.json")
NSS_MODULE_NAME = "Token A3 de teste (p11autologin)"
PIN = "246810"
SO_PIN = "13579111"
KEY_ID = "a3"  # CKA_ID (hex) of the key pair and of the certificate
LAUNCH_TIMEOUT_MS = 30_000
NAVIGATION_TIMEOUT_MS = 20_000
ACTION_TIMEOUT_MS = 10_000
TOOL_TIMEOUT = 60
#: The browsers live in Acre (UTC-5): the times the portal shows must be Brasília's whatever the browser's zone.
BROWSER_TIMEZONE = "America/Rio_Branco"

#: Mechanisms of the "old middleware" token: RSA PKCS#1 v1.5 only, no RSA-PSS (an explicit whitelist: SoftHSM's
#: ``ALL,-CKM_X`` form does not work as a blacklist).
NO_PSS_MECHANISMS = (
    "CKM_RSA_PKCS_KEY_PAIR_GEN",
    "CKM_RSA_PKCS",
    "CKM_SHA1_RSA_PKCS",
    "CKM_SHA256_RSA_PKCS",
    "CKM_SHA384_RSA_PKCS",
    "CKM_SHA512_RSA_PKCS",
    "CKM_SHA_1",
    "CKM_SHA256",
    "CKM_SHA384",
    "CKM_SHA512",
)

CHROMIUM_ARGS = (
    "--no-sandbox",  # root in CI
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--host-resolver-rules=MAP localhost 127.0.0.1",  # nginx listens on 127.0.0.1 only
)

#: Variables of the test process that must not reach the browser (they would change its token or module).
_NOT_FOR_THE_BROWSER = ("SOFTHSM2_CONF", "PKCS11SPY", "PKCS11SPY_OUTPUT", "DJANGO_ALLOW_ASYNC_UNSAFE")


def run(args: list[str], *, env: dict[str, str] | None = None, what: str = "") -> str:
    """Run a tool; fail the test with its output if it fails (or hangs)."""
    try:
        result = subprocess.run(
            args, env=env, capture_output=True, text=True, timeout=TOOL_TIMEOUT, check=False, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{what or args[0]} did not finish in {TOOL_TIMEOUT} s: {' '.join(args)}", pytrace=False)
    if result.returncode != 0:
        pytest.fail(
            f"{what or args[0]} failed with status {result.returncode}: {' '.join(args)}\n"
            f"stdout: {result.stdout}\nstderr: {result.stderr}",
            pytrace=False,
        )
    return result.stdout + result.stderr


def _pkcs11_spy() -> Path | None:
    found = sorted(glob("/usr/lib/*/pkcs11/pkcs11-spy.so")) + sorted(glob("/usr/lib/*/pkcs11-spy.so"))
    return Path(found[0]) if found else None


# ---------------------------------------------------------------------------------------------- tools


@pytest.fixture(scope="session")
def browser_tools(e2e_tools: None) -> None:
    """Chromium, SoftHSM2, OpenSC, NSS tools, gcc and Playwright, or skip (fail under ``PORTAL_REQUIRE_E2E=1``)."""
    missing: list[str] = []
    if not os.access(CHROMIUM, os.X_OK):
        missing.append("chromium")
    if shutil.which("softhsm2-util") is None or not SOFTHSM_MODULE.exists():
        missing.append("softhsm2")
    if shutil.which("pkcs11-tool") is None or _pkcs11_spy() is None:
        missing.append("opensc (pkcs11-tool, pkcs11-spy)")
    if shutil.which("certutil") is None or shutil.which("modutil") is None:
        missing.append("libnss3-tools (certutil, modutil)")
    if shutil.which("gcc") is None or not Path("/usr/include/dlfcn.h").exists():
        missing.append("gcc libc6-dev")
    if not PKCS11_HEADER.exists():
        missing.append("libp11-kit-dev (pkcs11.h)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the Python package playwright (pip install -e '.[test]'; never `playwright install`)")
    if missing:
        _unavailable(
            "the browser + token tests need "
            + ", ".join(missing)
            + " (`make system-packages` installs the Debian ones)"
        )
    try:
        POLICY_FILE.parent.mkdir(parents=True, exist_ok=True)
        writable = os.access(POLICY_FILE.parent, os.W_OK)
    except OSError:
        writable = False
    if not writable:
        _unavailable(
            f"the browser + token tests write Chromium's managed policy into {POLICY_FILE.parent} (needs root)"
        )


@pytest.fixture(autouse=True)
def _browser_tools_first(browser_tools: None) -> None:
    """Check the tools before anything else of a test here is set up (the e2e stack takes seconds to start)."""


@pytest.fixture(scope="session")
def p11autologin(browser_tools: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's PKCS#11 pass-through module (``p11autologin.c``), compiled for this session."""
    library = tmp_path_factory.mktemp("p11autologin") / "p11autologin.so"
    run(
        [
            "gcc",
            "-shared",
            "-fPIC",
            "-O2",
            "-Wall",
            "-Wextra",
            "-Werror",
            f"-I{PKCS11_HEADER.parent}",
            "-o",
            str(library),
            str(BROWSER_DIR / "p11autologin.c"),
            "-ldl",
        ],
        what="compiling p11autologin.c",
    )
    return library


# ---------------------------------------------------------------------------------------------- tokens


def issue_for_public_key(
    pki: TestPki, spec: PersonSpec, public_key: rsa.RSAPublicKey, issuer: Issued | None = None
) -> x509.Certificate:
    """An e-CPF for a key the PKI never saw (the token's).

    ``PkiBuilder.person`` always certifies a key of its own, so it issues a template certificate for ``spec`` and the
    issuing AC signs the same certificate (subject, validity, every extension: SAN otherNames, A3 policy, key usages,
    AKI) for ``public_key``, with its own serial number and the key identifier of that key.
    """
    issuer = issuer or pki.oab
    template = pki.issue(spec, issuer).certificate
    builder = (
        x509.CertificateBuilder()
        .subject_name(template.subject)
        .issuer_name(template.issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(template.not_valid_before_utc)
        .not_valid_after(template.not_valid_after_utc)
    )
    for extension in template.extensions:
        value: x509.ExtensionType = extension.value
        if isinstance(value, x509.SubjectKeyIdentifier):
            value = x509.SubjectKeyIdentifier.from_public_key(public_key)
        builder = builder.add_extension(value, critical=extension.critical)
    return builder.sign(issuer.key, hashes.SHA256())


@dataclass(frozen=True)
class Token:
    """A SoftHSM2 token with a PIN-protected key pair generated inside it and the e-CPF for that key."""

    label: str
    directory: Path  #: softhsm2.conf, the token store and the PIN file
    object_label: str  #: CKA_LABEL of the key pair and of the certificate
    certificate: x509.Certificate = field(repr=False)
    mechanisms: str = field(repr=False)  #: ``pkcs11-tool -M``
    pin_file: Path = field(repr=False)  #: what p11autologin reads (0600, no trailing newline)

    @property
    def config(self) -> Path:
        return self.directory / "softhsm2.conf"

    @property
    def issuer_common_name(self) -> str:
        return str(self.certificate.issuer.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)

    def tool(self, *args: str, login: bool = False) -> str:
        return pkcs11_tool(self.config, self.label, *args, login=login)

    def certificate_on_token(self) -> x509.Certificate:
        """The certificate as stored in the token (read back with pkcs11-tool)."""
        out = self.directory / "read-back.der"
        self.tool("--read-object", "--type", "cert", "--id", KEY_ID, "--output-file", str(out))
        return x509.load_der_x509_certificate(out.read_bytes())


def pkcs11_tool(config: Path, label: str, *args: str, login: bool = False) -> str:
    env = {**os.environ, "SOFTHSM2_CONF": str(config)}
    pin = ["--login", "--pin", PIN] if login else []
    return run(
        ["pkcs11-tool", "--module", str(SOFTHSM_MODULE), "--token-label", label, *pin, *args],
        env=env,
        what="pkcs11-tool",
    )


def make_token(
    directory: Path, label: str, pki: TestPki, spec: PersonSpec, *, mechanisms: tuple[str, ...] = ()
) -> Token:
    """Initialise a token, generate the key pair in it, certify the public key, store the certificate in it."""
    store = directory / "tokens"
    store.mkdir(parents=True)
    config = directory / "softhsm2.conf"
    lines = [
        f"directories.tokendir = {store}",
        "objectstore.backend = file",
        "log.level = ERROR",
        "slots.removable = false",
    ]
    if mechanisms:
        lines.append("slots.mechanisms = " + ",".join(mechanisms))
    config.write_text("\n".join(lines) + "\n")
    run(
        ["softhsm2-util", "--init-token", "--free", "--label", label, "--pin", PIN, "--so-pin", SO_PIN],
        env={**os.environ, "SOFTHSM2_CONF": str(config)},
        what="softhsm2-util --init-token",
    )
    object_label = f"e-CPF {spec.name}"
    generated = pkcs11_tool(
        config,
        label,
        "--keypairgen",
        "--key-type",
        "rsa:2048",
        "--id",
        KEY_ID,
        "--label",
        object_label,
        login=True,
    )
    # The private key never leaves the token: what a real A3 token guarantees.
    assert re.search(
        r"Private Key Object.*?Access:\s+sensitive, always sensitive, never extractable", generated, re.S
    ), generated
    public_der = directory / "public-key.der"
    pkcs11_tool(config, label, "--read-object", "--type", "pubkey", "--id", KEY_ID, "--output-file", str(public_der))
    public_key = serialization.load_der_public_key(public_der.read_bytes())
    assert isinstance(public_key, rsa.RSAPublicKey)
    certificate = issue_for_public_key(pki, spec, public_key)
    certificate_der = directory / "certificate.der"
    certificate_der.write_bytes(certificate.public_bytes(serialization.Encoding.DER))
    pkcs11_tool(
        config,
        label,
        "--write-object",
        str(certificate_der),
        "--type",
        "cert",
        "--id",
        KEY_ID,
        "--label",  # NSS lists user certificates by nickname: without a CKA_LABEL it is silently not offered
        object_label,
        login=True,
    )
    pin_file = directory / "pin"
    pin_file.write_text(PIN)  # no trailing newline
    pin_file.chmod(0o600)
    token = Token(
        label=label,
        directory=directory,
        object_label=object_label,
        certificate=certificate,
        mechanisms=pkcs11_tool(config, label, "--list-mechanisms"),
        pin_file=pin_file,
    )
    assert token.certificate_on_token() == certificate
    return token


@pytest.fixture(scope="session")
def lawyer_token(browser_tools: None, pki: TestPki, tmp_path_factory: pytest.TempPathFactory) -> Token:
    """Maria da Silva's A3 token (LAWYER), with a token that does RSA-PSS (as TLS 1.3 needs)."""
    token = make_token(tmp_path_factory.mktemp("token-a3"), "TOKEN-A3-MARIA", pki, LAWYER)
    assert "RSA-PKCS-PSS" in token.mechanisms, token.mechanisms
    return token


@pytest.fixture(scope="session")
def no_pss_token(browser_tools: None, pki: TestPki, tmp_path_factory: pytest.TempPathFactory) -> Token:
    """Maria da Silva's certificate on a token whose middleware offers no RSA-PSS (many older A3 tokens)."""
    token = make_token(
        tmp_path_factory.mktemp("token-sem-pss"), "TOKEN-A3-SEM-PSS", pki, LAWYER, mechanisms=NO_PSS_MECHANISMS
    )
    assert "PSS" not in token.mechanisms, token.mechanisms
    assert "RSA-PKCS," in token.mechanisms or "RSA-PKCS\n" in token.mechanisms, token.mechanisms
    return token


@pytest.fixture
def wrong_pin_token(browser_tools: None, pki: TestPki, tmp_path: Path) -> Token:
    """A token of its own (a wrong PIN must not touch the shared tokens' state) with a wrong PIN in its PIN file."""
    token = make_token(tmp_path / "token-pin-errado", "TOKEN-A3-PIN-ERRADO", pki, LAWYER)
    wrong = tmp_path / "pin-errado"
    wrong.write_text(PIN[::-1])
    wrong.chmod(0o600)
    return dataclasses.replace(token, pin_file=wrong)


# ---------------------------------------------------------------------------------------------- Chromium policy


@pytest.fixture(scope="session")
def chromium_policy(browser_tools: None, lawyer_token: Token, no_pss_token: Token) -> Iterator[Path]:
    """AutoSelectCertificateForUrls for https://localhost (any port), filtered by the issuing AC of the tokens'
    certificates: headless Chromium would otherwise wait forever on its (invisible) certificate picker."""
    issuers = {lawyer_token.issuer_common_name, no_pss_token.issuer_common_name}
    rules = [json.dumps({"pattern": "https://localhost", "filter": {"ISSUER": {"CN": cn}}}) for cn in sorted(issuers)]
    POLICY_FILE.write_text(json.dumps({"AutoSelectCertificateForUrls": rules}, indent=2) + "\n")
    try:
        yield POLICY_FILE
    finally:
        POLICY_FILE.unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------- the browser


@pytest.fixture
def pw(browser_tools: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Playwright]:
    """Playwright for one test.

    Playwright's sync API keeps its event loop marked as running in this thread between calls, which Django takes for
    async code (SynchronousOnlyOperation on every query). The test's queries are plain synchronous code, so the check is
    lifted for this test only, and Playwright is stopped before pytest-django empties the database.
    """
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        yield playwright


class TokenTimeout(AssertionError):
    pass


@dataclass
class TokenBrowser:
    """One headless Chromium (own HOME and NSS db), with or without the token module, and one page."""

    name: str
    home: Path
    token: Token | None
    spy_log: Path
    net_log: Path
    browser: Browser
    context: BrowserContext
    page: Page
    closed: bool = False

    def hang_message(self, doing: str) -> str:
        token = f"token {self.token.label}" if self.token else "no token module"
        spy = self.spy_log.read_text(errors="replace").splitlines()[-15:] if self.spy_log.exists() else []
        return (
            f"browser {self.name!r} ({token}): {doing} did not finish in time. A headless browser that hangs is "
            "waiting for a person: a PIN dialog (token locked, wrong PIN, p11autologin not loaded, "
            "P11_AUTOLOGIN_PIN_FILE unreadable) or the certificate picker (no matching AutoSelectCertificateForUrls "
            f"rule in {POLICY_FILE}). "
            f"Last PKCS#11 calls (pkcs11-spy, {self.spy_log}):\n" + "\n".join(spy)
        )

    def goto(self, url: str) -> Response | None:
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        try:
            return self.page.goto(url, wait_until="load")
        except PlaywrightTimeout as exc:
            raise TokenTimeout(self.hang_message(f"opening {url}")) from exc

    def click_and_wait(self, selector: str, url: str | re.Pattern[str]) -> Response | None:
        """Click (e.g. the certificate login link) and wait for the page at ``url``; returns the main response."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        try:
            with self.page.expect_navigation(url=url, wait_until="load") as navigation:
                self.page.click(selector)
            return navigation.value
        except PlaywrightTimeout as exc:
            raise TokenTimeout(self.hang_message(f"clicking {selector} and waiting for {url}")) from exc

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.context.close()
            self.browser.close()  # also finishes the net log

    def spy_calls(self) -> list[tuple[str, str]]:
        """The PKCS#11 calls the browser made, as (function, log text of the call and its return)."""
        if not self.spy_log.exists():
            return []
        calls = re.split(r"\n(?=\d+: C_)", self.spy_log.read_text(errors="replace"))
        found = []
        for call in calls:
            match = re.match(r"\d+: (C_\w+)", call)
            if match:
                found.append((match.group(1), call))
        return found

    def net_log_events(self, event_type: str) -> list[dict[str, Any]]:
        """Events of one type from Chromium's net log (written when the browser closes)."""
        data = json.loads(self.net_log.read_text())
        code = data["constants"]["logEventTypes"][event_type]
        return [e for e in data["events"] if e.get("type") == code]


@pytest.fixture
def launch_browser(
    pw: Playwright,
    e2e_stack: E2EStack,
    chromium_policy: Path,
    p11autologin: Path,
    pki: TestPki,
    tmp_path: Path,
) -> Iterator[Callable[..., TokenBrowser]]:
    """``launch_browser(token_or_None, bypass_csp=False)`` → a fresh headless Chromium with its own HOME and NSS db:
    the e2e stack's TLS root trusted (``C,,``), the test PKI's ACs known (to build the chain to the roots nginx names),
    and the token loaded through p11autologin → pkcs11-spy → SoftHSM."""
    launched: list[TokenBrowser] = []
    spy = _pkcs11_spy()
    assert spy is not None

    def launch(
        token: Token | None,
        *,
        bypass_csp: bool = False,
        extra_args: tuple[str, ...] = (),
        navigation_timeout_ms: int = NAVIGATION_TIMEOUT_MS,
    ) -> TokenBrowser:
        name = f"{len(launched)}-{token.label if token else 'sem-token'}"
        home = tmp_path / f"home-{name}"
        nssdb = home / ".pki" / "nssdb"
        nssdb.mkdir(parents=True)
        spy_log = home / "pkcs11-spy.log"
        net_log = home / "netlog.json"
        env = browser_env(home)
        if token is not None:
            env.update(
                SOFTHSM2_CONF=str(token.config),
                P11_AUTOLOGIN_MODULE=str(spy),
                P11_AUTOLOGIN_PIN_FILE=str(token.pin_file),
                P11_AUTOLOGIN_TOKEN_LABEL=token.label,
                PKCS11SPY=str(SOFTHSM_MODULE),
                PKCS11SPY_OUTPUT=str(spy_log),
            )
        db = new_nss_db(nssdb, env, e2e_stack.tls_root)
        for authority in pki.intermediates:
            pem = home / f"{authority.common_name}.pem"
            pem.write_bytes(authority.certificate_pem())
            run(
                ["certutil", "-A", "-d", db, "-n", authority.common_name, "-t", ",,", "-i", str(pem)],
                env=env,
                what="certutil -A (intermediate AC)",
            )
        if token is not None:
            run(
                ["modutil", "-dbdir", db, "-add", NSS_MODULE_NAME, "-libfile", str(p11autologin), "-force"],
                env=env,
                what="modutil -add p11autologin",
            )
            spy_log.unlink(missing_ok=True)  # only the browser's own calls from here on
        browser, context = launch_chromium(
            pw,
            env,
            extra_args=(f"--log-net-log={net_log}", *extra_args),
            bypass_csp=bypass_csp,
            navigation_timeout_ms=navigation_timeout_ms,
        )
        opened = TokenBrowser(name, home, token, spy_log, net_log, browser, context, context.new_page())
        launched.append(opened)
        return opened

    yield launch
    for opened in launched:
        try:
            opened.close()
        except Exception as exc:  # a dead browser must not hide the test's own failure
            print(f"closing browser {opened.name}: {exc}", file=sys.stderr)


def new_nss_db(nssdb: Path, env: dict[str, str], tls_root: Path) -> str:
    """An empty NSS database (Chromium's, under the browser's HOME) trusting the e2e stack's TLS root (``C,,``);
    returns its ``sql:`` name."""
    db = f"sql:{nssdb}"
    run(["certutil", "-N", "-d", db, "--empty-password"], env=env, what="certutil -N")
    trust_root = ["certutil", "-A", "-d", db, "-n", "AC TLS do servidor (teste)", "-t", "C,,", "-i", str(tls_root)]
    run(trust_root, env=env, what="certutil -A (TLS root)")
    return db


#: axe-core impacts that fail the accessibility tests.
BLOCKING_IMPACTS = ("serious", "critical")


def axe_violations(page: Page, label: str) -> list[str]:
    """Serious and critical axe-core violations of the page now open, one line per rule and element (the page's
    context must bypass the portal's strict CSP: axe is added as an inline script)."""
    page.add_script_tag(path=str(AXE_SCRIPT))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    found = []
    for violation in results["violations"]:
        if violation["impact"] in BLOCKING_IMPACTS:
            for node in violation["nodes"]:
                target = " ".join(str(t) for t in node["target"])
                found.append(f"{label} ({page.url}): {violation['id']} [{violation['impact']}] {target}")
    return found


def browser_env(home: Path) -> dict[str, str]:
    """Chromium's environment: ours without the test-only variables, its own HOME (and NSS db), Brasília time."""
    env = {k: v for k, v in os.environ.items() if k not in _NOT_FOR_THE_BROWSER and not k.startswith("P11_")}
    env.update(HOME=str(home), TZ=BROWSER_TIMEZONE, LANG="pt_BR.UTF-8")
    return env


def launch_chromium(
    pw: Playwright,
    env: dict[str, str],
    *,
    extra_args: tuple[str, ...] = (),
    bypass_csp: bool = False,
    navigation_timeout_ms: int = NAVIGATION_TIMEOUT_MS,
    client_certificates: list[dict[str, Any]] | None = None,
) -> tuple[Browser, BrowserContext]:
    """Debian's Chromium, headless, and a pt-BR context in Brasília time with the tests' short timeouts.

    ``client_certificates``: certificates Playwright presents for the named origins where Chromium would not — an
    expired or not yet valid one (Chromium never offers those: it filters them by its own clock before any picker or
    policy). Playwright does that handshake in a proxy of its own between Chromium and nginx (only for those
    origins) and tells Chromium to accept the proxy's certificate for the whole context; Chromium still renders,
    fetches the subresources and enforces the CSP as for any page."""
    try:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            env=env,
            args=[*CHROMIUM_ARGS, *extra_args],
            timeout=LAUNCH_TIMEOUT_MS,
        )
    except Exception as exc:
        pytest.fail(f"Chromium ({CHROMIUM}) did not start: {exc}", pytrace=False)
    context = browser.new_context(
        locale="pt-BR",
        timezone_id=BROWSER_TIMEZONE,
        viewport={"width": 1280, "height": 800},
        bypass_csp=bypass_csp,
        **({"client_certificates": client_certificates} if client_certificates else {}),
    )
    context.set_default_timeout(min(ACTION_TIMEOUT_MS, navigation_timeout_ms))
    context.set_default_navigation_timeout(navigation_timeout_ms)
    return browser, context


# ---------------------------------------------------------------------------------------------- pages the tests share


@pytest.fixture
def password_session_member(entity_factory: Callable[..., Any], member_factory: Callable[..., Any]) -> Any:
    """Lúcia Fernandes, a member of OAB-RS with a password the served portal accepts (Anexo I: RS "a definir": the
    password still opens a session)."""
    from tests.e2e.test_password_login import with_password

    member = member_factory("31415926590", name="Lúcia Fernandes", entity=entity_factory(code="OAB-RS", uf="RS"))
    with_password(member)
    return member


def login_with_password(browser: TokenBrowser, stack: E2EStack, member: Any) -> None:
    """The portal's password form, filled as a person types it (the CPF with its dots and dash) and sent."""
    from tests.e2e.test_password_login import PASSWORD

    page = browser.page
    cpf = member.cpf
    browser.goto(f"{stack.portal}/entrar/senha/")
    page.fill("#id_cpf", f"{cpf[:3]}.{cpf[3:6]}.{cpf[6:9]}-{cpf[9:]}")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Entrar").click()


def a3_required_page_problems(
    browser: TokenBrowser, stack: E2EStack, member: Any, url: str, code: str, label: str, shots: Path
) -> list[str]:
    """``member`` logs in with the password and opens ``url``: it answers 403 with ``code`` (the header and the
    page's code), the page's certificate login comes back to it (``next`` is its path), and the screenshot facts are
    on screen (``assert_facts_on_screen``). Returns the page's layout and axe-core problems at both sizes
    (screenshots in ``shots``, named after ``label``)."""
    from playwright.sync_api import expect

    from tests.e2e.browser.test_layout import axe, look_at
    from tests.e2e.browser.test_token_login import assert_facts_on_screen

    login_with_password(browser, stack, member)
    page = browser.page
    response = browser.goto(url)
    assert response is not None and response.status == 403, (url, response and response.status)
    assert response.header_value("x-error-code") == code
    expect(page.locator("#codigo-erro")).to_have_text(code)
    back_here = re.compile(re.escape(urlencode({"next": urlsplit(url).path})) + "$")
    expect(page.locator("#entrar-certificado")).to_have_attribute("href", back_here)
    assert_facts_on_screen(page, code, shots)
    # The title's icon is drawn wider than its box on every error page of the portal (portal.css's .erro__titulo, not
    # this page's): seen, left to the layout's owners; nothing is cut (the screenshots show it whole).
    problems = [p for p in look_at(page, label, shots) if "i.fas.fa-exclamation-circle" not in p]
    return problems + axe(page, stack.portal, label)


def keep_screenshots(shots: Path, variable: str) -> None:
    """The test's screenshots copied to the folder the environment variable ``variable`` names, when it is set (for
    a person to look at them)."""
    folder = os.environ.get(variable)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        for shot in shots.glob("*.png"):
            shutil.copy(shot, Path(folder) / shot.name)
