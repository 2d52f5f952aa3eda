"""The demo (``make run``): the OAB-SP lawyer's certificate opens her section's member list; the demo's other lawyer
is no manager."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from certauth.demo import DemoPki, build_demo_pki
from certauth.icp.trust import load_pem_files
from managers.models import EntityManager
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
def test_the_demo_lawyer_manages_her_section(demo_pki, settings):
    settings.CERTAUTH_TRUST_ROOTS = [str(demo_pki.root)]
    settings.CERTAUTH_INTERMEDIATES = [str(demo_pki.intermediates)]
    settings.CERTAUTH_PROXY_SECRET = PROXY_SECRET
    call_command("load_demo")
    call_command("load_demo")  # idempotent
    call_command("crl", "import", *sorted(demo_pki.crl_dir.glob("*.crl")))
    assert sorted(EntityManager.objects.values_list("entity__code", flat=True)) == ["MUN-MANAUS", "OAB-SP"]
    lawyer = _login(demo_pki, "advogada-oab-sp")
    assert "Gerenciar membros da entidade" in lawyer.get("/painel/", secure=True).content.decode()
    assert lawyer.get("/gestao/", secure=True)["Location"] == "/gestao/OAB-SP/"
    assert lawyer.get("/gestao/OAB-SP/", secure=True).status_code == 200
    other = _login(demo_pki, "advogado-perfil-novo")
    assert "Gerenciar membros da entidade" not in other.get("/painel/", secure=True).content.decode()
