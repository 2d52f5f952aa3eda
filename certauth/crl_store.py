"""The CRL store: for each issuing CA, its latest verified CRL, indexed for "is serial S of issuer I revoked?".

Design: a table of revoked serials with a (crl, serial) index, in the project's database — so every gunicorn worker
and every app host shares one store (SQLite in the demo, PostgreSQL in production), workers hold nothing in
memory, and a lookup is one indexed query. Loading a CRL writes its entries under a new ``Crl`` row that no lookup
sees until one short transaction makes it the issuer's ``current`` CRL; the previous CRL's rows are removed
afterwards. Logins are served throughout, and a failed load leaves the previous CRL in force. A CRL is only accepted
after its signature verified with the issuer's key (over the published bytes), and never with a CRL number lower
than the one held.

This module loads CRLs (``ingest``), remembers where issuers publish them and purges interrupted loads; the bulk
writes are each database's own: ``certauth.crl_postgresql`` (a partition per CRL, one ``COPY``, dropped when
superseded) and ``certauth.crl_sqlite`` (sorted short batches, so logins write their audit in between). Lookups are
``certauth.crl_lookup``'s, importable from here as before.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from cryptography import x509
from django.db import connection, transaction
from django.utils import timezone

from certauth import crl_postgresql, crl_sqlite, signals
from certauth.crl_lookup import HeldFor, Lookup, lookup, revocation_of
from certauth.icp.crl import CrlError, CrlInfo, find_issuer, key_id, load_crl, verify_crl
from certauth.icp.crl_serials import serials_hex
from certauth.models import Crl, CrlFile, CrlIssuer, CrlState

__all__ = [
    "HeldFor",
    "IngestOutcome",
    "IngestResult",
    "Lookup",
    "ingest",
    "learn_urls",
    "lookup",
    "purge_incomplete",
    "revocation_of",
]

logger = logging.getLogger("certauth.crl")


class IngestOutcome(StrEnum):
    LOADED = "loaded"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class IngestResult:
    outcome: IngestOutcome
    issuer: CrlIssuer
    info: CrlInfo


def ingest(
    data: bytes,
    *,
    source: str,
    issuer: x509.Certificate | None = None,
    candidates: Iterable[x509.Certificate] = (),
    max_bytes: int,
    now: dt.datetime | None = None,
) -> IngestResult:
    """Verify ``data`` as the CRL of ``issuer`` (or of whichever of ``candidates`` issued it) and make it the
    issuer's current CRL. Raises :class:`CrlError` — the CRL held before stays in force."""
    crl = load_crl(data, max_bytes=max_bytes)
    if issuer is not None:
        info = verify_crl(crl, issuer, data=data)
    else:
        issuer, info = find_issuer(crl, list(candidates), data=data)
    row, _ = CrlIssuer.objects.get_or_create(key_id=info.issuer_key_id, defaults={"name": info.issuer_name})
    current = Crl.objects.filter(pk=row.current_id).first() if row.current_id else None
    if current is not None and _same_or_older(info, current):
        if current.sha256 == info.sha256:
            return IngestResult(IngestOutcome.UNCHANGED, row, info)
        raise CrlError(_older_message(info, current))

    new = Crl.objects.create(
        issuer=row,
        number="" if info.number is None else str(info.number),
        this_update=info.this_update,
        next_update=info.next_update,
        entries=info.entries,
        sha256=info.sha256,
        source=source[:500],
        loaded_at=now or timezone.now(),
    )
    try:
        _store_file(new.pk, data)
        _insert_serials(new.pk, _Published(crl, data))
        with transaction.atomic():
            row = CrlIssuer.objects.select_for_update().get(pk=row.pk)
            current = Crl.objects.filter(pk=row.current_id).first() if row.current_id else None
            if current is not None and _same_or_older(info, current):  # another refresh won the race
                raise CrlError(_older_message(info, current))
            row.current = new
            row.name = info.issuer_name
            row.save(update_fields=["current", "name"])
            Crl.objects.filter(pk=new.pk).update(state=CrlState.CURRENT)
            if current is not None:
                Crl.objects.filter(pk=current.pk).update(state=CrlState.SUPERSEDED)
    except BaseException:
        _delete_crl(new.pk)
        raise
    if current is not None:
        _delete_crl(current.pk)
    logger.info("CRL %s of %s loaded from %s (%d entries)", info.number, info.issuer_name, source, info.entries)
    signals.crl_loaded.send(sender=CrlIssuer, issuer_key_id=info.issuer_key_id, entries=info.entries)
    return IngestResult(IngestOutcome.LOADED, row, info)


def learn_urls(issuer: x509.Certificate, urls: Iterable[str]) -> None:
    """Remember where ``issuer`` publishes its CRL (from a certificate it issued, or from configuration)."""
    new = [u for u in urls if u]
    if not new:
        return
    row, _ = CrlIssuer.objects.get_or_create(
        key_id=key_id(issuer), defaults={"name": issuer.subject.rfc4514_string(), "urls": new}
    )
    missing = [u for u in new if u not in row.urls]
    if missing:
        row.urls = [*row.urls, *missing]
        row.save(update_fields=["urls"])


def purge_incomplete(*, older_than: dt.timedelta = dt.timedelta(hours=1)) -> int:
    """Remove CRLs left half-loaded by an interrupted load (their rows were never visible to lookups)."""
    stale = list(
        Crl.objects.filter(state=CrlState.LOADING, loaded_at__lt=timezone.now() - older_than).values_list(
            "pk", flat=True
        )
    )
    for pk in stale:
        _delete_crl(pk)
    if _postgresql():
        crl_postgresql.drop_orphan_partitions()
    return len(stale)


def _same_or_older(info: CrlInfo, current: Crl) -> bool:
    if info.number is not None and current.number_value is not None:
        return info.number <= current.number_value
    return info.this_update <= current.this_update


def _older_message(info: CrlInfo, current: Crl) -> str:
    if info.number is not None and current.number_value is not None and info.number == current.number_value:
        return f"LCR nº {info.number} com conteúdo diferente da já carregada: recusada."
    return (
        f"LCR nº {info.number} mais antiga que a vigente (nº {current.number or '?'}, "
        f"emitida em {current.this_update:%d/%m/%Y %H:%M}): recusada."
    )


@dataclass(frozen=True)
class _Published:
    """A parsed CRL and the bytes it was parsed from (its serials are read from those)."""

    crl: x509.CertificateRevocationList
    data: bytes


def _postgresql() -> bool:
    return connection.vendor == "postgresql"


def _insert_serials(crl_id: int, published: _Published) -> None:
    """Index the CRL's serials under ``crl_id`` (a CRL no lookup uses until the swap)."""
    serials = serials_hex(published.crl, data=published.data)
    if _postgresql():
        crl_postgresql.copy_serials(crl_id, serials)
    else:
        crl_sqlite.insert_serials(crl_id, serials)


def _store_file(crl_id: int, data: bytes) -> None:
    """The CRL file beside its index."""
    if _postgresql():
        crl_postgresql.store_file(crl_id, data)
    else:
        CrlFile.objects.create(crl_id=crl_id, der=data)


def _delete_crl(crl_id: int) -> None:
    """Delete a CRL's rows (once it is no longer current, or never was), then the CRL and its file."""
    if _postgresql():
        crl_postgresql.delete_serials(crl_id)
    else:
        crl_sqlite.delete_serials(crl_id)
    CrlIssuer.objects.filter(current_id=crl_id).update(current=None)
    Crl.objects.filter(pk=crl_id).delete()  # and its file
