"""extract_identity: who an ICP-Brasil certificate says its holder is, in both certificate profiles."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID

from certauth.icp.builder import LeafProfile, PersonSpec, der_octet_string, der_printable_string
from certauth.icp.errors import CertificateError, Reason
from certauth.icp.identity import (
    OID,
    CpfSource,
    HolderKind,
    IcpBrasilIdentity,
    OabRegistration,
    Profile,
    extract_identity,
)
from tests.conftest import LAWYER
from tests.pki import TestPki

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "icp-brasil-samples"  # public, see its SOURCE.md

CPF = LAWYER.cpf  # 52601815906
OTHER_CPF = "47363361886"  # valid too, someone else's
CNPJ = "11222333000181"
OTHER_CNPJ = "11444777000161"


def person_field(
    cpf: str, *, birth: str = "14031979", nis: str = "0" * 11, rg: str = "0" * 15, rg_issuer: str = ""
) -> str:
    """The ``2.16.76.1.3.1`` / ``2.16.76.1.3.4`` layout."""
    return f"{birth}{cpf}{nis}{rg}{rg_issuer}"


def utf8_string(text: str) -> bytes:
    content = text.encode()
    assert len(content) < 0x80
    return bytes([0x0C, len(content)]) + content


def ia5_string(text: str) -> bytes:
    content = text.encode("ascii")
    assert len(content) < 0x80
    return bytes([0x16, len(content)]) + content


def identity_of(pki: TestPki, spec: PersonSpec) -> IcpBrasilIdentity:
    return extract_identity(pki.issue(spec).certificate)


def refused(certificate: x509.Certificate) -> CertificateError:
    with pytest.raises(CertificateError) as exc:
        extract_identity(certificate)
    assert exc.value.reason is Reason.CERT_NO_CPF, exc.value
    return exc.value


def raw_leaf(
    pki: TestPki,
    *,
    subject: Sequence[tuple[x509.ObjectIdentifier, str]],
    other_names: Sequence[tuple[str, bytes]] = (),
) -> x509.Certificate:
    """A leaf built directly with cryptography (for shapes PersonSpec cannot express), signed by AC Teste Final."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(oid, value) for oid, value in subject]))
        .issuer_name(pki.final.certificate.subject)
        .public_key(pki.final.key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(pki.now - dt.timedelta(days=1))
        .not_valid_after(pki.now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    )
    if other_names:
        san = [x509.OtherName(x509.ObjectIdentifier(oid), value) for oid, value in other_names]
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    return builder.sign(pki.final.key, hashes.SHA256())


BR = (NameOID.COUNTRY_NAME, "BR")
ICP = (NameOID.ORGANIZATION_NAME, "ICP-Brasil")


# --- where the CPF comes from -----------------------------------------------------------------------------------


def test_cpf_is_read_from_the_san_other_name(pki: TestPki) -> None:
    identity = identity_of(pki, LAWYER.but(cn_with_cpf=False))
    assert identity.cpf == CPF
    assert identity.cpf_sources == (CpfSource.OTHER_NAME,)
    assert identity.profile is Profile.LEGACY
    assert identity.holder is HolderKind.PERSON


def test_cpf_is_read_from_the_subject_serial_number_in_the_resolucao_211_profile(pki: TestPki) -> None:
    identity = identity_of(pki, LAWYER.but(profile=LeafProfile.RES_211, cn_with_cpf=False))
    assert identity.cpf == CPF
    assert identity.cpf_sources == (CpfSource.SUBJECT_SERIAL_NUMBER,)
    assert identity.profile is Profile.RES_211


def test_cpf_is_read_from_the_common_name_suffix_when_it_is_the_only_source(pki: TestPki) -> None:
    certificate = raw_leaf(pki, subject=[BR, ICP, (NameOID.COMMON_NAME, f"MARIA DA SILVA:{CPF}")])
    identity = extract_identity(certificate)
    assert identity.cpf == CPF
    assert identity.cpf_sources == (CpfSource.COMMON_NAME,)
    assert identity.name == "MARIA DA SILVA"


@pytest.mark.parametrize(
    ("profile", "sources", "expected_profile"),
    [
        (LeafProfile.LEGACY, (CpfSource.OTHER_NAME, CpfSource.COMMON_NAME), Profile.LEGACY),
        (LeafProfile.RES_211, (CpfSource.SUBJECT_SERIAL_NUMBER, CpfSource.COMMON_NAME), Profile.RES_211),
    ],
)
def test_sources_that_agree_are_all_recorded(pki: TestPki, profile, sources, expected_profile) -> None:
    identity = identity_of(pki, LAWYER.but(profile=profile))
    assert identity.cpf == CPF
    assert identity.cpf_sources == sources
    assert identity.profile is expected_profile


def test_serial_number_other_name_and_common_name_agreeing_give_one_cpf(pki: TestPki) -> None:
    spec = LAWYER.but(
        profile=LeafProfile.RES_211,
        extra_other_names=((OID.PERSON, der_octet_string(person_field(CPF))),),
    )
    identity = identity_of(pki, spec)
    assert identity.cpf == CPF
    assert identity.cpf_sources == (CpfSource.SUBJECT_SERIAL_NUMBER, CpfSource.OTHER_NAME, CpfSource.COMMON_NAME)
    # A person otherName present means the certificate is not (only) in the new profile.
    assert identity.profile is Profile.LEGACY


@pytest.mark.parametrize("profile", [LeafProfile.LEGACY, LeafProfile.RES_211])
@pytest.mark.parametrize("cn_with_cpf", [True, False])
def test_name_is_the_common_name_without_the_cpf_suffix(pki: TestPki, profile, cn_with_cpf) -> None:
    identity = identity_of(pki, LAWYER.but(profile=profile, cn_with_cpf=cn_with_cpf))
    assert identity.name == "MARIA DA SILVA"


def test_a_colon_in_the_name_that_is_not_a_cpf_suffix_is_kept(pki: TestPki) -> None:
    identity = identity_of(pki, LAWYER.but(name="MARIA: DA SILVA", cn_with_cpf=False))
    assert identity.name == "MARIA: DA SILVA"
    identity = identity_of(pki, LAWYER.but(name="MARIA:123", cn_with_cpf=False))
    assert identity.name == "MARIA:123"


def test_name_keeps_accents(pki: TestPki) -> None:
    identity = identity_of(pki, LAWYER.but(name="JOSÉ AÇAÍ"))
    assert identity.name == "JOSÉ AÇAÍ"


# --- person data ------------------------------------------------------------------------------------------------


def test_birth_date_rg_and_issuer_come_from_the_person_other_name(pki: TestPki) -> None:
    identity = identity_of(pki, LAWYER)
    assert identity.birth_date == dt.date(1979, 3, 14)
    assert identity.nis is None  # all zeros: unavailable
    assert identity.rg == "12345678"  # "000000012345678" without leading zeros
    assert identity.rg_issuer == "SSPDF"


def test_resolucao_211_certificate_has_no_birth_date(pki: TestPki) -> None:
    identity = identity_of(pki, LAWYER.but(profile=LeafProfile.RES_211))
    assert identity.birth_date is None
    assert identity.rg is None
    assert identity.nis is None


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (person_field(CPF, birth="00000000"), {"birth_date": None}),
        (person_field(CPF, birth="31021980"), {"birth_date": None}),  # no 31 February
        (person_field(CPF, birth="29022000"), {"birth_date": dt.date(2000, 2, 29)}),
        (person_field(CPF, nis="12345678901"), {"nis": "12345678901"}),
        (person_field(CPF, nis="00012345678"), {"nis": "12345678"}),
        (person_field(CPF, rg="0" * 15, rg_issuer="SSPSP"), {"rg": None}),
        (person_field(CPF, rg="000000MG1234567", rg_issuer="SSPMG"), {"rg": "MG1234567", "rg_issuer": "SSPMG"}),
        (person_field(CPF)[:19], {"cpf": CPF, "nis": None, "rg": None, "rg_issuer": None}),  # only date + CPF
        (person_field(CPF, rg="000000012345678", rg_issuer="  SSP DF  "), {"rg_issuer": "SSP DF"}),
    ],
)
def test_person_field_layout(pki: TestPki, field: str, expected: dict) -> None:
    spec = LAWYER.but(profile=LeafProfile.RES_211, extra_other_names=((OID.PERSON, der_octet_string(field)),))
    identity = identity_of(pki, spec)
    assert identity.cpf == CPF
    for name, value in expected.items():
        assert getattr(identity, name) == value, name


