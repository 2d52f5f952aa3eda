"""What any certificate says about itself, readable even when it is refused (for the audit)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes


@dataclass(frozen=True, slots=True)
class CertificateFacts:
    """Identifying data of one certificate; nothing here has been validated."""

    serial_hex: str
    subject: str
    issuer: str
    fingerprint_sha256: str
    not_before: dt.datetime
    not_after: dt.datetime

    @classmethod
    def of(cls, certificate: x509.Certificate) -> CertificateFacts:
        return cls(
            serial_hex=format(certificate.serial_number, "X"),
            subject=_safe_rfc4514(certificate, issuer=False),
            issuer=_safe_rfc4514(certificate, issuer=True),
            fingerprint_sha256=certificate.fingerprint(hashes.SHA256()).hex(),
            not_before=certificate.not_valid_before_utc,
            not_after=certificate.not_valid_after_utc,
        )


def _safe_rfc4514(certificate: x509.Certificate, *, issuer: bool) -> str:
    # A hostile name (bad string types, unknown attribute encodings) must not turn an audit into a crash.
    try:
        name = certificate.issuer if issuer else certificate.subject
        return name.rfc4514_string()[:1000]
    except (ValueError, TypeError):  # TypeError: e.g. a countryName encoded as a BIT STRING
        return "(nome ilegível)"


def readable_name(rfc4514: str) -> str:
    """A distinguished name as a person reads it: its most specific common name (``AC SOLUTI Multipla v5`` for
    ``CN=AC SOLUTI Multipla v5,OU=…,O=ICP-Brasil,C=BR``), else its organization; the string itself when it has
    neither or cannot be read."""
    try:
        name = x509.Name.from_rfc4514_string(rfc4514)
    except ValueError:
        return rfc4514
    for oid in (x509.NameOID.COMMON_NAME, x509.NameOID.ORGANIZATION_NAME):
        values = [str(a.value).strip() for a in name.get_attributes_for_oid(oid) if str(a.value).strip()]
        if values:
            return values[-1]
    return rfc4514
