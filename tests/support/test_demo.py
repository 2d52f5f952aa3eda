"""The demo (``make run``): the support attendant's certificate opens the lookup, and each demo refusal is found
with its chain, its revocation today and its diagnosis; the attendant sees nothing in the admin."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from certauth.demo import DemoPki, build_demo_pki
from certauth.icp.trust import load_pem_files
from support.demo import REFUSALS
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


@pytest.mark.django_db
def test_the_demo_attendant_looks_up_each_demo_refusal(demo_pki, settings):
    settings.CERTAUTH_TRUST_ROOTS = [str(demo_pki.root)]
    settings.CERTAUTH_INTERMEDIATES = [str(demo_pki.intermediates)]
    settings.CERTAUTH_PROXY_SECRET = PROXY_SECRET
    settings.DEMO_PKI_DIR = demo_pki.directory  # the demo refusals read their certificates there
    call_command("load_demo")
    call_command("load_demo")  # idempotent
    call_command("crl", "import", *sorted(demo_pki.crl_dir.glob("*.crl")))
    leaf = load_pem_files([Path(demo_pki.user_dir("suporte-inss")) / "certificado.pem"])[0]
    client = Client(HTTP_X_PROXY_SECRET=PROXY_SECRET, HTTP_HOST="localhost")
    assert client.get("/entrar/certificado/", HTTP_X_SSL_CLIENT_CERT=escaped(leaf), secure=True).status_code == 302
    pages = {}
    for refusal in REFUSALS:
        response = client.get(f"/suporte/consulta/{refusal.reference}/", secure=True)
        assert response.status_code == 200, refusal.reference
        pages[refusal.code] = response.content.decode()
    assert "listaars.iti.gov.br" in pages["CERT_NOT_A3"] and "Tipo" in pages["CERT_NOT_A3"]
    assert "revogado" in pages["CERT_REVOKED"] and "consta da LCR vigente" in pages["CERT_REVOKED"]
    assert "AC Demo" in pages["CERT_EXPIRED"] or "Demo" in pages["CERT_EXPIRED"]
    assert "somente certificado A3" in pages["PASSWORD_RETIRED"]
    assert client.get("/admin/portal/partnerentity/", secure=True).status_code == 403