@pytest.mark.parametrize(
    "encode",
    [
        der_octet_string,
        der_printable_string,
        utf8_string,
        ia5_string,
    ],
    ids=["octet", "printable", "utf8", "ia5"],
)
def test_person_other_name_in_any_accepted_string_type(pki: TestPki, encode) -> None:
    spec = LAWYER.but(profile=LeafProfile.RES_211, extra_other_names=((OID.PERSON, encode(person_field(CPF))),))
    identity = identity_of(pki, spec)
    assert identity.birth_date == dt.date(1979, 3, 14)
    assert CpfSource.OTHER_NAME in identity.cpf_sources


# --- OAB --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0123456SP", OabRegistration("123456", "SP")),
        ("0000001RJ", OabRegistration("1", "RJ")),
        ("1234567DF", OabRegistration("1234567", "DF")),
        ("012345ASP", OabRegistration("12345A", "SP")),  # some registrations carry a letter
        ("0123456sp", OabRegistration("123456", "SP")),
        (" 0123456SP ", OabRegistration("123456", "SP")),
        ("0000000SP", None),  # all zeros: unavailable
        ("000000000", None),
        ("0123456XX", None),  # not a UF
        ("0123456", None),  # no UF
        ("SP", None),
        ("", None),
        ("01234-6SP", None),
        ("0123 56SP", None),
        ("0123456SP!", None),
        ("0123456S", None),
        ("12345ÉSP", None),
    ],
)
def test_oab_registration_parsing(value: str, expected: OabRegistration | None) -> None:
    assert OabRegistration.parse(value) == expected


