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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.db import IntegrityError, transaction
from django.db.models import F

from certauth.conf import settings
from certauth.crl_fetch import FetchError, download
from certauth.icp.bundle import BundleEntry, BundleError, Verdict, is_self_signed, judge, read_bundle
from certauth.icp.crl import distribution_points, key_id
from certauth.icp.errors import CertificateError
from certauth.icp.names import display_name
from certauth.icp.trust import TrustStore, fingerprint, load_pem_files
from certauth.models import TrustedAuthority, TrustSource, TrustStoreGeneration, TrustStoreImport

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
    rows = TrustedAuthority.objects.filter(removed_at__isnull=True).values_list("subject", "der")
    certificates = []
    for subject, der in rows:
        try:
            certificates.append(x509.load_der_x509_certificate(bytes(der)))
        except ValueError:  # a damaged row must not take every login down with it
            logger.error("stored AC %s unreadable: left out of the trust store", subject)
    return certificates


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
            if digest in known or is_self_signed(certificate):
                continue
            known.add(digest)
            row = TrustedAuthority.objects.filter(fingerprint=digest).first()
            if row is not None:
                if row.removed_at is None or not _valid_at(certificate, now):
                    continue
                TrustedAuthority.objects.filter(pk=row.pk).update(removed_at=None, source=source, added_at=now)
            else:
                try:
                    with transaction.atomic():  # a savepoint: another worker may store the same AC at this moment
                        TrustedAuthority.objects.create(**_row_fields(certificate, digest), source=source, added_at=now)
                except IntegrityError:
                    continue  # stored by the other worker (its generation bump reaches us too)
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


def _valid_at(certificate: x509.Certificate, at: dt.datetime) -> bool:
    return certificate.not_valid_before_utc <= at <= certificate.not_valid_after_utc


# --- Importing ITI's bundle ------------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    """What an import changed (or would change, in a dry run), one Portuguese line per AC concerned."""

    source: str
    added: list[str] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # stored ACs the bundle omits, still valid: never removed for that
    known: int = 0
    dry_run: bool = False

    def lines(self) -> list[str]:
        return [
            *(f"incluída: {line}" for line in self.added),
            *(f"vencida, não incluída: {line}" for line in self.expired),
            *(f"retirada: {line}" for line in self.removed),
            *(f"recusada: {line}" for line in self.refused),
            *(f"mantida: {line}" for line in self.kept),
        ]

    def summary(self) -> str:
        prefix = "Simulação (nada foi gravado): " if self.dry_run else ""
        return (
            f"{prefix}{len(self.added)} incluída(s), {len(self.expired)} vencida(s), {len(self.removed)} "
            f"retirada(s), {len(self.refused)} recusada(s), {self.known} já conhecida(s)."
        )


def load_source(source: str) -> bytes:
    """The bundle's bytes from a file path or an http(s) URL (bounded in size and time). Raises BundleError."""
    max_bytes = int(settings.TRUST_STORE_MAX_BYTES)
    if source.lower().startswith(("http://", "https://")):
        try:
            return download(source, timeout=float(settings.TRUST_STORE_TIMEOUT), max_bytes=max_bytes)
        except FetchError as exc:
            raise BundleError(f"Não foi possível baixar o pacote: {exc}") from None
    path = Path(source)
    try:
        if path.stat().st_size > max_bytes:
            raise BundleError(f"{source}: maior que o limite de {max_bytes} bytes.")
        return path.read_bytes()
    except OSError as exc:
        raise BundleError(f"Não foi possível ler {source}: {exc.strerror or exc}.") from None


def import_bundle(source: str, *, now: dt.datetime, dry_run: bool = False) -> ImportResult:
    """Read ``source`` (file or URL) and apply it. Raises :class:`BundleError` — nothing changed — when the file is
    unusable."""
    data = load_source(source)
    return apply_bundle(read_bundle(data, name=Path(source).name or source), source=source, now=now, dry_run=dry_run)


def apply_bundle(
    entries: Sequence[BundleEntry], *, source: str, now: dt.datetime, dry_run: bool = False
) -> ImportResult:
    """Apply ITI's full bundle, all or nothing (one transaction):

    - an AC that chains to a configured root at ``now`` and is not known yet is added (source ``import``);
    - an expired AC is not added ("vencida"); a root, a non-CA certificate, or an AC with no verified path to a
      configured root (bad signature, unknown root) is refused, each with its line;
    - stored ACs that have expired are retired (``removed_at``), whatever their source;
    - a stored AC the bundle omits but which is still valid is KEPT (a line says so): removing it would lock out
      every holder of a certificate it issued, and an AC's end is its expiry or its revocation (the CRL store),
      not its absence from one download.
    """
    result = ImportResult(source=source, dry_run=dry_run)
    roots = load_pem_files(settings.TRUST_ROOTS)
    known = current_intermediates()
    known_prints = {fingerprint(c) for c in known}
    judged = judge(entries, roots=roots, known=known, now=now)
    accepted: list[x509.Certificate] = []
    for item in judged:
        label = _label(item.certificate, item.entry.origin)
        if item.verdict is Verdict.ACCEPTED:
            if fingerprint(item.certificate) in known_prints:
                result.known += 1
            else:
                accepted.append(item.certificate)
                result.added.append(f"{label}, válida até {item.certificate.not_valid_after_utc:%d/%m/%Y}")
        elif item.verdict is Verdict.EXPIRED:
            if fingerprint(item.certificate) not in known_prints:
                result.expired.append(f"{label}, {item.reason}")
        else:
            result.refused.append(f"{label}: {item.reason}")
    in_bundle = {fingerprint(item.certificate) for item in judged}
    active = TrustedAuthority.objects.filter(removed_at__isnull=True)
    retiring = [row for row in active if row.not_after < now]
    for row in retiring:
        result.removed.append(f"{row.subject}, venceu em {row.not_after:%d/%m/%Y}")
    for row in active.filter(source=TrustSource.IMPORT, not_after__gte=now).exclude(fingerprint__in=in_bundle):
        result.kept.append(f"{row.subject}: ausente do pacote, mas ainda válida (só sai ao vencer)")
    if dry_run:
        return result
    with transaction.atomic():
        remember(accepted, source=TrustSource.IMPORT, now=now)
        retire([row.fingerprint for row in retiring], now=now)
        TrustStoreImport.objects.create(
            created_at=now,
            source=source[:1000],
            added=len(result.added),
            expired=len(result.expired),
            removed=len(result.removed),
            refused=len(result.refused),
            report="\n".join([*result.lines(), result.summary()]),
        )
    logger.info("trust store import from %s: %s", source, result.summary())
    return result


