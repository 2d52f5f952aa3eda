"""Shared fixtures: the test PKI, certauth settings pointing at it, partner-data factories, a proxy client."""

from __future__ import annotations

import datetime as dt
import http.server
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from certauth import crl_store
from certauth.icp.builder import Issued, PersonSpec, RevokedEntry
from portal.models import EntityKind, EntityStatus, Member, Membership, OabRegistration, PartnerEntity, User
from tests.pki import TestPki, escaped
from tests.required import pytest_make_collect_report, pytest_runtest_makereport  # noqa: F401 (hooks: no silent skip)

PROXY_SECRET = "test-proxy-secret-0123456789abcdef"
LAWYER = PersonSpec("MARIA DA SILVA", "52601815906", dt.date(1979, 3, 14), oab="0123456SP")
STAFF = PersonSpec("JOSE SERVIDOR DO INSS", "50752917080")
#: The legacy password of the members ``password_member`` makes.
MEMBER_PASSWORD = "senha-antiga-do-portal-123"  # noqa: S105


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A transactional test empties the tables when it ends; without ``serialized_rollback`` the rows loaded by data
    migrations (Anexo I's superintendências and waves) would be gone for every test after it."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker and marker.kwargs.get("transaction") and not marker.kwargs.get("serialized_rollback"):
            raise pytest.UsageError(f"{item.nodeid}: use django_db(transaction=True, serialized_rollback=True)")


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts with an empty cache, and the status pages' figures of the last minute forgotten."""
    from django.core.cache import cache

    from portal.status.metrics import forget_recent_figures

    cache.clear()
    forget_recent_figures()


@pytest.fixture(scope="session")
def pki() -> TestPki:
    return TestPki(now=dt.datetime.now(dt.UTC).replace(microsecond=0))


@pytest.fixture(scope="session")
def pki_files(pki: TestPki, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return pki.write(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def now(pki: TestPki) -> dt.datetime:
    return pki.now + dt.timedelta(minutes=5)


@pytest.fixture
def certauth_settings(settings: Any, pki_files: tuple[Path, Path]) -> Any:
    """certauth trusting the test PKI (and nothing else), with the test proxy secret."""
    roots, intermediates = pki_files
    settings.CERTAUTH_TRUST_ROOTS = [str(roots)]
    settings.CERTAUTH_INTERMEDIATES = [str(intermediates)]
    settings.CERTAUTH_PROXY_SECRET = PROXY_SECRET
    settings.CERTAUTH_TRUSTED_PROXIES = []
    return settings


@pytest.fixture
def publish_crl(db: None, pki: TestPki) -> Callable[..., Any]:
    """``publish_crl(issuer, revoked=[serial, ...], number=N, **builder_options)``: load that CRL into the store."""
    numbers: dict[str, int] = {}

    def publish(issuer: Issued, revoked: Any = (), *, number: int | None = None, **options: Any) -> Any:
        numbers[issuer.common_name] = number or numbers.get(issuer.common_name, 1) + 1
        entries = [r if isinstance(r, RevokedEntry) else RevokedEntry(r) for r in revoked]
        data = pki.builder.crl(issuer, entries, number=numbers[issuer.common_name], **options)
        return crl_store.ingest(data, source="tests", issuer=issuer.certificate, max_bytes=10**8)

    return publish


@pytest.fixture
def crls(publish_crl: Callable[..., Any], pki: TestPki) -> None:
    """Fresh, empty CRLs of every test AC in the store (revocation is checked, and fails closed)."""
    for authority in (pki.root, pki.level1, pki.oab, pki.final):
        publish_crl(authority)


class FileServer:
    """A tiny HTTP server on loopback standing in for an AC's CRL repository (or an OCSP responder)."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.hits: list[str] = []
        self.responder: Callable[[bytes], bytes] | None = None
        files, hits, server_self = self.files, self.hits, self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                hits.append(self.path)
                body = files.get(self.path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def do_POST(self) -> None:  # noqa: N802
                hits.append(self.path)
                request = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                body = server_self.responder(request) if server_self.responder else b""
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    @staticmethod
    def down_url(path: str) -> str:
        """An address where nothing listens (connection refused at once)."""
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        return f"http://127.0.0.1:{port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def file_server() -> Any:
    server = FileServer()
    yield server
    server.close()


@pytest.fixture
def entity_factory(db: None) -> Callable[..., PartnerEntity]:
    counter = iter(range(1, 10_000))

    def make(**fields: Any) -> PartnerEntity:
        n = next(counter)
        defaults: dict[str, Any] = dict(
            code=f"ENT-{n}", name=f"Entidade {n}", kind=EntityKind.OAB, uf="SP", status=EntityStatus.ACTIVE
        )
        return PartnerEntity.objects.create(**{**defaults, **fields})

    return make


@pytest.fixture
def member_factory(entity_factory: Callable[..., PartnerEntity]) -> Callable[..., Member]:
    def make(
        cpf: str = LAWYER.cpf,
        *,
        name: str = "Maria da Silva",
        entity: PartnerEntity | None = None,
        oab: str | None = None,
        active: bool = True,
        membership_active: bool = True,
    ) -> Member:
        member = Member.objects.create(cpf=cpf, name=name, active=active)
        Membership.objects.create(member=member, entity=entity or entity_factory(), active=membership_active)
        if oab:
            OabRegistration.objects.create(member=member, number=oab[:-2], uf=oab[-2:])
        return member

    return make


@pytest.fixture
def proxy_client(certauth_settings: Any, crls: None) -> Client:
    """A test client that looks like nginx: the proxy secret on every request."""
    return Client(HTTP_X_PROXY_SECRET=PROXY_SECRET, HTTP_HOST="localhost")


@pytest.fixture
def login_with(proxy_client: Client, pki: TestPki) -> Callable[..., Any]:
    """``login_with(spec_or_issued)`` → the response of the certificate login endpoint."""

    def login(what: Any, issuer: Any = None, **extra: Any) -> Any:
        issued = pki.issue(what, issuer) if isinstance(what, PersonSpec) else what
        return proxy_client.get(
            "/entrar/certificado/", HTTP_X_SSL_CLIENT_CERT=escaped(issued.certificate), secure=True, **extra
        )

    return login


@pytest.fixture
def password_member(entity_factory: Callable[..., PartnerEntity], member_factory: Callable[..., Member]) -> Any:
    """``password_member(cpf=LAWYER.cpf, *, entity=None, active=True, **entity_fields)``: a member (of ``entity``, or
    of a new entity with ``entity_fields``) whose login account has the usable password ``MEMBER_PASSWORD``."""

    def make(
        cpf: str = LAWYER.cpf, *, entity: PartnerEntity | None = None, active: bool = True, **fields: Any
    ) -> Member:
        member = member_factory(cpf, entity=entity or entity_factory(**fields), active=active)
        member.user = User.objects.create_user(username=cpf, password=MEMBER_PASSWORD)
        member.save()
        return member

    return make


@pytest.fixture
def staff_factory(db: None) -> Callable[..., User]:
    """INSS staff accounts (with the CPF their certificate carries) in the given groups."""

    def make(cpf: str = STAFF.cpf, *, groups: tuple[str, ...] = (), superuser: bool = False) -> User:
        user = User.objects.create_user(
            username=f"servidor-{cpf}", cpf=cpf, is_staff=True, is_superuser=superuser, first_name="Servidor"
        )
        for name in groups:
            user.groups.add(Group.objects.get(name=name))
        return user

    return make


@pytest.fixture
def staff_login(certauth_settings: Any, crls: None, pki: TestPki) -> Callable[[User], Client]:
    """``staff_login(user)`` → a client whose session came from that staff member's own A3 certificate."""

    def login(user: User) -> Client:
        client = Client(HTTP_X_PROXY_SECRET=PROXY_SECRET, HTTP_HOST="localhost")
        certificate = pki.issue(PersonSpec(user.get_full_name().upper() or "SERVIDOR", str(user.cpf)), pki.final)
        response = client.get(
            "/entrar/certificado/",
            {"next": "/admin/"},
            HTTP_X_SSL_CLIENT_CERT=escaped(certificate.certificate),
            secure=True,
        )
        assert response.status_code == 302, response.get("X-Error-Code")
        return client

    return login


# ---------------------------------------------------------------------------------------------- the demo (make run)


@pytest.fixture(scope="module")
def demo_pki(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The demo's PKI (what ``make run`` builds), for localhost, built once a module."""
    from certauth.demo import build_demo_pki

    return build_demo_pki(
        tmp_path_factory.mktemp("demo"),
        now=dt.datetime.now(dt.UTC),
        hostnames=("localhost",),
        crl_base_urls=("http://localhost:8480/lcr",),
    )


@pytest.fixture
def loaded_demo(demo_pki: Any, settings: Any, db: None) -> Any:
    """The demo's data loaded (twice: ``load_demo`` must change nothing the second time) and its CRLs imported; the
    portal trusts the demo PKI and its proxy secret is the tests'."""
    from django.core.management import call_command

    settings.CERTAUTH_TRUST_ROOTS = [str(demo_pki.root)]
    settings.CERTAUTH_INTERMEDIATES = [str(demo_pki.intermediates)]
    settings.CERTAUTH_PROXY_SECRET = PROXY_SECRET
    call_command("load_demo")
    call_command("load_demo")
    call_command("crl", "import", *sorted(demo_pki.crl_dir.glob("*.crl")))
    return demo_pki


@pytest.fixture
def demo_login(loaded_demo: Any) -> Callable[[str], Client]:
    """``demo_login(slug)`` → a client whose session came from that demo certificate, through the proxy."""
    from certauth.icp.trust import load_pem_files

    def login(slug: str) -> Client:
        leaf = load_pem_files([Path(loaded_demo.user_dir(slug)) / "certificado.pem"])[0]
        client = Client(HTTP_X_PROXY_SECRET=PROXY_SECRET, HTTP_HOST="localhost")
        response = client.get("/entrar/certificado/", HTTP_X_SSL_CLIENT_CERT=escaped(leaf), secure=True)
        assert response.status_code == 302, response.get("X-Error-Code")
        return client

    return login


# ---------------------------------------------------------------------------------------------- clients of one person


def valid_cpf(n: int) -> str:
    """The CPF whose first nine digits are ``n`` (zero-padded), with its two check digits."""
    digits = [int(c) for c in f"{n:09d}"]
    for _ in range(2):
        total = sum(d * w for d, w in zip(digits, range(len(digits) + 1, 1, -1), strict=True))
        digits.append(total * 10 % 11 % 10)
    return "".join(map(str, digits))


@pytest.fixture
def certificate_client(certauth_settings: Any, crls: None, pki: TestPki) -> Callable[[PersonSpec], Client]:
    """``certificate_client(spec)`` → a client whose session came from that person's A3 certificate (through the
    proxy; the OAB AC issues a lawyer's, the final AC anyone else's)."""

    def login(spec: PersonSpec) -> Client:
        client = Client(HTTP_X_PROXY_SECRET=PROXY_SECRET, HTTP_HOST="localhost")
        issuer = pki.oab if spec.oab else pki.final
        certificate = pki.issue(spec, issuer)
        response = client.get(
            "/entrar/certificado/", HTTP_X_SSL_CLIENT_CERT=escaped(certificate.certificate), secure=True
        )
        assert response.status_code == 302, response.get("X-Error-Code")
        return client

    return login


@pytest.fixture
def password_client(certauth_settings: Any) -> Callable[[Member], Client]:
    """``password_client(member)`` → a client logged in with CPF + ``MEMBER_PASSWORD``. The member's entities move to
    RS ("a definir" in Anexo I: the password still opens a session; the tests' entities elsewhere may be past their
    cutover)."""

    def login(member: Member) -> Client:
        user = member.user or User.objects.create_user(username=member.cpf)
        user.set_password(MEMBER_PASSWORD)
        user.save()
        if member.user_id != user.pk:
            member.user = user
            member.save()
        member.entities.update(uf="RS")
        client = Client(HTTP_HOST="localhost")
        response = client.post("/entrar/senha/", {"cpf": member.cpf, "password": MEMBER_PASSWORD}, secure=True)
        assert response.status_code == 302, response.get("X-Error-Code")
        return client

    return login
