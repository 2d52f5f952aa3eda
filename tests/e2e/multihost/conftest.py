"""Two portal hosts on one PostgreSQL: each a complete stack (nginx + gunicorn) like ``e2e_stack`` — same
``SECRET_KEY``, proxy secret, OIDC signing key file, TLS, trust and static files — on ports of its own, both
reading and writing one fresh PostgreSQL database made for the run (``scripts/postgres.sh``), dropped at the end.

Both hosts are configured with host A's addresses as the public ones (``PORTAL_BASE_URL``, ``CERT_LOGIN_BASE_URL``):
in production they sit behind one name, and the OpenID issuer is that name. Tests still address each host by its
own port (``two_hosts.a.portal``, ``two_hosts.b.portal``); the session cookie is host-only on ``localhost``, so
the browser sends it to both, as in the demo.

The test process's own database (pytest-django's sqlite file) is not the hosts': data goes into PostgreSQL through
``manage.py`` run with a host's environment (:meth:`TwoHosts.orm`), i.e. through the real models and receivers.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from certauth.icp.builder import Issued, PersonSpec
from portal.serving.processes import BASE_DIR
from tests.e2e.conftest import E2EStack, _unavailable, serving, sibling_stack
from tests.pki import TestPki

POSTGRES_URL = re.compile(r"postgres://([^:]+):([^@]+)@([^:/]+):(\d+)/(\w+)")
MANAGE_TIMEOUT = 180


_ORM_LOOP = """
import json, sys, traceback
import django
django.setup()
for line in sys.stdin:
    scope = {}
    try:
        exec(json.loads(line), scope)
        answer = {"result": scope.get("result")}
    except Exception:
        answer = {"error": traceback.format_exc()}
    sys.stdout.write("ORM " + json.dumps(answer, default=str) + "\\n")
    sys.stdout.flush()
"""


class OrmShell:
    """One long-lived Python process with Django set up in a host's environment (a ``manage.py shell`` that stays):
    each :meth:`run` executes code there, through the real models and receivers, in milliseconds instead of a new
    process's seconds."""

    def __init__(self, env: Mapping[str, str], log: Path) -> None:
        with log.open("ab") as errors:  # Django's console logging
            self.process = subprocess.Popen(
                [sys.executable, "-c", _ORM_LOOP],
                cwd=BASE_DIR,
                env=dict(env),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
            )

    def run(self, code: str) -> Any:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(code) + "\n")
        self.process.stdin.flush()
        while line := self.process.stdout.readline():
            if line.startswith("ORM "):
                answer = json.loads(line.removeprefix("ORM "))
                assert "error" not in answer, f"{code}\n{answer.get('error')}"
                return answer["result"]
        raise AssertionError(f"the ORM shell exited (status {self.process.wait()}; see its log) running:\n{code}")

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@dataclass(frozen=True)
class TwoHosts:
    a: E2EStack
    b: E2EStack
    database_url: str  #: the PostgreSQL database both hosts use
    pki: TestPki
    shell: OrmShell
    #: seconds the fixture took: "total" (PostgreSQL, new database, migrate, both stacks serving, CRLs loaded),
    #: "migrate" (overlapping the stacks' start)
    timings: dict[str, float]

    def hosts(self) -> tuple[E2EStack, E2EStack]:
        return self.a, self.b

    def orm(self, code: str) -> Any:
        """Run ``code`` with Django set up on the shared database; it may set ``result`` (JSON-able), returned."""
        return self.shell.run(code)

    def add_member(self, cpf: str, name: str, *, entity: str = "OAB-RS") -> Issued:
        """A member of ``entity`` (made if missing) on the shared database; returns their A3 certificate."""
        self.orm(
            "from portal.models import EntityKind, Member, Membership, PartnerEntity\n"
            f"entity, _ = PartnerEntity.objects.get_or_create(code={entity!r}, defaults=dict("
            "name='OAB Rio Grande do Sul', kind=EntityKind.OAB, uf='RS'))\n"
            f"Membership.objects.create(member=Member.objects.create(cpf={cpf!r}, name={name!r}), entity=entity)\n"
        )
        return self.pki.issue(PersonSpec(name.upper(), cpf), self.pki.final)

    def attempts(self, **filters: str) -> list[dict[str, Any]]:
        """The audit rows matching ``filters`` (both hosts write to the same table), oldest first."""
        return list(
            self.orm(
                "from certauth.models import LoginAttempt\n"
                f"result = list(LoginAttempt.objects.filter(**{filters!r}).order_by('pk').values("
                "'code', 'reference', 'outcome', 'detail', 'cpf', 'proxy_request_id'))\n"
            )
        )


