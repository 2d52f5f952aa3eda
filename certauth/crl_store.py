"""The CRL store: for each issuing CA, its latest verified CRL, indexed for "is serial S of issuer I revoked?".

Design: a table of revoked serials with a (crl, serial) index, in the project's database — so every gunicorn worker
and every app host shares one store (SQLite in the demo, PostgreSQL in production), workers hold nothing in
memory, and a lookup is one indexed query. Loading a CRL writes its entries under a new ``Crl`` row that no lookup
sees until one short transaction makes it the issuer's ``current`` CRL; the previous CRL's rows are removed
afterwards. Logins are served throughout, and a failed load leaves the previous CRL in force. A CRL is only accepted
after its signature verified with the issuer's key (over the published bytes), and never with a CRL number lower
than the one held.

Bulk path: on PostgreSQL the table is partitioned by CRL — a CRL's serials go into a table of its own with one
``COPY``, are indexed once and attached in one transaction, and a superseded CRL's partition is dropped; on SQLite
they are inserted in sorted batches (one ``INSERT … SELECT`` over a JSON array each, one short write transaction
each, so logins write their audit in between) and deleted in batches.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
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
from certauth.icp.crl_serials import serials_hex
from certauth.icp.revocation import HeldCrl, Revocation
from certauth.models import Crl, CrlFile, CrlIssuer, CrlState, RevokedSerial

logger = logging.getLogger("certauth.crl")

BATCH = 100_000  # rows per COPY chunk (PostgreSQL)
#: SQLite: rows per write transaction, and the pause after each, so that logins waiting to write their audit get the
#: single writer's lock between batches (SQLite's busy handler sleeps up to 100 ms between its tries: without a
#: pause the next batch takes the lock first, and a login waited for the whole ingest's batches — p99 675 ms).
SQLITE_BATCH = 20_000
SQLITE_PAUSE_SECONDS = 0.025
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
    if connection.vendor == "postgresql":
        _drop_orphan_partitions()
    return len(stale)


def _drop_orphan_partitions() -> None:
    """PostgreSQL: drop the partitions of CRLs whose row is gone (deleted some other way than by this module, e.g.
    with their issuer): a million rows nobody can reach. A partition being loaded has its row already."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s",
            [_TABLE],
        )
        names = {name: name.rsplit("_", 1)[1] for (name,) in cursor.fetchall()}
        ids = {int(suffix): name for name, suffix in names.items() if suffix.isdigit()}
        known = set(Crl.objects.filter(pk__in=list(ids)).values_list("pk", flat=True))
        for crl_id, name in ids.items():
            if crl_id not in known:
                logger.warning("Partition %s of a CRL that no longer exists dropped", name)
                cursor.execute(f"DROP TABLE IF EXISTS {_partition(crl_id)}")


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


def _insert_serials(crl_id: int, published: _Published) -> None:
    """Index the CRL's serials under ``crl_id`` (a CRL no lookup uses until the swap)."""
    serials = serials_hex(published.crl, data=published.data)
    if connection.vendor == "postgresql":
        _copy_serials(crl_id, serials)
    else:
        # Sorted as the index is: the (crl, serial) index then only grows at its end (the new CRL has the highest
        # id), several times faster than inserting in CRL order.
        serials.sort()
        _insert_serials_in_batches(crl_id, serials)


def _partition(crl_id: int) -> str:
    return f"{_TABLE}_{int(crl_id)}"


def _copy_serials(crl_id: int, serials: list[str]) -> None:
    """PostgreSQL (the table is partitioned by CRL, migration 0009): in one transaction, a table of this CRL's own is
    filled with one ``COPY`` (no index to maintain row by row; hex serials need no escaping, so the text is built in a
    few large writes), indexed once, and attached as the CRL's partition. Lookups never wait for it (attaching takes
    a lock that readers share) and see nothing of it until it commits — and use nothing of it until the swap."""
    partition = _partition(crl_id)
    prefix = f"{crl_id}\t"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {partition} (LIKE {_TABLE}, CHECK (crl_id = {int(crl_id)}))")
        # FREEZE (the table is new in this transaction): rows written frozen and all-visible, so neither the first
        # lookups (hint bits) nor autovacuum rewrite a million rows later, while logins run.
        with cursor.cursor.copy(f"COPY {partition} (crl_id, serial) FROM STDIN (FREEZE)") as copy:  # noqa: S608
            for start in range(0, len(serials), BATCH):
                copy.write(prefix + f"\n{prefix}".join(serials[start : start + BATCH]) + "\n")
        cursor.execute(f"CREATE INDEX {partition}_lookup ON {partition} (crl_id, serial)")
        # The CHECK constraint spares the scan that would prove every row belongs to the partition.
        cursor.execute(f"ALTER TABLE {_TABLE} ATTACH PARTITION {partition} FOR VALUES IN ({int(crl_id)})")


def _insert_serials_in_batches(crl_id: int, serials: list[str]) -> None:
    """SQLite: one prepared ``INSERT … SELECT`` per batch over a JSON array (``json_each``: the rows are made in C,
    not bound one by one — 2–3× faster than ``executemany``), one short write transaction each, so that logins can
    write their audit between batches (SQLite has a single writer)."""
    sql = f"INSERT INTO {_TABLE} (crl_id, serial) SELECT %s, value FROM json_each(%s)"  # noqa: S608
    for start in range(0, len(serials), SQLITE_BATCH):
        if start:
            time.sleep(SQLITE_PAUSE_SECONDS)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [crl_id, json.dumps(serials[start : start + SQLITE_BATCH])])


def _store_file(crl_id: int, data: bytes) -> None:
    """The CRL file beside its index. On PostgreSQL sent as a binary parameter (Django's client-side binding would
    write 53 MB as 106 MB of hex inside the SQL text)."""
    if connection.vendor != "postgresql":
        CrlFile.objects.create(crl_id=crl_id, der=data)
        return
    import psycopg  # only with PostgreSQL

    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(
            f"INSERT INTO {CrlFile._meta.db_table} (crl_id, der) VALUES (%s, %b)",  # noqa: S608
            [crl_id, data],
        )


def _delete_crl(crl_id: int) -> None:
    """Delete a CRL's rows (once it is no longer current, or never was). PostgreSQL: drop its partition (rows written
    one by one, in the default partition, go with a DELETE). SQLite: short batches, so that logins writing their audit
    do not wait for a million-row delete."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TABLE IF EXISTS {_partition(crl_id)}")
            cursor.execute(f"DELETE FROM {_TABLE} WHERE crl_id = %s", [crl_id])  # noqa: S608
        else:
            while True:
                with transaction.atomic():
                    cursor.execute(
                        f"DELETE FROM {_TABLE} WHERE id IN (SELECT id FROM {_TABLE} WHERE crl_id = %s LIMIT %s)",  # noqa: S608
                        [crl_id, SQLITE_BATCH],
                    )
                    if cursor.rowcount == 0:
                        break
                time.sleep(SQLITE_PAUSE_SECONDS)
    CrlIssuer.objects.filter(current_id=crl_id).update(current=None)
    Crl.objects.filter(pk=crl_id).delete()  # and its file


def revocation_of(issuer_key_id: str, serial: str) -> Revocation | None:
    """Is ``serial`` on the current CRL of the issuer with that key? (for sessions re-checking their certificate)"""
    return lookup([(issuer_key_id, serial)]).listed.get((issuer_key_id, serial))
