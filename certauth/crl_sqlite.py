"""The CRL store's bulk path on SQLite: serials inserted and deleted in short batches.

SQLite has a single writer: each batch is one short write transaction, followed by a pause, so that logins waiting
to write their audit take the lock between batches. Called by ``certauth.crl_store`` when the database is not
PostgreSQL.
"""

from __future__ import annotations

import json
import time

from django.db import connection, transaction

from certauth.models import RevokedSerial

#: Rows per write transaction, and the pause after each, so that logins waiting to write their audit get the single
#: writer's lock between batches (SQLite's busy handler sleeps up to 100 ms between its tries: without a pause the
#: next batch takes the lock first, and a login waited for the whole ingest's batches — p99 675 ms).
BATCH = 20_000
PAUSE_SECONDS = 0.025
_TABLE = RevokedSerial._meta.db_table


def insert_serials(crl_id: int, serials: list[str]) -> None:
    """One prepared ``INSERT … SELECT`` per batch over a JSON array (``json_each``: the rows are made in C, not bound
    one by one — 2–3× faster than ``executemany``), one short write transaction each."""
    # Sorted as the index is: the (crl, serial) index then only grows at its end (the new CRL has the highest id),
    # several times faster than inserting in CRL order.
    serials.sort()
    sql = f"INSERT INTO {_TABLE} (crl_id, serial) SELECT %s, value FROM json_each(%s)"  # noqa: S608
    for start in range(0, len(serials), BATCH):
        if start:
            time.sleep(PAUSE_SECONDS)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [crl_id, json.dumps(serials[start : start + BATCH])])


def delete_serials(crl_id: int) -> None:
    """Short batches, so that logins writing their audit do not wait for a million-row delete."""
    sql = f"DELETE FROM {_TABLE} WHERE id IN (SELECT id FROM {_TABLE} WHERE crl_id = %s LIMIT %s)"  # noqa: S608
    with connection.cursor() as cursor:
        while True:
            with transaction.atomic():
                cursor.execute(sql, [crl_id, BATCH])
                if cursor.rowcount == 0:
                    break
            time.sleep(PAUSE_SECONDS)
