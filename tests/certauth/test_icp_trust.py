"""TrustStore: path building from a leaf to a trusted root with OpenSSL, over the generated test PKI."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from certauth.icp.builder import Issued, PkiBuilder
from certauth.icp.errors import CertificateError, Reason
from certauth.icp.numbers import mask_cpf
from certauth.icp.trust import TrustStore, VerifiedPath
from tests.conftest import LAWYER
from tests.pki import TestPki

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "icp-brasil-samples"  # public, see its SOURCE.md
YEAR = dt.timedelta(days=365)
ROUNDS = 50  # verifications per thread in the concurrency test


@pytest.fixture(scope="module")
def builder(pki: TestPki) -> PkiBuilder:
    """Issues extra (hostile) ACs and leaves with fresh keys, anchored at the test PKI's ``now``."""
    return PkiBuilder(now=pki.now)


@pytest.fixture(scope="module")
def lawyer(pki: TestPki) -> x509.Certificate:
    return pki.issue(LAWYER).certificate


@pytest.fixture
def store(pki: TestPki) -> TrustStore:
    # A fresh store per test: see test_one_store_verifies_at_each_requested_instant for why this matters.
    return pki.trust_store()


def store_with(pki: TestPki, *extra: Issued) -> TrustStore:
    """The test PKI's store with more intermediates in the untrusted pool."""
    return TrustStore([pki.root.certificate], [c.certificate for c in (*pki.intermediates, *extra)])


def untrusted(store: TrustStore, leaf: x509.Certificate, at: dt.datetime) -> CertificateError:
    with pytest.raises(CertificateError) as exc:
        store.verify(leaf, at=at)
    assert exc.value.reason is Reason.CERT_UNTRUSTED, exc.value
    return exc.value


# --- paths that build -------------------------------------------------------------------------------------------


def test_leaf_from_ac_oab_builds_the_path_to_the_root(pki: TestPki, store: TrustStore, lawyer, now) -> None:
    path = store.verify(lawyer, at=now)
    assert isinstance(path, VerifiedPath)
    assert path.names() == (
        f"MARIA DA SILVA:{mask_cpf(LAWYER.cpf)}",  # the names are shown to people: CPF masked
        "AC Teste OAB",
        "AC Teste Nivel 1",
        "AC Raiz Teste A3",
    )
    assert path.certificates[0] == lawyer
    assert path.issuer == pki.oab.certificate
    assert path.root == pki.root.certificate
    assert path.certificates[2] == pki.level1.certificate


def test_leaf_from_another_issuing_ac_builds_through_it(pki: TestPki, store: TrustStore, now) -> None:
    leaf = pki.issue(LAWYER.but(oab=None), pki.final).certificate
    path = store.verify(leaf, at=now)
    assert path.names()[1:] == ("AC Teste Final", "AC Teste Nivel 1", "AC Raiz Teste A3")
    assert path.issuer == pki.final.certificate


def test_leaf_issued_directly_by_the_root_has_the_root_as_issuer(pki: TestPki, store: TrustStore, now) -> None:
    leaf = pki.issue(LAWYER, pki.root).certificate
    path = store.verify(leaf, at=now)
    assert path.names()[1:] == ("AC Raiz Teste A3",)
    assert path.issuer == pki.root.certificate == path.root


def test_store_loads_from_pem_files(pki: TestPki, lawyer, now, tmp_path: Path) -> None:
    roots, intermediates = pki.write(tmp_path)
    store = TrustStore.from_pem_files([roots], [intermediates])
    assert store.roots == (pki.root.certificate,)
    assert len(store.intermediates) == 3
    assert store.verify(lawyer, at=now).root == pki.root.certificate


def test_duplicate_certificates_are_kept_once_and_roots_are_not_intermediates(pki: TestPki) -> None:
    store = TrustStore(
        [pki.root.certificate, pki.root.certificate],
        [pki.level1.certificate, pki.level1.certificate, pki.root.certificate],
    )
    assert store.roots == (pki.root.certificate,)
    assert store.intermediates == (pki.level1.certificate,)


def test_a_store_needs_at_least_one_root(pki: TestPki) -> None:
    with pytest.raises(ValueError):
        TrustStore([])
    with pytest.raises(ValueError):
        TrustStore([], [c.certificate for c in pki.intermediates])


def test_at_in_another_time_zone_means_the_same_instant(pki: TestPki, lawyer) -> None:
    brasilia = ZoneInfo("America/Sao_Paulo")
    not_before = lawyer.not_valid_before_utc
    # 30 minutes after the start, written in Brasília time (3 hours behind UTC): valid.
    pki.trust_store().verify(lawyer, at=(not_before + dt.timedelta(minutes=30)).astimezone(brasilia))
    # 30 minutes before the start, in Brasília time: not valid yet (a naive reading would be 3 hours off).
    untrusted(pki.trust_store(), lawyer, (not_before - dt.timedelta(minutes=30)).astimezone(brasilia))


# --- paths that must not build ----------------------------------------------------------------------------------


