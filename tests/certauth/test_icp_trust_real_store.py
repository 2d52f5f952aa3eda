"""Path building over the REAL shipped ICP-Brasil trust store (certauth/data/icp-brasil)."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from certauth.defaults import INTERMEDIATES, ROOT_V5, ROOT_V10, ROOT_V12
from certauth.icp.errors import CertificateError, Reason
from certauth.icp.trust import TrustStore, load_pem_files

AT = dt.datetime(2026, 11, 22, tzinfo=dt.UTC)  # intermediates.pem holds the ACs not expired on this date

V5 = "Autoridade Certificadora Raiz Brasileira v5"
V10 = "Autoridade Certificadora Raiz Brasileira v10"
V12 = "Autoridade Certificadora Raiz Brasileira v12"
INMETRO = "Instituto Nacional de Metrologia Qualidade e Tecnologia INMETRO"

#: Shipped ACs that chain to roots people's certificates do not use (shared/icp-brasil/README.md): the INMETRO AC
#: under root v6 and its two "OM-BR" children, and AC SOLUTI CS EV under v11 (code signing).
KNOWN_UNREACHABLE = frozenset({INMETRO, "AC Certisign OM-BR", "AC Soluti OM-BR", "AC SOLUTI CS EV"})


def cn(certificate: x509.Certificate) -> str:
    return str(certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[-1].value)


def fingerprint(certificate: x509.Certificate) -> bytes:
    return certificate.fingerprint(hashes.SHA256())


@pytest.fixture(scope="module")
def store() -> TrustStore:
    # Used at one instant only (AT) throughout this module.
    return TrustStore.from_pem_files([ROOT_V5, ROOT_V10, ROOT_V12], [INTERMEDIATES])


@pytest.fixture(scope="module")
def intermediates() -> list[x509.Certificate]:
    return load_pem_files([INTERMEDIATES])


@pytest.fixture(scope="module")
def outcomes(store: TrustStore, intermediates) -> list[tuple[str, tuple[str, ...] | CertificateError]]:
    """(CN, the names of the verified path or the error) for every shipped AC, in file order.

    verify() only builds the path, so an AC certificate can stand in for a leaf. Two CNs occur twice (re-issued
    ACs: AC SERPRO-JUS v5, AC SyngularID Multipla), hence a list rather than a dict.
    """
    results: list[tuple[str, tuple[str, ...] | CertificateError]] = []
    for certificate in intermediates:
        try:
            results.append((cn(certificate), store.verify(certificate, at=AT).names()))
        except CertificateError as exc:
            results.append((cn(certificate), exc))
    return results


def by_cn(intermediates: list[x509.Certificate], name: str) -> x509.Certificate:
    found = [c for c in intermediates if cn(c) == name]
    assert len(found) == 1, f"{name!r}: {len(found)} certificates"
    return found[0]


def test_shipped_store_has_the_three_roots_and_171_intermediates(store: TrustStore) -> None:
    assert sorted(cn(c) for c in store.roots) == sorted([V5, V10, V12])
    assert len(store.intermediates) == 171


def test_exactly_the_known_exceptions_do_not_reach_a_shipped_root(outcomes) -> None:
    failures = [(name, outcome) for name, outcome in outcomes if isinstance(outcome, CertificateError)]
    assert sorted(name for name, _ in failures) == sorted(KNOWN_UNREACHABLE)
    for _, error in failures:
        assert error.reason is Reason.CERT_UNTRUSTED


def test_every_other_intermediate_builds_a_path_to_v5_v10_or_v12(store: TrustStore, outcomes) -> None:
    built = [(name, names) for name, names in outcomes if not isinstance(names, CertificateError)]
    assert len(built) == 171 - len(KNOWN_UNREACHABLE)
    for name, names in built:
        assert names[0] == name
        assert names[-1] in {V5, V10, V12}, (name, names)


def test_verified_paths_end_at_the_shipped_root_certificates(store: TrustStore, intermediates) -> None:
    roots = {fingerprint(c) for c in store.roots}
    for name in ("AC OAB G3", "AC OAB G4", "AC SAFEWEB CD V12"):
        path = store.verify(by_cn(intermediates, name), at=AT)
        assert fingerprint(path.root) in roots


def test_paths_reach_each_of_the_three_roots(outcomes) -> None:
    reached = {names[-1] for _, names in outcomes if not isinstance(names, CertificateError)}
    assert reached == {V5, V10, V12}


def test_ac_oab_g3_chains_through_certisign_g7_to_v5(store: TrustStore, intermediates) -> None:
    path = store.verify(by_cn(intermediates, "AC OAB G3"), at=AT)
    assert path.names() == ("AC OAB G3", "AC Certisign G7", V5)


def test_ac_oab_g4_chains_through_certisign_g8_to_v12(store: TrustStore, intermediates) -> None:
    path = store.verify(by_cn(intermediates, "AC OAB G4"), at=AT)
    assert path.names() == ("AC OAB G4", "AC Certisign G8", V12)


def test_ac_safeweb_cd_v12_builds_to_v12_despite_the_name_encoding_difference(store: TrustStore, intermediates) -> None:
    leaf = by_cn(intermediates, "AC SAFEWEB CD V12")
    issuer = by_cn(intermediates, "AC Safeweb v12")
    # The case this test exists for: the issuer name in AC SAFEWEB CD V12 (PrintableString) and AC Safeweb v12's
    # own subject (UTF8String) are the same name in different encodings. A verifier that compares encodings
    # byte for byte (cryptography 50's PolicyBuilder) cannot build this path; OpenSSL can.
    assert leaf.issuer.rfc4514_string() == issuer.subject.rfc4514_string()
    assert leaf.issuer.public_bytes() != issuer.subject.public_bytes()
    path = store.verify(leaf, at=AT)
    assert path.names() == ("AC SAFEWEB CD V12", "AC Safeweb v12", V12)
    assert path.issuer == issuer


def test_without_root_v12_the_new_profile_acs_do_not_build(intermediates) -> None:
    store = TrustStore.from_pem_files([ROOT_V5], [INTERMEDIATES])
    with pytest.raises(CertificateError) as exc:
        store.verify(by_cn(intermediates, "AC OAB G4"), at=AT)
    assert exc.value.reason is Reason.CERT_UNTRUSTED
    assert store.verify(by_cn(intermediates, "AC OAB G3"), at=AT).root.subject == store.roots[0].subject


def test_intermediates_alone_do_not_make_anything_trusted(intermediates) -> None:
    # Intermediates are an untrusted pool: with only v10 as root, a v5 chain does not build.
    store = TrustStore.from_pem_files([ROOT_V10], [INTERMEDIATES])
    with pytest.raises(CertificateError) as exc:
        store.verify(by_cn(intermediates, "AC OAB G3"), at=AT)
    assert exc.value.reason is Reason.CERT_UNTRUSTED
