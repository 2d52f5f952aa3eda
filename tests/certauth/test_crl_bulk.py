"""The CRL store's bulk path on each database: PostgreSQL loads a CRL into a partition of its own (COPY, index built
once, attached) and drops the superseded one as a table; SQLite inserts in short batches. Either way the serials
indexed are the CRL's, and a failed load leaves nothing behind."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from certauth import crl_postgresql, crl_sqlite, crl_store
from certauth.icp.builder import RevokedEntry
from certauth.icp.crl import CrlError, key_id
from certauth.models import Crl, CrlFile, CrlIssuer, RevokedSerial

MAX = 10**8
SERIALS = [1, 0x80, 0xABC, 2**64 + 5, 2**159 - 1, *range(10_000, 12_000)]


def load(pki, *, number: int, serials=SERIALS):
    data = pki.builder.crl(pki.oab, [RevokedEntry(s) for s in serials], number=number)
    return data, crl_store.ingest(data, source="test", issuer=pki.oab.certificate, max_bytes=MAX)


def partitions() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s",
            [RevokedSerial._meta.db_table],
        )
        return {name for (name,) in cursor.fetchall()}


def tables_like(pattern: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE tablename LIKE %s", [pattern])
        return {name for (name,) in cursor.fetchall()}


@pytest.mark.django_db
def test_every_serial_is_indexed_as_the_login_formats_it(pki, monkeypatch):
    monkeypatch.setattr(crl_postgresql, "BATCH", 700)  # several COPY writes (PostgreSQL)
    monkeypatch.setattr(crl_sqlite, "BATCH", 700)  # several batches (SQLite)
    load(pki, number=1)
    current = CrlIssuer.objects.get(key_id=key_id(pki.oab.certificate)).current_id
    stored = list(RevokedSerial.objects.filter(crl_id=current).values_list("serial", flat=True))
    assert sorted(stored) == sorted(format(s, "X") for s in SERIALS)
    key = key_id(pki.oab.certificate)
    asked = [(key, "80"), (key, "ABC"), (key, format(2**159 - 1, "X")), (key, "7F"), (key, format(11_999, "X"))]
    assert set(crl_store.lookup(asked).listed) == {pair for pair in asked if pair[1] != "7F"}


@pytest.mark.django_db
def test_a_superseded_crl_leaves_nothing_behind_and_on_postgresql_each_crl_has_its_own_partition(pki):
    """Both databases: the superseded CRL's serials are gone, only the current one's remain. PostgreSQL: each CRL's
    serials are a partition of their own, the superseded one dropped as a table, compared byte by byte."""
    table = RevokedSerial._meta.db_table
    postgresql = connection.vendor == "postgresql"
    before = partitions() if postgresql else set()  # the default one (and other tests' empty leftovers)
    load(pki, number=1)
    first = Crl.objects.get().pk
    if postgresql:
        assert partitions() - before == {f"{table}_{first}"}
    load(pki, number=2, serials=[7, 8])
    second = CrlIssuer.objects.get().current_id
    assert list(RevokedSerial.objects.values_list("crl_id", flat=True).distinct()) == [second]
    assert RevokedSerial.objects.count() == 2 and Crl.objects.count() == 1
    if not postgresql:
        return
    assert partitions() - before == {f"{table}_{second}"}
    assert f"{table}_other" in before
    assert tables_like(f"{table}_{first}") == set(), "the superseded CRL's table is dropped"
    assert RevokedSerial.objects.count() == 2
    with connection.cursor() as cursor:  # the rows are in the CRL's partition, not the default one
        cursor.execute(f"SELECT count(*) FROM {table}_{second}")  # noqa: S608
        assert cursor.fetchone() == (2,)
        cursor.execute(  # serials compared byte by byte: the partition's index is built without locale rules
            "SELECT collation_name FROM information_schema.columns WHERE table_name = %s AND column_name = 'serial'",
            [f"{table}_{second}"],
        )
        assert cursor.fetchone() == ("C",)


@pytest.mark.django_db
def test_a_load_failing_after_its_serials_are_written_leaves_nothing_of_it(pki, monkeypatch):
    """The bulk path of either database (PostgreSQL's COPY into an attached partition, SQLite's batches) written,
    then the load interrupted: the current CRL alone remains — rows, file and (PostgreSQL) partitions."""
    postgresql = connection.vendor == "postgresql"
    before = partitions() if postgresql else set()
    load(pki, number=1)
    first = Crl.objects.get().pk
    bulk, name = (crl_postgresql, "copy_serials") if postgresql else (crl_sqlite, "insert_serials")
    original = getattr(bulk, name)

    def write_then_fail(crl_id, serials):
        original(crl_id, serials)
        raise RuntimeError("interrupted after the serials were written")

    monkeypatch.setattr(bulk, name, write_then_fail)
    with pytest.raises(RuntimeError):
        load(pki, number=2, serials=[7, 8])
    assert Crl.objects.count() == 1 and CrlFile.objects.count() == 1
    assert RevokedSerial.objects.count() == len(SERIALS)
    assert set(RevokedSerial.objects.values_list("crl_id", flat=True).distinct()) == {first}
    if postgresql:
        table = RevokedSerial._meta.db_table
        assert partitions() - before == {f"{table}_{first}"}


@pytest.mark.django_db
def test_the_crl_file_is_stored_byte_for_byte(pki):
    data, result = load(pki, number=1)
    crl = Crl.objects.get(pk=CrlIssuer.objects.get().current_id)
    assert bytes(CrlFile.objects.get(crl=crl).der) == data
    assert crl.entries == len(SERIALS) and result.info.entries == len(SERIALS)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("first", [2, 3], ids=["older-swaps-first", "newer-swaps-first"])
def test_two_hosts_loading_at_once_leave_the_newest_crl_and_nothing_else(pki, monkeypatch, first):
    """Two refreshes racing (two app hosts, one database), both fully indexed before either swaps: whichever swaps
    first, the newer CRL ends current with exactly its serials, the older one is superseded or refused, and no rows,
    files or partitions are left over."""
    crls = {
        number: pki.builder.crl(pki.oab, [RevokedEntry(number * 100_000 + i) for i in range(1_000)], number=number)
        for number in (2, 3)
    }
    indexed = threading.Barrier(2)
    first_done = threading.Event()
    mine = threading.local()
    original = crl_store._insert_serials

    def insert_then_wait(crl_id, published):
        original(crl_id, published)
        indexed.wait(timeout=60)  # both CRLs indexed, neither current yet
        if mine.number != first:
            first_done.wait(timeout=60)

    monkeypatch.setattr(crl_store, "_insert_serials", insert_then_wait)
    before = partitions() if connection.vendor == "postgresql" else set()
    outcomes: dict[int, str] = {}

    def refresh(number: int) -> None:
        mine.number = number
        try:
            crl_store.ingest(crls[number], source="host", issuer=pki.oab.certificate, max_bytes=MAX)
            outcomes[number] = "loaded"
        except CrlError as exc:
            outcomes[number] = str(exc)
        finally:
            if number == first:
                first_done.set()
            connection.close()

    threads = [threading.Thread(target=refresh, args=(number,)) for number in (2, 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert outcomes == {2: "loaded" if first == 2 else outcomes[2], 3: "loaded"}, outcomes
    if first == 3:
        assert "mais antiga" in outcomes[2]
    issuer = CrlIssuer.objects.get(key_id=key_id(pki.oab.certificate))
    current = Crl.objects.get(pk=issuer.current_id)
    assert current.number == "3" and Crl.objects.count() == 1 and CrlFile.objects.count() == 1
    assert RevokedSerial.objects.count() == 1_000
    assert set(RevokedSerial.objects.values_list("crl_id", flat=True).distinct()) == {current.pk}
    if connection.vendor == "postgresql":
        table = RevokedSerial._meta.db_table
        assert partitions() - before == {f"{table}_{current.pk}"}


@pytest.mark.django_db
def test_purge_keeps_the_current_crl_and_on_postgresql_drops_partitions_of_crls_that_no_longer_exist(pki):
    table = RevokedSerial._meta.db_table
    load(pki, number=1)
    current = Crl.objects.get().pk
    if connection.vendor != "postgresql":  # SQLite: no partitions; the current CRL's rows are never touched
        assert crl_store.purge_incomplete() == 0
        assert RevokedSerial.objects.filter(crl_id=current).count() == len(SERIALS)
        return
    with connection.cursor() as cursor:  # a CRL deleted behind the store's back (e.g. with its issuer)
        cursor.execute(f"CREATE TABLE {table}_987654 PARTITION OF {table} FOR VALUES IN (987654)")
        cursor.execute(f"INSERT INTO {table} (crl_id, serial) VALUES (987654, 'AB')")  # noqa: S608
    assert crl_store.purge_incomplete() == 0
    assert f"{table}_987654" not in partitions()
    assert f"{table}_{current}" in partitions() and RevokedSerial.objects.count() == len(SERIALS)