def test_oab_registration_prints_as_number_slash_uf() -> None:
    assert str(OabRegistration("123456", "SP")) == "123456/SP"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0123456SP", OabRegistration("123456", "SP")),
        ("0123456sp", OabRegistration("123456", "SP")),
        ("0000000SP", None),
        ("0123456XX", None),
        ("01234-6SP", None),
    ],
)
def test_oab_registration_is_read_from_the_certificate(pki: TestPki, value, expected) -> None:
    identity = identity_of(pki, LAWYER.but(oab=value))
    assert identity.oab == expected
    assert identity.cpf == CPF  # an unreadable OAB does not cost the CPF


def test_certificate_without_oab_field_has_no_oab(pki: TestPki) -> None:
    assert identity_of(pki, LAWYER.but(oab=None)).oab is None


def test_the_same_oab_twice_is_fine(pki: TestPki) -> None:
    spec = LAWYER.but(extra_other_names=((OID.OAB, der_octet_string("0123456SP")),))
    assert identity_of(pki, spec).oab == OabRegistration("123456", "SP")


def test_conflicting_oab_registrations_are_refused(pki: TestPki) -> None:
    spec = LAWYER.but(extra_other_names=((OID.OAB, der_printable_string("0654321RJ")),))
    refused(pki.issue(spec).certificate)


def test_oab_field_that_is_not_a_string_is_refused(pki: TestPki) -> None:
    spec = LAWYER.but(oab=None, extra_other_names=((OID.OAB, b"\x02\x01\x05"),))
    refused(pki.issue(spec).certificate)


