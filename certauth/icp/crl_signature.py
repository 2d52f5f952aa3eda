"""A CRL's signature checked over the bytes it was published with.

``cryptography``'s ``is_signature_valid`` re-encodes the whole tbsCertList before checking it: 1.6 s for a
million-entry CRL, most of an ingest. The signed bytes are already in the file — the first element of the outer
SEQUENCE — so this module slices them out and checks the signature over them with the issuer's public key (the same
primitive, the same algorithm rules): a few milliseconds of hashing for 53 MB. Anything it does not recognise
(an unusual key type, a file it cannot slice) is left to ``is_signature_valid``: never a weaker check, at worst the
slow one.

No Django here.
"""

from __future__ import annotations

import base64
import binascii
import re

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa

_PEM = re.compile(rb"-----BEGIN X509 CRL-----(.+?)-----END X509 CRL-----", re.DOTALL)


class Unsliceable(ValueError):
    """The bytes are not a DER CertificateList this module can cut into its parts."""


def signature_valid(crl: x509.CertificateRevocationList, issuer: x509.Certificate, *, data: bytes) -> bool:
    """Does ``issuer``'s key verify ``crl``'s signature? ``data`` are the DER or PEM bytes ``crl`` was parsed from."""
    try:
        tbs, inner_algorithm, outer_algorithm = signed_parts(der_of(data))
    except Unsliceable:
        return _slow(crl, issuer)
    if inner_algorithm != outer_algorithm:  # RFC 5280 §5.1.1.2: both must name the same algorithm
        return False
    key = issuer.public_key()
    try:
        hash_algorithm = crl.signature_hash_algorithm
        parameters = crl.signature_algorithm_parameters
        if isinstance(key, rsa.RSAPublicKey):
            if not isinstance(parameters, padding.PKCS1v15 | padding.PSS) or hash_algorithm is None:
                return False
            key.verify(crl.signature, tbs, parameters, hash_algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            if not isinstance(parameters, ec.ECDSA):
                return False
            key.verify(crl.signature, tbs, parameters)
        elif isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
            if parameters is not None or hash_algorithm is not None:
                return False
            key.verify(crl.signature, tbs)
        else:
            return _slow(crl, issuer)
    except (InvalidSignature, UnsupportedAlgorithm, TypeError, ValueError):
        return False
    return True


def signed_parts(der: bytes) -> tuple[bytes, bytes, bytes]:
    """(tbsCertList, its signature AlgorithmIdentifier, the outer signatureAlgorithm), each as its DER bytes."""
    outer_tag, body, outer_end = header(der, 0)
    if outer_tag != 0x30 or outer_end != len(der):
        raise Unsliceable("not one SEQUENCE")
    tbs_tag, tbs_body, tbs_end = header(der, body)
    if tbs_tag != 0x30:
        raise Unsliceable("tbsCertList is not a SEQUENCE")
    algorithm_tag, _, algorithm_end = header(der, tbs_end)
    if algorithm_tag != 0x30:
        raise Unsliceable("signatureAlgorithm is not a SEQUENCE")
    position = tbs_body
    tag, _, end = header(der, position)
    if tag == 0x02:  # version
        position = end
        tag, _, end = header(der, position)
    if tag != 0x30 or end > tbs_end:
        raise Unsliceable("tbsCertList.signature is not a SEQUENCE")
    return der[body:tbs_end], der[position:end], der[tbs_end:algorithm_end]


def header(der: bytes, offset: int) -> tuple[int, int, int]:
    """(tag, where the contents start, where they end) of the TLV at ``offset`` (definite lengths only)."""
    if offset + 2 > len(der):
        raise Unsliceable("truncated")
    tag, first = der[offset], der[offset + 1]
    start = offset + 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or start + count > len(der):
            raise Unsliceable("unsupported length")
        length = int.from_bytes(der[start : start + count], "big")
        start += count
    if start + length > len(der):
        raise Unsliceable("truncated")
    return tag, start, start + length


def der_of(data: bytes) -> bytes:
    """The DER bytes of a DER or PEM CRL (the first X509 CRL block of a PEM file)."""
    if not data.lstrip().startswith(b"-----BEGIN"):
        return data
    match = _PEM.search(data)
    if match is None:
        raise Unsliceable("no X509 CRL block")
    try:
        return base64.b64decode(b"".join(match.group(1).split()), validate=True)
    except (binascii.Error, ValueError):
        raise Unsliceable("bad base64") from None


def _slow(crl: x509.CertificateRevocationList, issuer: x509.Certificate) -> bool:
    try:
        return crl.is_signature_valid(issuer.public_key())  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
