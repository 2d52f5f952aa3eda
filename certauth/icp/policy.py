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
        raise CertificateError(
            Reason.CERT_NOT_A3,
            "O certificado não traz a política de certificação (certificatePolicies), que indica o seu tipo (A1, A3…).",
        ) from None
    except (ValueError, x509.DuplicateExtension) as exc:
        raise CertificateError(Reason.CERT_MALFORMED, f"Extensão de políticas inválida ({exc}).") from None
    found = [p.policy_identifier.dotted_string for p in policies]
    for oid in found:
        if oid.startswith(prefixes) and all(arc.isdigit() for arc in oid.split(".")):
            return PolicyMatch(oid=oid, certificate_type=certificate_type_name(oid))
    raise CertificateError(Reason.CERT_NOT_A3, _not_accepted(found))


def _not_accepted(found: list[str]) -> str:
    """The type the certificate's policies name, in words (the OIDs themselves when they name no ICP-Brasil type)."""
    types = sorted({_TYPE_NAMES[oid.rsplit(".", 1)[0]] for oid in found if oid.rsplit(".", 1)[0] in _TYPE_NAMES})
    if types:
        return (
            f"O certificado é do tipo {' e '.join(types)}, pela sua política de certificação; o portal aceita A3 e A4."
        )
    shown = ", ".join(found[:5])[:200] or "nenhuma"
    return (
        f"A política de certificação do certificado ({shown}) não corresponde a nenhum tipo da ICP-Brasil; o portal "
        "aceita A3 e A4."
    )


def check_key_usage(certificate: x509.Certificate) -> None:
    """Require an end-entity certificate with digitalSignature, and clientAuth wherever an EKU is present."""
    extensions = certificate.extensions
    try:
        constraints = extensions.get_extension_for_class(x509.BasicConstraints).value
        if constraints.ca:
            raise CertificateError(
                Reason.CERT_KEY_USAGE,
                "Este é o certificado de uma autoridade certificadora (que emite certificados), não o de uma pessoa.",
            )
    except x509.ExtensionNotFound:
        pass
    try:
        key_usage = extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        raise CertificateError(
            Reason.CERT_KEY_USAGE,
            "O certificado não traz a extensão “uso da chave” (keyUsage), que diz para que ele serve.",
        ) from None
    if not key_usage.digital_signature:
        raise CertificateError(
            Reason.CERT_KEY_USAGE,
            "O “uso da chave” do certificado não inclui a assinatura digital (digitalSignature), usada no login.",
        )
    try:
        eku = extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return
    if ExtendedKeyUsageOID.CLIENT_AUTH not in eku:
        raise CertificateError(
            Reason.CERT_KEY_USAGE,
            "O “uso estendido da chave” do certificado não inclui a autenticação de cliente (clientAuth), usada no "
            "login.",
        )
