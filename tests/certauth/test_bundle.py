"""Reading ITI's bundle (zip of DER/PEM files, PEM bundle, PKCS#7) and the import rule, without Django."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7

from certauth.icp import bundle
from certauth.icp.builder import Issued
from certauth.icp.bundle import BundleEntry, BundleError, Verdict, judge, read_bundle
from tests.pki import TestPki


@pytest.fixture(scope="module")
def new_ac(pki: TestPki) -> Issued:
    return pki.builder.intermediate(pki.level1, "AC Teste Pacote", valid_from=dt.timedelta(days=-10))


def _der(issued: Issued) -> bytes:
    return issued.certificate.public_bytes(serialization.Encoding.DER)


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


def test_zip_of_der_and_pem_files_is_read_member_by_member(pki: TestPki, new_ac: Issued) -> None:
    data = _zip({"ACs/nova.crt": _der(new_ac), "ACs/nivel1.pem": pki.level1.certificate_pem(), "LEIAME.txt": b"x"})
    entries = read_bundle(data)
    assert [(e.origin, e.certificate) for e in entries] == [
        ("ACs/nova.crt", new_ac.certificate),
        ("ACs/nivel1.pem", pki.level1.certificate),
    ]


def test_pem_bundle_and_p7b_der_and_pem_are_read(pki: TestPki, new_ac: Issued) -> None:
    certificates = [new_ac.certificate, pki.level1.certificate]
    pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)
    p7b_der = pkcs7.serialize_certificates(certificates, serialization.Encoding.DER)
    p7b_pem = pkcs7.serialize_certificates(certificates, serialization.Encoding.PEM)
    for data in (pem, p7b_der, p7b_pem):
        got = read_bundle(data, name="pacote")
        assert sorted(e.certificate.serial_number for e in got) == sorted(c.serial_number for c in certificates)
        assert {e.origin for e in got} == {"pacote"}


@pytest.mark.parametrize(
    "data",
    [b"PK\x03\x04" + b"\x00" * 40, b"", b"not a certificate", b"-----BEGIN CERTIFICATE-----\nAAAA\n"],
    ids=["corrupt-zip", "empty", "garbage", "broken-pem"],
)
def test_unreadable_files_raise_bundle_error(data: bytes) -> None:
    with pytest.raises(BundleError):
        read_bundle(data)


def test_truncated_zip_is_refused_as_corrupt(new_ac: Issued) -> None:
    data = _zip({"nova.crt": _der(new_ac)})
    with pytest.raises(BundleError, match="zip corrompido"):
        read_bundle(data[: len(data) // 2])


def test_zip_member_with_a_corrupt_certificate_refuses_the_whole_file(new_ac: Issued) -> None:
    with pytest.raises(BundleError, match="ruim.cer"):
        read_bundle(_zip({"nova.crt": _der(new_ac), "ruim.cer": b"\x30\x82garbage"}))


def test_zip_bomb_stops_at_the_member_size_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _zip({"bomba.crt": b"\x00" * (bundle.MAX_MEMBER_BYTES + 10)})
    assert len(data) < 10_000
    with pytest.raises(BundleError, match="limite"):
        read_bundle(data)


def test_zip_with_too_many_members_is_refused(monkeypatch: pytest.MonkeyPatch, new_ac: Issued) -> None:
    monkeypatch.setattr(bundle, "MAX_MEMBERS", 2)
    with pytest.raises(BundleError, match="limite"):
        read_bundle(_zip({f"{i}.crt": _der(new_ac) for i in range(3)}))


def test_zip_with_a_lying_member_size_is_read_only_up_to_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    data = bytearray(_zip({"bomba.crt": b"\x00" * 5000}))
    monkeypatch.setattr(bundle, "MAX_MEMBER_BYTES", 4000)
    # Declare 100 bytes in the central directory (the local header's size is what zipfile checks at read time).
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = (100).to_bytes(4, "little")
    with pytest.raises(BundleError):
        read_bundle(bytes(data))


def _judge(pki: TestPki, *issued: Issued, now: dt.datetime) -> list[tuple[str, Verdict, str]]:
    entries = [BundleEntry(i.common_name, i.certificate) for i in issued]
    judged = judge(entries, roots=[pki.root.certificate], known=[pki.level1.certificate], now=now)
    return [(j.entry.origin, j.verdict, j.reason) for j in judged]


def test_an_ac_chaining_to_a_configured_root_is_accepted(pki: TestPki, new_ac: Issued, now: dt.datetime) -> None:
    assert _judge(pki, new_ac, now=now) == [("AC Teste Pacote", Verdict.ACCEPTED, "")]


def test_an_ac_is_accepted_through_an_intermediate_of_the_same_bundle(pki: TestPki, now: dt.datetime) -> None:
    middle = pki.builder.intermediate(pki.root, "AC Teste Meio", path_length=1)
    below = pki.builder.intermediate(middle, "AC Teste Abaixo")
    entries = [BundleEntry("b", below.certificate), BundleEntry("m", middle.certificate)]
    verdicts = judge(entries, roots=[pki.root.certificate], known=[], now=now)
    assert [j.verdict for j in verdicts] == [Verdict.ACCEPTED, Verdict.ACCEPTED]


def test_roots_are_never_accepted_from_a_bundle(pki: TestPki, now: dt.datetime) -> None:
    judged = _judge(pki, pki.root, pki.stranger_root, now=now)
    assert [v for _, v, _ in judged] == [Verdict.REFUSED, Verdict.REFUSED]
    assert "é uma raiz (já configurada)" in judged[0][2]
    assert "é uma raiz (não configurada)" in judged[1][2]


def test_an_ac_of_an_unknown_root_is_refused(pki: TestPki, now: dt.datetime) -> None:
    [(_, verdict, reason)] = _judge(pki, pki.stranger, now=now)
    assert verdict is Verdict.REFUSED
    assert reason.startswith("sem caminho até uma raiz configurada")


def test_an_ac_with_a_forged_signature_is_refused(pki: TestPki, now: dt.datetime) -> None:
    impostor = Issued(pki.level1.certificate, pki.builder.new_key())  # level 1's name, another key
    forged = pki.builder.intermediate(impostor, "AC Teste Forjada")
    [(_, verdict, reason)] = _judge(pki, forged, now=now)
    assert verdict is Verdict.REFUSED
    assert "sem caminho" in reason


def test_an_expired_ac_is_judged_expired_not_added(pki: TestPki, now: dt.datetime) -> None:
    old = pki.builder.intermediate(pki.level1, "AC Teste Vencida", years=1, valid_from=dt.timedelta(days=-800))
    [(_, verdict, reason)] = _judge(pki, old, now=now)
    assert verdict is Verdict.EXPIRED
    assert reason.startswith("venceu em ")


def test_a_person_certificate_is_not_an_ac(pki: TestPki, now: dt.datetime) -> None:
    from tests.conftest import LAWYER

    [(_, verdict, reason)] = _judge(pki, pki.issue(LAWYER), now=now)
    assert (verdict, reason) == (Verdict.REFUSED, "não é certificado de AC")


def test_pem_with_explanatory_text_before_the_certificates_is_read(new_ac: Issued) -> None:
    data = b"# AC Teste Pacote\n# emitida pela AC Teste Nivel 1\n\n" + new_ac.certificate_pem()
    assert [e.certificate for e in read_bundle(data)] == [new_ac.certificate]
