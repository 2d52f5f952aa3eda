"""certauth.icp.crl: loading CRLs, checking them against the issuing CA, reading entries and certificate URLs (pure)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID

from certauth.icp.builder import Issued, PkiBuilder, RevokedEntry
from certauth.icp.crl import (
    CrlError,
    CrlInfo,
    RevokedSerial,
    distribution_points,
    find_issuer,
    key_id,
    load_crl,
    ocsp_urls,
    revoked_serials,
    serial_hex,
    verify_crl,
)
from tests.conftest import LAWYER
from tests.pki import TestPki

UTC = dt.UTC
DAY = dt.timedelta(days=1)
WRONG_NAME = "LCR emitida por"
WRONG_KEY_ID = "O identificador de chave da LCR não corresponde ao da AC."
BAD_SIGNATURE = "Assinatura inválida na LCR de AC Teste OAB."


# --- helpers -----------------------------------------------------------------------------------------------------

_DEFAULT = object()


def raw_crl(
    issuer_name: x509.Name,
    signing_key,
    *,
    aki_key=_DEFAULT,
    number: int | None = 1,
    this_update: dt.datetime,
    revoked: tuple[x509.RevokedCertificate, ...] = (),
) -> bytes:
    """A DER CRL built with cryptography directly: any issuer name, any AKI (``aki_key=None``: no AKI at all)."""
    builder = x509.CertificateRevocationListBuilder(
        issuer_name=issuer_name,
        last_update=this_update,
        next_update=this_update + 7 * DAY,
        revoked_certificates=list(revoked),
    )
    if number is not None:
        builder = builder.add_extension(x509.CRLNumber(number), critical=False)
    aki_key = signing_key.public_key() if aki_key is _DEFAULT else aki_key
    if aki_key is not None:
        builder = builder.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(aki_key), critical=False)
    return builder.sign(signing_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def renamed(name: x509.Name, **by_oid_name: tuple[str, _ASN1Type | None]) -> x509.Name:
    """``name`` with some attribute values (and string types) replaced: ``renamed(n, COMMON_NAME=("x", None))``."""
    wanted = {getattr(NameOID, k): v for k, v in by_oid_name.items()}
    attributes = []
    for attribute in name:
        value, kind = wanted.get(attribute.oid, (attribute.value, None))
        attributes.append(
            x509.NameAttribute(attribute.oid, value, _type=kind) if kind else x509.NameAttribute(attribute.oid, value)
        )
    return x509.Name(attributes)


def printable(name: x509.Name) -> x509.Name:
    """The same name with every value as a PrintableString (ICP-Brasil CAs mix PrintableString and UTF8String)."""
    return x509.Name([x509.NameAttribute(a.oid, a.value, _type=_ASN1Type.PrintableString) for a in name])


def leaf_with(pki: TestPki, *extensions: x509.ExtensionType) -> x509.Certificate:
    """A bare certificate under AC OAB carrying exactly ``extensions`` (for the URL readers)."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "URL TESTE")]))
        .issuer_name(pki.oab.certificate.subject)
        .public_key(pki.oab.key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(pki.now - DAY)
        .not_valid_after(pki.now + DAY)
    )
    for extension in extensions:
        builder = builder.add_extension(extension, critical=False)
    return builder.sign(pki.oab.key, hashes.SHA256())


@pytest.fixture(scope="module")
def twin(pki: TestPki) -> Issued:
    """An AC with exactly AC OAB's subject name but a key of its own."""
    twin = PkiBuilder(now=pki.now).intermediate(pki.level1, "AC Teste OAB", valid_from=-700 * DAY)
    assert twin.certificate.subject == pki.oab.certificate.subject
    assert key_id(twin.certificate) != key_id(pki.oab.certificate)
    return twin


@pytest.fixture(scope="module")
def oab_crl(pki: TestPki) -> bytes:
    return pki.builder.crl(pki.oab, [RevokedEntry(0x1F)], number=3)


def verify(data: bytes, issuer: Issued) -> CrlInfo:
    return verify_crl(load_crl(data), issuer.certificate, data=data)


