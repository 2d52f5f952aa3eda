"""Proof of possession: the PSC's RAW signature over our challenge, verified with the certificate's own key.

RAW is "assinatura digital simples (PKCS1)" in DOC-ICP-17.01: RSASSA-PKCS1-v1_5 over the SHA-256 DigestInfo for RSA
keys; for EC keys ECDSA, DER-encoded (the fixed-size ``r || s`` form some HSMs return is accepted too).
"""

from __future__ import annotations

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, encode_dss_signature

from certauth.icp.errors import Reason
from cloudauth.psc.errors import PscError


def verify_raw_signature(certificate: x509.Certificate, digest: bytes, signature: bytes) -> None:
    """Raise ``CLOUD_BAD_SIGNATURE`` unless ``signature`` is the certificate key's signature of SHA-256 ``digest``."""
    if len(digest) != 32:
        raise ValueError("digest must be a SHA-256 value")
    try:
        key = certificate.public_key()
    except (ValueError, TypeError) as exc:
        raise PscError(Reason.CLOUD_BAD_SIGNATURE, f"Chave pública do certificado ilegível ({exc}).") from None
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))
            return
        if isinstance(key, ec.EllipticCurvePublicKey):
            _verify_ecdsa(key, digest, signature)
            return
    except InvalidSignature:
        raise PscError(
            Reason.CLOUD_BAD_SIGNATURE, "A assinatura devolvida pelo prestador não confere com a chave do certificado."
        ) from None
    raise PscError(Reason.CLOUD_BAD_SIGNATURE, f"Tipo de chave não suportado ({type(key).__name__}).")


def _verify_ecdsa(key: ec.EllipticCurvePublicKey, digest: bytes, signature: bytes) -> None:
    algorithm = ec.ECDSA(Prehashed(hashes.SHA256()))
    try:
        key.verify(signature, digest, algorithm)
        return
    except InvalidSignature:
        size = (key.curve.key_size + 7) // 8
        if len(signature) != 2 * size:
            raise
    r, s = int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
    key.verify(encode_dss_signature(r, s), digest, algorithm)
