"""Structural and cryptographic strength checks the path builder does not make (pure: no Django).

OpenSSL builds the path without a security level (pyOpenSSL cannot set one): an AC-signed 1024-bit key or a SHA-1
or MD5 signature would verify. ICP-Brasil's current policies (DOC-ICP-01.01) require RSA ≥ 2048 and SHA-256 or
stronger; anything weaker is refused as untrusted. A certificate whose own structure cannot be read completely
(extensions, names) or whose serial breaks RFC 5280 (positive, at most 20 octets) is malformed.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

from certauth.icp.errors import CertificateError, Reason

MIN_RSA_BITS = 2048
MIN_EC_BITS = 256
WEAK_HASHES = (hashes.MD5, hashes.SHA1)


def check_structure(certificate: x509.Certificate) -> None:
    """Read everything the later checks read, up front: a parser failing here is CERT_MALFORMED."""
    try:
        certificate.extensions  # noqa: B018  (parses every extension: duplicates, undecodable names)
        certificate.subject.rfc4514_string()
        certificate.issuer.rfc4514_string()
        certificate.public_key()
        serial = certificate.serial_number
    except Exception as exc:  # noqa: BLE001  cryptography raises several unrelated types for bad structures
        raise CertificateError(
            Reason.CERT_MALFORMED, f"Estrutura do certificado ilegível ({type(exc).__name__})."
        ) from None
    if serial <= 0 or serial.bit_length() > 159:  # RFC 5280 4.1.2.2: positive, at most 20 octets
        raise CertificateError(Reason.CERT_MALFORMED, "Número de série fora do padrão (RFC 5280).")


def check_path_strength(path: Sequence[x509.Certificate]) -> None:
    """Every certificate of a verified path (leaf first, anchor last): strong keys; strong signatures below the
    anchor (the anchor's own signature is not relied on)."""
    for index, certificate in enumerate(path):
        key = certificate.public_key()
        if isinstance(key, rsa.RSAPublicKey) and key.key_size < MIN_RSA_BITS:
            raise CertificateError(
                Reason.CERT_UNTRUSTED,
                f"Um certificado da cadeia usa chave RSA de {key.key_size} bits, abaixo do mínimo da ICP-Brasil "
                f"({MIN_RSA_BITS} bits).",
            )
        if isinstance(key, dsa.DSAPublicKey):
            raise CertificateError(
                Reason.CERT_UNTRUSTED, "Um certificado da cadeia usa chave DSA, que a ICP-Brasil não aceita."
            )
        if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.key_size < MIN_EC_BITS:
            raise CertificateError(
                Reason.CERT_UNTRUSTED,
                f"Um certificado da cadeia usa curva elíptica de {key.curve.key_size} bits, abaixo do mínimo "
                f"({MIN_EC_BITS} bits).",
            )
        if index == len(path) - 1 or isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
            continue
        algorithm = certificate.signature_hash_algorithm
        if isinstance(algorithm, WEAK_HASHES):
            raise CertificateError(
                Reason.CERT_UNTRUSTED,
                f"Um certificado da cadeia foi assinado com {algorithm.name.upper()}, que a ICP-Brasil não aceita "
                "(mínimo: SHA-256).",
            )