def refused(data: bytes, issuer: Issued, message: str) -> CrlError:
    with pytest.raises(CrlError) as exc:
        verify(data, issuer)
    assert message in str(exc.value), exc.value
    return exc.value


# --- load_crl ----------------------------------------------------------------------------------------------------


def test_load_crl_reads_der(oab_crl) -> None:
    crl = load_crl(oab_crl)
    assert crl.public_bytes(serialization.Encoding.DER) == oab_crl
    assert crl.issuer.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "AC Teste OAB"


@pytest.mark.parametrize("prefix", [b"", b"\n  \r\n"], ids=["plain", "leading-whitespace"])
def test_load_crl_reads_pem(oab_crl, prefix) -> None:
    pem = load_crl(oab_crl).public_bytes(serialization.Encoding.PEM)
    assert pem.startswith(b"-----BEGIN X509 CRL-----")
    assert load_crl(prefix + pem).public_bytes(serialization.Encoding.DER) == oab_crl


def test_load_crl_refuses_empty_input() -> None:
    with pytest.raises(CrlError, match=r"^LCR vazia\.$"):
        load_crl(b"")


@pytest.mark.parametrize("keep", [1, 10, 0.5, -1], ids=["1-byte", "10-bytes", "half", "all-but-last"])
def test_load_crl_refuses_truncated_der(oab_crl, keep) -> None:
    data = oab_crl[: int(len(oab_crl) * keep)] if isinstance(keep, float) else oab_crl[:keep]
    assert 0 < len(data) < len(oab_crl)
    load_crl(oab_crl)  # sanity: the whole of it loads
    with pytest.raises(CrlError, match="LCR ilegível ou truncada"):
        load_crl(data)


@pytest.mark.parametrize(
    "data",
    [
        b"not a crl at all",
        b"\x00" * 64,
        b"\x30\x03\x02\x01\x01",  # well-formed DER, but a SEQUENCE { INTEGER 1 }, not a CRL
        b"-----BEGIN X509 CRL-----\nZ2FyYmFnZQ==\n-----END X509 CRL-----\n",
        b"-----BEGIN X509 CRL-----\n!!!not base64!!!\n-----END X509 CRL-----\n",
    ],
    ids=["text", "zeros", "other-der", "pem-garbage-body", "pem-bad-base64"],
)
def test_load_crl_refuses_garbage(data) -> None:
    with pytest.raises(CrlError, match="LCR ilegível ou truncada"):
        load_crl(data)


def test_load_crl_refuses_a_certificate_given_as_a_crl(pki) -> None:
    certificate = pki.oab.certificate
    for data in (certificate.public_bytes(serialization.Encoding.DER), pki.oab.certificate_pem()):
        with pytest.raises(CrlError, match="LCR ilegível ou truncada"):
            load_crl(data)


def test_load_crl_refuses_input_over_max_bytes(oab_crl) -> None:
    load_crl(oab_crl, max_bytes=len(oab_crl))  # sanity: exactly the limit is fine
    with pytest.raises(CrlError, match="LCR grande demais") as exc:
        load_crl(oab_crl, max_bytes=len(oab_crl) - 1)
    assert f"{len(oab_crl):,} bytes" in str(exc.value)


def test_oversize_is_refused_before_parsing() -> None:
    garbage = b"x" * 101
    with pytest.raises(CrlError, match="LCR ilegível"):
        load_crl(garbage[:100], max_bytes=100)  # sanity: at the limit, it is parsed (and found unreadable)
    with pytest.raises(CrlError, match="LCR grande demais"):
        load_crl(garbage, max_bytes=100)


# --- verify_crl: accepted ----------------------------------------------------------------------------------------


def test_verify_crl_accepts_a_crl_signed_by_its_issuer_and_describes_it(pki) -> None:
    this_update = pki.now - dt.timedelta(hours=2)
    next_update = pki.now + 3 * DAY
    entries = [RevokedEntry(1), RevokedEntry(0xABCDEF), RevokedEntry(2**64 + 5)]
    data = pki.builder.crl(pki.oab, entries, number=42, this_update=this_update, next_update=next_update)

    info = verify(data, pki.oab)

    assert info == CrlInfo(
        issuer_key_id=key_id(pki.oab.certificate),
        issuer_name=pki.oab.certificate.subject.rfc4514_string(),
        number=42,
        this_update=this_update,
        next_update=next_update,
        entries=3,
        sha256=hashlib.sha256(data).hexdigest(),
    )
    assert info.this_update.tzinfo is not None and info.this_update.utcoffset() == dt.timedelta(0)


