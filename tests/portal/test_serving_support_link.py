"""nginx's own error pages link the support channel of the settings: ``render`` writes ``PORTAL_SUPPORT_URL`` into
the configuration (checked: nothing nginx would read), and every page in ``nginx/errors/`` echoes it (SSI)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from portal.serving.config import site_from_settings
from portal.serving.nginx import TEMPLATE_DIR, NginxSite, render

SECRET = "s3cret-for-tests-0123456789abcdef"
SSI_LINK = (
    'Abra um chamado no <!--# if expr="$portal_support_url" --><a href="<!--# echo var="portal_support_url" -->">'
    "canal de atendimento do INSS às entidades parceiras</a><!--# else -->canal de atendimento do INSS às entidades "
    "parceiras<!--# endif -->."
)


@pytest.fixture
def site(pki, tmp_path: Path, pki_files) -> NginxSite:
    roots, _ = pki_files
    server = pki.builder.server(pki.root, ("localhost",), ips=("127.0.0.1",))
    (tmp_path / "server.pem").write_bytes(server.certificate_pem())
    (tmp_path / "server.key").write_bytes(server.key_pem())
    return NginxSite(
        prefix=tmp_path / "nginx",
        upstream="127.0.0.1:18001",
        proxy_secret=SECRET,
        server_certificate=tmp_path / "server.pem",
        server_key=tmp_path / "server.key",
        trust_roots=[roots],
        portal_base_url="https://localhost:8443",
        login_base_url="https://localhost:8444",
    )


def test_the_site_of_the_settings_carries_the_support_address(settings):
    assert site_from_settings(proxy_secret=SECRET).support_url == "https://suporte.inss.gov.br/act"
    settings.PORTAL_SUPPORT_URL = "https://suporte.exemplo.gov.br/act"
    assert site_from_settings(proxy_secret=SECRET).support_url == "https://suporte.exemplo.gov.br/act"


def test_the_configuration_gives_the_error_pages_the_support_address_as_is(site):
    url = "https://suporte.exemplo.gov.br/act?canal=ACT&origem=nginx"
    config = render(dataclasses.replace(site, support_url=url)).read_text()
    assert f'map $host $portal_support_url {{\n        default "{url}";\n    }}' in config


def test_without_a_support_address_the_variable_is_empty(site):
    assert 'map $host $portal_support_url {\n        default "";\n    }' in render(site).read_text()


@pytest.mark.parametrize(
    "url",
    [
        'https://x.gov.br/"; return 200 "owned',
        "https://x.gov.br/$host",
        "https://x.gov.br/a;b",
        "https://x.gov.br/{a}",
        "https://x.gov.br/a b",
        "https://x.gov.br/a\nb",
        "http://suporte.inss.gov.br/act",
        "javascript:alert(1)",
    ],
)
def test_an_address_nginx_would_read_or_a_browser_would_run_is_refused(site, url):
    with pytest.raises(ValueError, match="unsafe support address"):
        render(dataclasses.replace(site, support_url=url))


@pytest.mark.parametrize("page", sorted(p.name for p in (TEMPLATE_DIR / "errors").glob("*.html")))
def test_every_nginx_error_page_links_the_support_channel(page):
    text = (TEMPLATE_DIR / "errors" / page).read_text()
    assert SSI_LINK in text
    assert "Abra um chamado no canal de atendimento do INSS às entidades parceiras.</li>" not in text
