"""End-to-end fixtures: the real nginx (rendered by ``portal.serving.nginx``) in front of the real gunicorn
(``portal.serving.processes.Stack``), with the REAL settings (``portal.settings``) configured from the
environment, sharing the test process's sqlite file database.

One stack per session. Clients are ``curl`` / ``openssl`` subprocesses; each test gets its own cookie jar.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

import pytest

from certauth.icp.builder import Issued, PkiBuilder
from certauth.models import LoginAttempt
from portal.serving.nginx import NginxSite, nginx_binary
from portal.serving.processes import BASE_DIR, Stack, free_port
from tests.pki import TestPki
from tests.required import unavailable

BRASILIA = ZoneInfo("America/Sao_Paulo")
BRASILIA_DATETIME = re.compile(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}")
CURL_TIMEOUT = 20
E2E_DIR = Path(__file__).resolve().parent
_SITE_SHAPING_VARIABLES = frozenset(
    {
        "ALLOWED_HOSTS",
        "PORTAL_HOSTNAME",
        "CERT_LOGIN_HOSTNAME",
        "PORTAL_BASE_URL",
        "CERT_LOGIN_BASE_URL",
        "CERT_LOGIN_TLS12_PORT",
        "CERT_LOGIN_TLS12_BASE_URL",
        "SESSION_COOKIE_DOMAIN",
        "CERTAUTH_TRUSTED_PROXIES",
        "CERTAUTH_ACCEPTED_POLICY_PREFIXES",
        "PORTAL_DEMO_PKI_DIR",
        "GUNICORN_CMD_ARGS",
        "OIDC_GATEWAY_BASE_URL",
        "OIDC_GATEWAY_A3_ONLY",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder is an end-to-end test (the modules also say so in ``pytestmark``)."""
    for item in items:
        if item.path.resolve().is_relative_to(E2E_DIR):
            item.add_marker(pytest.mark.e2e)


def _unavailable(message: str) -> NoReturn:
    """Skip, or fail under ``PORTAL_REQUIRE_E2E=1`` (tests/required.py)."""
    unavailable(f"{message} (end-to-end test)")


# ---------------------------------------------------------------------------------------------- the stack


@dataclass(frozen=True)
class E2EStack:
    site: NginxSite
    stack: Stack
    gunicorn_port: int
    proxy_secret: str
    tls_root: Path  #: the CA file clients trust for the server certificate
    pki_roots: Path
    pki_intermediates: Path
    #: The A3 gateway (``OIDC_GATEWAY_*``): its secret, and the port of its upstream (a test starts a server there).
    gateway_secret: str = ""
    gateway_upstream_port: int = 0

    @property
    def gateway(self) -> str:
        return f"https://localhost:{self.site.gateway_port}"

    @property
    def portal_port(self) -> int:
        return self.site.portal_port

    @property
    def login_port(self) -> int:
        return self.site.login_port

    @property
    def portal(self) -> str:
        return self.site.portal_base_url

    @property
    def login(self) -> str:
        return self.site.login_base_url

    @property
    def login_url(self) -> str:
        return f"{self.login}/entrar/certificado/"

    @property
    def login_tls12_url(self) -> str:
        """The login host's TLS 1.2-only twin (tokens without RSA-PSS)."""
        return f"https://localhost:{self.site.login_tls12_port}/entrar/certificado/"

    @property
    def gunicorn(self) -> str:
        return f"http://127.0.0.1:{self.gunicorn_port}"

    @property
    def logs(self) -> Path:
        return self.site.prefix / "logs"

    def access_log_line(self, request_id: str) -> str:
        """nginx's access log line of one request (by ``$request_id``)."""
        deadline = time.monotonic() + 5
        while True:
            lines = [x for x in (self.logs / "access.log").read_text().splitlines() if f"rid={request_id} " in x]
            if lines or time.monotonic() > deadline:
                assert len(lines) == 1, f"expected one access log line for rid={request_id}, found {lines}"
                return lines[0]
            time.sleep(0.05)


def log_tails(directory: Path, lines: int = 40) -> str:
    parts = []
    for path in sorted(directory.glob("*.log")):
        tail = path.read_text(errors="replace").splitlines()[-lines:]
        parts.append(f"---- {path} (last {len(tail)} lines)\n" + "\n".join(tail))
    return "\n".join(parts) or f"(no logs in {directory})"


def _distinct_free_ports(count: int) -> list[int]:
    ports: list[int] = []
    while len(ports) < count:
        port = free_port()
        if port not in ports:
            ports.append(port)
    return ports