def test_verify_crl_hashes_the_bytes_it_was_given(oab_crl, pki) -> None:
    pem = load_crl(oab_crl).public_bytes(serialization.Encoding.PEM)
    info = verify_crl(load_crl(pem), pki.oab.certificate, data=pem)
    assert info.sha256 == hashlib.sha256(pem).hexdigest() != hashlib.sha256(oab_crl).hexdigest()


def test_verify_crl_without_number_or_entries(pki, now) -> None:
    data = raw_crl(pki.oab.certificate.subject, pki.oab.key, number=None, this_update=now - DAY)
    info = verify(data, pki.oab)
    assert info.number is None and info.entries == 0


def test_verify_crl_without_authority_key_identifier_relies_on_the_signature(pki, now) -> None:
    genuine = raw_crl(pki.oab.certificate.subject, pki.oab.key, aki_key=None, this_update=now - DAY)
    assert load_crl(genuine).extensions.get_extension_for_class(x509.CRLNumber)  # sanity: it has extensions
    with pytest.raises(x509.ExtensionNotFound):
        load_crl(genuine).extensions.get_extension_for_class(x509.AuthorityKeyIdentifier)
    assert verify(genuine, pki.oab).issuer_key_id == key_id(pki.oab.certificate)

    forged = raw_crl(pki.oab.certificate.subject, pki.final.key, aki_key=None, this_update=now - DAY)
    refused(forged, pki.oab, BAD_SIGNATURE)


# --- verify_crl: refused -----------------------------------------------------------------------------------------


def test_verify_crl_refuses_a_crl_signed_with_another_key(pki) -> None:
    verify(pki.builder.crl(pki.oab, number=9), pki.oab)  # sanity: the same CRL, properly signed, is accepted
    forged = pki.builder.crl(pki.oab, number=9, signing_key=pki.final.key)
    crl = load_crl(forged)
    assert crl.issuer == pki.oab.certificate.subject  # name and AKI say AC OAB: only the signature is wrong
    assert crl.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier == (
        pki.oab.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    )
    error = refused(forged, pki.oab, BAD_SIGNATURE)
    assert str(error) == BAD_SIGNATURE


def test_verify_crl_refuses_a_crl_whose_entries_were_altered(pki) -> None:
    serial = 0x1234567890ABCDEF
    genuine = pki.builder.crl(pki.oab, [RevokedEntry(serial)], number=10)
    verify(genuine, pki.oab)  # sanity
    original, altered = serial.to_bytes(8, "big"), (serial - 1).to_bytes(8, "big")
    assert genuine.count(original) == 1
    tampered = genuine.replace(original, altered)
    assert [e.serial_hex for e in revoked_serials(load_crl(tampered))] == ["1234567890ABCDEE"]
    refused(tampered, pki.oab, BAD_SIGNATURE)


def test_verify_crl_refuses_a_crl_from_another_ca(pki) -> None:
    final_crl = pki.builder.crl(pki.final)
    verify(final_crl, pki.final)  # sanity: it is a good CRL of AC Teste Final
    error = refused(final_crl, pki.oab, WRONG_NAME)
    assert str(error) == (
        f"LCR emitida por {pki.final.certificate.subject.rfc4514_string()}, "
        f"não por {pki.oab.certificate.subject.rfc4514_string()}."
    )


def test_verify_crl_refuses_a_crl_naming_another_ca_even_if_signed_by_this_one(pki, now) -> None:
    # Signed with AC OAB's key, AKI of AC OAB: only the issuer name is wrong.
    data = raw_crl(pki.final.certificate.subject, pki.oab.key, this_update=now - DAY)
    assert load_crl(data).is_signature_valid(pki.oab.key.public_key())
    refused(data, pki.oab, WRONG_NAME)


