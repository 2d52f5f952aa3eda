"""Certificate revocation lists: loading, checking against the issuing CA, reading the entries (pure).

A CRL is accepted for an issuer only if its signature verifies with that CA's public key, its issuer name matches
the CA's subject (compared after normalisation: real ICP-Brasil names mix string encodings), and, where both exist,
its AuthorityKeyIdentifier equals the CA's SubjectKeyIdentifier.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from certauth.icp.crl_signature import signature_valid
from certauth.icp.names import display_name, names_match

#: A 1,000,000-entry CRL is about 30–55 MB of DER; anything far beyond is refused before parsing.
DEFAULT_MAX_CRL_BYTES = 128 * 1024 * 1024


class CrlError(ValueError):
    """A CRL was refused; the message says why, in Portuguese (shown by the ``crl`` command and in logs)."""


@dataclass(frozen=True, slots=True)
class CrlInfo:
    """What the store keeps about a verified CRL."""

    issuer_key_id: str
    issuer_name: str
    number: int | None
    this_update: dt.datetime
    next_update: dt.datetime | None
    entries: int
    sha256: str


class RevokedSerial(NamedTuple):
    """One CRL entry (a named tuple: a million of them are made per big CRL)."""

    serial_hex: str
    revoked_at: dt.datetime
    reason: str


def key_id(certificate: x509.Certificate) -> str:
    """Identifies a CA by its key (SHA-256 of the SubjectPublicKeyInfo): stable across re-issued CA certificates."""
    spki = certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(spki).hexdigest()


def serial_hex(serial: int) -> str:
    """The form serials take everywhere in the project (upper-case hex, no leading zeros)."""
    return format(serial, "X")


def load_crl(data: bytes, *, max_bytes: int = DEFAULT_MAX_CRL_BYTES) -> x509.CertificateRevocationList:
    """Parse a DER or PEM CRL; refuse oversized or unreadable input."""
    if len(data) > max_bytes:
        raise CrlError(f"LCR grande demais ({len(data):,} bytes; limite {max_bytes:,}).")
    if not data:
        raise CrlError("LCR vazia.")
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_crl(data)
        return x509.load_der_x509_crl(data)
    except ValueError as exc:
        raise CrlError(f"LCR ilegível ou truncada ({str(exc).splitlines()[0][:120]}).") from None


def verify_crl(crl: x509.CertificateRevocationList, issuer: x509.Certificate, *, data: bytes) -> CrlInfo:
    """Check that ``issuer`` issued ``crl``; return what the store keeps. ``data`` are the bytes it came from."""
    if not names_match(crl.issuer, issuer.subject):
        raise CrlError(f"LCR emitida por {crl.issuer.rfc4514_string()}, não por {issuer.subject.rfc4514_string()}.")
    crl_aki = _authority_key_id(crl)
    ca_ski = _subject_key_id(issuer)
    if crl_aki is not None and ca_ski is not None and crl_aki != ca_ski:
        raise CrlError("O identificador de chave da LCR não corresponde ao da AC.")
    if not signature_valid(crl, issuer, data=data):  # over the published bytes: no re-encoding of a big CRL
        raise CrlError(f"Assinatura inválida na LCR de {display_name(issuer.subject)}.")
    number = _check_complete(crl)
    return CrlInfo(
        issuer_key_id=key_id(issuer),
        issuer_name=issuer.subject.rfc4514_string(),
        number=number,
        this_update=crl.last_update_utc,
        next_update=crl.next_update_utc,
        entries=len(crl),
        sha256=hashlib.sha256(data).hexdigest(),
    )


#: CRL extensions this store understands (RFC 5280 §5.2); any other one marked critical refuses the CRL.
_KNOWN_CRL_EXTENSIONS = {
    x509.oid.ExtensionOID.CRL_NUMBER,
    x509.oid.ExtensionOID.AUTHORITY_KEY_IDENTIFIER,
    x509.oid.ExtensionOID.ISSUER_ALTERNATIVE_NAME,
    x509.oid.ExtensionOID.ISSUING_DISTRIBUTION_POINT,
    x509.oid.ExtensionOID.AUTHORITY_INFORMATION_ACCESS,
    x509.oid.ExtensionOID.FRESHEST_CRL,
}


def _check_complete(crl: x509.CertificateRevocationList) -> int | None:
    """Only a *complete* CRL for end-entity and CA certificates may replace the one held: a delta CRL or a CRL
    partitioned by scope or reason lists only some revocations, and would make the others look valid."""
    try:
        extensions = crl.extensions
        number: int | None = None
        for extension in extensions:
            oid = extension.oid
            if oid == x509.oid.ExtensionOID.DELTA_CRL_INDICATOR:
                raise CrlError("LCR delta (DeltaCRLIndicator) não substitui a LCR completa: recusada.")
            if oid == x509.oid.ExtensionOID.CRL_NUMBER:
                number = extension.value.crl_number
            elif oid == x509.oid.ExtensionOID.ISSUING_DISTRIBUTION_POINT:
                point = extension.value
                if (
                    point.only_contains_user_certs
                    or point.only_contains_ca_certs
                    or point.only_contains_attribute_certs
                    or point.only_some_reasons
                    or point.indirect_crl
                ):
                    raise CrlError("LCR parcial ou indireta (IssuingDistributionPoint restrito): recusada.")
            elif extension.critical and oid not in _KNOWN_CRL_EXTENSIONS:
                raise CrlError(f"LCR com extensão crítica desconhecida ({oid.dotted_string}): recusada.")
    except ValueError as exc:
        raise CrlError(f"Extensões inválidas na LCR ({exc}).") from None
    return number


def revoked_serials(crl: x509.CertificateRevocationList) -> Iterator[RevokedSerial]:
    """Every entry of the CRL, with its reason code name where one is given (``keyCompromise``…)."""
    for entry in crl:
        yield RevokedSerial(format(entry.serial_number, "X"), entry.revocation_date_utc, entry_reason(entry))


def entry_reason(entry: x509.RevokedCertificate) -> str:
    """The entry's reason code name (``keyCompromise``…), or ``""`` if it gives none (or an unreadable one)."""
    try:
        for extension in entry.extensions:
            if extension.oid == x509.oid.CRLEntryExtensionOID.CRL_REASON:
                return str(extension.value.reason.value)
    except ValueError:
        pass
    return ""


