"""The ICP-Brasil identity of a certificate holder, read from both certificate profiles.

Old profile: person data in SAN otherNames (``2.16.76.1.3.1`` …); Resolução 211/2024: CPF in the subject's
``serialNumber``. Sources found are cross-checked: every CPF found must be valid and all must be the same.
Field layouts are in ``shared/icp-brasil/README.md``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

from cryptography import x509
from cryptography.x509.oid import NameOID

from certauth.icp.der import DerError, decode_string
from certauth.icp.errors import CertificateError, Reason
from certauth.icp.numbers import UFS, is_unavailable, is_valid_cnpj, is_valid_cpf, normalize_oab_number


class OID:
    PERSON = "2.16.76.1.3.1"
    COMPANY_RESPONSIBLE_NAME = "2.16.76.1.3.2"
    COMPANY_CNPJ = "2.16.76.1.3.3"
    COMPANY_RESPONSIBLE = "2.16.76.1.3.4"
    OAB = "2.16.76.1.4.2.1.1"


class Profile(StrEnum):
    LEGACY = "legacy"  #: SAN otherNames (certificates issued before Resolução 211)
    RES_211 = "res211"  #: subject serialNumber = CPF (Resolução 211/2024, chains to v12)


class HolderKind(StrEnum):
    PERSON = "e-CPF"
    COMPANY = "e-CNPJ"


class CpfSource(StrEnum):
    SUBJECT_SERIAL_NUMBER = "serialNumber"
    OTHER_NAME = "otherName"
    COMMON_NAME = "CN"


@dataclass(frozen=True, slots=True)
class OabRegistration:
    """An OAB registration: number without leading zeros, UF of the section."""

    number: str
    uf: str

    @classmethod
    def parse(cls, value: str) -> OabRegistration | None:
        """Parse ``0123456SP``; ``None`` for an all-zero (unavailable) or unreadable value."""
        text = value.strip().upper()
        uf, number = text[-2:], normalize_oab_number(text[:-2])
        if len(text) < 3 or uf not in UFS or not number or not number.isascii() or not number.isalnum():
            return None
        return cls(number=number, uf=uf)

    def __str__(self) -> str:
        return f"{self.number}/{self.uf}"


@dataclass(frozen=True, slots=True)
class PersonData:
    """Layout of ``2.16.76.1.3.1`` (holder) and ``2.16.76.1.3.4`` (e-CNPJ responsible)."""

    cpf: str | None
    birth_date: dt.date | None
    nis: str | None
    rg: str | None
    rg_issuer: str | None

    @classmethod
    def parse(cls, value: str) -> PersonData:
        head = value[:19]
        if len(head) < 19 or not head.isascii() or not head.isdigit():
            raise CertificateError(
                Reason.CERT_NO_CPF, "O campo de dados pessoais do titular (otherName), onde fica o CPF, é ilegível."
            )
        cpf = value[8:19]
        return cls(
            cpf=None if is_unavailable(cpf) else cpf,
            birth_date=_parse_date(value[0:8]),
            nis=_optional_field(value[19:30]),
            rg=_optional_field(value[30:45]),
            rg_issuer=(value[45:].strip() or None) if len(value) > 45 else None,
        )


@dataclass(frozen=True, slots=True)
class IcpBrasilIdentity:
    """Who the certificate says its holder is. For an e-CNPJ, ``cpf`` is the responsible person's."""

    holder: HolderKind
    profile: Profile
    name: str
    cpf: str
    cpf_sources: tuple[CpfSource, ...]
    birth_date: dt.date | None = None
    nis: str | None = None
    rg: str | None = None
    rg_issuer: str | None = None
    oab: OabRegistration | None = None
    cnpj: str | None = None
    responsible_name: str | None = None


def extract_identity(certificate: x509.Certificate) -> IcpBrasilIdentity:
    """Read the holder's identity; ``CERT_NO_CPF`` if no valid, consistent CPF can be found."""
    other_names = _other_names(certificate)
    serial_numbers = _attribute_values(certificate, NameOID.SERIAL_NUMBER)
    common_names = _attribute_values(certificate, NameOID.COMMON_NAME)

    cnpj_values = {v for v in other_names.get(OID.COMPANY_CNPJ, ()) if not is_unavailable(v)}
    cnpj_values |= {v for v in serial_numbers if len(v) == 14 and v.isdigit()}
    cnpj_values |= {suffix for _, suffix in map(_split_cn, common_names) if suffix and len(suffix) == 14}
    is_company = bool(cnpj_values) or OID.COMPANY_RESPONSIBLE in other_names

    person_oid = OID.COMPANY_RESPONSIBLE if is_company else OID.PERSON
    person = _person_data(other_names, person_oid)

    cpf_by_source: list[tuple[CpfSource, str]] = []
    if not is_company:
        cpf_by_source += [(CpfSource.SUBJECT_SERIAL_NUMBER, v) for v in serial_numbers if len(v) == 11 and v.isdigit()]
    if person is not None and person.cpf is not None:
        cpf_by_source.append((CpfSource.OTHER_NAME, person.cpf))
    if not is_company:
        cpf_by_source += [
            (CpfSource.COMMON_NAME, suffix)
            for _, suffix in map(_split_cn, common_names)
            if suffix and len(suffix) == 11
        ]
    cpf = _agreed_cpf(cpf_by_source)
    cnpj = _agreed_cnpj(cnpj_values) if is_company else None

    name = _split_cn(common_names[-1])[0] if common_names else ""
    oab_values = other_names.get(OID.OAB, ())
    oab_set = {OabRegistration.parse(v) for v in oab_values} - {None}
    if len(oab_set) > 1:
        raise CertificateError(Reason.CERT_NO_CPF, "O certificado traz inscrições OAB conflitantes.")
    responsible_names = other_names.get(OID.COMPANY_RESPONSIBLE_NAME, ())

    return IcpBrasilIdentity(
        holder=HolderKind.COMPANY if is_company else HolderKind.PERSON,
        profile=(
            Profile.RES_211
            if any(s is CpfSource.SUBJECT_SERIAL_NUMBER for s, _ in cpf_by_source) and OID.PERSON not in other_names
            else Profile.LEGACY
        ),
        name=name,
        cpf=cpf,
        cpf_sources=tuple(dict.fromkeys(source for source, _ in cpf_by_source)),
        birth_date=person.birth_date if person else None,
        nis=person.nis if person else None,
        rg=person.rg if person else None,
        rg_issuer=person.rg_issuer if person else None,
        oab=next(iter(oab_set)) if oab_set else None,
        cnpj=cnpj,
        responsible_name=responsible_names[0].strip() if responsible_names else None,
    )