# --- refusals ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param(LAWYER.but(name=f"MARIA DA SILVA:{OTHER_CPF}", cn_with_cpf=False), id="CN-vs-otherName"),
        pytest.param(
            LAWYER.but(extra_other_names=((OID.PERSON, der_octet_string(person_field(OTHER_CPF))),)),
            id="two-person-otherNames",
        ),
        pytest.param(
            LAWYER.but(
                cn_with_cpf=False,
                extra_other_names=((OID.PERSON, der_octet_string(person_field(OTHER_CPF))),),
            ),
            id="two-person-otherNames-no-CN",
        ),
        pytest.param(
            LAWYER.but(profile=LeafProfile.RES_211, name=f"MARIA DA SILVA:{OTHER_CPF}", cn_with_cpf=False),
            id="serialNumber-vs-CN",
        ),
        pytest.param(
            LAWYER.but(
                profile=LeafProfile.RES_211,
                extra_other_names=((OID.PERSON, der_octet_string(person_field(OTHER_CPF))),),
            ),
            id="serialNumber-vs-otherName",
        ),
        pytest.param(LAWYER.but(name=f"MARIA DA SILVA:{CPF[:-1]}7", cn_with_cpf=False), id="CN-with-invalid-other-cpf"),
    ],
)
def test_cpf_sources_that_disagree_are_refused(pki: TestPki, spec: PersonSpec) -> None:
    refused(pki.issue(spec).certificate)


def test_two_common_names_with_different_cpfs_are_refused(pki: TestPki) -> None:
    certificate = raw_leaf(
        pki,
        subject=[BR, ICP, (NameOID.COMMON_NAME, f"A:{CPF}"), (NameOID.COMMON_NAME, f"B:{OTHER_CPF}")],
    )
    refused(certificate)


@pytest.mark.parametrize("profile", [LeafProfile.LEGACY, LeafProfile.RES_211])
@pytest.mark.parametrize("cpf", ["52601815907", "52601815916", "12345678900"])
def test_cpf_with_invalid_check_digits_is_refused(pki: TestPki, profile, cpf: str) -> None:
    refused(pki.issue(LAWYER.but(cpf=cpf, profile=profile)).certificate)


@pytest.mark.parametrize("profile", [LeafProfile.LEGACY, LeafProfile.RES_211])
@pytest.mark.parametrize("cpf", ["11111111111", "99999999999"])
def test_repeated_digit_cpf_is_refused_even_though_its_check_digits_work(pki: TestPki, profile, cpf: str) -> None:
    refused(pki.issue(LAWYER.but(cpf=cpf, profile=profile)).certificate)


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param(LAWYER.but(cpf="00000000000", cn_with_cpf=False), id="legacy-zeros-no-CN"),
        pytest.param(LAWYER.but(cpf="00000000000"), id="legacy-zeros-everywhere"),
        pytest.param(LAWYER.but(cpf="00000000000", profile=LeafProfile.RES_211), id="res211-zeros"),
        pytest.param(LAWYER.but(cpf="", profile=LeafProfile.RES_211, cn_with_cpf=False), id="res211-empty"),
        pytest.param(LAWYER.but(cpf="5260181590", profile=LeafProfile.RES_211), id="res211-ten-digits"),
        pytest.param(
            LAWYER.but(cpf="526.018.159-06", profile=LeafProfile.RES_211, cn_with_cpf=False), id="res211-formatted"
        ),
    ],
)
def test_certificate_without_a_usable_cpf_is_refused(pki: TestPki, spec: PersonSpec) -> None:
    error = refused(pki.issue(spec).certificate)
    assert error.reason is Reason.CERT_NO_CPF


def test_certificate_with_no_cpf_source_at_all_is_refused(pki: TestPki) -> None:
    refused(raw_leaf(pki, subject=[BR, ICP, (NameOID.COMMON_NAME, "MARIA DA SILVA")]))


