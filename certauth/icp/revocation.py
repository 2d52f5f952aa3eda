"""The revocation rule (pure): given what the store holds for a certificate's issuer, at an instant, decide."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from certauth.icp.clock import format_brasilia
from certauth.icp.errors import CertificateError, Reason

#: RFC 5280 reason names as users read them.
REASON_NAMES = {
    "unspecified": "não especificado",
    "keyCompromise": "comprometimento da chave",
    "cACompromise": "comprometimento da AC",
    "affiliationChanged": "mudança de vínculo",
    "superseded": "substituído",
    "cessationOfOperation": "cessação de atividade",
    "certificateHold": "suspensão",
    "removeFromCRL": "removido da LCR",
    "privilegeWithdrawn": "privilégio retirado",
    "aACompromise": "comprometimento da AA",
}


class RevocationStatus(StrEnum):
    GOOD = "good"  #: a fresh CRL (or OCSP) says the certificate is not revoked
    SOFT_FAIL = "soft_fail"  #: unknown, accepted because soft-fail is configured
    NOT_CHECKED = "not_checked"  #: revocation checking is off


@dataclass(frozen=True, slots=True)
class HeldCrl:
    """The store's current CRL for an issuer."""

    number: int | None
    this_update: dt.datetime
    next_update: dt.datetime | None


@dataclass(frozen=True, slots=True)
class Revocation:
    revoked_at: dt.datetime
    reason: str


@dataclass(frozen=True, slots=True)
class RevocationOutcome:
    """Why a certificate was let through; recorded in the audit."""

    status: RevocationStatus
    detail: str


@dataclass(frozen=True, slots=True)
class RevocationPolicy:
    #: Seconds a CRL stays usable after its nextUpdate (publication delays happen).
    grace: dt.timedelta = dt.timedelta(hours=1)
    #: Accept certificates whose revocation cannot be established (the audit records it). Off: fail closed.
    soft_fail: bool = False


def decide(
    *,
    subject: str,
    held: HeldCrl | None,
    revocation: Revocation | None,
    at: dt.datetime,
    policy: RevocationPolicy,
) -> RevocationOutcome:
    """``CERT_REVOKED`` if listed on the held CRL (even a stale one: a revocation is never undone by age);
    ``CERT_REVOCATION_UNKNOWN`` without a CRL fresh at ``at`` unless soft-fail; else the outcome to record.

    ``subject`` names the certificate at the start of a sentence, as a masculine noun phrase ("O certificado", "O
    certificado da autoridade certificadora …"), with no CPF in it (the sentence is shown on the error page)."""
    if revocation is not None and revocation.revoked_at <= at:
        reason = REASON_NAMES.get(revocation.reason, revocation.reason) or "não informado"
        raise CertificateError(
            Reason.CERT_REVOKED,
            f"{subject} foi revogado em {format_brasilia(revocation.revoked_at, seconds=False)} (motivo: {reason}).",
            revocation=revocation,
        )
    problem = _staleness(held, at, policy.grace)
    if problem is None and held is not None:
        number = f"nº {held.number}" if held.number is not None else "sem número"
        return RevocationOutcome(RevocationStatus.GOOD, f"LCR {number} de {format_brasilia(held.this_update)}")
    if policy.soft_fail:
        return RevocationOutcome(RevocationStatus.SOFT_FAIL, f"Aceito sem verificação de revogação: {problem}")
    lowered = subject[:1].lower() + subject[1:]
    raise CertificateError(
        Reason.CERT_REVOCATION_UNKNOWN, f"Não foi possível verificar se {lowered} foi revogado: {problem}"
    )


_CRL = "lista de certificados revogados (LCR)"


def _staleness(held: HeldCrl | None, at: dt.datetime, grace: dt.timedelta) -> str | None:
    if held is None:
        return f"nenhuma {_CRL} da autoridade certificadora emissora está disponível."
    if held.this_update > at + dt.timedelta(minutes=5):
        return f"a {_CRL} disponível só vale a partir de {format_brasilia(held.this_update)}."
    if held.next_update is not None and at > held.next_update + grace:
        return f"a {_CRL} disponível expirou em {format_brasilia(held.next_update)}."
    return None