def distribution_points(certificate: x509.Certificate) -> tuple[str, ...]:
    """HTTP(S) URLs in the certificate's CRL Distribution Points (these name its *issuer's* CRL)."""
    try:
        points = certificate.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    except (x509.ExtensionNotFound, ValueError):
        return ()
    urls: list[str] = []
    for point in points:
        for name in point.full_name or ():
            if isinstance(name, x509.UniformResourceIdentifier) and name.value.lower().startswith(
                ("http://", "https://")
            ):
                urls.append(name.value)
    return tuple(dict.fromkeys(urls))


def ocsp_urls(certificate: x509.Certificate) -> tuple[str, ...]:
    try:
        access = certificate.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    except (x509.ExtensionNotFound, ValueError):
        return ()
    return tuple(
        d.access_location.value
        for d in access
        if d.access_method == x509.oid.AuthorityInformationAccessOID.OCSP
        and isinstance(d.access_location, x509.UniformResourceIdentifier)
    )


def _authority_key_id(crl: x509.CertificateRevocationList) -> bytes | None:
    try:
        return crl.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
    except (x509.ExtensionNotFound, ValueError):
        return None


def _subject_key_id(certificate: x509.Certificate) -> bytes | None:
    try:
        return certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    except (x509.ExtensionNotFound, ValueError):
        return None


def find_issuer(
    crl: x509.CertificateRevocationList, candidates: Iterator[x509.Certificate] | list[x509.Certificate], *, data: bytes
) -> tuple[x509.Certificate, CrlInfo]:
    """The CA among ``candidates`` that issued ``crl`` (name, key identifier and signature all agree)."""
    last_error: CrlError | None = None
    for candidate in candidates:
        if not names_match(crl.issuer, candidate.subject):
            continue
        try:
            return candidate, verify_crl(crl, candidate, data=data)
        except CrlError as exc:
            last_error = exc
    raise last_error or CrlError(
        f"Nenhuma AC confiável emitiu esta LCR (emissor declarado: {crl.issuer.rfc4514_string()})."
    )