def test_verify_crl_refuses_a_crl_whose_authority_key_id_is_not_the_cas(pki, now) -> None:
    name = pki.oab.certificate.subject
    good = raw_crl(name, pki.oab.key, aki_key=pki.oab.key.public_key(), this_update=now - DAY)
    verify(good, pki.oab)  # sanity: the same construction with the right AKI is accepted
    data = raw_crl(name, pki.oab.key, aki_key=pki.final.key.public_key(), this_update=now - DAY)
    assert load_crl(data).is_signature_valid(pki.oab.key.public_key())  # name and signature are right
    error = refused(data, pki.oab, WRONG_KEY_ID)
    assert str(error) == WRONG_KEY_ID


# --- issuer name matching ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(printable, id="printable-string"),
        pytest.param(lambda n: renamed(n, COMMON_NAME=("ac teste oab", None)), id="lower-case"),
        pytest.param(lambda n: renamed(n, ORGANIZATION_NAME=("ICP-BRASIL", None)), id="upper-case"),
        pytest.param(lambda n: renamed(n, COMMON_NAME=("  AC   Teste\tOAB ", None)), id="whitespace"),
        pytest.param(
            lambda n: renamed(printable(n), COMMON_NAME=(" ac  TESTE oab", _ASN1Type.PrintableString)), id="all"
        ),
    ],
)
def test_issuer_name_match_tolerates_encoding_case_and_whitespace(pki, now, variant) -> None:
    subject = pki.oab.certificate.subject
    name = variant(subject)
    data = raw_crl(name, pki.oab.key, this_update=now - DAY)
    crl = load_crl(data)
    # sanity: the CRL's issuer really is encoded differently from the CA's subject
    assert crl.issuer.public_bytes() != subject.public_bytes()
    assert verify(data, pki.oab).issuer_key_id == key_id(pki.oab.certificate)
    assert find_issuer(crl, [pki.final.certificate, pki.oab.certificate], data=data)[0] == pki.oab.certificate


def test_printable_string_variant_really_uses_printable_string(pki) -> None:
    attributes = list(printable(pki.oab.certificate.subject))
    assert {a._type for a in attributes} == {_ASN1Type.PrintableString}
    utf8 = [a for a in pki.oab.certificate.subject if a.oid != NameOID.COUNTRY_NAME]
    assert {a._type for a in utf8} == {_ASN1Type.UTF8String}


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(lambda n: renamed(n, COMMON_NAME=("AC Teste OAB2", None)), id="suffix"),
        pytest.param(lambda n: renamed(n, COMMON_NAME=("AC Teste 0AB", None)), id="zero-for-o"),
        pytest.param(lambda n: renamed(n, COMMON_NAME=("AC TesteOAB", None)), id="space-removed"),
        pytest.param(
            lambda n: renamed(printable(n), COMMON_NAME=("AC Teste OAC", _ASN1Type.PrintableString)),
            id="printable-other-value",
        ),
        pytest.param(lambda n: x509.Name([a for a in n if a.oid != NameOID.ORGANIZATIONAL_UNIT_NAME]), id="no-ou"),
        pytest.param(lambda n: x509.Name(list(reversed(list(n)))), id="reordered"),
        pytest.param(
            lambda n: x509.Name([*n, x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Extra")]), id="extra-rdn"
        ),
    ],
)
def test_issuer_name_match_refuses_a_different_value(pki, now, variant) -> None:
    name = variant(pki.oab.certificate.subject)
    data = raw_crl(name, pki.oab.key, this_update=now - DAY)
    assert load_crl(data).is_signature_valid(pki.oab.key.public_key())  # signature and AKI are AC OAB's
    refused(data, pki.oab, WRONG_NAME)


# --- find_issuer -------------------------------------------------------------------------------------------------


def test_find_issuer_picks_the_ca_that_issued_the_crl(pki, oab_crl) -> None:
    crl = load_crl(oab_crl)
    candidates = [c.certificate for c in (pki.root, pki.level1, pki.final, pki.stranger, pki.oab)]
    issuer, info = find_issuer(crl, candidates, data=oab_crl)
    assert issuer == pki.oab.certificate
    assert info == verify_crl(crl, pki.oab.certificate, data=oab_crl)


