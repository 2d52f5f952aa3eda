"""The CRL store's bulk path on PostgreSQL: the revoked-serials table is partitioned by CRL (migration 0009).

A CRL's serials go into a table of its own with one ``COPY``, are indexed once and attached in one transaction; a
superseded CRL's partition is dropped as a table. The CRL file is sent as a binary parameter. Called by
``certauth.crl_store`` only when the database is PostgreSQL.
"""

from __future__ import annotations

import logging

from django.db import connection, transaction

from certauth.models import Crl, CrlFile, RevokedSerial

logger = logging.getLogger("certauth.crl")

BATCH = 100_000  # rows per COPY chunk
_TABLE = RevokedSerial._meta.db_table


def partition(crl_id: int) -> str:
    """The name of the table that holds the serials of CRL ``crl_id``."""
    return f"{_TABLE}_{int(crl_id)}"


def copy_serials(crl_id: int, serials: list[str]) -> None:
    """In one transaction, a table of this CRL's own is filled with one ``COPY`` (no index to maintain row by row; hex
    serials need no escaping, so the text is built in a few large writes), indexed once, and attached as the CRL's
    partition. Lookups never wait for it (attaching takes a lock that readers share) and see nothing of it until it
    commits — and use nothing of it until the swap."""
    table = partition(crl_id)
    prefix = f"{crl_id}\t"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {table} (LIKE {_TABLE}, CHECK (crl_id = {int(crl_id)}))")
        # FREEZE (the table is new in this transaction): rows written frozen and all-visible, so neither the first
        # lookups (hint bits) nor autovacuum rewrite a million rows later, while logins run.
        with cursor.cursor.copy(f"COPY {table} (crl_id, serial) FROM STDIN (FREEZE)") as copy:  # noqa: S608
            for start in range(0, len(serials), BATCH):
                copy.write(prefix + f"\n{prefix}".join(serials[start : start + BATCH]) + "\n")
        cursor.execute(f"CREATE INDEX {table}_lookup ON {table} (crl_id, serial)")
        # The CHECK constraint spares the scan that would prove every row belongs to the partition.
        cursor.execute(f"ALTER TABLE {_TABLE} ATTACH PARTITION {table} FOR VALUES IN ({int(crl_id)})")


def store_file(crl_id: int, data: bytes) -> None:
    """The CRL file sent as a binary parameter (Django's client-side binding would write 53 MB as 106 MB of hex
    inside the SQL text)."""
    import psycopg  # only with PostgreSQL

    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(
            f"INSERT INTO {CrlFile._meta.db_table} (crl_id, der) VALUES (%s, %b)",  # noqa: S608
            [crl_id, data],
        )


def delete_serials(crl_id: int) -> None:
    """Drop the CRL's partition (rows written one by one, in the default partition, go with a DELETE)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {partition(crl_id)}")
        cursor.execute(f"DELETE FROM {_TABLE} WHERE crl_id = %s", [crl_id])  # noqa: S608


def drop_orphan_partitions() -> None:
    """Drop the partitions of CRLs whose row is gone (deleted some other way than by the store, e.g. with their
    issuer): a million rows nobody can reach. A partition being loaded has its row already."""
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
                cursor.execute(f"DROP TABLE IF EXISTS {partition(crl_id)}")
