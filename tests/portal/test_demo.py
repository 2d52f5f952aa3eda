"""The demo of ``make run``: every demo certificate gives the outcome the banner promises."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12
from django.core.management import call_command
from django.test import Client

from certauth.demo import DEMO_CERTIFICATES, P12_PASSWORD, DemoPki, build_demo_pki
from certauth.icp.trust import load_pem_files
from portal.demo import ENTITIES, STAFF
from portal.models import Member, PartnerEntity
from tests.conftest import PROXY_SECRET
from tests.pki import escaped


@pytest.fixture(scope="module")
def demo_pki(tmp_path_factory) -> DemoPki:
    return build_demo_pki(
        tmp_path_factory.mktemp("demo"),
        now=dt.datetime.now(dt.UTC),
        hostnames=("localhost",),
        crl_base_urls=("http://localhost:8480/lcr", "http://127.0.0.1:8480/lcr"),
    )


def test_every_demo_certificate_has_pem_key_and_pkcs12(demo_pki):
    for demo in DEMO_CERTIFICATES:
        directory = demo_pki.user_dir(demo.slug)
        key, certificate, chain = pkcs12.load_key_and_certificates(
            (directory / "certificado-demo.p12").read_bytes(), P12_PASSWORD.encode()
        )
        assert certificate == load_pem_files([directory / "certificado.pem"])[0]
        assert key is not None and chain
        assert (directory / "chave-demo.pem").stat().st_mode & 0o077 == 0


def test_demo_pki_is_kept_while_current(demo_pki):
    now = dt.datetime.now(dt.UTC)
    urls = ("http://localhost:8480/lcr", "http://127.0.0.1:8480/lcr")
    assert demo_pki.is_current(now=now, hostnames=("localhost",), crl_base_urls=urls)
    assert not demo_pki.is_current(now=now, hostnames=("portal.example",), crl_base_urls=urls)
    assert not demo_pki.is_current(now=now, hostnames=("localhost",), crl_base_urls=("http://x:1/lcr",))
    assert not demo_pki.is_current(now=now + dt.timedelta(days=400), hostnames=("localhost",), crl_base_urls=urls)


def test_every_demo_ca_publishes_a_crl_listing_the_revoked_demo_certificate(demo_pki):
    from cryptography import x509

    crls = {path.stem: x509.load_der_x509_crl(path.read_bytes()) for path in demo_pki.crl_dir.glob("*.crl")}
    assert set(crls) == {"ac-raiz-demo", "ac-demo-nivel-1", "ac-demo-oab", "ac-demo-final"}
    revoked = load_pem_files([demo_pki.user_dir("certificado-revogado") / "certificado.pem"])[0]
    assert crls["ac-demo-oab"].get_revoked_certificate_by_serial_number(revoked.serial_number) is not None
    leaf = load_pem_files([demo_pki.user_dir("advogada-oab-sp") / "certificado.pem"])[0]
    points = leaf.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert [p.full_name[0].value for p in points] == [
        "http://localhost:8480/lcr/ac-demo-oab.crl",
        "http://127.0.0.1:8480/lcr/ac-demo-oab.crl",
    ]


@pytest.mark.django_db
def test_each_demo_certificate_logs_in_or_is_refused_as_announced(demo_pki, settings):
    settings.CERTAUTH_TRUST_ROOTS = [str(demo_pki.root)]
    settings.CERTAUTH_INTERMEDIATES = [str(demo_pki.intermediates)]
    settings.CERTAUTH_PROXY_SECRET = PROXY_SECRET
    call_command("load_demo")
    call_command("load_demo")  # idempotent
    call_command("crl", "import", *sorted(demo_pki.crl_dir.glob("*.crl")))
    assert PartnerEntity.objects.count() == len(ENTITIES)
    outcomes = {}
    for demo in DEMO_CERTIFICATES:
        leaf = load_pem_files([Path(demo_pki.user_dir(demo.slug)) / "certificado.pem"])[0]
        response = Client(HTTP_X_PROXY_SECRET=PROXY_SECRET, HTTP_HOST="localhost").get(
            "/entrar/certificado/", HTTP_X_SSL_CLIENT_CERT=escaped(leaf), secure=True
        )
        outcomes[demo.slug] = response.get("X-Error-Code") or ("LOGIN" if response.status_code == 302 else "?")
    expected = {d.slug: d.expected.value if d.expected else "LOGIN" for d in DEMO_CERTIFICATES}
    assert outcomes == expected
    assert Member.objects.filter(first_a3_login_at__isnull=False).count() == 4  # the members among those logging in


def test_demo_staff_enter_the_admin_with_their_certificates_each_with_their_scope(demo_login):
    seen = {}
    for slug in STAFF:
        page = demo_login(slug).get("/admin/portal/partnerentity/", secure=True).content.decode()
        seen[slug] = {code for code in ("OAB-SP", "OAB-RJ", "MUN-MANAUS") if code in page}
    assert seen == {"servidor-inss": {"OAB-SP", "OAB-RJ", "MUN-MANAUS"}, "servidora-sudeste-1": {"OAB-SP"}}


def test_demo_gex_staff_follow_their_gex_only_on_the_status_pages_and_in_the_admin(demo_login):
    client = demo_login("servidor-gex-manaus")

    overview = client.get("/acompanhamento/", secure=True).content.decode()
    assert 'id="gex-gex-manaus"' in overview and "gex-sao-paulo-centro" not in overview
    gex_page = client.get("/acompanhamento/gex/gex-manaus/", secure=True).content.decode()
    assert "MUN-MANAUS" in gex_page and "OAB-SP" not in gex_page
    assert client.get("/acompanhamento/gex/gex-sao-paulo-centro/", secure=True).status_code == 404
    assert client.get("/acompanhamento/norte-centro-oeste/", secure=True).status_code == 404
    admin = client.get("/admin/portal/partnerentity/", secure=True).content.decode()
    assert "MUN-MANAUS" in admin and "OAB-SP" not in admin


@pytest.mark.django_db
def test_demo_password_members_show_each_phase_of_the_schedule(settings):
    from portal.demo import DEMO_PASSWORD, EXTENSION_DAYS, PASSWORD_MEMBERS

    call_command("load_demo")
    call_command("load_demo")  # idempotent: the extension is set again, not duplicated
    outcomes = {}
    for demo in PASSWORD_MEMBERS:
        client = Client(HTTP_HOST="localhost")
        response = client.post("/entrar/senha/", {"cpf": demo.cpf, "password": DEMO_PASSWORD}, secure=True)
        if response.status_code == 302:
            banner = client.get("/painel/", secure=True).content.decode()
            outcomes[demo.entity] = (
                f"faltam {EXTENSION_DAYS} dias" if f"faltam {EXTENSION_DAYS} dias" in banner else "LOGIN"
            )
        else:
            outcomes[demo.entity] = response.get("X-Error-Code")
    assert outcomes == {"OAB-SP": "PASSWORD_RETIRED", "OAB-RS": "LOGIN", "OAB-SC": f"faltam {EXTENSION_DAYS} dias"}


@pytest.mark.django_db
def test_demo_cloud_holders_log_in_through_the_demo_psc(demo_pki, settings):
    """``make run``'s PSC simulator holds the announced holders' demo keys and load_demo registers it."""
    from cloudauth import demo as cloud_demo
    from cloudauth.models import Provider
    from tests.cloudauth.conftest import CloudDriver

    settings.DEMO_PKI_DIR = str(demo_pki.directory)  # the PSC is offered where this demo root is trusted
    settings.CERTAUTH_TRUST_ROOTS = [str(demo_pki.root)]
    settings.CERTAUTH_INTERMEDIATES = [str(demo_pki.intermediates)]
    settings.CERTAUTH_PROXY_SECRET = PROXY_SECRET
    settings.CLOUDAUTH_ALLOW_HTTP = True
    settings.CLOUDAUTH_REDIRECT_URI = "https://localhost/entrar/nuvem/retorno/"
    call_command("load_demo")
    call_command("crl", "import", *sorted(demo_pki.crl_dir.glob("*.crl")))
    psc = cloud_demo.start(Path(demo_pki.directory), port=0)
    try:
        psc.behaviour.approval = "auto"  # the page a person clicks in the demo; here the redirect comes at once
        Provider.objects.filter(slug=cloud_demo.SLUG).update(base_url=psc.base_url)
        by_slug = {c.slug: c for c in DEMO_CERTIFICATES}
        for holder in cloud_demo.HOLDERS:
            driver = CloudDriver(Client(HTTP_X_PROXY_SECRET=PROXY_SECRET, HTTP_HOST="localhost"))
            response = driver.login(by_slug[holder].spec.cpf, slug=cloud_demo.SLUG)
            assert response.status_code == 302, (holder, response.get("X-Error-Code"))
            assert response["Location"].endswith("/painel/"), holder
    finally:
        psc.stop()
