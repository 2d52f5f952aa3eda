"""The CRL store: for each issuing CA, its latest verified CRL, indexed for "is serial S of issuer I revoked?".

Design: a table of revoked serials with a (crl, serial) index, in the project's database — so every gunicorn worker
and every app host shares one store (SQLite in the demo, PostgreSQL in production), workers hold nothing in
memory, and a lookup is one indexed query. Loading a CRL writes its entries in batches under a new ``Crl`` row
that no lookup sees until one short transaction makes it the issuer's ``current`` CRL; the previous CRL's rows
are deleted afterwards, in batches. Logins are served throughout, and a failed load leaves the previous CRL in
force. A CRL is only accepted after its signature verified with the issuer's key, and never with a CRL number
lower than the one held.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cryptography import x509
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from certauth import signals
from certauth.icp.crl import (
    CrlError,
    CrlInfo,
    entry_reason,
    find_issuer,
    key_id,
    load_crl,
    verify_crl,
)
from certauth.icp.revocation import HeldCrl, Revocation
from certauth.models import Crl, CrlFile, CrlIssuer, CrlState, RevokedSerial

logger = logging.getLogger("certauth.crl")

BATCH = 50_000  # rows per transaction: short enough for logins writing their audit meanwhile
_TABLE = RevokedSerial._meta.db_table


class IngestOutcome(StrEnum):
    LOADED = "loaded"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class IngestResult:
    outcome: IngestOutcome
    issuer: CrlIssuer
    info: CrlInfo


@dataclass(frozen=True)
class HeldFor:
    """An issuer's current CRL as a lookup needs it."""

    crl_id: int
    held: HeldCrl


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
        CrlFile.objects.create(crl=new, der=data)
        _insert_serials(new.pk, crl)
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


@dataclass(frozen=True)
class Lookup:
    """What the store says about the certificates of one path: each issuer's current CRL, and which of the
    asked (issuer, serial) pairs it lists."""

    held: dict[str, HeldFor]
    listed: dict[tuple[str, str], Revocation]


def lookup(pairs: list[tuple[str, str]]) -> Lookup:
    """One query for a whole path: the current CRL of each issuer key, joined with the asked serials.

    Written in SQL rather than the ORM: it runs on every login, and building the ORM query cost ten times more
    than running it."""
    if not pairs:
        return Lookup({}, {})
    keys = sorted({key for key, _ in pairs})
    serials = sorted({serial for _, serial in pairs})
    sql = (
        f"SELECT i.key_id, c.id, c.number, c.this_update, c.next_update, r.serial "  # noqa: S608
        f"FROM {CrlIssuer._meta.db_table} i JOIN {Crl._meta.db_table} c ON c.id = i.current_id "
        f"LEFT JOIN {_TABLE} r ON r.crl_id = c.id AND r.serial IN ({', '.join(['%s'] * len(serials))}) "
        f"WHERE i.key_id IN ({', '.join(['%s'] * len(keys))})"
    )
    wanted = set(pairs)
    held: dict[str, HeldFor] = {}
    listed: dict[tuple[str, str], Revocation] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*serials, *keys])
        rows = cursor.fetchall()
    for key, crl_id, number, this_update, next_update, serial in rows:
        held[key] = HeldFor(
            crl_id, HeldCrl(int(number) if number else None, _aware(this_update), _aware_or_none(next_update))
        )
        if serial is not None and (key, serial) in wanted:
            listed[(key, serial)] = _revocation_details(crl_id, serial)
    return Lookup(held, listed)


def _revocation_details(crl_id: int, serial: str) -> Revocation:
    """Date and reason of a listed serial, read from the CRL file (only when a revoked certificate is met)."""
    der = CrlFile.objects.filter(crl_id=crl_id).values_list("der", flat=True).first()
    entry = (
        x509.load_der_x509_crl(bytes(der)).get_revoked_certificate_by_serial_number(int(serial, 16)) if der else None
    )
    if entry is None:  # the index lists it: revoked, whatever the file says
        return Revocation(dt.datetime.min.replace(tzinfo=dt.UTC), "")
    return Revocation(entry.revocation_date_utc, entry_reason(entry))


def _aware(value: Any) -> dt.datetime:
    """Raw SQL returns what the driver gives: aware datetimes (PostgreSQL) or text in UTC (SQLite)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if not isinstance(value, dt.datetime):
        raise TypeError(f"not a datetime: {value!r}")
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _aware_or_none(value: Any) -> dt.datetime | None:
    return None if value is None else _aware(value)


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


def _insert_serials(crl_id: int, crl: x509.CertificateRevocationList) -> None:
    """Index the CRL's serials, in serial order: the (crl, serial) index then only grows at its end (the new CRL
    has the highest id), which makes a million-row load several times faster than inserting in CRL order."""
    rows = sorted((crl_id, format(entry.serial_number, "X")) for entry in crl)
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {_TABLE} (crl_id, serial) FROM STDIN") as copy:  # noqa: S608
                    for row in batch:
                        copy.write_row(row)
            else:
                cursor.executemany(f"INSERT INTO {_TABLE} (crl_id, serial) VALUES (%s, %s)", batch)  # noqa: S608


def _delete_crl(crl_id: int) -> None:
    """Delete a CRL's rows in batches (short transactions: logins keep writing their audit meanwhile)."""
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {_TABLE} WHERE id IN (SELECT id FROM {_TABLE} WHERE crl_id = %s LIMIT %s)",  # noqa: S608
                [crl_id, BATCH * 5],
            )
            if cursor.rowcount == 0:
                break
    CrlIssuer.objects.filter(current_id=crl_id).update(current=None)
    Crl.objects.filter(pk=crl_id).delete()  # and its file


def revocation_of(issuer_key_id: str, serial: str) -> Revocation | None:
    """Is ``serial`` on the current CRL of the issuer with that key? (for sessions re-checking their certificate)"""
    return lookup([(issuer_key_id, serial)]).listed.get((issuer_key_id, serial))