def _other_names(certificate: x509.Certificate) -> dict[str, tuple[str, ...]]:
    """SAN otherName values by type id; a value that is not a DER string is ``CERT_NO_CPF`` for identity OIDs."""
    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return {}
    except (ValueError, x509.DuplicateExtension, x509.UnsupportedGeneralNameType) as exc:  # none is a ValueError
        raise CertificateError(Reason.CERT_MALFORMED, f"Extensão SAN inválida ({exc}).") from None
    found: dict[str, list[str]] = defaultdict(list)
    for other in san.get_values_for_type(x509.OtherName):
        oid = other.type_id.dotted_string
        try:
            found[oid].append(decode_string(other.value))
        except DerError:
            if oid in (OID.PERSON, OID.COMPANY_RESPONSIBLE, OID.COMPANY_CNPJ, OID.OAB):
                raise CertificateError(
                    Reason.CERT_NO_CPF, f"Um campo de identificação do titular ({oid}) tem codificação inválida."
                ) from None
    return {oid: tuple(values) for oid, values in found.items()}


def _person_data(other_names: dict[str, tuple[str, ...]], oid: str) -> PersonData | None:
    values = set(other_names.get(oid, ()))
    if not values:
        return None
    if len(values) > 1:
        raise CertificateError(
            Reason.CERT_NO_CPF,
            f"O certificado traz mais de um campo de dados do titular ({oid}), com conteúdos diferentes.",
        )
    return PersonData.parse(values.pop())


def _attribute_values(certificate: x509.Certificate, oid: x509.ObjectIdentifier) -> list[str]:
    try:
        attributes = certificate.subject.get_attributes_for_oid(oid)
    except (ValueError, TypeError) as exc:  # cryptography reads the name lazily: a malformed one raises either
        raise CertificateError(Reason.CERT_MALFORMED, f"Nome do titular ilegível ({exc}).") from None
    values = []
    for attribute in attributes:
        value = attribute.value
        values.append((value.decode("latin-1") if isinstance(value, bytes) else value).strip())
    return values


def _split_cn(common_name: str) -> tuple[str, str | None]:
    """``NOME DA PESSOA:12345678909`` → (``NOME DA PESSOA``, ``12345678909``); other CNs keep their text."""
    name, sep, suffix = common_name.rpartition(":")
    if sep and suffix.isascii() and suffix.isdigit() and len(suffix) in (11, 14):
        return name.strip(), suffix
    return common_name.strip(), None


def _agreed_cpf(found: list[tuple[CpfSource, str]]) -> str:
    values = {value for _, value in found if not is_unavailable(value)}
    if not values:
        raise CertificateError(Reason.CERT_NO_CPF, "O certificado não contém CPF.")
    if len(values) > 1:
        sources = ", ".join(sorted({str(s) for s, _ in found}))
        raise CertificateError(Reason.CERT_NO_CPF, f"O certificado traz CPFs diferentes em seus campos ({sources}).")
    cpf = values.pop()
    if not is_valid_cpf(cpf):
        raise CertificateError(Reason.CERT_NO_CPF, "O CPF do certificado tem dígitos verificadores inválidos.")
    return cpf


def _agreed_cnpj(values: set[str]) -> str:
    if len(values) != 1:
        raise CertificateError(Reason.CERT_NO_CPF, "CNPJ ausente ou conflitante no certificado e-CNPJ.")
    cnpj = next(iter(values))
    if not is_valid_cnpj(cnpj):
        raise CertificateError(Reason.CERT_NO_CPF, "O CNPJ do certificado tem dígitos verificadores inválidos.")
    return cnpj


def _parse_date(ddmmyyyy: str) -> dt.date | None:
    if is_unavailable(ddmmyyyy) or not ddmmyyyy.isdigit():
        return None
    try:
        return dt.date(int(ddmmyyyy[4:8]), int(ddmmyyyy[2:4]), int(ddmmyyyy[0:2]))
    except ValueError:
        return None


def _optional_field(value: str) -> str | None:
    value = value.strip()
    if not value or is_unavailable(value):
        return None
    return value.lstrip("0") or None
