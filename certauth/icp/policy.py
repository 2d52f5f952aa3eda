"""Certificate type (ICP-Brasil policy OIDs, DOC-ICP-04) and the key usages a TLS login needs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from certauth.icp.errors import CertificateError, Reason

#: A3 and A4 (DOC-ICP-04 §1.4.1.2: an application that accepts a type accepts the higher ones too).
DEFAULT_ACCEPTED_POLICY_PREFIXES = ("2.16.76.1.2.3", "2.16.76.1.2.4")

_TYPE_NAMES = {
    "2.16.76.1.2.1": "A1",
    "2.16.76.1.2.2": "A2",
    "2.16.76.1.2.3": "A3",
    "2.16.76.1.2.4": "A4",
}


@dataclass(frozen=True, slots=True)
class PolicyMatch:
    """The accepted policy found: the full OID (e.g. ``2.16.76.1.2.3.28``) and its type name (``A3``)."""

    oid: str
    certificate_type: str


def certificate_type_name(oid: str) -> str:
    """``2.16.76.1.2.3.28`` → ``A3``; unknown arcs keep their prefix."""
    prefix = oid.rsplit(".", 1)[0]
    return _TYPE_NAMES.get(prefix, prefix)


def match_policy(certificate: x509.Certificate, accepted_prefixes: Iterable[str]) -> PolicyMatch:
    """Return the first policy OID under an accepted prefix, or raise ``CERT_NOT_A3``.

    A prefix matches whole arcs only: ``2.16.76.1.2.3`` accepts ``2.16.76.1.2.3.28`` but never
    ``2.16.76.1.2.31.x``, and the OID must be longer than the prefix (the last arc names the issuing AC's policy).
    """
    prefixes = tuple(p.rstrip(".") + "." for p in accepted_prefixes)
    try:
        policies = certificate.extensions.get_extension_for_class(x509.CertificatePolicies).value
    except x509.ExtensionNotFound:
        raise CertificateError(Reason.CERT_NOT_A3, "O certificado não declara política de certificação.") from None
    except (ValueError, x509.DuplicateExtension) as exc:
        raise CertificateError(Reason.CERT_MALFORMED, f"Extensão de políticas inválida ({exc}).") from None
    found = [p.policy_identifier.dotted_string for p in policies]
    for oid in found:
        if oid.startswith(prefixes) and all(arc.isdigit() for arc in oid.split(".")):
            return PolicyMatch(oid=oid, certificate_type=certificate_type_name(oid))
    types = ", ".join(sorted({certificate_type_name(oid) for oid in found})) or "nenhuma"
    raise CertificateError(
        Reason.CERT_NOT_A3, f"Tipo de certificado não aceito para login (política encontrada: {types})."
    )


def check_key_usage(certificate: x509.Certificate) -> None:
    """Require an end-entity certificate with digitalSignature, and clientAuth wherever an EKU is present."""
    extensions = certificate.extensions
    try:
        constraints = extensions.get_extension_for_class(x509.BasicConstraints).value
        if constraints.ca:
            raise CertificateError(
                Reason.CERT_KEY_USAGE, "Certificado de autoridade certificadora não serve para login."
            )
    except x509.ExtensionNotFound:
        pass
    try:
        key_usage = extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        raise CertificateError(Reason.CERT_KEY_USAGE, "O certificado não declara o uso da chave.") from None
    if not key_usage.digital_signature:
        raise CertificateError(Reason.CERT_KEY_USAGE, "A chave do certificado não permite assinatura digital.")
    try:
        eku = extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return
    if ExtendedKeyUsageOID.CLIENT_AUTH not in eku:
        raise CertificateError(Reason.CERT_KEY_USAGE, "O certificado não permite autenticação de cliente (clientAuth).")
