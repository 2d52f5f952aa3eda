"""The whole decision about one client certificate at one instant: dates, path, type, key usage, revocation,
identity — in that order, so the first problem a holder can act on is the one reported."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

from cryptography import x509

from certauth.icp.clock import format_brasilia
from certauth.icp.errors import CertificateError, Reason
from certauth.icp.facts import CertificateFacts
from certauth.icp.identity import HolderKind, IcpBrasilIdentity, extract_identity
from certauth.icp.names import display_name
from certauth.icp.policy import DEFAULT_ACCEPTED_POLICY_PREFIXES, PolicyMatch, check_key_usage, match_policy
from certauth.icp.revocation import RevocationOutcome, RevocationStatus
from certauth.icp.strength import check_path_strength, check_structure
from certauth.icp.trust import TrustStore, VerifiedPath


class RevocationChecker(Protocol):
    """Answers "is any certificate of this path revoked at ``at``?" by raising ``CERT_REVOKED`` or
    ``CERT_REVOCATION_UNKNOWN``, or returns the outcome to record (checked good, or accepted by soft-fail)."""

    def check_path(self, path: VerifiedPath, *, at: dt.datetime) -> RevocationOutcome: ...


class MissingIssuers(Protocol):
    """Completes a path the trust store could not build (``CERT_UNTRUSTED``), e.g. by fetching the missing AC from
    the address the certificate names (AIA): returns the verified path and the ACs it needed from outside the
    store, or raises ``error`` (possibly with more detail)."""

    def complete(
        self, leaf: x509.Certificate, trust: TrustStore, *, at: dt.datetime, error: CertificateError
    ) -> tuple[VerifiedPath, tuple[x509.Certificate, ...]]: ...


@dataclass(frozen=True, slots=True)
class ValidationPolicy:
    accepted_policy_prefixes: tuple[str, ...] = DEFAULT_ACCEPTED_POLICY_PREFIXES
    #: e-CNPJ certificates identify a company, not the person using the portal: refused unless enabled.
    accept_company_certificates: bool = False


@dataclass(frozen=True, slots=True)
class ValidatedCertificate:
    """A certificate that passed every check at ``validated_at``."""

    facts: CertificateFacts
    identity: IcpBrasilIdentity
    policy: PolicyMatch
    path: tuple[str, ...]
    issuer_subject: str
    issuer_fingerprint: str
    issuer_key_id: str
    validated_at: dt.datetime
    revocation: RevocationOutcome
    #: ``(issuer key id, serial, common name)`` of every certificate of the path but the root, leaf first: what a
    #: session re-checks against the CRL store while it stays open (the login checked the same path).
    revocation_keys: tuple[tuple[str, str, str], ...] = ()
    #: The ACs of the path that were not in the trust store and were fetched for this login (their names).
    fetched_issuers: tuple[str, ...] = ()


@dataclass
class CertificateValidator:
    """Validates client certificates against one trust store and policy. Build once, share freely."""

    trust: TrustStore
    policy: ValidationPolicy = field(default_factory=ValidationPolicy)
    revocation: RevocationChecker | None = None
    missing_issuers: MissingIssuers | None = None

    def validate(self, certificate: x509.Certificate, *, at: dt.datetime) -> ValidatedCertificate:
        if at.tzinfo is None:
            raise ValueError("'at' must be timezone-aware")
        facts = _facts(certificate)
        try:
            check_structure(certificate)
            _check_dates(certificate, at)
            path, fetched = self._path(certificate, at)
            check_path_strength(path.certificates)
            policy = match_policy(certificate, self.policy.accepted_policy_prefixes)
            check_key_usage(certificate)
            revocation = (
                self.revocation.check_path(path, at=at)
                if self.revocation is not None
                else RevocationOutcome(RevocationStatus.NOT_CHECKED, "Verificação de revogação desativada.")
            )
            identity = extract_identity(certificate)
            if identity.holder is HolderKind.COMPANY and not self.policy.accept_company_certificates:
                raise CertificateError(
                    Reason.CERT_NO_CPF,
                    "Certificado de pessoa jurídica (e-CNPJ): entre com o e-CPF A3 da pessoa que acessa o portal.",
                )
        except CertificateError as exc:
            raise exc.with_facts(facts) from None
        except (ValueError, x509.DuplicateExtension) as exc:  # bad extensions surface lazily in cryptography
            raise CertificateError(Reason.CERT_MALFORMED, f"Extensão inválida ({exc}).", facts=facts) from None
        return ValidatedCertificate(
            facts=facts,
            identity=identity,
            policy=policy,
            path=path.names(),
            issuer_subject=path.issuer.subject.rfc4514_string(),
            issuer_fingerprint=self.trust.fingerprint_of(path.issuer),
            issuer_key_id=self.trust.key_id_of(path.issuer),
            validated_at=at,
            revocation=revocation,
            revocation_keys=tuple(
                (self.trust.key_id_of(issuer), format(certificate.serial_number, "X"), name)
                for certificate, issuer, name in zip(
                    path.certificates[:-1], path.certificates[1:], path.names(), strict=False
                )
            ),
            fetched_issuers=tuple(display_name(c.subject) for c in fetched),
        )

    def _path(
        self, certificate: x509.Certificate, at: dt.datetime
    ) -> tuple[VerifiedPath, tuple[x509.Certificate, ...]]:
        try:
            return self.trust.verify(certificate, at=at), ()
        except CertificateError as exc:
            if exc.reason is not Reason.CERT_UNTRUSTED or self.missing_issuers is None:
                raise
            return self.missing_issuers.complete(certificate, self.trust, at=at, error=exc)


def _facts(certificate: x509.Certificate) -> CertificateFacts:
    try:
        return CertificateFacts.of(certificate)
    except Exception as exc:  # noqa: BLE001  cryptography raises ValueError, TypeError… for unreadable names
        raise CertificateError(Reason.CERT_MALFORMED, f"Certificado ilegível ({type(exc).__name__}: {exc}).") from None


def _check_dates(certificate: x509.Certificate, at: dt.datetime) -> None:
    if at < certificate.not_valid_before_utc:
        when = format_brasilia(certificate.not_valid_before_utc, seconds=False)
        raise CertificateError(
            Reason.CERT_NOT_YET_VALID, f"O certificado só é válido a partir de {when} (horário de Brasília)."
        )
    if at > certificate.not_valid_after_utc:
        when = format_brasilia(certificate.not_valid_after_utc, seconds=False)
        raise CertificateError(Reason.CERT_EXPIRED, f"O certificado venceu em {when} (horário de Brasília).")
