"""Proof of possession: the RAW signature is verified with the certificate's own public key."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, decode_dss_signature
from cryptography.x509.oid import NameOID

from certauth.icp.errors import Reason
from cloudauth.psc.client import parse_certificate
from cloudauth.psc.errors import PscError
from cloudauth.psc.signature import verify_raw_signature
from tests.conftest import LAWYER

DIGEST = hashlib.sha256(b"LOGIN|portal-a3-inss|teste").digest()


@pytest.fixture(scope="module")
def issued(pki):
    return pki.issue(LAWYER)


def self_signed(key) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "EC")])
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )


def test_rsa_pkcs1v15_signature_of_the_digest_verifies(issued):
    signature = issued.key.sign(DIGEST, padding.PKCS1v15(), Prehashed(hashes.SHA256()))
    verify_raw_signature(issued.certificate, DIGEST, signature)


def test_signature_of_another_digest_is_refused(issued):
    other = hashlib.sha256(b"documento").digest()
    signature = issued.key.sign(other, padding.PKCS1v15(), Prehashed(hashes.SHA256()))
    with pytest.raises(PscError) as caught:
        verify_raw_signature(issued.certificate, DIGEST, signature)
    assert caught.value.reason is Reason.CLOUD_BAD_SIGNATURE


def test_pss_signature_is_not_raw_pkcs1_and_is_refused(issued):
    signature = issued.key.sign(
        DIGEST, padding.PSS(padding.MGF1(hashes.SHA256()), padding.PSS.MAX_LENGTH), Prehashed(hashes.SHA256())
    )
    with pytest.raises(PscError):
        verify_raw_signature(issued.certificate, DIGEST, signature)


def test_garbage_is_refused(issued):
    with pytest.raises(PscError):
        verify_raw_signature(issued.certificate, DIGEST, b"\x00" * 256)


def test_ecdsa_signature_verifies_in_der_and_in_fixed_size_form():
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = self_signed(key)
    der = key.sign(DIGEST, ec.ECDSA(Prehashed(hashes.SHA256())))
    verify_raw_signature(certificate, DIGEST, der)
    r, s = decode_dss_signature(der)
    verify_raw_signature(certificate, DIGEST, r.to_bytes(32, "big") + s.to_bytes(32, "big"))
    with pytest.raises(PscError):
        verify_raw_signature(certificate, hashlib.sha256(b"x").digest(), der)


def test_digest_must_be_sha256(issued):
    with pytest.raises(ValueError):
        verify_raw_signature(issued.certificate, b"short", b"")


def test_certificate_field_is_read_as_pem_escaped_pem_or_base64_der(issued):
    import base64

    from cryptography.hazmat.primitives import serialization

    pem = issued.certificate.public_bytes(serialization.Encoding.PEM).decode()
    der = issued.certificate.public_bytes(serialization.Encoding.DER)
    for value in (pem, pem.replace("\n", "\\n"), base64.b64encode(der).decode()):
        assert parse_certificate(value) == issued.certificate


def test_unreadable_certificate_field_is_malformed():
    with pytest.raises(PscError) as caught:
        parse_certificate("não é um certificado")
    assert caught.value.reason is Reason.CERT_MALFORMED
