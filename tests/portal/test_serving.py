"""The nginx configuration rendered from the settings (the real nginx checks it with ``nginx -t``)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from cryptography import x509

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
    )


def server_block(config: str, port: int) -> str:
    start = config.index(f":{port} ssl")
    end = config.find("\n    server {", start)
    return config[start : end if end != -1 else len(config)]


def test_rendered_configuration_is_accepted_by_nginx(site):
    if nginx_binary() is None:
        unavailable("nginx is not installed (make test installs it)")
    render(site)
    check_config(site)


def test_login_host_names_only_the_trusted_roots_as_ca(site, pki):
    render(site)
    names = [c.subject for c in x509.load_pem_x509_certificates(site.client_ca_names.read_bytes())]
    assert names == [pki.root.certificate.subject]


def test_only_the_login_host_asks_for_a_certificate(site):
    config = render(site).read_text()
    portal, login = server_block(config, 8443), server_block(config, 8444)
    assert "ssl_verify_client" not in portal
    assert "ssl_verify_client optional_no_ca;" in login
    assert "error_page 495 496 = @certificate_refused_by_nginx;" in login
    assert "TLSv1.2 TLSv1.3" in config


def test_every_proxied_location_overwrites_the_trusted_headers(site):
    config = render(site).read_text()
    proxied = [segment.split("}", 1)[0] for segment in config.split("proxy_pass http://django;")[1:]]
    # portal /, portal password login, portal cloud login, login URL, login URL after nginx's own 495, login /static/
    assert len(proxied) == 6
    for block in proxied:
        assert f'proxy_set_header X-Proxy-Secret "{SECRET}";' in block
        assert "proxy_set_header X-SSL-Client-Cert " in block
        assert "proxy_set_header X-Real-IP $remote_addr;" in block
    assert config.count("X-SSL-Client-Cert $ssl_client_escaped_cert;") == 2
    assert "underscores_in_headers off;" in config


def location_block(server: str, location: str) -> str:
    return server[server.index(f"location {location} {{") :].split("}", 1)[0]


def test_password_login_is_rate_limited_per_address_on_the_portal_host_only(site):
    config = render(site).read_text()
    portal, login = server_block(config, 8443), server_block(config, 8444)
    assert "limit_req_zone $binary_remote_addr zone=password_login:10m rate=30r/m;" in config
    block = location_block(portal, "= /entrar/senha/")
    assert "limit_req zone=password_login burst=60 nodelay;" in block
    assert "error_page 429 /_erro/muitas-tentativas.html;" in block
    assert "error_page 502 503 504 /_erro/indisponivel.html;" in block, "a location's error_page hides the server's"
    cloud = location_block(portal, "/entrar/nuvem/")
    assert "limit_req " not in portal.replace(block, "").replace(cloud, "")
    assert "zone=password_login" not in login


def test_cloud_login_posts_are_rate_limited_per_address_on_the_portal_host_only(site):
    config = render(site).read_text()
    portal, login = server_block(config, 8443), server_block(config, 8444)
    # Keyed on the address for POSTs only (start, choice of PSC); an empty key is not counted (GETs: the waiting
    # page's refreshes, the PSC's return).
    assert 'map $request_method $cloud_login_post {\n        POST $binary_remote_addr;\n        default "";' in config
    assert "limit_req_zone $cloud_login_post zone=cloud_login:10m rate=30r/m;" in config
    block = location_block(portal, "/entrar/nuvem/")
    assert "limit_req zone=cloud_login burst=60 nodelay;" in block
    assert "error_page 429 /_erro/muitas-tentativas-nuvem.html;" in block
    assert "error_page 502 503 504 /_erro/indisponivel.html;" in block
    assert "zone=cloud_login" not in login
    page = (Path(__file__).resolve().parents[2] / "nginx" / "errors" / "muitas-tentativas-nuvem.html").read_text()
    assert "<code>CLOUD_RATE_LIMITED</code>" in page and '<!--# echo var="request_id" -->' in page


def test_cloud_logins_return_is_logged_without_its_query_string(site):
    config = render(site).read_text()
    assert (
        '"~^(?<path_without_query>/entrar/nuvem/retorno/[^?]*)" "$request_method $path_without_query $server_protocol";'
        in config
    )
    assert "default $request;" in config
    assert '"$request_line_for_log"' in config and '"$request"' not in config


def test_nginx_refusals_reach_django_only_at_the_login_url(site):
    login = server_block(render(site).read_text(), 8444)
    named = login[login.index("location @certificate_refused_by_nginx") :]
    assert (
        "if ($uri != /entrar/certificado/) {\n                return 302 https://localhost:8443$request_uri;" in named
    )


def test_configuration_holding_the_secret_is_private(site):
    assert render(site).stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    "change",
    [
        {"proxy_secret": 'abc"; return 200 "pwned'},
        {"proxy_secret": "short"},
        {"upstream": "127.0.0.1:1; include /etc/passwd"},
        {"portal_base_url": "https://x$request_uri"},
    ],
)
def test_unsafe_values_are_refused(site, change):
    with pytest.raises(ValueError):
        render(dataclasses.replace(site, **change))


def _server_certificate_with_ocsp(tmp_path: Path) -> tuple[Path, Path]:
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier("http://ocsp.example/")
                    )
                ]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    pem, key_file = tmp_path / "ocsp-server.pem", tmp_path / "ocsp-server.key"
    pem.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return pem, key_file


def test_ocsp_stapling_only_when_the_server_certificate_names_a_responder_and_a_resolver_is_set(site, tmp_path):
    import dataclasses

    assert "ssl_stapling" not in render(site).read_text()  # the test server certificate names no responder
    pem, key = _server_certificate_with_ocsp(tmp_path)
    with_ocsp = dataclasses.replace(site, server_certificate=pem, server_key=key)
    assert "ssl_stapling" not in render(with_ocsp).read_text()  # no resolver: nginx could not reach it
    stapling = dataclasses.replace(with_ocsp, resolver="127.0.0.1")
    config = render(stapling).read_text()
    assert "ssl_stapling on;" in config and "ssl_stapling_verify on;" in config
    assert "resolver 127.0.0.1 valid=300s ipv6=off;" in config
    check_config(stapling)  # nginx accepts it


def test_tls12_login_port_repeats_the_login_host_with_tls_1_2_only(site):
    import dataclasses

    config = render(dataclasses.replace(site, login_tls12_port=8445)).read_text()
    main, twin = server_block(config, 8444), server_block(config, 8445)
    assert "ssl_protocols" not in main  # the http-level TLSv1.2 TLSv1.3
    assert "ssl_protocols TLSv1.2;" in twin
    for block in (main, twin):
        assert "ssl_verify_client optional_no_ca;" in block
        assert "location = /entrar/certificado/" in block
        assert "X-SSL-Client-Cert $ssl_client_escaped_cert;" in block
    check_config(dataclasses.replace(site, login_tls12_port=8445))
