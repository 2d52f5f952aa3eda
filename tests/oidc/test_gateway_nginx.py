"""The gateway's nginx server, rendered from the settings: only when both its port and its upstream are named, and
accepted by the real nginx (``nginx -t``)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from portal.serving.nginx import NginxSite, check_config, nginx_binary, render
from tests.pki import TestPki
from tests.required import unavailable

SECRET = "s3cret-for-tests-0123456789abcdef"


@pytest.fixture
def site(pki: TestPki, tmp_path: Path, pki_files) -> NginxSite:
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
        gateway_port=8446,
        gateway_upstream="http://127.0.0.1:8450/legado/",
    )


def gateway_block(config: str) -> str:
    start = config.index(":8446 ssl")
    return config[start : config.find("\n    server {", start) % (len(config) + 1)]


@pytest.mark.parametrize("missing", [{"gateway_port": 0}, {"gateway_upstream": ""}])
def test_no_gateway_unless_both_its_port_and_upstream_are_set(site, missing):
    config = render(dataclasses.replace(site, **missing)).read_text()
    assert "auth_request" not in config and ":8446" not in config


def test_the_gateway_checks_every_request_and_passes_only_named_headers(site):
    block = gateway_block(render(site).read_text())
    assert "ssl_verify_client" not in block, "no client certificate at the gateway"
    assert "auth_request /_a3/check;" in block
    assert block.count("proxy_pass_request_headers off;") == 2, "browser headers reach neither the check nor upstream"
    assert "proxy_pass http://a3_gateway_upstream;" in block, "the URI goes on unchanged (it is signed)"
    assert "proxy_set_header Host 127.0.0.1:8450;" in block
    assert "location = / {\n            return 302 /legado/;" in block
    assert f'proxy_set_header X-Proxy-Secret "{SECRET}";' in block
    for header in ("CPF", "Name", "Entity", "Entities", "Method", "Assurance", "Auth-Time", "Session", "Signature"):
        assert f"proxy_set_header X-A3-{header} $a3_" in block


def test_the_portal_host_never_answers_the_check_to_a_browser(site):
    config = render(site).read_text()
    portal = config[config.index(":8443 ssl") : config.index(":8446 ssl")]
    assert "location = /_a3/check {\n            return 404;" in portal


@pytest.mark.parametrize("upstream", ["ftp://127.0.0.1/", "http://127.0.0.1/a?b=1", "http://u:p@127.0.0.1/", "x"])
def test_an_upstream_that_is_not_a_plain_http_url_is_refused(site, upstream):
    with pytest.raises(ValueError, match="upstream"):
        render(dataclasses.replace(site, gateway_upstream=upstream))


def test_an_unsafe_upstream_path_is_refused(site):
    with pytest.raises(ValueError, match="unsafe"):
        render(dataclasses.replace(site, gateway_upstream="http://127.0.0.1/a;b/"))


def test_the_rendered_gateway_is_accepted_by_nginx(site):
    if nginx_binary() is None:
        unavailable("nginx is not installed (make test installs it)")
    render(site)
    check_config(site)
