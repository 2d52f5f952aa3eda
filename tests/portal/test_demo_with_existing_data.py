"""``make run`` on a database that already holds someone's partners, or with someone's own PKI: the demo loads what
does not collide, keeps what the database has, says so in one line, and never stops with a traceback."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from certauth.demo import DEMO_CERTIFICATES, build_demo_pki
from certauth.models import CrlIssuer
from cloudauth.models import Provider
from portal.demo import ENTITIES, MEMBERS, PASSWORD_MEMBERS
from portal.models import Member, OabRegistration, PartnerEntity
from tests.pki import TestPki

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo_pki(tmp_path_factory):
    return build_demo_pki(
        tmp_path_factory.mktemp("demo-pki"),
        now=dt.datetime.now(dt.UTC),
        crl_base_urls=("http://localhost:8480/lcr",),
    )


@pytest.fixture
def demo_settings(settings, demo_pki):
    settings.DEMO_PKI_DIR = str(demo_pki.directory)
    settings.CERTAUTH_TRUST_ROOTS = [str(demo_pki.root)]
    settings.CERTAUTH_INTERMEDIATES = [str(demo_pki.intermediates)]
    return settings


@pytest.fixture
def own_pki_settings(demo_settings, tmp_path):
    """CERTAUTH_TRUST_ROOTS naming the user's own PKI (a homologation one), not the demo's root."""
    roots, intermediates = TestPki(now=dt.datetime.now(dt.UTC).replace(microsecond=0)).write(tmp_path / "homologacao")
    demo_settings.CERTAUTH_TRUST_ROOTS = [str(roots)]
    demo_settings.CERTAUTH_INTERMEDIATES = [str(intermediates)]
    return demo_settings


def run(*command: str) -> str:
    out = StringIO()
    call_command(*command, stdout=out, stderr=out)
    return out.getvalue()


def lawyer_cpf() -> str:
    return next(c.spec.cpf for c in DEMO_CERTIFICATES if c.slug == "advogada-oab-sp")


def test_a_partner_holding_a_demo_oab_registration_is_kept_and_the_rest_of_the_demo_loads(
    demo_settings, member_factory, entity_factory
):
    """The demo lawyer's OAB 123456/SP already belongs to someone else: one line, theirs stays, the demo loads."""
    owner = member_factory("39053344705", name="Advogado Real", oab="123456SP")

    output = run("load_demo")

    assert [r.member_id for r in OabRegistration.objects.filter(number="123456", uf="SP")] == [owner.pk]
    assert "inscrição OAB 123456/SP" in output and len(partner_lines(output)) == 1, output
    assert PartnerEntity.objects.filter(code__in=[e.code for e in ENTITIES]).count() == len(ENTITIES)
    assert Member.objects.filter(email__endswith="@demo.invalid").count() == len(MEMBERS) + len(PASSWORD_MEMBERS)
    assert Member.objects.get(cpf=lawyer_cpf()).oab_registrations.count() == 0
    run("load_demo")  # and again: the same, no traceback
    assert OabRegistration.objects.get(number="123456", uf="SP").member_id == owner.pk


def test_an_entity_or_a_member_of_the_database_under_a_demo_key_is_kept_as_it_is(demo_settings, member_factory):
    """A partner entity coded OAB-SP and a member with a demo CPF that are not the demo's: neither is overwritten,
    nor gets demo members or a demo password."""
    own = PartnerEntity.objects.create(code="OAB-SP", name="Seccional de verdade", kind="oab", uf="SP")
    password_cpf = PASSWORD_MEMBERS[1].cpf
    member_factory(password_cpf, name="Pessoa de Verdade")

    output = run("load_demo")

    own.refresh_from_db()
    assert (own.name, own.contact_email, own.memberships.count()) == ("Seccional de verdade", "", 0)
    person = Member.objects.get(cpf=password_cpf)
    assert (person.name, person.user) == ("Pessoa de Verdade", None)
    assert "entidade OAB-SP" in output and "membro" in output and len(partner_lines(output)) == 1, output
    assert not Member.objects.filter(cpf=lawyer_cpf()).exists()  # her only entity is the database's OAB-SP
    assert PartnerEntity.objects.filter(code="OAB-RJ", contact_email__endswith=".demo.invalid").exists()


def partner_lines(output: str) -> list[str]:
    """What load_demo said of the partners (its other line registers the PAT stand-in's OpenID client)."""
    return [line for line in output.strip().splitlines() if not line.startswith("Cliente OpenID")]


def test_with_the_users_own_trust_roots_the_demo_crls_are_skipped_in_one_line(own_pki_settings):
    output = run("demo_crls")

    assert len(output.strip().splitlines()) == 1 and "ignoradas (4)" in output, output
    assert not CrlIssuer.objects.filter(crls__isnull=False).exists()


def test_with_the_demo_root_trusted_every_demo_crl_is_loaded(demo_settings):
    output = run("demo_crls")

    assert "carregadas: 4" in output and "ignoradas" not in output, output


def test_with_the_users_own_trust_roots_the_demo_psc_is_not_offered(own_pki_settings):
    Provider.objects.create(slug="psc-demo", name="PSC de demonstração (simulador)", base_url="http://127.0.0.1:1")

    run("load_demo")

    assert list(Provider.objects.filter(enabled=True).values_list("slug", flat=True)) == []


def test_with_the_demo_root_trusted_the_demo_psc_is_offered(demo_settings):
    run("load_demo")

    assert list(Provider.objects.filter(enabled=True).values_list("slug", flat=True)) == ["psc-demo"]


def test_make_run_prepares_the_demo_with_the_users_own_trust_roots(own_pki_settings, tmp_path):
    """The preparation steps of ``make run`` (Makefile ``demo``), with someone's own CERTAUTH_TRUST_ROOTS, succeed."""
    import subprocess
    import sys

    from portal.serving.processes import BASE_DIR

    var = tmp_path / "var"
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "PY": sys.executable,
        "PORTAL_VAR_DIR": str(var),
        "PORTAL_DEMO": "1",
        "CERTAUTH_TRUST_ROOTS": own_pki_settings.CERTAUTH_TRUST_ROOTS[0],
        "CERTAUTH_INTERMEDIATES": own_pki_settings.CERTAUTH_INTERMEDIATES[0],
    }
    result = subprocess.run(
        ["make", "--no-print-directory", "-s", "demo", f"PY={sys.executable}"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "LCRs de demonstração ignoradas (4)" in result.stdout, result.stdout
    assert Path(var / "portal.sqlite3").exists()