def test_find_issuer_accepts_an_iterator(pki, oab_crl) -> None:
    candidates = iter([pki.final.certificate, pki.oab.certificate])
    assert find_issuer(load_crl(oab_crl), candidates, data=oab_crl)[0] == pki.oab.certificate


@pytest.mark.parametrize("twin_first", [True, False])
def test_find_issuer_between_two_cas_of_the_same_name_picks_the_key_that_verifies(pki, twin, twin_first) -> None:
    for owner in (pki.oab, twin):
        data = pki.builder.crl(owner, number=4)
        order = [twin.certificate, pki.oab.certificate] if twin_first else [pki.oab.certificate, twin.certificate]
        issuer, info = find_issuer(load_crl(data), order, data=data)
        assert issuer == owner.certificate
        assert info.issuer_key_id == key_id(owner.certificate)


@pytest.mark.parametrize("twin_first", [True, False])
def test_find_issuer_between_twins_without_aki_is_decided_by_the_signature(pki, twin, now, twin_first) -> None:
    for owner in (pki.oab, twin):
        data = raw_crl(owner.certificate.subject, owner.key, aki_key=None, this_update=now - DAY)
        order = [twin.certificate, pki.oab.certificate] if twin_first else [pki.oab.certificate, twin.certificate]
        assert find_issuer(load_crl(data), order, data=data)[0] == owner.certificate


def test_find_issuer_refuses_when_only_the_twin_is_offered(pki, twin, oab_crl) -> None:
    assert find_issuer(load_crl(oab_crl), [pki.oab.certificate], data=oab_crl)  # sanity
    with pytest.raises(CrlError, match=WRONG_KEY_ID):
        find_issuer(load_crl(oab_crl), [twin.certificate], data=oab_crl)


def test_find_issuer_refuses_when_no_candidate_has_the_name(pki, oab_crl) -> None:
    crl = load_crl(oab_crl)
    for candidates in ([pki.root.certificate, pki.level1.certificate, pki.final.certificate], []):
        with pytest.raises(CrlError) as exc:
            find_issuer(crl, candidates, data=oab_crl)
        assert str(exc.value) == (
            f"Nenhuma AC confiável emitiu esta LCR (emissor declarado: {crl.issuer.rfc4514_string()})."
        )


def test_find_issuer_refuses_a_forged_crl_even_with_the_named_ca_present(pki, twin) -> None:
    forged = pki.builder.crl(pki.oab, number=5, signing_key=pki.stranger.key)
    candidates = [c.certificate for c in (pki.root, pki.level1, pki.final, pki.stranger, pki.oab, twin)]
    with pytest.raises(CrlError, match="Assinatura inválida|identificador de chave"):
        find_issuer(load_crl(forged), candidates, data=forged)
    with pytest.raises(CrlError, match=BAD_SIGNATURE):
        find_issuer(load_crl(forged), [pki.oab.certificate], data=forged)


# --- revoked_serials ---------------------------------------------------------------------------------------------


def test_revoked_serials_lists_every_entry(pki) -> None:
    brasilia = dt.timezone(dt.timedelta(hours=-3))
    entries = [
        RevokedEntry(0x0ABC, dt.datetime(2024, 3, 9, 23, 30, tzinfo=brasilia), x509.ReasonFlags.key_compromise),
        RevokedEntry(0x00FF, dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), None),
        RevokedEntry(0x01_0000_0000_0000_0000, dt.datetime(2023, 5, 6, tzinfo=UTC), x509.ReasonFlags.superseded),
        RevokedEntry(7, dt.datetime(2023, 5, 7, tzinfo=UTC), x509.ReasonFlags.ca_compromise),
        RevokedEntry(8, dt.datetime(2023, 5, 8, tzinfo=UTC), x509.ReasonFlags.unspecified),
    ]
    data = pki.builder.crl(pki.oab, entries, number=6)

    found = {r.serial_hex: r for r in revoked_serials(load_crl(data))}

    assert found == {
        "ABC": RevokedSerial("ABC", dt.datetime(2024, 3, 10, 2, 30, tzinfo=UTC), "keyCompromise"),
        "FF": RevokedSerial("FF", dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), ""),
        "10000000000000000": RevokedSerial("10000000000000000", dt.datetime(2023, 5, 6, tzinfo=UTC), "superseded"),
        "7": RevokedSerial("7", dt.datetime(2023, 5, 7, tzinfo=UTC), "cACompromise"),
        "8": RevokedSerial("8", dt.datetime(2023, 5, 8, tzinfo=UTC), "unspecified"),
    }
    for entry in found.values():
        assert entry.revoked_at.utcoffset() == dt.timedelta(0)
        assert entry.serial_hex == entry.serial_hex.upper() and not entry.serial_hex.startswith("0")


