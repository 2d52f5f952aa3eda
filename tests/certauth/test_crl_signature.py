"""certauth.icp.crl_signature: a CRL's signature checked over its published bytes agrees with ``cryptography``'s
own check, for every key type an AC may use, and refuses what that check refuses."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.x509.oid import NameOID

from certauth.icp import crl_signature
from certauth.icp.crl_signature import signature_valid, signed_parts

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
SHA256_WITH_RSA = bytes.fromhex("06092a864886f70d01010b")  # OID 1.2.840.113549.1.1.11
SHA384_WITH_RSA = bytes.fromhex("06092a864886f70d01010c")  # OID 1.2.840.113549.1.1.12


def authority(key, name: str = "AC Assinatura") -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    algorithm = None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, algorithm)
    )


def signed_crl(key, certificate: x509.Certificate, entries: int = 3, **sign_options) -> bytes:
    revoked = [
        x509.RevokedCertificateBuilder().serial_number(0xABC000 + i).revocation_date(NOW).build()
        for i in range(entries)
    ]
    builder = x509.CertificateRevocationListBuilder(
        issuer_name=certificate.subject,
        last_update=NOW,
        next_update=NOW + dt.timedelta(days=7),
        revoked_certificates=revoked,
    ).add_extension(x509.CRLNumber(7), critical=False)
    algorithm = None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return builder.sign(key, algorithm, **sign_options).public_bytes(serialization.Encoding.DER)


def both(data: bytes, certificate: x509.Certificate) -> tuple[bool, bool]:
    """(ours, cryptography's) verdict on ``data`` as a CRL of ``certificate``."""
    crl = x509.load_der_x509_crl(data)
    return signature_valid(crl, certificate, data=data), crl.is_signature_valid(certificate.public_key())  # type: ignore[arg-type]


RSA = rsa.generate_private_key(public_exponent=65537, key_size=2048)
KEYS = {
    "rsa-pkcs1v15": (RSA, {}),
    "rsa-pss": (RSA, {"rsa_padding": padding.PSS(padding.MGF1(hashes.SHA256()), padding.PSS.DIGEST_LENGTH)}),
    "ecdsa-p256": (ec.generate_private_key(ec.SECP256R1()), {}),
    "ed25519": (ed25519.Ed25519PrivateKey.generate(), {}),
}


@pytest.mark.parametrize("kind", list(KEYS))
def test_a_genuine_crl_verifies_for_every_key_type(kind):
    key, options = KEYS[kind]
    certificate = authority(key)
    assert both(signed_crl(key, certificate, **options), certificate) == (True, True)


@pytest.mark.parametrize("kind", list(KEYS))
def test_a_crl_signed_by_another_key_is_refused(kind):
    key, options = KEYS[kind]
    other = authority(_same_kind(key))
    assert both(signed_crl(key, authority(key), **options), other) == (False, False)


def _same_kind(key):
    if isinstance(key, rsa.RSAPrivateKey):
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return ed25519.Ed25519PrivateKey.generate()
    return ec.generate_private_key(ec.SECP256R1())


def test_an_entry_changed_after_signing_is_refused():
    certificate = authority(RSA)
    data = bytearray(signed_crl(RSA, certificate))
    serial = bytes.fromhex("abc001")
    at = bytes(data).index(serial)
    data[at + 2] ^= 0x01  # 0xABC001 becomes 0xABC000… a different serial, same length: still a well-formed CRL
    assert both(bytes(data), certificate) == (False, False)


def test_an_outer_algorithm_different_from_the_signed_one_is_refused():
    """RFC 5280 §5.1.1.2: signatureAlgorithm must equal tbsCertList.signature (cryptography checks it too)."""
    certificate = authority(RSA)
    data = signed_crl(RSA, certificate)
    tbs, inner, outer = signed_parts(data)
    assert inner == outer and SHA256_WITH_RSA in outer
    at = data.index(SHA256_WITH_RSA, len(data) - 300)  # the outer one: after the tbsCertList
    tampered = data[:at] + SHA384_WITH_RSA + data[at + len(SHA384_WITH_RSA) :]
    with pytest.raises(ValueError, match="Inner and outer signature algorithms do not match"):
        x509.load_der_x509_crl(tampered)  # cryptography refuses to parse it…
    crl = x509.load_der_x509_crl(data)
    assert not signature_valid(crl, certificate, data=tampered)  # …and the bytes checked must agree too


def test_a_pem_crl_is_checked_over_its_der_bytes(monkeypatch):
    certificate = authority(RSA)
    der = signed_crl(RSA, certificate)
    pem = x509.load_der_x509_crl(der).public_bytes(serialization.Encoding.PEM)
    crl = x509.load_pem_x509_crl(pem)
    monkeypatch.setattr(crl_signature, "_slow", _must_not_run)
    assert signature_valid(crl, certificate, data=pem)
    forged = x509.load_der_x509_crl(signed_crl(_same_kind(RSA), certificate)).public_bytes(serialization.Encoding.PEM)
    assert not signature_valid(x509.load_pem_x509_crl(forged), certificate, data=forged)


def test_a_large_crl_is_checked_without_re_encoding_it(monkeypatch):
    """The reason for this module: ``is_signature_valid`` re-encodes every entry; the fast path never calls it."""
    certificate = authority(RSA)
    data = signed_crl(RSA, certificate, entries=2_000)
    monkeypatch.setattr(crl_signature, "_slow", _must_not_run)
    assert signature_valid(x509.load_der_x509_crl(data), certificate, data=data)


def test_bytes_it_cannot_slice_fall_back_to_the_full_check():
    certificate = authority(RSA)
    data = signed_crl(RSA, certificate)
    crl = x509.load_der_x509_crl(data)
    assert signature_valid(crl, certificate, data=b"\x04\x00")  # not a SEQUENCE: cryptography decides
    forged = signed_crl(_same_kind(RSA), certificate)
    assert not signature_valid(x509.load_der_x509_crl(forged), certificate, data=b"\x04\x00")


def _must_not_run(*_args: object) -> bool:
    raise AssertionError("the slow path ran")