def test_certificate_with_an_empty_subject_is_refused(pki: TestPki) -> None:
    refused(raw_leaf(pki, subject=[]))


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(b"\x02\x01\x05", id="INTEGER"),
        pytest.param(b"\x02\x08" + int(CPF).to_bytes(8, "big"), id="INTEGER-holding-the-cpf"),
        pytest.param(b"\x30\x00", id="SEQUENCE"),
        pytest.param(der_octet_string(person_field(CPF)[:18]), id="too-short"),
        pytest.param(der_octet_string(""), id="empty"),
        pytest.param(der_octet_string("1403197952601815X06"), id="non-digit-in-cpf"),
        pytest.param(der_octet_string("14O31979" + CPF), id="non-digit-in-birth-date"),
        pytest.param(der_octet_string(" 14031979" + CPF), id="leading-space"),
        pytest.param(utf8_string("١٤٠٣١٩٧٩٥٢٦٠١٨١٥٩٠٦"), id="non-ascii-digits"),
    ],
)
def test_person_other_name_that_is_not_a_readable_string_is_refused(pki: TestPki, value: bytes) -> None:
    # (Truncated or over-long DER cannot be written into a certificate by cryptography; test_icp_der covers those.)
    # The subject serialNumber and CN carry a good CPF: a broken person field is still a refusal.
    spec = LAWYER.but(profile=LeafProfile.RES_211, extra_other_names=((OID.PERSON, value),))
    refused(pki.issue(spec).certificate)


def test_unknown_other_names_with_odd_encodings_are_ignored(pki: TestPki) -> None:
    spec = LAWYER.but(extra_other_names=(("2.16.76.1.3.6", b"\x02\x01\x05"), ("1.2.3.4", b"\x30\x00")))
    assert identity_of(pki, spec).cpf == CPF


# --- e-CNPJ -----------------------------------------------------------------------------------------------------


def company_other_names(
    *, cnpj: str = CNPJ, responsible_cpf: str = OTHER_CPF, responsible: str = "JOANA RESPONSAVEL"
) -> tuple[tuple[str, bytes], ...]:
    return (
        (OID.COMPANY_RESPONSIBLE, der_octet_string(person_field(responsible_cpf, birth="02021970"))),
        (OID.COMPANY_RESPONSIBLE_NAME, der_octet_string(responsible)),
        (OID.COMPANY_CNPJ, der_octet_string(cnpj)),
        ("2.16.76.1.3.7", der_octet_string("0" * 12)),
    )


def legacy_company(pki: TestPki, *, cn: str = f"EMPRESA TESTE LTDA:{CNPJ}", **names) -> x509.Certificate:
    """Old-profile e-CNPJ: company CN with the CNPJ suffix, data in otherNames, no person (3.1) field."""
    return raw_leaf(
        pki,
        subject=[BR, ICP, (NameOID.ORGANIZATIONAL_UNIT_NAME, "AC Teste Final"), (NameOID.COMMON_NAME, cn)],
        other_names=company_other_names(**names),
    )


def res211_company(**names) -> PersonSpec:
    """Resolução 211 e-CNPJ: the subject serialNumber and CN suffix carry the CNPJ."""
    return PersonSpec(
        "EMPRESA TESTE LTDA",
        names.pop("subject_cnpj", CNPJ),
        profile=LeafProfile.RES_211,
        extra_other_names=company_other_names(**names),
    )


def test_legacy_e_cnpj_identifies_the_company_and_its_responsible_person(pki: TestPki) -> None:
    identity = extract_identity(legacy_company(pki))
    assert identity.holder is HolderKind.COMPANY
    assert identity.cnpj == CNPJ
    assert identity.cpf == OTHER_CPF
    assert identity.cpf_sources == (CpfSource.OTHER_NAME,)
    assert identity.responsible_name == "JOANA RESPONSAVEL"
    assert identity.birth_date == dt.date(1970, 2, 2)
    assert identity.name == "EMPRESA TESTE LTDA"
    assert identity.profile is Profile.LEGACY