def test_revoked_serials_of_an_empty_crl(pki) -> None:
    assert list(revoked_serials(load_crl(pki.builder.crl(pki.oab)))) == []


# --- serial_hex and key_id ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("serial", "expected"),
    [(0, "0"), (1, "1"), (0x0F, "F"), (0xABCDEF, "ABCDEF"), (0x00FF00, "FF00"), (2**159 + 1, "8" + "0" * 38 + "1")],
)
def test_serial_hex(serial, expected) -> None:
    assert serial_hex(serial) == expected


def test_key_id_names_the_key_not_the_certificate(pki, twin) -> None:
    reissued = PkiBuilder(now=pki.now).intermediate(pki.level1, "AC Teste OAB", key=pki.oab.key, years=5)
    assert reissued.certificate != pki.oab.certificate
    assert key_id(reissued.certificate) == key_id(pki.oab.certificate)
    assert key_id(twin.certificate) != key_id(pki.oab.certificate)
    spki = pki.oab.certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert key_id(pki.oab.certificate) == hashlib.sha256(spki).hexdigest()


# --- distribution_points and ocsp_urls ---------------------------------------------------------------------------


def test_distribution_points_keeps_http_urls_in_order_without_duplicates(pki) -> None:
    urls = (
        "http://lcr.example.br/ac-oab.crl",
        "ldap://ldap.example.br/cn=AC%20OAB?certificateRevocationList",
        "HTTPS://LCR2.example.br/ac-oab.crl",
        "ftp://lcr.example.br/ac-oab.crl",
        "http://lcr.example.br/ac-oab.crl",
        "https://lcr3.example.br/ac-oab.crl",
    )
    leaf = pki.issue(LAWYER.but(crl_urls=urls)).certificate
    assert distribution_points(leaf) == (
        "http://lcr.example.br/ac-oab.crl",
        "HTTPS://LCR2.example.br/ac-oab.crl",
        "https://lcr3.example.br/ac-oab.crl",
    )


def test_distribution_points_of_a_ca_certificate(pki) -> None:
    ca = PkiBuilder(now=pki.now).intermediate(
        pki.level1, "AC Com LCR", key=pki.oab.key, crl_urls=("http://lcr.example.br/nivel1.crl",)
    )
    assert distribution_points(ca.certificate) == ("http://lcr.example.br/nivel1.crl",)


def test_distribution_points_skips_non_uri_names_and_relative_names(pki) -> None:
    points = x509.CRLDistributionPoints(
        [
            x509.DistributionPoint(
                None, x509.RelativeDistinguishedName([x509.NameAttribute(NameOID.COMMON_NAME, "CRL1")]), None, None
            ),
            x509.DistributionPoint(
                [
                    x509.DirectoryName(pki.oab.certificate.subject),
                    x509.DNSName("lcr.example.br"),
                    x509.UniformResourceIdentifier("http://a.example.br/1.crl"),
                    x509.UniformResourceIdentifier("http://b.example.br/2.crl"),
                ],
                None,
                None,
                None,
            ),
            x509.DistributionPoint(None, None, None, [x509.DirectoryName(pki.oab.certificate.subject)]),
        ]
    )
    assert distribution_points(leaf_with(pki, points)) == ("http://a.example.br/1.crl", "http://b.example.br/2.crl")