def test_leaf_from_an_untrusted_pki_is_untrusted(pki: TestPki, store: TrustStore, now) -> None:
    stranger_leaf = pki.issue(LAWYER, pki.stranger).certificate
    untrusted(store, stranger_leaf, now)
    # The stranger chain itself is sound: trusting its root makes it build.
    own_store = TrustStore([pki.stranger_root.certificate], [pki.stranger.certificate])
    assert own_store.verify(stranger_leaf, at=now).names()[1:] == ("AC Estranha", "AC Raiz Estranha")


def test_untrusted_pki_stays_untrusted_when_its_intermediate_is_in_the_pool(pki: TestPki, now) -> None:
    store = store_with(pki, pki.stranger)
    untrusted(store, pki.issue(LAWYER, pki.stranger).certificate, now)


def test_issuer_name_match_with_a_different_key_is_untrusted(pki: TestPki, builder: PkiBuilder, now) -> None:
    impostor = builder.intermediate(pki.level1, "AC Teste OAB")
    assert impostor.certificate.subject == pki.oab.certificate.subject
    leaf = builder.person(impostor, LAWYER)
    untrusted(pki.trust_store(), leaf.certificate, now)
    # Sanity: the impostor chain is otherwise valid (level1 did sign it), so only the key made the difference.
    assert store_with(pki, impostor).verify(leaf.certificate, at=now).issuer == impostor.certificate


def test_root_with_the_trusted_roots_name_but_another_key_is_untrusted(pki: TestPki, builder: PkiBuilder, now) -> None:
    fake_root = builder.root("AC Raiz Teste A3")
    assert fake_root.certificate.subject == pki.root.certificate.subject
    leaf = builder.person(fake_root, LAWYER).certificate
    untrusted(pki.trust_store(), leaf, now)
    untrusted(pki.trust_store(), fake_root.certificate, now)
    # A fake intermediate chain under the fake root, with the real names, does not build either.
    fake_level1 = builder.intermediate(fake_root, "AC Teste Nivel 1", path_length=1)
    fake_oab = builder.intermediate(fake_level1, "AC Teste OAB")
    fake_leaf = builder.person(fake_oab, LAWYER).certificate
    untrusted(store_with(pki, fake_level1, fake_oab), fake_leaf, now)
    # Sanity: trusting the fake root makes its leaf build.
    assert TrustStore([fake_root.certificate]).verify(leaf, at=now).root == fake_root.certificate


def test_expired_intermediate_is_untrusted_and_named(pki: TestPki, builder: PkiBuilder, now) -> None:
    expired = builder.intermediate(pki.level1, "AC Teste Vencida", valid_from=-20 * YEAR, years=1)
    assert expired.certificate.not_valid_after_utc < now
    leaf = builder.person(expired, LAWYER).certificate
    error = untrusted(store_with(pki, expired), leaf, now)
    assert "AC Teste Vencida" in error.detail
    assert "expirou" in error.detail


def test_intermediate_not_yet_valid_is_untrusted_and_named(pki: TestPki, builder: PkiBuilder, now) -> None:
    future = builder.intermediate(pki.level1, "AC Teste Futura", valid_from=YEAR)
    leaf = builder.person(future, LAWYER).certificate
    error = untrusted(store_with(pki, future), leaf, now)
    assert "AC Teste Futura" in error.detail


def test_path_length_violation_is_untrusted(pki: TestPki, builder: PkiBuilder, now) -> None:
    # AC Teste OAB has pathLenConstraint 0: it may issue leaves, never another AC.
    assert pki.oab.certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length == 0
    sub = builder.intermediate(pki.oab, "AC Sub OAB")
    leaf = builder.person(sub, LAWYER).certificate
    untrusted(store_with(pki, sub), leaf, now)
    # Sanity: the same shape one level up (AC Teste Nivel 1 has pathlen 1) builds.
    allowed = builder.intermediate(pki.level1, "AC Sub Nivel 1")
    assert store_with(pki, allowed).verify(builder.person(allowed, LAWYER).certificate, at=now)


def test_leaf_used_as_an_issuer_is_untrusted(pki: TestPki, builder: PkiBuilder, now) -> None:
    fake_ac = builder.person(pki.oab, LAWYER.but(name="ADVOGADA EMISSORA"))
    assert fake_ac.certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    leaf = builder.person(fake_ac, LAWYER.but(name="VITIMA", cpf="47363361886")).certificate
    untrusted(store_with(pki, fake_ac), leaf, now)


def test_leaf_with_a_broken_signature_is_untrusted(pki: TestPki, lawyer, now) -> None:
    der = bytearray(lawyer.public_bytes(serialization.Encoding.DER))
    der[-1] ^= 0x01  # the last byte belongs to the signature value
    tampered = x509.load_der_x509_certificate(bytes(der))
    assert tampered.tbs_certificate_bytes == lawyer.tbs_certificate_bytes
    error = untrusted(pki.trust_store(), tampered, now)
    assert "Assinatura" in error.detail