@pytest.fixture(scope="session")
def e2e_database(django_db_setup: None, django_db_blocker: object) -> str:
    """``DATABASE_URL`` of the test database (a sqlite FILE, created by pytest-django) for gunicorn."""
    from django.db import connection

    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        name = str(connection.settings_dict["NAME"])
    if connection.vendor != "sqlite" or name == ":memory:" or "mode=memory" in name:
        pytest.fail(f"the end-to-end tests need a file database shared with gunicorn, not {name!r}")
    return f"sqlite:///{Path(name).resolve()}"


@pytest.fixture(scope="session")
def e2e_tools() -> None:
    """nginx, curl and openssl, or skip (fail under ``PORTAL_REQUIRE_E2E=1``) before anything is set up."""
    if nginx_binary() is None:
        _unavailable("nginx is not installed (apt-get install nginx)")
    for tool in ("curl", "openssl"):
        if shutil.which(tool) is None:
            _unavailable(f"{tool} is not installed")


@pytest.fixture(scope="session")
def e2e_stack(
    e2e_tools: None,
    e2e_database: str,
    pki: TestPki,
    pki_files: tuple[Path, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[E2EStack]:
    base = tmp_path_factory.mktemp("e2e")
    roots, intermediates = pki_files

    # The server's TLS certificate, from a test TLS root that is not part of the ICP-Brasil-like test PKI.
    tls_builder = PkiBuilder(now=pki.now)
    tls_root = tls_builder.root("AC TLS Teste E2E", years=2)
    server = tls_builder.server(tls_root, ("localhost",), ips=("127.0.0.1",))
    tls_dir = base / "tls"
    tls_dir.mkdir()
    (tls_dir / "ac-tls.pem").write_bytes(tls_root.certificate_pem())
    (tls_dir / "servidor.pem").write_bytes(server.certificate_pem())
    (tls_dir / "servidor.key").write_bytes(server.key_pem())
    (tls_dir / "servidor.key").chmod(0o600)

    portal_port, login_port, gunicorn_port, tls12_port = _distinct_free_ports(4)
    gateway_port, gateway_upstream_port = _distinct_free_ports(2)  # the gateway (tests/e2e/test_gateway.py)
    gateway_secret = secrets.token_urlsafe(32)
    secret = secrets.token_urlsafe(32)
    site = NginxSite(
        prefix=base / "nginx",
        upstream=f"127.0.0.1:{gunicorn_port}",
        proxy_secret=secret,
        server_certificate=tls_dir / "servidor.pem",
        server_key=tls_dir / "servidor.key",
        trust_roots=[roots],
        portal_base_url=f"https://localhost:{portal_port}",
        login_base_url=f"https://localhost:{login_port}",
        portal_port=portal_port,
        login_port=login_port,
        login_tls12_port=tls12_port,
        gateway_port=gateway_port,
        gateway_upstream=f"http://127.0.0.1:{gateway_upstream_port}/legado/",
    )
    env = {
        # Knobs that would reshape the site the tests address are not inherited from the developer's shell.
        **{k: v for k, v in os.environ.items() if k not in _SITE_SHAPING_VARIABLES},
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": e2e_database,
        "CERTAUTH_TRUST_ROOTS": str(roots),
        "CERTAUTH_INTERMEDIATES": str(intermediates),
        "CERTAUTH_PROXY_SECRET": secret,
        "PORTAL_PORT": str(portal_port),
        "CERT_LOGIN_PORT": str(login_port),
        "CERT_LOGIN_TLS12_PORT": str(tls12_port),
        "PORTAL_DEMO": "0",
        "PORTAL_VAR_DIR": str(base / "var"),
        # The PSC simulator of the cloud login tests listens on loopback over plain http.
        "CLOUDAUTH_ALLOW_HTTP": "1",
        # So do the relying parties of the OpenID tests (the PAT stand-in, the clients' redirect URIs).
        "OIDC_LOOPBACK_HTTP_REDIRECTS": "1",
        "OIDC_GATEWAY_PORT": str(gateway_port),
        "OIDC_GATEWAY_UPSTREAM": site.gateway_upstream,
        "OIDC_GATEWAY_SECRET": gateway_secret,
    }
    logs = site.prefix / "logs"
    stack = Stack(site=site, env=env, gunicorn_workers=2, output=logs / "processes-output.log")
    running = E2EStack(
        site=site,
        stack=stack,
        gunicorn_port=gunicorn_port,
        proxy_secret=secret,
        tls_root=tls_dir / "ac-tls.pem",
        pki_roots=roots,
        pki_intermediates=intermediates,
        gateway_secret=gateway_secret,
        gateway_upstream_port=gateway_upstream_port,
    )
    logs.mkdir(parents=True, exist_ok=True)
    try:
        _collect_static(env, logs / "collectstatic.log")  # as `make run` does before serving
    except Exception as exc:
        pytest.fail(f"the end-to-end stack did not start: {exc}\n{log_tails(logs)}", pytrace=False)
    with serving(running, what="the end-to-end stack"):
        yield running


@contextlib.contextmanager
def serving(*stacks: E2EStack, what: str, before_requests: Callable[[], None] | None = None) -> Iterator[None]:
    """Start the stacks' nginx and gunicorn (all at once), call ``before_requests`` (e.g. wait for a migration),
    wait until each serves a page; stop them all at the end. A start that fails is a test failure with the logs."""
    try:
        for running in stacks:
            running.stack.start()
        if before_requests is not None:
            before_requests()
        for running in stacks:
            _wait_until_serving(running)
    except Exception as exc:
        for running in stacks:
            running.stack.stop()
        tails = "\n".join(log_tails(running.logs) for running in stacks)
        pytest.fail(f"{what} did not start: {exc}\n{tails}", pytrace=False)
    try:
        yield
    finally:
        for running in stacks:
            running.stack.stop()


def sibling_stack(model: E2EStack, base: Path, *, env: Mapping[str, str] | None = None, workers: int = 2) -> E2EStack:
    """A stack like ``model`` (same settings, secrets, TLS, trust and static files) on ports of its own, its
    environment overridden by ``env`` (e.g. another ``DATABASE_URL``); not started (see :func:`serving`)."""
    portal_port, login_port, gunicorn_port, tls12_port = _distinct_free_ports(4)
    site = dataclasses.replace(
        model.site,
        prefix=base / "nginx",
        upstream=f"127.0.0.1:{gunicorn_port}",
        portal_base_url=f"https://localhost:{portal_port}",
        login_base_url=f"https://localhost:{login_port}",
        portal_port=portal_port,
        login_port=login_port,
        login_tls12_port=tls12_port,
        gateway_port=0,  # the gateway stays the first stack's (its port is taken)
    )
    own_env = {
        **model.stack.env,
        "PORTAL_PORT": str(portal_port),
        "CERT_LOGIN_PORT": str(login_port),
        "CERT_LOGIN_TLS12_PORT": str(tls12_port),
        **(env or {}),
    }
    logs = site.prefix / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    stack = Stack(site=site, env=own_env, gunicorn_workers=workers, output=logs / "processes-output.log")
    return dataclasses.replace(model, site=site, stack=stack, gunicorn_port=gunicorn_port)


def _collect_static(env: dict[str, str], log: Path) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    log.write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        raise RuntimeError(f"collectstatic failed with status {result.returncode}")


def _wait_until_serving(stack: E2EStack, timeout: float = 30) -> None:
    """Ports open is not enough: wait until a Django page comes back through nginx."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        result = curl(stack, "GET", f"{stack.portal}/")
        if result.status == 200:
            return
        last = f"status {result.status}, curl exit {result.returncode}: {result.stderr.strip()}"
        time.sleep(0.2)
    raise TimeoutError(f"the portal home page did not answer 200 within {timeout:.0f} s ({last})")


# ---------------------------------------------------------------------------------------------- curl


@dataclass
class Response:
    returncode: int  #: curl's exit status (0 unless the transfer itself failed, e.g. the TLS handshake)
    status: int  #: HTTP status (0 if none)
    headers: dict[str, str]  #: lower-case names; repeated headers joined with "\n"
    body: str
    stderr: str
    set_cookies: list[str] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def __repr__(self) -> str:
        return (
            f"Response(curl={self.returncode}, status={self.status}, headers={self.headers}, "
            f"stderr={self.stderr.strip()!r}, body={self.body[:600]!r})"
        )


def _parse_headers(raw: str) -> tuple[int, dict[str, str], list[str]]:
    blocks = [b for b in re.split(r"\r?\n\r?\n", raw) if b.strip()]
    if not blocks:
        return 0, {}, []
    lines = blocks[-1].splitlines()  # the final response (after any 100 Continue)
    status = int(lines[0].split()[1])
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip()
        headers[name] = f"{headers[name]}\n{value}" if name in headers else value
        if name == "set-cookie":
            cookies.append(value)
    return status, headers, cookies


_counter = iter(range(1_000_000))


def curl(
    stack: E2EStack,
    method: str,
    url: str,
    *,
    headers: Sequence[tuple[str, str]] = (),
    data: str | None = None,
    cert: tuple[Path, Path] | None = None,
    jar: Path | None = None,
    extra: Sequence[str] = (),
    workdir: Path | None = None,
) -> Response:
    """One request, no redirects followed. ``localhost`` always resolves to 127.0.0.1 (where nginx listens)."""
    workdir = workdir or stack.site.prefix.parent
    n = next(_counter)
    head_file, body_file = workdir / f"curl-{n}.headers", workdir / f"curl-{n}.body"
    args = [
        "curl",
        "--silent",
        "--show-error",
        "--max-time",
        str(CURL_TIMEOUT),
        "--cacert",
        str(stack.tls_root),
        "--resolve",
        f"localhost:{stack.portal_port}:127.0.0.1",
        "--resolve",
        f"localhost:{stack.login_port}:127.0.0.1",
        "--resolve",
        f"localhost:{stack.site.gateway_port or stack.portal_port}:127.0.0.1",
        "--dump-header",
        str(head_file),
        "--output",
        str(body_file),
        "--request",
        method,
    ]
    if jar is not None:
        args += ["--cookie", str(jar), "--cookie-jar", str(jar)]
    if cert is not None:
        args += ["--cert", str(cert[0]), "--key", str(cert[1])]
    for name, value in headers:
        args += ["--header", f"{name}: {value}"]
    if data is not None:
        args += ["--data-binary", data]
    args += [*extra, url]
    result = subprocess.run(args, capture_output=True, text=True, timeout=CURL_TIMEOUT + 10, check=False)
    raw = head_file.read_text(errors="replace") if head_file.exists() else ""
    body = body_file.read_bytes().decode("utf-8", errors="replace") if body_file.exists() else ""
    status, parsed, cookies = _parse_headers(raw)
    for path in (head_file, body_file):
        path.unlink(missing_ok=True)
    return Response(result.returncode, status, parsed, body, result.stderr, cookies)


class Browser:
    """A browser with a cookie jar (curl's), and optionally an A3 certificate it presents when asked."""

    def __init__(self, stack: E2EStack, workdir: Path, certificate: Issued | None = None) -> None:
        self.stack = stack
        self.workdir = workdir
        self.jar = workdir / "cookies.txt"
        self.cert_files: tuple[Path, Path] | None = None
        if certificate is not None:
            self.use_certificate(certificate)

    def use_certificate(self, certificate: Issued | None) -> None:
        if certificate is None:
            self.cert_files = None
            return
        n = next(_counter)
        pem, key = self.workdir / f"leaf-{n}.pem", self.workdir / f"leaf-{n}.key"
        pem.write_bytes(certificate.certificate_pem())
        key.write_bytes(certificate.key_pem())
        key.chmod(0o600)
        self.cert_files = (pem, key)

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Sequence[tuple[str, str]] = (),
        data: str | None = None,
        extra: Sequence[str] = (),
    ) -> Response:
        return curl(
            self.stack,
            method,
            url,
            headers=headers,
            data=data,
            cert=self.cert_files,
            jar=self.jar,
            extra=extra,
            workdir=self.workdir,
        )

    def on(self, stack: E2EStack) -> Browser:
        """The same browser (cookie jar, certificate) addressing another stack, e.g. a second portal host."""
        other = Browser(stack, self.workdir)
        other.jar, other.cert_files = self.jar, self.cert_files
        return other

    def get(self, url: str, **kwargs: object) -> Response:
        return self.request("GET", url, **kwargs)  # type: ignore[arg-type]

    def post(self, url: str, **kwargs: object) -> Response:
        return self.request("POST", url, **kwargs)  # type: ignore[arg-type]

    def login(self, **kwargs: object) -> Response:
        """Open the certificate login link (on the login host)."""
        return self.get(self.stack.login_url, **kwargs)

    def cookies(self) -> dict[str, str]:
        """The jar's cookies by name (curl's Netscape format; ``#HttpOnly_`` lines are cookies too)."""
        found: dict[str, str] = {}
        if not self.jar.exists():
            return found
        for line in self.jar.read_text().splitlines():
            if line.startswith("#HttpOnly_"):
                line = line[len("#HttpOnly_") :]
            elif not line.strip() or line.startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) == 7:
                found[fields[5]] = fields[6]
        return found


@pytest.fixture
def browser_factory(e2e_stack: E2EStack, tmp_path: Path) -> Callable[..., Browser]:
    counter = iter(range(1000))

    def make(certificate: Issued | None = None) -> Browser:
        directory = tmp_path / f"browser-{next(counter)}"
        directory.mkdir()
        return Browser(e2e_stack, directory, certificate)

    return make


@pytest.fixture
def issue(pki: TestPki) -> Callable[..., Issued]:
    return pki.issue


# ---------------------------------------------------------------------------------------------- assertions


def cookies_from(response: Response) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for value in response.set_cookies:
        jar.load(value)
    return {name: morsel.value for name, morsel in jar.items()}


def element_text(body: str, element_id: str) -> str | None:
    """The text of the element ``element_id`` (an error code's ``<wbr>`` line-break hints are not text)."""
    match = re.search(rf'id="{re.escape(element_id)}"[^>]*>([^<]*)<', body.replace("<wbr>", ""))
    return match.group(1).strip() if match else None


def assert_rejection_page(response: Response, code: str, *, status: int = 403) -> str:
    """A Django rejection page with ``code``: status, headers and the screenshot facts. Returns the reference."""
    assert response.returncode == 0, response
    assert response.status == status, response
    assert response.header("X-Error-Code") == code, response
    reference = response.header("X-Reference")
    assert reference and re.fullmatch(r"[0-9A-Z]{5}-[0-9A-Z]{5}", reference), response
    assert element_text(response.body, "codigo-erro") == code, response
    assert element_text(response.body, "referencia") == reference, response
    when = element_text(response.body, "data-hora")
    assert when is not None and BRASILIA_DATETIME.fullmatch(when), response
    shown = dt.datetime.strptime(when, "%d/%m/%Y %H:%M:%S").replace(tzinfo=BRASILIA)
    assert abs((dt.datetime.now(BRASILIA) - shown).total_seconds()) < 120, f"{when} is not Brasília time now"
    return reference


def assert_audited_once(code: str, reference: str) -> LoginAttempt:
    """Exactly one audit row for this attempt, with this code and reference (and no other row with the code)."""
    rows = list(LoginAttempt.objects.filter(code=code))
    assert [(r.code, r.reference) for r in rows] == [(code, reference)], [
        (r.code, r.reference, r.detail) for r in LoginAttempt.objects.all()
    ]
    assert LoginAttempt.objects.filter(reference=reference).count() == 1
    row = rows[0]
    assert row.outcome == "rejected"
    return row


def assert_not_logged_in(browser: Browser) -> None:
    """The dashboard sends an anonymous visitor to the home page."""
    response = browser.get(f"{browser.stack.portal}/painel/")
    assert response.status == 302, response
    assert response.header("Location") in ("/?next=/painel/", f"{browser.stack.portal}/?next=/painel/"), response


@pytest.fixture(autouse=True)
def _published_crls(crls: None) -> None:
    """Revocation is checked (fail closed): every test AC publishes a fresh, empty CRL into the shared store."""


# ---------------------------------------------------------------------------------------------- cloud login (PSC)

PSC_CLIENT_ID = "portal-a3-inss-e2e"
PSC_CLIENT_SECRET = "segredo-do-portal-no-psc-e2e"  # noqa: S105 - a test value


def cloud_callback_url(stack: E2EStack) -> str:
    return f"{stack.portal}/entrar/nuvem/retorno/"


@pytest.fixture
def cloud_certificate(pki: TestPki) -> Issued:
    """Maria da Silva's A3 certificate (test PKI, CRLs published) whose key sits in the simulated PSC's HSM."""
    from tests.conftest import LAWYER

    return pki.issue(LAWYER)


@pytest.fixture
def psc(e2e_stack: E2EStack, cloud_certificate: Issued) -> Iterator[Any]:
    """The PSC simulator, with the portal's callback as its only registered redirect URI (as a real PSC registers
    it). Its client secret is stored unsealed: the served portal has its own SECRET_KEY."""
    from cloudauth.simulator import Account, PscSimulator
    from tests.conftest import LAWYER

    account = Account(LAWYER.cpf, cloud_certificate.certificate, cloud_certificate.key)
    with PscSimulator(
        [account],
        client_id=PSC_CLIENT_ID,
        client_secret=PSC_CLIENT_SECRET,
        redirect_uris=[cloud_callback_url(e2e_stack)],
    ) as running:
        yield running


def register_psc(psc: Any, *, adapter: str = "padrao") -> Any:
    """The PSC as staff register it in the admin (the served portal reads the same database)."""
    from cloudauth.models import Provider

    return Provider.objects.create(
        slug="vidaas",
        name="VIDaaS (teste)",
        base_url=psc.base_url,
        adapter=adapter,
        client_id=PSC_CLIENT_ID,
        client_secret=PSC_CLIENT_SECRET,
        enabled=True,
    )
