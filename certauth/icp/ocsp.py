"""OCSP (RFC 6960), optional beside the CRLs: build a request, and judge a response (pure; transport elsewhere).

A response counts only if signed by the issuing CA itself or by a responder certificate that CA issued for
``id-kp-OCSPSigning``, names the certificate asked about, and is fresh at the instant of the check.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID

from certauth.icp.revocation import Revocation

_CLOCK_SKEW = dt.timedelta(minutes=5)


class OcspError(ValueError):
    """The response cannot be used (unsigned by the right key, about another certificate, stale, unreadable)."""


class OcspStatus(StrEnum):
    GOOD = "good"
    REVOKED = "revoked"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class OcspResult:
    status: OcspStatus
    revocation: Revocation | None = None


def build_request(certificate: x509.Certificate, issuer: x509.Certificate) -> bytes:
    # SHA-1 CertID: what responders universally support (RFC 5019); it names, it does not protect.
    request = ocsp.OCSPRequestBuilder().add_certificate(certificate, issuer, hashes.SHA1()).build()  # noqa: S303
    return request.public_bytes(serialization.Encoding.DER)


def evaluate_response(
    data: bytes,
    certificate: x509.Certificate,
    issuer: x509.Certificate,
    *,
    at: dt.datetime,
    max_age: dt.timedelta = dt.timedelta(hours=1),
) -> OcspResult:
    """Judge a response to :func:`build_request`. One without nextUpdate is accepted only if issued within
    ``max_age`` (OCSP travels over plain HTTP: an old "good" answer must not be replayable forever)."""
    try:
        response = ocsp.load_der_ocsp_response(data)
    except ValueError as exc:
        raise OcspError(f"resposta OCSP ilegível ({exc})") from None
    if response.response_status is not ocsp.OCSPResponseStatus.SUCCESSFUL:
        raise OcspError(f"respondedor OCSP respondeu {response.response_status.name}")
    _verify_signer(response, issuer, at)
    single = _single_response(response, certificate, issuer)
    expires = single.next_update_utc or single.this_update_utc + max_age
    if single.this_update_utc > at + _CLOCK_SKEW or at > expires + _CLOCK_SKEW:
        raise OcspError("resposta OCSP fora do período de validade")
    if single.certificate_status is ocsp.OCSPCertStatus.GOOD:
        return OcspResult(OcspStatus.GOOD)
    if single.certificate_status is ocsp.OCSPCertStatus.REVOKED:
        when = single.revocation_time_utc or at
        reason = single.revocation_reason.value if single.revocation_reason else ""
        return OcspResult(OcspStatus.REVOKED, Revocation(when, reason))
    return OcspResult(OcspStatus.UNKNOWN)


def _single_response(
    response: ocsp.OCSPResponse, certificate: x509.Certificate, issuer: x509.Certificate
) -> ocsp.OCSPSingleResponse:
    key_bits = _subject_public_key_bits(issuer)
    for single in response.responses:
        if single.serial_number != certificate.serial_number:
            continue
        digest = hashes.Hash(single.hash_algorithm)
        digest.update(key_bits)
        if digest.finalize() == single.issuer_key_hash:
            return single
    raise OcspError("a resposta OCSP não trata deste certificado")


def _subject_public_key_bits(certificate: x509.Certificate) -> bytes:
    """The BIT STRING contents of subjectPublicKey (what CertID's issuerKeyHash hashes)."""
    public_key = certificate.public_key()
    if isinstance(public_key, rsa.RSAPublicKey):
        return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    raise OcspError("tipo de chave da AC não suportado para OCSP")


def _verify_signer(response: ocsp.OCSPResponse, issuer: x509.Certificate, at: dt.datetime) -> None:
    """The response must be signed by the CA itself or by a responder certificate it issued for OCSP signing that is
    valid at ``at`` — and that signer must be the one the response names (ResponderID by name or by key)."""
    candidates = [issuer, *(c for c in response.certificates if _is_delegated_responder(c, issuer, at))]
    named = [signer for signer in candidates if _is_named_responder(response, signer)]
    if not named:
        raise OcspError("respondedor OCSP não autorizado pela AC")
    error = OcspError("assinatura inválida na resposta OCSP")
    for signer in named:
        try:
            _verify(signer, response.signature, response.tbs_response_bytes, response.signature_hash_algorithm)
        except OcspError as exc:
            error = exc
            continue
        return
    raise error


def _is_named_responder(response: ocsp.OCSPResponse, signer: x509.Certificate) -> bool:
    if response.responder_name is not None:
        return bool(response.responder_name == signer.subject)
    digest = hashes.Hash(hashes.SHA1())  # noqa: S303  (RFC 6960 ResponderID byKey is SHA-1 by definition)
    digest.update(_subject_public_key_bits(signer))
    return digest.finalize() == response.responder_key_hash


def _is_delegated_responder(candidate: x509.Certificate, issuer: x509.Certificate, at: dt.datetime) -> bool:
    if not candidate.not_valid_before_utc <= at <= candidate.not_valid_after_utc:
        return False
    try:
        candidate.verify_directly_issued_by(issuer)
        eku = candidate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except (ValueError, TypeError, InvalidSignature, x509.ExtensionNotFound):
        return False
    return ExtendedKeyUsageOID.OCSP_SIGNING in eku


def _verify(signer: x509.Certificate, signature: bytes, data: bytes, algorithm: hashes.HashAlgorithm | None) -> None:
    public_key = signer.public_key()
    try:
        if algorithm is None:
            raise OcspError("algoritmo de assinatura OCSP não suportado")
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, data, padding.PKCS1v15(), algorithm)
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, data, ec.ECDSA(algorithm))
        else:
            raise OcspError("tipo de chave do respondedor OCSP não suportado")
    except InvalidSignature:
        raise OcspError("assinatura inválida na resposta OCSP") from None
