"""Certificate type (policy OID prefix, DOC-ICP-04) and the key usages a TLS login needs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from certauth.icp.builder import A1_POLICY, A3_POLICY, PersonSpec
from certauth.icp.errors import CertificateError, Reason
from certauth.icp.policy import (
    DEFAULT_ACCEPTED_POLICY_PREFIXES,
    PolicyMatch,
    certificate_type_name,
    check_key_usage,
    match_policy,
)
from tests.conftest import LAWYER
from tests.pki import TestPki

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "icp-brasil-samples"  # public, see its SOURCE.md
FERMAT_2025_A1 = SAMPLES / "pierre_de_fermat_2025__lacuna-ca-test-v7.pem"


def policy_of(certificate: x509.Certificate) -> PolicyMatch:
    return match_policy(certificate, DEFAULT_ACCEPTED_POLICY_PREFIXES)


def not_a3(certificate: x509.Certificate) -> CertificateError:
    with pytest.raises(CertificateError) as exc:
        policy_of(certificate)
    assert exc.value.reason is Reason.CERT_NOT_A3, exc.value
    return exc.value


def bad_key_usage(certificate: x509.Certificate) -> CertificateError:
    with pytest.raises(CertificateError) as exc:
        check_key_usage(certificate)
    assert exc.value.reason is Reason.CERT_KEY_USAGE, exc.value
    return exc.value


def key_usage(*, digital_signature: bool = True, **others: bool) -> x509.KeyUsage:
    flags = dict(
        content_commitment=True,
        key_encipherment=True,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    flags.update(others)
    return x509.KeyUsage(digital_signature=digital_signature, **flags)


CLIENT_AND_EMAIL = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.EMAIL_PROTECTION])
END_ENTITY = x509.BasicConstraints(ca=False, path_length=None)


def raw_leaf(
    pki: TestPki,
    *,
    policies: Sequence[str] | None = (A3_POLICY,),
    key_usage_ext: x509.KeyUsage | None = None,
    eku: x509.ExtendedKeyUsage | None = CLIENT_AND_EMAIL,
    basic_constraints: x509.BasicConstraints | None = END_ENTITY,
    default_key_usage: bool = True,
) -> x509.Certificate:
    """A leaf built with cryptography directly, for extension sets PersonSpec cannot express."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"MARIA DA SILVA:{LAWYER.cpf}")]))
        .issuer_name(pki.final.certificate.subject)
        .public_key(pki.final.key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(pki.now - dt.timedelta(days=1))
        .not_valid_after(pki.now + dt.timedelta(days=365))
    )
    if basic_constraints is not None:
        builder = builder.add_extension(basic_constraints, critical=True)
    if key_usage_ext is not None:
        builder = builder.add_extension(key_usage_ext, critical=True)
    elif default_key_usage:
        builder = builder.add_extension(key_usage(), critical=True)
    if eku is not None:
        builder = builder.add_extension(eku, critical=False)
    if policies is not None:
        builder = builder.add_extension(
            x509.CertificatePolicies([x509.PolicyInformation(x509.ObjectIdentifier(p), None) for p in policies]),
            critical=False,
        )
    return builder.sign(pki.final.key, hashes.SHA256())


# --- certificate type -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("oid", "certificate_type"),
    [
        ("2.16.76.1.2.3.28", "A3"),  # AC OAB
        ("2.16.76.1.2.3.13", "A3"),  # SERPRO Final
        ("2.16.76.1.2.3.5", "A3"),  # Certisign Múltipla
        ("2.16.76.1.2.3.1234", "A3"),  # any n: a prefix match, never a list
        ("2.16.76.1.2.4.5", "A4"),
        ("2.16.76.1.2.4.1", "A4"),
    ],
)
def test_a3_and_a4_policies_are_accepted(pki: TestPki, oid: str, certificate_type: str) -> None:
    match = policy_of(pki.issue(LAWYER.but(policy_oid=oid)).certificate)
    assert match == PolicyMatch(oid=oid, certificate_type=certificate_type)


def test_a1_is_refused_and_the_detail_says_a1(pki: TestPki) -> None:
    error = not_a3(pki.issue(LAWYER.but(policy_oid=A1_POLICY)).certificate)
    assert "A1" in error.detail


@pytest.mark.parametrize(
    "oid",
    [
        pytest.param("2.16.76.1.2.31.1", id="starts-with-the-right-digits-only"),
        pytest.param("2.16.76.1.2.30.1", id="A3-arc-prefix-30"),
        pytest.param("2.16.76.1.2.44.5", id="A4-arc-prefix-44"),
        pytest.param("2.16.76.1.2.3", id="exactly-the-A3-prefix"),
        pytest.param("2.16.76.1.2.4", id="exactly-the-A4-prefix"),
        pytest.param("2.16.76.1.2.2.7", id="A2"),
        pytest.param("2.16.76.1.2.101.3", id="S1"),
        pytest.param("2.16.76.1.2.201.1", id="SE-S-seal"),
        pytest.param("2.16.76.1.2.303.1", id="T3"),
        pytest.param("2.16.76.1.1.3.28", id="other-branch"),
        pytest.param("1.2.16.76.1.2.3.28", id="embedded-prefix"),
        pytest.param("2.5.29.32.0", id="anyPolicy"),
    ],
)
def test_policies_outside_the_a3_and_a4_arcs_are_refused(pki: TestPki, oid: str) -> None:
    not_a3(pki.issue(LAWYER.but(policy_oid=oid)).certificate)


