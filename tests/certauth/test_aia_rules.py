"""The AIA rules without Django or the network: addresses read, the allowlist, the formats a repository answers in,
and the path search with a fake download."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7

from certauth import defaults
from certauth.icp.aia import (
    DEFAULT_ALLOWED_HOSTS,
    FetchFailed,
    ca_issuers_urls,
    complete_path,
    is_allowed,
    parse_certificates,
    repository_hosts,
)
from certauth.icp.trust import load_pem_files
from tests.conftest import LAWYER
from tests.pki import TestPki


def test_the_default_allowlist_names_every_repository_of_the_shipped_intermediates() -> None:
    hosts = repository_hosts(load_pem_files(defaults.ICP_BRASIL_INTERMEDIATES))
    assert hosts  # the shipped ACs do name their repositories
    assert hosts <= set(DEFAULT_ALLOWED_HOSTS)


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://acraiz.icpbrasil.gov.br/ac.crt", True),
        ("HTTP://ACRAIZ.ICPBRASIL.GOV.BR:8080/ac.crt", True),
        ("https://acraiz.icpbrasil.gov.br/ac.crt", True),
        ("ftp://acraiz.icpbrasil.gov.br/ac.crt", False),
        ("ldap://acraiz.icpbrasil.gov.br/cn=ac", False),
        ("http://acraiz.icpbrasil.gov.br.evil.example/ac.crt", False),
        ("http://evil.example/acraiz.icpbrasil.gov.br", False),
        ("http://user:pw@acraiz.icpbrasil.gov.br/ac.crt", False),
        ("http://[::1/ac.crt", False),
    ],
)
def test_only_http_to_an_allowlisted_host_is_allowed(url: str, allowed: bool) -> None:
    assert is_allowed(url, ("acraiz.icpbrasil.gov.br",)) is allowed


def test_der_pem_and_pkcs7_answers_are_read(pki: TestPki) -> None:
    certificate = pki.level1.certificate
    der = certificate.public_bytes(serialization.Encoding.DER)
    pem = certificate.public_bytes(serialization.Encoding.PEM)
    for data in (
        der,
        pem,
        pkcs7.serialize_certificates([certificate], serialization.Encoding.DER),
        pkcs7.serialize_certificates([certificate], serialization.Encoding.PEM),
    ):
        assert parse_certificates(data) == [certificate]
    with pytest.raises(ValueError):
        parse_certificates(b"<html>not found</html>")


def test_the_search_follows_each_fetched_acs_own_address_and_fetches_only_allowlisted_ones(pki: TestPki) -> None:
    # root (trusted) → upper (missing) → lower (missing) → leaf
    upper = pki.builder.intermediate(pki.root, "AC Teste AIA Superior", path_length=1)
    lower = pki.builder.intermediate(upper, "AC Teste AIA Inferior", ca_issuers_urls=("http://repo.test/upper.crt",))
    leaf = pki.issue(LAWYER.but(ca_issuers_urls=("http://elsewhere.test/x.crt", "http://repo.test/lower.crt")), lower)
    published = {
        "http://repo.test/lower.crt": lower.certificate.public_bytes(serialization.Encoding.DER),
        "http://repo.test/upper.crt": upper.certificate.public_bytes(serialization.Encoding.DER),
    }
    asked: list[str] = []

    def fetch(url: str) -> bytes:
        asked.append(url)
        if url not in published:
            raise FetchFailed(f"{url}: HTTP 404")
        return published[url]

    trust = pki.trust_store()
    at = pki.now + dt.timedelta(minutes=1)
    result = complete_path(leaf.certificate, trust, at=at, fetch=fetch, allowed_hosts=("repo.test",))
    assert asked == ["http://repo.test/lower.crt", "http://repo.test/upper.crt"]
    assert result.path is not None
    assert set(result.fetched) == {lower.certificate, upper.certificate}
    assert result.path.root == pki.root.certificate

    asked.clear()
    shallow = complete_path(leaf.certificate, trust, at=at, fetch=fetch, allowed_hosts=("repo.test",), max_depth=1)
    assert shallow.path is None
    assert asked == ["http://repo.test/lower.crt"]


def test_a_certificate_without_aia_names_no_address(pki: TestPki) -> None:
    assert ca_issuers_urls(pki.issue(LAWYER).certificate) == ()
