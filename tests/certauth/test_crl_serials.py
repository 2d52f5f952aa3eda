"""certauth.icp.crl_serials: the serials read from a CRL's DER are exactly cryptography's, formatted as the store
indexes them; anything unusual falls back to cryptography's iteration."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from certauth.icp import crl_serials
from certauth.icp.crl_serials import serials_hex

NOW = dt.datetime(2026, 12, 1)  # naive UTC, as cryptography's builders compare them
KEY = ec.generate_private_key(ec.SECP256R1())
NAME = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "AC Seriais")])

SERIALS = [
    1,
    0x7F,
    0x80,  # content octets 00 80: the sign octet is not part of the hex
    0xFF,
    0x100,
    0x0ABC,  # an odd number of hex digits
    2**63,
    2**159 - 1,  # 20 octets, the largest RFC 5280 serial
    int("00F0" + "AB" * 18, 16),
]


def crl_with(serials, *, with_extensions: bool = False) -> bytes:
    revoked = []
    for serial in serials:
        entry = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(NOW)
        if with_extensions:  # entries long enough for a long-form DER length (0x81 …)
            entry = entry.add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False)
            entry = entry.add_extension(x509.InvalidityDate(NOW), critical=False)
            entry = entry.add_extension(
                x509.CertificateIssuer([x509.DirectoryName(NAME), x509.UniformResourceIdentifier("http://x/" * 8)]),
                critical=True,
            )
        revoked.append(entry.build())
    builder = x509.CertificateRevocationListBuilder(
        issuer_name=NAME, last_update=NOW, next_update=NOW + dt.timedelta(days=7), revoked_certificates=revoked
    )
    return builder.sign(KEY, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def cryptographys(data: bytes) -> list[str]:
    return [format(entry.serial_number, "X") for entry in x509.load_der_x509_crl(data)]


@pytest.mark.parametrize("with_extensions", [False, True], ids=["plain-entries", "entries-with-extensions"])
def test_serials_are_cryptographys_in_the_same_order(with_extensions):
    data = crl_with(SERIALS, with_extensions=with_extensions)
    walked = crl_serials._walk(data)
    assert walked == cryptographys(data)  # the fast path itself, not its fallback
    assert serials_hex(x509.load_der_x509_crl(data), data=data) == walked
    assert "80" in walked and "ABC" in walked


def test_a_crl_without_entries_lists_nothing():
    data = crl_with([])
    assert crl_serials._walk(data) == []
    assert serials_hex(x509.load_der_x509_crl(data), data=data) == []


def test_a_pem_crl_is_read_from_its_der():
    data = crl_with(SERIALS)
    pem = x509.load_der_x509_crl(data).public_bytes(serialization.Encoding.PEM)
    assert serials_hex(x509.load_pem_x509_crl(pem), data=pem) == cryptographys(data)


def test_anything_unusual_falls_back_to_cryptography(monkeypatch):
    data = crl_with(SERIALS)
    crl = x509.load_der_x509_crl(data)
    monkeypatch.setattr(crl_serials, "_walk", lambda der: ["1"])  # a count that differs from len(crl)
    assert serials_hex(crl, data=data) == cryptographys(data)
    monkeypatch.setattr(crl_serials, "_walk", lambda der: None)  # a tag or length it does not expect
    assert serials_hex(crl, data=data) == cryptographys(data)
    assert serials_hex(crl, data=b"\x04\x00") == cryptographys(data)  # bytes it cannot slice
