"""CertificateValidator.validate: the whole decision about one client certificate at one instant."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from certauth.icp.builder import A1_POLICY, A3_POLICY, LeafProfile, PersonSpec, PkiBuilder, der_octet_string
from certauth.icp.errors import CertificateError, Reason
from certauth.icp.facts import CertificateFacts
from certauth.icp.identity import OID, CpfSource, HolderKind, OabRegistration
from certauth.icp.numbers import mask_cpf
from certauth.icp.revocation import RevocationOutcome, RevocationStatus
from certauth.icp.trust import TrustStore, VerifiedPath
from certauth.icp.validation import CertificateValidator, ValidatedCertificate, ValidationPolicy
from tests.conftest import LAWYER
from tests.pki import TestPki

BRASILIA = ZoneInfo("America/Sao_Paulo")
DAY = dt.timedelta(days=1)
CNPJ = "11222333000181"
RESPONSIBLE_CPF = "47363361886"

EXPIRED = LAWYER.but(valid_from=-400 * DAY, valid_for=300 * DAY)
NOT_YET_VALID = LAWYER.but(valid_from=10 * DAY)
A1 = LAWYER.but(policy_oid=A1_POLICY)
NO_CLIENT_AUTH = LAWYER.but(client_auth=False)
BAD_CPF = LAWYER.but(cpf="52601815907")
E_CNPJ = PersonSpec(
    "EMPRESA TESTE LTDA",
    CNPJ,
    profile=LeafProfile.RES_211,
    extra_other_names=(
        (OID.COMPANY_RESPONSIBLE, der_octet_string(f"02021970{RESPONSIBLE_CPF}" + "0" * 26)),
        (OID.COMPANY_RESPONSIBLE_NAME, der_octet_string("JOANA RESPONSAVEL")),
        (OID.COMPANY_CNPJ, der_octet_string(CNPJ)),
    ),
)


@dataclass
class FakeRevocation:
    """Records what it is asked; raises ``error`` if given."""

    error: CertificateError | None = None
    calls: list[tuple[x509.Certificate, x509.Certificate, dt.datetime]] = field(default_factory=list)

    def check_path(self, path: VerifiedPath, *, at: dt.datetime) -> RevocationOutcome:
        self.calls.append((path.certificates[0], path.issuer, at))
        if self.error is not None:
            raise self.error
        return RevocationOutcome(RevocationStatus.GOOD, "LCR nº 1")


@pytest.fixture
def validator(pki: TestPki) -> CertificateValidator:
    # A fresh trust store per test: each test validates at one instant.
    return CertificateValidator(trust=pki.trust_store())


def refusal(validator: CertificateValidator, certificate: x509.Certificate, at: dt.datetime) -> CertificateError:
    with pytest.raises(CertificateError) as exc:
        validator.validate(certificate, at=at)
    return exc.value


def serial_hex(certificate: x509.Certificate) -> str:
    return format(certificate.serial_number, "X")


def sha256(certificate: x509.Certificate) -> str:
    return certificate.fingerprint(hashes.SHA256()).hex()


# --- accepted ---------------------------------------------------------------------------------------------------


def test_valid_a3_lawyer_certificate_is_validated(pki: TestPki, validator: CertificateValidator, now) -> None:
    certificate = pki.issue(LAWYER).certificate
    result = validator.validate(certificate, at=now)
    assert isinstance(result, ValidatedCertificate)
    assert result.identity.cpf == LAWYER.cpf
    assert result.identity.name == "MARIA DA SILVA"
    assert result.identity.holder is HolderKind.PERSON
    assert result.identity.birth_date == dt.date(1979, 3, 14)
    assert result.identity.oab == OabRegistration("123456", "SP")
    assert result.policy.oid == A3_POLICY
    assert result.policy.certificate_type == "A3"
    # the path as people read it (the audit's detail): the holder's CPF masked
    assert result.path == (
        f"MARIA DA SILVA:{mask_cpf(LAWYER.cpf)}",
        "AC Teste OAB",
        "AC Teste Nivel 1",
        "AC Raiz Teste A3",
    )
    assert result.facts.serial_hex == serial_hex(certificate)
    assert result.facts.fingerprint_sha256 == sha256(certificate)
    assert result.facts.not_after == certificate.not_valid_after_utc
    assert "MARIA DA SILVA" in result.facts.subject
    assert result.issuer_subject == pki.oab.certificate.subject.rfc4514_string()
    assert result.issuer_fingerprint == sha256(pki.oab.certificate)
    assert result.validated_at == now


def test_a4_and_resolucao_211_certificates_are_validated(pki: TestPki, validator: CertificateValidator, now) -> None:
    certificate = pki.issue(LAWYER.but(policy_oid="2.16.76.1.2.4.5", profile=LeafProfile.RES_211), pki.final)
    result = validator.validate(certificate.certificate, at=now)
    assert result.policy.certificate_type == "A4"
    assert result.identity.cpf_sources == (CpfSource.SUBJECT_SERIAL_NUMBER, CpfSource.COMMON_NAME)
    assert result.path[1] == "AC Teste Final"


def test_at_in_brasilia_time_is_accepted_and_kept(pki: TestPki, validator: CertificateValidator, now) -> None:
    at = now.astimezone(BRASILIA)
    assert validator.validate(pki.issue(LAWYER).certificate, at=at).validated_at == at


def test_naive_at_is_a_programming_error(pki: TestPki, validator: CertificateValidator, now) -> None:
    with pytest.raises(ValueError):
        validator.validate(pki.issue(LAWYER).certificate, at=now.replace(tzinfo=None))


# --- each refusal -----------------------------------------------------------------------------------------------


def test_expired_certificate_is_refused_with_the_brasilia_date(pki: TestPki, validator: CertificateValidator) -> None:
    # Expiry at 01:30 UTC is still the previous day in Brasília (UTC-3): the detail must show the Brasília date.
    expiry = dt.datetime.combine(pki.now.date() - 10 * DAY, dt.time(1, 30), tzinfo=dt.UTC)
    builder = PkiBuilder(now=expiry - 200 * DAY, shared_leaf_key=True)
    certificate = builder.person(pki.oab, LAWYER.but(valid_from=dt.timedelta(0), valid_for=200 * DAY)).certificate
    assert certificate.not_valid_after_utc == expiry
    error = refusal(validator, certificate, pki.now)
    assert error.reason is Reason.CERT_EXPIRED
    brasilia_date = f"{expiry.astimezone(BRASILIA):%d/%m/%Y}"
    assert brasilia_date != f"{expiry:%d/%m/%Y}"
    assert brasilia_date in error.detail
    assert "22:30" in error.detail


def test_not_yet_valid_certificate_is_refused(pki: TestPki, validator: CertificateValidator, now) -> None:
    certificate = pki.issue(NOT_YET_VALID).certificate
    error = refusal(validator, certificate, now)
    assert error.reason is Reason.CERT_NOT_YET_VALID
    assert f"{certificate.not_valid_before_utc.astimezone(BRASILIA):%d/%m/%Y}" in error.detail


@pytest.mark.parametrize(
    ("when", "reason"),
    [
        pytest.param(lambda c: c.not_valid_before_utc, None, id="first-second"),
        pytest.param(lambda c: c.not_valid_after_utc, None, id="last-second"),
        pytest.param(
            lambda c: c.not_valid_before_utc - dt.timedelta(seconds=1), Reason.CERT_NOT_YET_VALID, id="before"
        ),
        pytest.param(lambda c: c.not_valid_after_utc + dt.timedelta(seconds=1), Reason.CERT_EXPIRED, id="after"),
    ],
)
def test_validity_bounds_are_inclusive(pki: TestPki, validator: CertificateValidator, when, reason) -> None:
    certificate = pki.issue(LAWYER).certificate
    if reason is None:
        validator.validate(certificate, at=when(certificate))
    else:
        assert refusal(validator, certificate, when(certificate)).reason is reason


def test_certificate_from_an_untrusted_pki_is_refused(pki: TestPki, validator: CertificateValidator, now) -> None:
    error = refusal(validator, pki.issue(LAWYER, pki.stranger).certificate, now)
    assert error.reason is Reason.CERT_UNTRUSTED


def test_a1_certificate_is_refused(pki: TestPki, validator: CertificateValidator, now) -> None:
    error = refusal(validator, pki.issue(A1).certificate, now)
    assert error.reason is Reason.CERT_NOT_A3
    assert "A1" in error.detail


def test_certificate_without_client_auth_is_refused(pki: TestPki, validator: CertificateValidator, now) -> None:
    assert refusal(validator, pki.issue(NO_CLIENT_AUTH).certificate, now).reason is Reason.CERT_KEY_USAGE


def test_certificate_with_a_bad_cpf_is_refused(pki: TestPki, validator: CertificateValidator, now) -> None:
    assert refusal(validator, pki.issue(BAD_CPF).certificate, now).reason is Reason.CERT_NO_CPF


def test_ca_certificate_presented_as_a_client_certificate_is_refused(
    pki: TestPki, validator: CertificateValidator, now
) -> None:
    # An AC certificate carries no end-entity policy: refused at the type check, before key usage.
    assert refusal(validator, pki.oab.certificate, now).reason is Reason.CERT_NOT_A3


# --- order of the checks ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "issuer", "reason"),
    [
        # Dates come first (documented): an expired certificate from an untrusted root reports CERT_EXPIRED.
        pytest.param(EXPIRED, "stranger", Reason.CERT_EXPIRED, id="expired+untrusted"),
        pytest.param(
            NOT_YET_VALID.but(policy_oid=A1_POLICY), "stranger", Reason.CERT_NOT_YET_VALID, id="future+untrusted+A1"
        ),
        pytest.param(
            EXPIRED.but(policy_oid=A1_POLICY, cpf="52601815907"), "oab", Reason.CERT_EXPIRED, id="expired+A1+badCPF"
        ),
        # Then the path.
        pytest.param(A1.but(client_auth=False), "stranger", Reason.CERT_UNTRUSTED, id="untrusted+A1+noClientAuth"),
        pytest.param(BAD_CPF, "stranger", Reason.CERT_UNTRUSTED, id="untrusted+badCPF"),
        # Then the type.
        pytest.param(
            A1.but(client_auth=False, cpf="52601815907"), "oab", Reason.CERT_NOT_A3, id="A1+noClientAuth+badCPF"
        ),
        # Then key usage, before identity.
        pytest.param(NO_CLIENT_AUTH.but(cpf="52601815907"), "oab", Reason.CERT_KEY_USAGE, id="noClientAuth+badCPF"),
        pytest.param(
            LAWYER.but(digital_signature=False, cpf="11111111111"),
            "oab",
            Reason.CERT_KEY_USAGE,
            id="noDigitalSignature+badCPF",
        ),
    ],
)
def test_first_failing_check_is_the_one_reported(pki: TestPki, validator, now, spec, issuer, reason) -> None:
    assert refusal(validator, pki.issue(spec, getattr(pki, issuer)).certificate, now).reason is reason


# --- facts on every refusal -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "issuer"),
    [
        pytest.param(EXPIRED, "oab", id="expired"),
        pytest.param(NOT_YET_VALID, "oab", id="not-yet-valid"),
        pytest.param(LAWYER, "stranger", id="untrusted"),
        pytest.param(A1, "oab", id="A1"),
        pytest.param(NO_CLIENT_AUTH, "oab", id="no-client-auth"),
        pytest.param(BAD_CPF, "oab", id="bad-cpf"),
        pytest.param(E_CNPJ, "final", id="e-CNPJ"),
    ],
)
def test_every_refusal_carries_the_facts_of_the_leaf(pki: TestPki, validator, now, spec, issuer) -> None:
    certificate = pki.issue(spec, getattr(pki, issuer)).certificate
    error = refusal(validator, certificate, now)
    assert error.facts is not None
    assert error.facts.serial_hex == serial_hex(certificate)
    assert error.facts.fingerprint_sha256 == sha256(certificate)
    assert error.facts.not_before == certificate.not_valid_before_utc
    assert error.facts.not_after == certificate.not_valid_after_utc
    assert error.facts.issuer == certificate.issuer.rfc4514_string()


# --- e-CNPJ -----------------------------------------------------------------------------------------------------


def test_e_cnpj_is_refused_by_default(pki: TestPki, validator: CertificateValidator, now) -> None:
    error = refusal(validator, pki.issue(E_CNPJ, pki.final).certificate, now)
    assert error.reason is Reason.CERT_NO_CPF
    assert "e-CNPJ" in error.detail


def test_e_cnpj_is_accepted_when_the_policy_allows_company_certificates(pki: TestPki, now) -> None:
    validator = CertificateValidator(trust=pki.trust_store(), policy=ValidationPolicy(accept_company_certificates=True))
    result = validator.validate(pki.issue(E_CNPJ, pki.final).certificate, at=now)
    assert result.identity.holder is HolderKind.COMPANY
    assert result.identity.cnpj == CNPJ
    assert result.identity.cpf == RESPONSIBLE_CPF
    assert result.identity.responsible_name == "JOANA RESPONSAVEL"


def test_accepting_companies_does_not_change_person_certificates(pki: TestPki, now) -> None:
    validator = CertificateValidator(trust=pki.trust_store(), policy=ValidationPolicy(accept_company_certificates=True))
    assert validator.validate(pki.issue(LAWYER).certificate, at=now).identity.holder is HolderKind.PERSON


def test_accepted_policy_prefixes_come_from_the_validation_policy(pki: TestPki, now) -> None:
    only_a4 = ValidationPolicy(accepted_policy_prefixes=("2.16.76.1.2.4",))
    validator = CertificateValidator(trust=pki.trust_store(), policy=only_a4)
    assert refusal(validator, pki.issue(LAWYER).certificate, now).reason is Reason.CERT_NOT_A3
    a1_too = ValidationPolicy(accepted_policy_prefixes=("2.16.76.1.2.1", "2.16.76.1.2.3"))
    validator = CertificateValidator(trust=pki.trust_store(), policy=a1_too)
    assert validator.validate(pki.issue(A1).certificate, at=now).policy.certificate_type == "A1"


# --- revocation -------------------------------------------------------------------------------------------------


def test_revocation_checker_is_consulted_with_the_issuer_certificate(pki: TestPki, now) -> None:
    revocation = FakeRevocation()
    validator = CertificateValidator(trust=pki.trust_store(), revocation=revocation)
    certificate = pki.issue(LAWYER).certificate
    result = validator.validate(certificate, at=now)
    assert revocation.calls == [(certificate, pki.oab.certificate, now)]
    assert result.revocation == RevocationOutcome(RevocationStatus.GOOD, "LCR nº 1")


def test_without_a_revocation_checker_the_outcome_says_not_checked(validator: CertificateValidator, pki, now) -> None:
    result = validator.validate(pki.issue(LAWYER).certificate, at=now)
    assert result.revocation.status is RevocationStatus.NOT_CHECKED


def test_revoked_certificate_is_refused_with_facts(pki: TestPki, now) -> None:
    revocation = FakeRevocation(CertificateError(Reason.CERT_REVOKED, "Revogado."))
    validator = CertificateValidator(trust=pki.trust_store(), revocation=revocation)
    certificate = pki.issue(LAWYER, pki.final).certificate
    error = refusal(validator, certificate, now)
    assert error.reason is Reason.CERT_REVOKED
    assert error.detail == "Revogado."
    assert error.facts is not None
    assert error.facts.serial_hex == serial_hex(certificate)
    assert error.facts.fingerprint_sha256 == sha256(certificate)
    assert revocation.calls == [(certificate, pki.final.certificate, now)]


def test_revocation_status_unknown_propagates(pki: TestPki, now) -> None:
    revocation = FakeRevocation(CertificateError(Reason.CERT_REVOCATION_UNKNOWN, "LCR indisponível."))
    validator = CertificateValidator(trust=pki.trust_store(), revocation=revocation)
    assert refusal(validator, pki.issue(LAWYER).certificate, now).reason is Reason.CERT_REVOCATION_UNKNOWN


@pytest.mark.parametrize(
    ("spec", "issuer"),
    [
        pytest.param(EXPIRED, "oab", id="expired"),
        pytest.param(LAWYER, "stranger", id="untrusted"),
        pytest.param(A1, "oab", id="A1"),
        pytest.param(NO_CLIENT_AUTH, "oab", id="no-client-auth"),
    ],
)
def test_revocation_is_not_consulted_for_a_certificate_already_refused(pki: TestPki, now, spec, issuer) -> None:
    revocation = FakeRevocation(CertificateError(Reason.CERT_REVOKED))
    validator = CertificateValidator(trust=pki.trust_store(), revocation=revocation)
    error = refusal(validator, pki.issue(spec, getattr(pki, issuer)).certificate, now)
    assert error.reason is not Reason.CERT_REVOKED
    assert revocation.calls == []


def test_revocation_is_checked_before_the_identity(pki: TestPki, now) -> None:
    revocation = FakeRevocation(CertificateError(Reason.CERT_REVOKED))
    validator = CertificateValidator(trust=pki.trust_store(), revocation=revocation)
    assert refusal(validator, pki.issue(BAD_CPF).certificate, now).reason is Reason.CERT_REVOKED


def test_facts_already_attached_by_the_checker_are_kept(pki: TestPki, now) -> None:
    other_facts = CertificateFacts.of(pki.oab.certificate)
    revocation = FakeRevocation(CertificateError(Reason.CERT_REVOKED, facts=other_facts))
    validator = CertificateValidator(trust=pki.trust_store(), revocation=revocation)
    assert refusal(validator, pki.issue(LAWYER).certificate, now).facts is other_facts


# --- the contract: a value or a CertificateError ----------------------------------------------------------------


def test_certificate_that_is_itself_a_trusted_root_gives_a_certificate_error_not_a_crash(pki: TestPki, now) -> None:
    # A self-signed end-entity certificate that someone put among the trusted roots: OpenSSL's path is the
    # certificate alone, so there is no issuer. validate() must still answer with a CertificateError (the pure
    # core's contract), never an unexpected exception that turns a login into a server error.
    key = pki.final.key
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, f"MARIA DA SILVA:{LAWYER.cpf}")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(pki.now - DAY)
        .not_valid_after(pki.now + 30 * DAY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
        .add_extension(
            x509.CertificatePolicies([x509.PolicyInformation(x509.ObjectIdentifier(A3_POLICY), None)]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    validator = CertificateValidator(trust=TrustStore([certificate]))
    with pytest.raises(CertificateError) as exc:
        validator.validate(certificate, at=now)
    assert exc.value.facts is not None
