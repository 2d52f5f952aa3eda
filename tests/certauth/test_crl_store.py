"""The CRL store: verified, never older, replaced atomically, indexed lookups."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from certauth import crl_postgresql, crl_sqlite, crl_store
from certauth.icp.builder import RevokedEntry
from certauth.icp.crl import CrlError, key_id
from certauth.models import Crl, CrlFile, CrlIssuer, CrlState, RevokedSerial

MAX = 10**8


def load(pki, authority, *, number, revoked=(), **options):
    data = pki.builder.crl(authority, [RevokedEntry(s) for s in revoked], number=number, **options)
    return crl_store.ingest(data, source="test", issuer=authority.certificate, max_bytes=MAX)


def current_serials(authority) -> set[str]:
    issuer = CrlIssuer.objects.get(key_id=key_id(authority.certificate))
    return set(RevokedSerial.objects.filter(crl_id=issuer.current_id).values_list("serial", flat=True))


@pytest.mark.django_db
def test_loaded_crl_answers_lookups_by_issuer_key_and_serial(pki):
    load(pki, pki.oab, number=1, revoked=[0x1F, 0xABCDEF])
    key = key_id(pki.oab.certificate)
    found = crl_store.lookup([(key, "ABCDEF"), (key, "ABCDEE"), ("unknown-key", "ABCDEF")])
    assert set(found.held) == {key}
    assert found.held[key].held.number == 1
    assert list(found.listed) == [(key, "ABCDEF")]
    assert found.listed[(key, "ABCDEF")].revoked_at.tzinfo is not None
    assert crl_store.revocation_of(key, "1F") is not None
    assert crl_store.revocation_of(key, "20") is None


@pytest.mark.django_db
def test_a_serial_listed_by_another_issuer_is_not_a_revocation(pki):
    load(pki, pki.oab, number=1, revoked=[0x77])
    load(pki, pki.final, number=1)
    found = crl_store.lookup([(key_id(pki.final.certificate), "77"), (key_id(pki.oab.certificate), "78")])
    assert found.listed == {}


@pytest.mark.django_db
def test_newer_crl_replaces_the_old_one_and_its_rows_are_deleted(pki):
    load(pki, pki.oab, number=1, revoked=[1, 2])
    load(pki, pki.oab, number=2, revoked=[3])
    assert current_serials(pki.oab) == {"3"}
    assert RevokedSerial.objects.count() == 1
    assert list(Crl.objects.values_list("state", flat=True)) == [CrlState.CURRENT]


@pytest.mark.django_db
def test_the_same_crl_again_is_unchanged(pki):
    data = pki.builder.crl(pki.oab, [RevokedEntry(5)], number=7)
    crl_store.ingest(data, source="a", issuer=pki.oab.certificate, max_bytes=MAX)
    result = crl_store.ingest(data, source="b", issuer=pki.oab.certificate, max_bytes=MAX)
    assert result.outcome is crl_store.IngestOutcome.UNCHANGED
    assert Crl.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("number", [4, 5])
def test_an_older_or_conflicting_crl_is_refused_and_the_held_one_stays(pki, number):
    load(pki, pki.oab, number=5, revoked=[9])
    with pytest.raises(CrlError, match="recusada"):
        load(pki, pki.oab, number=number, revoked=[10])
    assert current_serials(pki.oab) == {"9"}
    assert Crl.objects.count() == 1 and RevokedSerial.objects.count() == 1


def crl_without_number(pki, issued_at: dt.datetime) -> bytes:
    builder = x509.CertificateRevocationListBuilder(
        issuer_name=pki.oab.certificate.subject, last_update=issued_at, next_update=issued_at + dt.timedelta(days=7)
    )
    return builder.sign(pki.oab.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


@pytest.mark.django_db
def test_without_crl_numbers_the_issue_date_decides(pki):
    base = pki.now - dt.timedelta(days=1)
    crl_store.ingest(
        crl_without_number(pki, base + dt.timedelta(hours=1)), source="t", issuer=pki.oab.certificate, max_bytes=MAX
    )
    with pytest.raises(CrlError):
        crl_store.ingest(crl_without_number(pki, base), source="t", issuer=pki.oab.certificate, max_bytes=MAX)
    result = crl_store.ingest(
        crl_without_number(pki, base + dt.timedelta(hours=2)), source="t", issuer=pki.oab.certificate, max_bytes=MAX
    )
    assert result.outcome is crl_store.IngestOutcome.LOADED


@pytest.mark.django_db
@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda pki: pki.builder.crl(pki.oab, number=9, signing_key=pki.final.key), id="bad-signature"),
        pytest.param(lambda pki: pki.builder.crl(pki.final, number=9), id="wrong-issuer"),
        pytest.param(lambda pki: pki.builder.crl(pki.oab, number=9)[:-40], id="truncated"),
        pytest.param(lambda pki: b"\x00" * (10**6 + 1), id="huge"),
    ],
)
def test_bad_crls_are_refused_with_a_message_and_the_previous_stays(pki, make):
    load(pki, pki.oab, number=3, revoked=[0x33])
    with pytest.raises(CrlError) as exc:
        crl_store.ingest(make(pki), source="t", issuer=pki.oab.certificate, max_bytes=10**6)
    assert str(exc.value)
    assert current_serials(pki.oab) == {"33"}
    assert Crl.objects.count() == 1


@pytest.mark.django_db
def test_import_finds_the_issuer_among_the_trusted_cas(pki):
    data = pki.builder.crl(pki.final, [RevokedEntry(77)], number=2)
    candidates = [pki.root.certificate, pki.level1.certificate, pki.oab.certificate, pki.final.certificate]
    result = crl_store.ingest(data, source="file", candidates=candidates, max_bytes=MAX)
    assert result.issuer.key_id == key_id(pki.final.certificate)
    with pytest.raises(CrlError, match="Nenhuma AC"):
        crl_store.ingest(pki.builder.crl(pki.stranger, number=1), source="file", candidates=candidates, max_bytes=MAX)


@pytest.mark.django_db
def test_a_failed_load_leaves_no_rows_behind(pki, monkeypatch):
    load(pki, pki.oab, number=1, revoked=[1])
    original = crl_store._insert_serials

    def explode(crl_id, crl):
        original(crl_id, crl)
        raise RuntimeError("interrupted")

    monkeypatch.setattr(crl_store, "_insert_serials", explode)
    with pytest.raises(RuntimeError):
        load(pki, pki.oab, number=2, revoked=[2, 3])
    assert current_serials(pki.oab) == {"1"}
    assert RevokedSerial.objects.count() == 1 and Crl.objects.count() == 1
    assert CrlFile.objects.count() == 1


@pytest.mark.django_db
def test_large_crl_is_loaded_in_batches_and_looked_up(pki, monkeypatch):
    monkeypatch.setattr(crl_postgresql, "BATCH", 1000)
    monkeypatch.setattr(crl_sqlite, "BATCH", 1000)
    load(pki, pki.oab, number=1, revoked=range(10_000, 15_500))
    assert RevokedSerial.objects.count() == 5_500
    key = key_id(pki.oab.certificate)
    assert crl_store.revocation_of(key, format(15_499, "X")) is not None
    load(pki, pki.oab, number=2, revoked=[1])
    assert RevokedSerial.objects.count() == 1


@pytest.mark.django_db
def test_learned_urls_accumulate_without_duplicates(pki):
    crl_store.learn_urls(pki.oab.certificate, ["http://a/x.crl", "http://b/x.crl"])
    crl_store.learn_urls(pki.oab.certificate, ["http://b/x.crl", "http://c/x.crl"])
    assert CrlIssuer.objects.get().urls == ["http://a/x.crl", "http://b/x.crl", "http://c/x.crl"]


@pytest.mark.django_db
def test_incomplete_loads_are_purged(pki):
    load(pki, pki.oab, number=1)
    issuer = CrlIssuer.objects.get()
    orphan = Crl.objects.create(
        issuer=issuer,
        number="9",
        this_update=pki.now,
        entries=1,
        sha256="x",
        source="t",
        loaded_at=pki.now - dt.timedelta(hours=3),
    )
    RevokedSerial.objects.create(crl=orphan, serial="1")
    assert crl_store.purge_incomplete() == 1
    assert not RevokedSerial.objects.filter(crl_id=orphan.pk).exists()
