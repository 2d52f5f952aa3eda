"""The trust store's intermediates as an operational object: the shipped folder (the first-run seed) plus the ACs
stored in the database (imported from ITI's bundle, or fetched through AIA), shared by every worker and app host.

Roots never come from the database: they are the ``CERTAUTH_TRUST_ROOTS`` files only. A stored AC is only ever
added after its path to one of those roots verified (the caller's duty for :func:`remember`; :func:`apply_bundle`
does it itself). Every change bumps the one-row generation count; each worker's validator compares it (at most every
``CERTAUTH_TRUST_STORE_RECHECK_SECONDS``) and rebuilds when it moved, so a new AC works everywhere without a restart.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.db import transaction
from django.db.models import F

from certauth.conf import settings
from certauth.icp.crl import distribution_points, key_id
from certauth.icp.names import display_name
from certauth.icp.trust import fingerprint, load_pem_files
from certauth.models import TrustedAuthority, TrustStoreGeneration

logger = logging.getLogger("certauth.trust_store")

_GENERATION_ROW = 1


def generation() -> int:
    """The store's change count (one tiny query; 0 before the first change)."""
    value = TrustStoreGeneration.objects.filter(pk=_GENERATION_ROW).values_list("value", flat=True).first()
    return int(value or 0)


def bump(*, now: dt.datetime) -> None:
    """Record a change of the stored ACs: every worker rebuilds its validator at its next check, this one at once."""
    updated = TrustStoreGeneration.objects.filter(pk=_GENERATION_ROW).update(value=F("value") + 1, changed_at=now)
    if not updated:
        TrustStoreGeneration.objects.get_or_create(pk=_GENERATION_ROW, defaults={"value": 1, "changed_at": now})
    from certauth.validator import invalidate  # the validator imports this module

    transaction.on_commit(invalidate)
    invalidate()


def shipped_intermediates() -> list[x509.Certificate]:
    return load_pem_files(settings.INTERMEDIATES)


def stored_authorities() -> list[x509.Certificate]:
    """The ACs of the database that are not retired."""
    rows = TrustedAuthority.objects.filter(removed_at__isnull=True).values_list("der", flat=True)
    return [x509.load_der_x509_certificate(bytes(der)) for der in rows]


def current_intermediates() -> list[x509.Certificate]:
    """Shipped intermediates plus the stored ACs not retired, each once."""
    return list({fingerprint(c): c for c in (*shipped_intermediates(), *stored_authorities())}.values())


def remember(certificates: Sequence[x509.Certificate], *, source: str, now: dt.datetime) -> list[x509.Certificate]:
    """Store the ACs not known yet (the caller has ALREADY verified that each chains to a trusted root at ``now``),
    bump the generation if any was added, and return those added. A self-signed certificate (a root) is never
    stored. An AC retired before and valid again at ``now`` is brought back."""
    known = {fingerprint(c) for c in shipped_intermediates()}
    added: list[x509.Certificate] = []
    with transaction.atomic():
        for certificate in certificates:
            digest = fingerprint(certificate)
            if digest in known or _self_signed(certificate):
                continue
            known.add(digest)
            row = TrustedAuthority.objects.filter(fingerprint=digest).first()
            if row is not None:
                if row.removed_at is None or not _valid_at(certificate, now):
                    continue
                TrustedAuthority.objects.filter(pk=row.pk).update(removed_at=None, source=source, added_at=now)
            else:
                TrustedAuthority.objects.create(**_row_fields(certificate, digest), source=source, added_at=now)
            added.append(certificate)
        if added:
            bump(now=now)
    for certificate in added:
        logger.info("AC added to the trust store (%s): %s", source, display_name(certificate.subject))
    return added


def retire(digests: Iterable[str], *, now: dt.datetime) -> int:
    """Mark stored ACs retired (kept for history, no longer used to build paths)."""
    count = TrustedAuthority.objects.filter(fingerprint__in=list(digests), removed_at__isnull=True).update(
        removed_at=now
    )
    if count:
        bump(now=now)
    return count


def _row_fields(certificate: x509.Certificate, digest: str) -> dict[str, object]:
    return {
        "der": certificate.public_bytes(serialization.Encoding.DER),
        "fingerprint": digest,
        "subject": display_name(certificate.subject)[:1000],
        "issuer": display_name(certificate.issuer)[:1000],
        "key_id": key_id(certificate),
        "issuer_key_id": _authority_key_id(certificate),
        "not_before": certificate.not_valid_before_utc,
        "not_after": certificate.not_valid_after_utc,
        "crl_urls": list(distribution_points(certificate)),
    }


def _authority_key_id(certificate: x509.Certificate) -> str:
    try:
        value = certificate.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    except x509.ExtensionNotFound:
        return ""
    return value.key_identifier.hex() if value.key_identifier else ""


def _self_signed(certificate: x509.Certificate) -> bool:
    if certificate.subject != certificate.issuer:
        return False
    try:
        certificate.verify_directly_issued_by(certificate)
    except Exception:  # noqa: BLE001 - any failure (bad signature, unsupported key) means "not a self-signed root"
        return False
    return True


def _valid_at(certificate: x509.Certificate, at: dt.datetime) -> bool:
    return certificate.not_valid_before_utc <= at <= certificate.not_valid_after_utc
