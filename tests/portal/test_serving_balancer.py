"""nginx behind TCP load balancers speaking the PROXY protocol (``PORTAL_PROXY_PROTOCOL_FROM``), as rendered.

End to end (a PROXY-protocol sender, a stranger sending one itself): ``tests/e2e/test_load_balancer.py``.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from portal.serving.config import site_from_settings
from portal.serving.nginx import check_config, nginx_binary, proxy_protocol_networks, render
from tests.portal.test_serving import server_block, site  # noqa: F401 (the fixture)
from tests.required import unavailable

BALANCERS = ["10.0.0.5", "10.20.0.0/16", "2001:db8::/64"]
REFUSAL = "if ($not_from_balancer) {\n            return 444;\n        }"


@pytest.fixture
def balanced(site):  # noqa: F811 (the imported fixture)
    return dataclasses.replace(site, login_tls12_port=8445, crl_dir=site.prefix.parent, proxy_protocol_from=BALANCERS)


def test_without_balancers_nginx_believes_no_proxy_header(site):  # noqa: F811
    config = render(site).read_text()

    assert "proxy_protocol" not in config
    assert "real_ip" not in config
    assert "not_from_balancer" not in config


def test_balanced_configuration_is_accepted_by_nginx(balanced):
    if nginx_binary() is None:
        unavailable("nginx is not installed (make test installs it)")
    render(balanced)
    check_config(balanced)


def test_every_portal_and_login_listener_expects_the_proxy_header(balanced):
    config = render(balanced).read_text()

    listens = re.findall(r"^\s*listen (.*);$", config, flags=re.MULTILINE)
    assert sorted(listens) == sorted(
        [
            "127.0.0.1:8480",  # demo CRLs: plain HTTP fetched by the portal itself, not behind the balancer
            "127.0.0.1:8443 ssl http2 proxy_protocol",
            "127.0.0.1:8444 ssl proxy_protocol",
            "127.0.0.1:8445 ssl proxy_protocol",
        ]
    )


def test_only_the_balancers_are_believed(balanced):
    config = render(balanced).read_text()

    assert "real_ip_header proxy_protocol;" in config
    believed = re.findall(r"set_real_ip_from (\S+);", config)
    assert believed == ["10.0.0.5/32", "10.20.0.0/16", "2001:db8::/64"]
    geo = config[config.index("geo $realip_remote_addr $not_from_balancer {") :].split("}", 1)[0]
    assert re.findall(r"^\s+(\S+) (\d);$", geo, flags=re.MULTILINE) == [
        ("default", "1"),
        ("10.0.0.5/32", "0"),
        ("10.20.0.0/16", "0"),
        ("2001:db8::/64", "0"),
    ]
    assert "real_ip_recursive" not in config


def test_every_portal_and_login_server_refuses_connections_not_from_a_balancer(balanced):
    config = render(balanced).read_text()

    for port in (8443, 8444, 8445):
        server = server_block(config, port)
        # At server level, before any location (and before the limits, which run after the rewrite phase).
        assert server.index(REFUSAL) < server.index("location "), port
    for port in (8444, 8445):
        named = server_block(config, port).split("location @certificate_refused_by_nginx {", 1)[1]
        assert named.lstrip().startswith("# nginx's own refusals"), "nginx's 495 skips the server-level check"
        assert "if ($not_from_balancer) {\n                return 444;" in named.split("proxy_pass", 1)[0]


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        (["10.0.0.5"], ["10.0.0.5/32"]),
        (["10.1.2.3/8", " 10.0.0.0/8 ", ""], ["10.0.0.0/8"]),
        (["2001:db8::1"], ["2001:db8::1/128"]),
        ([], []),
    ],
)
def test_balancer_addresses_are_rendered_as_networks(entries, expected):
    assert proxy_protocol_networks(entries) == expected


@pytest.mark.parametrize(
    "entry",
    [
        "10.0.0.0/8; include /etc/passwd",
        "10.0.0.5 0;\n    }\n    server {",
        "balancer.internal",
        "unix:",
        "0.0.0.0/0",  # would believe anyone's header
        "::/0",
    ],
)
def test_anything_but_a_balancers_address_is_refused(site, entry):  # noqa: F811
    with pytest.raises(ValueError):
        render(dataclasses.replace(site, proxy_protocol_from=["10.0.0.5", entry]))


def test_render_nginx_takes_the_balancers_from_the_settings(settings):
    settings.PORTAL_PROXY_PROTOCOL_FROM = ["10.0.0.5", "10.0.0.6"]

    assert list(site_from_settings(proxy_secret="x" * 32).proxy_protocol_from) == ["10.0.0.5", "10.0.0.6"]