def test_resolucao_211_e_cnpj_identifies_the_company_and_its_responsible_person(pki: TestPki) -> None:
    identity = identity_of(pki, res211_company())
    assert identity.holder is HolderKind.COMPANY
    assert identity.cnpj == CNPJ
    assert identity.cpf == OTHER_CPF
    assert identity.cpf_sources == (CpfSource.OTHER_NAME,)
    assert identity.responsible_name == "JOANA RESPONSAVEL"
    assert identity.name == "EMPRESA TESTE LTDA"


def test_e_cnpj_with_only_the_cnpj_other_name_is_a_company(pki: TestPki) -> None:
    certificate = raw_leaf(
        pki,
        subject=[BR, ICP, (NameOID.COMMON_NAME, "EMPRESA TESTE LTDA")],
        other_names=company_other_names()[:3],
    )
    identity = extract_identity(certificate)
    assert identity.holder is HolderKind.COMPANY
    assert identity.cnpj == CNPJ


def test_responsible_person_field_alone_makes_a_company_certificate(pki: TestPki) -> None:
    certificate = raw_leaf(
        pki,
        subject=[BR, ICP, (NameOID.COMMON_NAME, "EMPRESA TESTE LTDA")],
        other_names=company_other_names()[:1],
    )
    with pytest.raises(CertificateError) as exc:
        extract_identity(certificate)
    # A company certificate must say which company: no CNPJ is a refusal, not a person certificate.
    assert exc.value.reason is Reason.CERT_NO_CPF


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda pki: legacy_company(pki, cnpj="11222333000182", cn="EMPRESA"), id="invalid-cnpj"),
        pytest.param(lambda pki: legacy_company(pki, cnpj="11111111111111", cn="EMPRESA"), id="repeated-digit-cnpj"),
        pytest.param(lambda pki: legacy_company(pki, cn=f"EMPRESA:{OTHER_CNPJ}"), id="CN-vs-otherName-cnpj"),
        pytest.param(lambda pki: legacy_company(pki, responsible_cpf="52601815907"), id="responsible-invalid-cpf"),
        pytest.param(lambda pki: legacy_company(pki, responsible_cpf="0" * 11), id="responsible-without-cpf"),
        pytest.param(lambda pki: pki.issue(res211_company(subject_cnpj=OTHER_CNPJ)).certificate, id="serial-vs-3.3"),
    ],
)
def test_e_cnpj_without_a_consistent_cnpj_and_responsible_cpf_is_refused(pki: TestPki, make) -> None:
    refused(make(pki))


def test_e_cnpj_cpf_comes_only_from_the_responsible_person_field(pki: TestPki) -> None:
    # A CPF-shaped subject serialNumber on an e-CNPJ is not the responsible person's CPF.
    certificate = raw_leaf(
        pki,
        subject=[BR, ICP, (NameOID.SERIAL_NUMBER, CPF), (NameOID.COMMON_NAME, f"EMPRESA:{CNPJ}")],
        other_names=company_other_names(),
    )
    identity = extract_identity(certificate)
    assert identity.cpf == OTHER_CPF
    assert identity.cpf_sources == (CpfSource.OTHER_NAME,)


def test_cnpj_other_name_that_is_not_a_string_is_refused(pki: TestPki) -> None:
    names = (*company_other_names()[:2], (OID.COMPANY_CNPJ, b"\x02\x01\x05"))
    refused(raw_leaf(pki, subject=[BR, ICP, (NameOID.COMMON_NAME, f"EMPRESA:{CNPJ}")], other_names=names))


def test_responsible_other_name_that_is_not_a_string_is_refused(pki: TestPki) -> None:
    names = ((OID.COMPANY_RESPONSIBLE, b"\x30\x00"), *company_other_names()[1:])
    refused(raw_leaf(pki, subject=[BR, ICP, (NameOID.COMMON_NAME, f"EMPRESA:{CNPJ}")], other_names=names))


# --- real samples (Lacuna test PKI, see tests/data/icp-brasil-samples/SOURCE.md) ------------------------------------