def _postgres_admin_url() -> str:
    script = BASE_DIR / "scripts" / "postgres.sh"
    try:
        import psycopg  # noqa: F401

        return subprocess.run([str(script)], capture_output=True, text=True, timeout=120, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError, ImportError) as exc:
        _unavailable(f"PostgreSQL is not available for the two-hosts tests ({exc})")


@pytest.fixture(scope="session")
def two_hosts(e2e_stack: E2EStack, pki: TestPki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TwoHosts]:
    import psycopg

    started = time.monotonic()
    admin_url = _postgres_admin_url()
    match = POSTGRES_URL.fullmatch(admin_url)
    assert match, admin_url
    user, password, host, port, _ = match.groups()
    name = f"portal_multihost_{os.getpid()}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    database_url = f"postgres://{user}:{password}@{host}:{port}/{name}"
    base = tmp_path_factory.mktemp("multihost")
    try:
        a, b = (sibling_stack(e2e_stack, base / x, env={"DATABASE_URL": database_url}) for x in "ab")
        public = {
            "PORTAL_BASE_URL": a.portal,
            "CERT_LOGIN_BASE_URL": a.login,
            "CERT_LOGIN_TLS12_BASE_URL": f"https://localhost:{a.site.login_tls12_port}",
        }
        for stack in (a, b):
            stack.stack.env = {**stack.stack.env, **public}
        migrating = _start_manage(a.stack.env, base / "migrate.log", "migrate", "--noinput", "-v0")
        timings: dict[str, float] = {}

        def migrated() -> None:  # while both stacks start
            status = migrating.wait(timeout=MANAGE_TIMEOUT)
            timings["migrate"] = time.monotonic() - started
            assert status == 0, f"migrate failed ({status}): {(base / 'migrate.log').read_text()}"

        shell = OrmShell(a.stack.env, base / "orm-shell.log")  # sets Django up meanwhile too
        try:
            with serving(a, b, what="the two portal hosts", before_requests=migrated):
                _publish_empty_crls(shell, pki, base / "crls")
                timings["total"] = time.monotonic() - started
                yield TwoHosts(a, b, database_url, pki, shell, timings)
        finally:
            shell.close()
            if migrating.poll() is None:
                migrating.kill()
                migrating.wait()
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _start_manage(env: Mapping[str, str], log: Path, *args: str) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(
            [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=dict(env), stdout=output, stderr=output
        )


def _publish_empty_crls(shell: OrmShell, pki: TestPki, directory: Path) -> None:
    """Revocation is checked and fails closed: an empty CRL of every test AC, loaded as `manage.py crl import`."""
    directory.mkdir(parents=True, exist_ok=True)
    files = []
    for authority in (pki.root, pki.level1, pki.oab, pki.final):
        path = directory / f"{authority.common_name.replace(' ', '-')}.crl"
        path.write_bytes(pki.builder.crl(authority, number=1))
        files.append(str(path))
    reports = shell.run(
        "from pathlib import Path\nfrom certauth import crl_service\n"
        f"result = [(r.ok, r.message) for r in crl_service.import_files([Path(f) for f in {files!r}])]"
    )
    assert len(reports) == len(files) and all(ok for ok, _ in reports), reports


@pytest.fixture(autouse=True)
def _published_crls() -> None:
    """Overrides the e2e folder's (which loads CRLs into the test process's sqlite database, not the hosts'):
    the two hosts' CRLs are loaded into PostgreSQL once, by ``two_hosts``."""