def _label(certificate: x509.Certificate, origin: str) -> str:
    name = display_name(certificate.subject)
    return f"{name} ({origin})" if origin else name


# --- Status ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expiring:
    name: str
    not_after: dt.datetime
    source: str


@dataclass(frozen=True)
class Status:
    generation: int
    shipped: int
    stored: int
    retired: int
    per_root: dict[str, int]
    expiring: list[Expiring]
    expired: list[Expiring]
    last_import: TrustStoreImport | None

    def as_json(self) -> dict[str, Any]:
        last = self.last_import
        return {
            "generation": self.generation,
            "shipped": self.shipped,
            "stored": self.stored,
            "retired": self.retired,
            "per_root": self.per_root,
            "expiring": [_expiring_json(e) for e in self.expiring],
            "expired": [_expiring_json(e) for e in self.expired],
            "last_import": None
            if last is None
            else {
                "at": last.created_at.isoformat(),
                "source": last.source,
                "added": last.added,
                "expired": last.expired,
                "removed": last.removed,
                "refused": last.refused,
            },
        }


EXPIRY_WINDOW = dt.timedelta(days=30)
NO_PATH = "sem caminho até uma raiz configurada"


def status(*, now: dt.datetime) -> Status:
    """The store as operators need it: ACs per root, those expiring within 30 days, the last import."""
    roots = load_pem_files(settings.TRUST_ROOTS)
    shipped = shipped_intermediates()
    shipped_prints = {fingerprint(c) for c in shipped}
    stored = [c for c in stored_authorities() if fingerprint(c) not in shipped_prints]
    store = TrustStore(roots, [*shipped, *stored])
    per_root: dict[str, int] = {}
    expiring: list[Expiring] = []
    expired: list[Expiring] = []
    for certificate, origin in [*((c, "pasta distribuída") for c in shipped), *((c, "banco") for c in stored)]:
        end = certificate.not_valid_after_utc
        item = Expiring(display_name(certificate.subject), end, origin)
        if end < now:
            expired.append(item)
            continue
        if end < now + EXPIRY_WINDOW:
            expiring.append(item)
        try:
            root = display_name(store.verify(certificate, at=now).root.subject)
        except CertificateError:
            root = NO_PATH
        per_root[root] = per_root.get(root, 0) + 1
    return Status(
        generation=generation(),
        shipped=len(shipped),
        stored=len(stored),
        retired=TrustedAuthority.objects.filter(removed_at__isnull=False).count(),
        per_root=dict(sorted(per_root.items())),
        expiring=sorted(expiring, key=lambda e: e.not_after),
        expired=sorted(expired, key=lambda e: e.not_after),
        last_import=TrustStoreImport.objects.order_by("-created_at").first(),
    )


def _expiring_json(item: Expiring) -> dict[str, str]:
    return {"name": item.name, "not_after": item.not_after.isoformat(), "source": item.source}


# --- Health ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Health:
    """What ``/saude/`` says of the store: cheap (the validator's parsed certificates, one query)."""

    expiring: list[Expiring]
    expired: int
    last_import_at: dt.datetime | None
    scheduled: bool
    stale: bool

    def as_json(self) -> dict[str, Any]:
        if not self.scheduled:
            refresh = "importação manual"
        elif self.last_import_at is None:
            refresh = "nunca importado"
        else:
            refresh = self.last_import_at.isoformat()
        return {
            "status": "desatualizado" if self.stale else "ok",
            "vencem_em_30_dias": len(self.expiring),
            "exemplos": [f"{e.name} ({e.not_after:%d/%m/%Y})" for e in self.expiring[:5]],
            "vencidas": self.expired,
            "ultima_importacao": refresh,
        }


def health(*, now: dt.datetime, intermediates: Sequence[x509.Certificate]) -> Health:
    """ACs of ``intermediates`` (the validator's) expiring within 30 days; the store is stale when a scheduled URL
    is configured and no import succeeded for ``CERTAUTH_TRUST_STORE_MAX_AGE_DAYS``."""
    expiring = sorted(
        (
            Expiring(display_name(c.subject), c.not_valid_after_utc, "")
            for c in intermediates
            if now <= c.not_valid_after_utc < now + EXPIRY_WINDOW
        ),
        key=lambda e: e.not_after,
    )
    expired = sum(c.not_valid_after_utc < now for c in intermediates)
    last = TrustStoreImport.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    scheduled = bool(settings.TRUST_STORE_URL)
    max_age = dt.timedelta(days=int(settings.TRUST_STORE_MAX_AGE_DAYS))
    stale = scheduled and (last is None or now - last > max_age)
    return Health(expiring=expiring, expired=expired, last_import_at=last, scheduled=scheduled, stale=stale)