def test_distribution_points_absent(pki) -> None:
    assert distribution_points(pki.oab.certificate) == ()
    assert distribution_points(pki.issue(LAWYER).certificate) == ()


def test_ocsp_urls(pki) -> None:
    leaf = pki.issue(LAWYER.but(ocsp_url="http://ocsp.example.br/ac-oab")).certificate
    assert ocsp_urls(leaf) == ("http://ocsp.example.br/ac-oab",)


def test_ocsp_urls_absent(pki) -> None:
    assert ocsp_urls(pki.issue(LAWYER).certificate) == ()
    assert ocsp_urls(pki.oab.certificate) == ()


def test_ocsp_urls_ignores_ca_issuers_entries(pki) -> None:
    ca_issuers = x509.AccessDescription(
        AuthorityInformationAccessOID.CA_ISSUERS, x509.UniformResourceIdentifier("http://ac.example.br/ac-oab.p7b")
    )
    ocsp_a = x509.AccessDescription(
        AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier("http://ocsp-a.example.br/")
    )
    ocsp_b = x509.AccessDescription(
        AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier("http://ocsp-b.example.br/")
    )
    assert ocsp_urls(leaf_with(pki, x509.AuthorityInformationAccess([ca_issuers]))) == ()
    mixed = leaf_with(pki, x509.AuthorityInformationAccess([ca_issuers, ocsp_a, ocsp_b]))
    assert ocsp_urls(mixed) == ("http://ocsp-a.example.br/", "http://ocsp-b.example.br/")


# --- only complete CRLs replace the one held (RFC 5280 §5.2.4, §5.2.5, §5.2) ----------------------------------------


def crl_with(pki: TestPki, extension: x509.ExtensionType, *, critical: bool) -> bytes:
    builder = x509.CertificateRevocationListBuilder(
        issuer_name=pki.oab.certificate.subject, last_update=pki.now - DAY, next_update=pki.now + 6 * DAY
    )
    builder = builder.add_extension(x509.CRLNumber(5), critical=False).add_extension(
        x509.AuthorityKeyIdentifier.from_issuer_public_key(pki.oab.key.public_key()), critical=False
    )
    builder = builder.add_extension(extension, critical=critical)
    return builder.sign(pki.oab.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def distribution_point(**scope: object) -> x509.IssuingDistributionPoint:
    options: dict[str, object] = dict(
        full_name=[x509.UniformResourceIdentifier("http://ac-oab.example/lcr.crl")],
        relative_name=None,
        only_contains_user_certs=False,
        only_contains_ca_certs=False,
        only_some_reasons=None,
        indirect_crl=False,
        only_contains_attribute_certs=False,
    )
    return x509.IssuingDistributionPoint(**{**options, **scope})  # type: ignore[arg-type]


def test_a_delta_crl_is_refused(pki) -> None:
    refused(crl_with(pki, x509.DeltaCRLIndicator(4), critical=True), pki.oab, "LCR delta")


@pytest.mark.parametrize(
    "scope",
    [
        {"only_contains_ca_certs": True},
        {"only_contains_user_certs": True},
        {"only_some_reasons": frozenset({x509.ReasonFlags.key_compromise})},
        {"indirect_crl": True},
    ],
    ids=["only-ca", "only-users", "some-reasons", "indirect"],
)
def test_a_crl_partitioned_by_scope_or_reason_is_refused(pki, scope) -> None:
    refused(crl_with(pki, distribution_point(**scope), critical=True), pki.oab, "LCR parcial")


def test_a_crl_naming_only_its_distribution_point_is_complete(pki) -> None:
    assert verify(crl_with(pki, distribution_point(), critical=True), pki.oab).number == 5


def test_an_unknown_critical_crl_extension_is_refused_but_not_a_non_critical_one(pki) -> None:
    unknown = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.2.3.4.5"), b"\x05\x00")
    refused(crl_with(pki, unknown, critical=True), pki.oab, "extensão crítica desconhecida")
    assert verify(crl_with(pki, unknown, critical=False), pki.oab).number == 5