def sample(name: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate((SAMPLES / name).read_bytes())


@pytest.mark.parametrize(
    ("file", "cpf", "birth", "rg"),
    [
        ("pierre_de_fermat_2025__lacuna-ca-test-v7.pem", "47363361886", dt.date(2000, 1, 1), None),
        ("pierre_de_fermat_2015__lacuna-ca.pem", "47363361886", dt.date(1970, 1, 1), "49388827"),
        ("alan_mathison_turing_2016__lacuna-ca.pem", "56072386105", dt.date(1970, 1, 1), "50901751"),
    ],
)
def test_real_sample_identity(file: str, cpf: str, birth: dt.date, rg: str | None) -> None:
    identity = extract_identity(sample(file))
    assert identity.holder is HolderKind.PERSON
    assert identity.profile is Profile.LEGACY
    assert identity.cpf == cpf
    assert identity.cpf_sources == (CpfSource.OTHER_NAME,)
    assert identity.birth_date == birth
    assert identity.nis is None
    assert identity.rg == rg
    assert identity.oab is None
    assert identity.cnpj is None
    if rg is None:
        assert identity.rg_issuer is None
    else:
        assert "SSP" in identity.rg_issuer
        assert "DF" in identity.rg_issuer


@pytest.mark.parametrize(
    ("file", "name"),
    [
        ("pierre_de_fermat_2025__lacuna-ca-test-v7.pem", "Pierre de Fermat"),
        ("pierre_de_fermat_2015__lacuna-ca.pem", "Pierre de Fermat"),
        ("alan_mathison_turing_2016__lacuna-ca.pem", "Alan Mathison Turing"),
    ],
)
def test_real_sample_name(file: str, name: str) -> None:
    assert extract_identity(sample(file)).name == name


@pytest.mark.parametrize("file", ["lacuna_ca__issuer.pem", "lacuna_root_test_v1__root.pem"])
def test_real_ca_certificates_carry_no_cpf(file: str) -> None:
    refused(sample(file))


def test_duplicate_extension_is_malformed_not_an_unexpected_exception(pki) -> None:
    """cryptography's DuplicateExtension is not a ValueError (found by the property test: a root whose subject key
    identifier was turned into a second key usage)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    from certauth.icp.errors import CertificateError, Reason
    from certauth.icp.policy import match_policy

    der = pki.root.certificate.public_bytes(serialization.Encoding.DER)
    ski = b"\x06\x03U\x1d\x0e\x04\x16"
    assert der.count(ski) == 1
    mutated = x509.load_der_x509_certificate(der.replace(ski, b"\x06\x03U\x1d\x0f\x04\x16"))
    for parse in (extract_identity, lambda c: match_policy(c, ("2.16.76.1.2.3.",))):
        with pytest.raises(CertificateError) as caught:
            parse(mutated)
        assert caught.value.reason is Reason.CERT_MALFORMED


# --- what cryptography raises while reading a hostile certificate -----------------------------------------------


@pytest.mark.parametrize(
    "case",
    [
        "san-edi-party-name",
        "san-edi-party-name-self-made",
        "aia-x400-address-self-made",
        "subject-country-as-bit-string",
    ],
)
def test_a_certificate_cryptography_cannot_read_is_malformed_not_another_exception(pki: TestPki, case: str) -> None:
    """cryptography reads names and extensions lazily and raises UnsupportedGeneralNameType (an ediPartyName or
    x400Address in the SAN) or TypeError (a BitString where a string belongs), neither a ValueError: the identity
    parser answers CERT_MALFORMED, the one answer its callers expect (found by ``make fuzz`` from the seed corpus)."""
    from certauth.icp.forwarded import decode_forwarded_certificate
    from tests.certauth.hostile import CASES, Forge

    certificate = decode_forwarded_certificate(CASES[case].build(Forge(pki)).header)
    with pytest.raises(CertificateError) as exc:
        extract_identity(certificate)
    assert exc.value.reason is Reason.CERT_MALFORMED