def test_leaf_signed_by_another_key_under_the_issuers_name_is_untrusted(pki: TestPki, builder: PkiBuilder, now) -> None:
    # Names AC Teste OAB as its issuer, but is signed (and key-identified) by a key that is not AC Teste OAB's.
    wrong_key = Issued(pki.oab.certificate, builder.new_key())
    leaf = builder.person(wrong_key, LAWYER).certificate
    assert leaf.issuer == pki.oab.certificate.subject
    untrusted(pki.trust_store(), leaf, now)


@pytest.mark.parametrize(
    "shift",
    [
        pytest.param(lambda leaf: leaf.not_valid_after_utc + dt.timedelta(seconds=1), id="after-expiry"),
        pytest.param(lambda leaf: leaf.not_valid_before_utc - dt.timedelta(seconds=1), id="before-validity"),
    ],
)
def test_leaf_outside_its_validity_is_untrusted(pki: TestPki, lawyer, shift) -> None:
    untrusted(pki.trust_store(), lawyer, shift(lawyer))


def test_real_lacuna_chain_builds_inside_its_validity_and_not_after() -> None:
    def load(name: str) -> x509.Certificate:
        return x509.load_pem_x509_certificate((SAMPLES / name).read_bytes())

    root, ca = load("lacuna_root_test_v1__root.pem"), load("lacuna_ca__issuer.pem")
    leaf = load("pierre_de_fermat_2015__lacuna-ca.pem")
    path = TrustStore([root], [ca]).verify(leaf, at=dt.datetime(2017, 1, 1, tzinfo=dt.UTC))
    assert path.names() == ("Pierre de Fermat", "Lacuna CA", "Lacuna Root Test v1")
    untrusted(TrustStore([root], [ca]), leaf, dt.datetime(2020, 1, 1, tzinfo=dt.UTC))


def test_real_lacuna_leaf_is_untrusted_by_the_test_pki(pki: TestPki, store: TrustStore) -> None:
    leaf = x509.load_pem_x509_certificate((SAMPLES / "pierre_de_fermat_2015__lacuna-ca.pem").read_bytes())
    untrusted(store, leaf, dt.datetime(2017, 1, 1, tzinfo=dt.UTC))


# --- the verification instant -----------------------------------------------------------------------------------


def _verifies(store: TrustStore, leaf: x509.Certificate, at: dt.datetime) -> bool:
    try:
        store.verify(leaf, at=at)
    except CertificateError as exc:
        assert exc.reason is Reason.CERT_UNTRUSTED
        return False
    return True


def _instants(leaf: x509.Certificate) -> list[tuple[dt.datetime, bool]]:
    """Eight instants around the leaf's validity, with whether the path is valid then."""
    start, end = leaf.not_valid_before_utc, leaf.not_valid_after_utc
    hour, day = dt.timedelta(hours=1), dt.timedelta(days=1)
    return [
        (start + hour, True),
        (start - hour, False),
        (start + 100 * day, True),
        (end + hour, False),
        (end - 100 * day, True),
        (start - 20 * day, False),
        (end - hour, True),
        (end + 100 * day, False),
    ]


@pytest.mark.parametrize("order", ["valid-first", "invalid-first"])
def test_one_store_verifies_at_each_requested_instant(pki: TestPki, lawyer, order: str) -> None:
    # The store is built once per process and shared by every login: each call must use its own `at`.
    store = pki.trust_store()
    inside = lawyer.not_valid_before_utc + dt.timedelta(hours=1)
    outside = lawyer.not_valid_after_utc + dt.timedelta(days=1)
    sequence = [(inside, True), (outside, False)]
    if order == "invalid-first":
        sequence.reverse()
    results = [(at, _verifies(store, lawyer, at)) for at, _ in sequence]
    assert results == sequence, "the second verification on the same store did not use its own instant"


def test_one_store_sees_an_intermediate_expire(pki: TestPki, builder: PkiBuilder) -> None:
    short_lived = builder.intermediate(pki.level1, "AC Teste Curta", years=1)
    leaf = builder.person(short_lived, LAWYER.but(valid_for=5 * YEAR)).certificate
    store = store_with(pki, short_lived)
    before = short_lived.certificate.not_valid_after_utc - dt.timedelta(days=1)
    after = short_lived.certificate.not_valid_after_utc + dt.timedelta(days=1)
    assert _verifies(store, leaf, before) is True
    assert _verifies(store, leaf, after) is False, "an expired AC kept verifying on a store that was used before"


def test_concurrent_verifications_at_different_instants_each_use_their_own(pki: TestPki, lawyer) -> None:
    store = pki.trust_store()
    instants = _instants(lawyer)
    assert len(instants) == 8
    barrier = threading.Barrier(len(instants))
    wrong: list[tuple[dt.datetime, bool]] = []
    errors: list[BaseException] = []

    def work(at: dt.datetime, expected: bool) -> None:
        try:
            barrier.wait(timeout=30)
            for _ in range(ROUNDS):
                if _verifies(store, lawyer, at) is not expected:
                    wrong.append((at, expected))
        except BaseException as exc:  # reported below: a thread must not die silently
            errors.append(exc)

    threads = [threading.Thread(target=work, args=instant) for instant in instants]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    assert not any(thread.is_alive() for thread in threads)
    assert wrong == [], f"{len(wrong)} of {ROUNDS * len(instants)} verifications used another instant"
