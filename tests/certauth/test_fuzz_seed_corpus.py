"""The committed seed corpus of ``make fuzz`` (``fuzz/corpus``, ``fuzz/seed-pki``; written by
``fuzz/make_seed_corpus.py``): inputs in the fuzz target's framing, certificates only, and the seed PKI still trusted
at its instant — so the seeds reach the late checks whatever the day ``make fuzz`` runs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import unquote

import pytest
from cryptography import x509

from certauth.icp.forwarded import decode_forwarded_certificate
from certauth.icp.trust import TrustStore, load_pem_files
from certauth.icp.validation import CertificateValidator

FUZZ = Path(__file__).resolve().parents[2] / "fuzz"
CORPUS = sorted((FUZZ / "corpus").iterdir())


def test_the_seed_corpus_covers_samples_test_pki_and_hostile_cases() -> None:
    names = [path.name for path in CORPUS]
    assert len(names) >= 200
    assert sum(name.startswith("sample-") for name in names) == 5
    assert sum(name.startswith("pki-") for name in names) >= 20
    assert sum(name.startswith("hostile-") for name in names) >= 150


@pytest.mark.parametrize("path", CORPUS, ids=[path.name for path in CORPUS])
def test_every_seed_is_a_framed_certificate_input_and_no_private_key(path: Path) -> None:
    data = path.read_bytes()
    assert data[:1] in (b"\x00", b"\x01"), "first byte: 0 = forwarded header value, 1 = DER"
    assert len(data) <= 32 * 1024
    assert "private key" not in unquote(data.decode("latin-1")).lower()
    if path.name.startswith(("sample-", "pki-")) and data[:1] == b"\x01":
        x509.load_der_x509_certificate(data[1:])  # a certificate, not a key or anything else


def test_the_seed_pki_holds_certificates_only() -> None:
    for name in ("roots.pem", "intermediates.pem"):
        text = (FUZZ / "seed-pki" / name).read_text()
        assert "PRIVATE" not in text
        assert text.count("-----BEGIN CERTIFICATE-----") == len(load_pem_files([FUZZ / "seed-pki" / name]))


def test_the_seed_leaf_validates_at_the_seed_instant() -> None:
    """What fuzz_certificate.py checks at start: a test PKI leaf of the corpus is valid at the recorded instant, so the
    hostile cases signed by the test PKI's ACs get past the path to the checks they aim at."""
    pki = FUZZ / "seed-pki"
    instant = dt.datetime.fromisoformat((pki / "instant.txt").read_text().strip())
    store = TrustStore(load_pem_files([pki / "roots.pem"]), load_pem_files([pki / "intermediates.pem"]))
    leaf = x509.load_der_x509_certificate((FUZZ / "corpus" / "pki-lawyer-oab.der").read_bytes()[1:])
    header = (FUZZ / "corpus" / "pki-lawyer-oab.header").read_bytes()[1:].decode("ascii")
    assert decode_forwarded_certificate(header) == leaf
    validated = CertificateValidator(trust=store).validate(leaf, at=instant + dt.timedelta(minutes=5))
    assert validated.identity.cpf == "52601815906"
