"""The demo (``make run``): the AAM coordinator's certificate opens the association's page, with its two
municipalities; the municipal operator (a member of AAM, no coordinator) is refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from associations.models import Association
from certauth.demo import DemoPki, build_demo_pki
from certauth.icp.trust import load_pem_files
from tests.conftest import PROXY_SECRET
from tests.pki import escaped


@pytest.fixture(scope="module")
def demo_pki(tmp_path_factory) -> DemoPki:
    return build_demo_pki(
        tmp_path_factory.mktemp("demo"),
        now=dt.datetime.now(dt.UTC),
        hostnames=("localhost",),
        crl_base_urls=("http://localhost:8480/lcr",),
    )


def _login(demo_pki: DemoPki, slug: str) -> Client:
    leaf = load_pem_files([Path(demo_pki.user_dir(slug)) / "certificado.pem"])[0]
    client = Client(HTTP_X_PROXY_SECRET=PROXY_SECRET, HTTP_HOST="localhost")
    assert client.get("/entrar/certificado/", HTTP_X_SSL_CLIENT_CERT=escaped(leaf), secure=True).status_code == 302
    return client


@pytest.mark.django_db
def test_the_demo_coordinator_follows_the_aam_municipalities(demo_pki, settings):
    settings.CERTAUTH_TRUST_ROOTS = [str(demo_pki.root)]
    settings.CERTAUTH_INTERMEDIATES = [str(demo_pki.intermediates)]
    settings.CERTAUTH_PROXY_SECRET = PROXY_SECRET
    call_command("load_demo")
    call_command("load_demo")  # idempotent
    call_command("crl", "import", *sorted(demo_pki.crl_dir.glob("*.crl")))
    aam = Association.objects.get(code="AAM")
    assert aam.entity is not None and aam.entity.code == "AAM"
    assert sorted(aam.links.values_list("entity__code", flat=True)) == ["MUN-MANAUS", "MUN-PARINTINS"]
    coordinator = _login(demo_pki, "coordenador-aam")
    assert "Acompanhar as entidades da associação" in coordinator.get("/painel/", secure=True).content.decode()
    assert coordinator.get("/associacao/", secure=True)["Location"] == "/associacao/AAM/"
    page = coordinator.get("/associacao/AAM/", secure=True).content.decode()
    assert "Prefeitura Municipal de Manaus" in page and "Prefeitura Municipal de Parintins" in page
    operator = _login(demo_pki, "operadora-municipal")
    assert operator.get("/associacao/AAM/", secure=True)["X-Error-Code"] == "COORDINATOR_NOT_APPOINTED"