def test_certificate_without_certificate_policies_is_refused(pki: TestPki) -> None:
    error = not_a3(raw_leaf(pki, policies=None))
    assert error.detail


def test_certificate_with_an_empty_policy_list_is_refused(pki: TestPki) -> None:
    not_a3(raw_leaf(pki, policies=[]))


def test_first_accepted_policy_wins_among_several(pki: TestPki) -> None:
    certificate = raw_leaf(pki, policies=[A1_POLICY, "2.16.76.1.2.4.5", A3_POLICY])
    assert policy_of(certificate) == PolicyMatch(oid="2.16.76.1.2.4.5", certificate_type="A4")


def test_several_refused_policies_are_all_named(pki: TestPki) -> None:
    error = not_a3(raw_leaf(pki, policies=[A1_POLICY, "2.16.76.1.2.2.7"]))
    assert "A1" in error.detail
    assert "A2" in error.detail


def test_real_sample_a1_certificate_is_refused() -> None:
    certificate = x509.load_pem_x509_certificate(FERMAT_2025_A1.read_bytes())
    error = not_a3(certificate)
    assert "A1" in error.detail


def test_accepted_prefixes_are_configurable_and_tolerate_a_trailing_dot(pki: TestPki) -> None:
    a4 = pki.issue(LAWYER.but(policy_oid="2.16.76.1.2.4.5")).certificate
    with pytest.raises(CertificateError) as exc:
        match_policy(a4, ["2.16.76.1.2.3"])
    assert exc.value.reason is Reason.CERT_NOT_A3
    assert match_policy(a4, ["2.16.76.1.2.4."]).certificate_type == "A4"


def test_no_accepted_prefix_refuses_everything(pki: TestPki) -> None:
    with pytest.raises(CertificateError) as exc:
        match_policy(pki.issue(LAWYER).certificate, [])
    assert exc.value.reason is Reason.CERT_NOT_A3


@pytest.mark.parametrize(
    ("oid", "name"),
    [
        ("2.16.76.1.2.1.28", "A1"),
        ("2.16.76.1.2.2.1", "A2"),
        ("2.16.76.1.2.3.28", "A3"),
        ("2.16.76.1.2.4.5", "A4"),
        ("2.16.76.1.2.101.3", "2.16.76.1.2.101"),
    ],
)
def test_certificate_type_name(oid: str, name: str) -> None:
    assert certificate_type_name(oid) == name


# --- key usage --------------------------------------------------------------------------------------------------


def test_a3_lawyer_certificate_has_the_key_usages_for_login(pki: TestPki) -> None:
    check_key_usage(pki.issue(LAWYER).certificate)


def test_certificate_without_client_auth_is_refused(pki: TestPki) -> None:
    error = bad_key_usage(pki.issue(LAWYER.but(client_auth=False)).certificate)
    assert "clientAuth" in error.detail


@pytest.mark.parametrize(
    "usages",
    [
        [ExtendedKeyUsageOID.EMAIL_PROTECTION],
        [ExtendedKeyUsageOID.SERVER_AUTH],
        [ExtendedKeyUsageOID.CODE_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION],
    ],
)
def test_extended_key_usage_without_client_auth_is_refused(pki: TestPki, usages) -> None:
    bad_key_usage(raw_leaf(pki, eku=x509.ExtendedKeyUsage(usages)))


def test_client_auth_alone_is_enough(pki: TestPki) -> None:
    check_key_usage(raw_leaf(pki, eku=x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH])))


def test_certificate_without_digital_signature_is_refused(pki: TestPki) -> None:
    bad_key_usage(pki.issue(LAWYER.but(digital_signature=False)).certificate)


def test_certificate_without_an_extended_key_usage_extension_is_accepted(pki: TestPki) -> None:
    check_key_usage(raw_leaf(pki, eku=None))


def test_certificate_without_basic_constraints_is_accepted(pki: TestPki) -> None:
    check_key_usage(raw_leaf(pki, basic_constraints=None))


@pytest.mark.parametrize("ca", ["root", "level1", "oab", "final", "stranger"])
def test_ca_certificates_are_refused(pki: TestPki, ca: str) -> None:
    bad_key_usage(getattr(pki, ca).certificate)


def test_ca_flag_is_refused_even_with_leaf_key_usages(pki: TestPki) -> None:
    bad_key_usage(raw_leaf(pki, basic_constraints=x509.BasicConstraints(ca=True, path_length=0)))


def test_certificate_without_a_key_usage_extension_is_refused(pki: TestPki) -> None:
    error = bad_key_usage(raw_leaf(pki, default_key_usage=False))
    assert "uso da chave" in error.detail


def test_key_usage_with_only_non_repudiation_is_refused(pki: TestPki) -> None:
    bad_key_usage(raw_leaf(pki, key_usage_ext=key_usage(digital_signature=False, key_encipherment=False)))


def test_digital_signature_alone_is_enough(pki: TestPki) -> None:
    check_key_usage(
        raw_leaf(pki, key_usage_ext=key_usage(digital_signature=True, content_commitment=False, key_encipherment=False))
    )


def test_real_sample_leaf_has_the_key_usages_for_login() -> None:
    certificate = x509.load_pem_x509_certificate(FERMAT_2025_A1.read_bytes())
    check_key_usage(certificate)


def test_spec_defaults_are_not_the_reason_for_refusal(pki: TestPki) -> None:
    # Guard for the refusal tests above: the variants differ from an accepted certificate in one field only.
    spec: PersonSpec = LAWYER
    assert policy_of(pki.issue(spec).certificate).certificate_type == "A3"
    check_key_usage(pki.issue(spec).certificate)
