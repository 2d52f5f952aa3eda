"""``portal.next_url.safe_next``: the one rule for where a login may send the user back to (``next``): a path on the
portal host, or an absolute URL whose origin is one of ``PORTAL_NEXT_ORIGINS``; anything else is refused."""

from __future__ import annotations

import pytest

from portal.next_url import safe_next
from tests.portal.test_redirect_targets import HOSTILE

PORTAL = "https://portal.example.gov.br"
GATEWAY = "https://pat-gateway.example.gov.br:8446"

#: Absolute URLs that look like the allowed origins and are not (another port, scheme, host, a userinfo, tricks).
LOOKALIKES = [
    "http://portal.example.gov.br/painel/",
    "https://portal.example.gov.br:444/painel/",
    "https://portal.example.gov.br.evil.example/",
    "https://evil.example/#https://portal.example.gov.br/",
    "https://portal.example.gov.br@evil.example/",
    "https://user:pw@portal.example.gov.br/painel/",
    "https://portal.example.gov.br\\@evil.example/",
    "https:/\\evil.example",
    "https://pat-gateway.example.gov.br/",  # the gateway's host without its port
    "https%3A%2F%2Fevil.example",
    "%2F%2Fevil.example",
    "\\/evil.example",
    "java\tscript:alert(1)",
    "vbscript:msgbox(1)",
    "\n//evil.example",
    "painel/",
    "./painel/",
    "?next=/painel/",
    "",
    None,
]


@pytest.fixture(autouse=True)
def origins(settings):
    settings.PORTAL_NEXT_ORIGINS = [PORTAL, GATEWAY]


@pytest.mark.parametrize("target", HOSTILE + LOOKALIKES)
def test_anything_else_is_refused(target):
    assert safe_next(target) is None


@pytest.mark.parametrize(
    "target",
    [
        "/painel/",
        "/oidc/authorize/?client_id=pat&redirect_uri=https%3A%2F%2Fpat.example%2Fcb&state=x",
        f"{PORTAL}/oidc/authorize/?client_id=pat",
        f"{GATEWAY}/consultas/?id=1",
        f"{GATEWAY}",
        "/%09/evil.example",  # percent-encoded: a path here, which browsers do not decode into a host
        "/%2F%2Fevil.example",
    ],
)
def test_a_portal_path_or_an_allowed_origin_is_kept(target):
    assert safe_next(target) == target


def test_a_target_longer_than_a_url_should_be_is_refused():
    assert safe_next("/painel/?q=" + "x" * 5000) is None


def test_no_origins_configured_leaves_only_paths(settings):
    settings.PORTAL_NEXT_ORIGINS = []
    assert safe_next(f"{PORTAL}/painel/") is None
    assert safe_next("/painel/") == "/painel/"
