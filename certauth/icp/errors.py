"""Rejection reasons (the stable error codes of DESIGN.md) and the one exception the pure core raises."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from certauth.icp.facts import CertificateFacts
    from certauth.icp.revocation import Revocation


class Reason(StrEnum):
    """Why a login attempt was refused. The values are quoted in support tickets: never rename one."""

    CERT_ABSENT = "CERT_ABSENT"
    CERT_MALFORMED = "CERT_MALFORMED"
    PROXY_UNTRUSTED = "PROXY_UNTRUSTED"
    CERT_UNTRUSTED = "CERT_UNTRUSTED"
    CERT_EXPIRED = "CERT_EXPIRED"
    CERT_NOT_YET_VALID = "CERT_NOT_YET_VALID"
    CERT_REVOKED = "CERT_REVOKED"
    CERT_REVOCATION_UNKNOWN = "CERT_REVOCATION_UNKNOWN"
    CERT_NOT_A3 = "CERT_NOT_A3"
    CERT_KEY_USAGE = "CERT_KEY_USAGE"
    CERT_NO_CPF = "CERT_NO_CPF"
    MEMBER_UNKNOWN = "MEMBER_UNKNOWN"
    MEMBER_INACTIVE = "MEMBER_INACTIVE"
    ENTITY_INACTIVE = "ENTITY_INACTIVE"
    OAB_MISMATCH = "OAB_MISMATCH"
    PASSWORD_RETIRED = "PASSWORD_RETIRED"  # noqa: S105
    PASSWORD_INVALID = "PASSWORD_INVALID"  # noqa: S105  (wrong CPF or password: audited, shown on the form)
    LOCKED_OUT = "LOCKED_OUT"

    @property
    def http_status(self) -> int:
        """400 for input that is not a certificate at all, 403 for every refusal (DESIGN.md)."""
        return 400 if self is Reason.CERT_MALFORMED else 403


class CertificateError(Exception):
    """A certificate (or the value that should have carried one) was refused.

    ``detail`` is a short Portuguese sentence for the audit log and the error page's technical detail;
    ``facts`` holds what could be read from the certificate before it was refused (for the audit), if anything;
    ``revocation`` the CRL entry of a revoked certificate (date and reason, for the audit).
    """

    def __init__(
        self,
        reason: Reason,
        detail: str = "",
        *,
        facts: CertificateFacts | None = None,
        revocation: Revocation | None = None,
    ) -> None:
        super().__init__(f"{reason}: {detail}" if detail else str(reason))
        self.reason = reason
        self.detail = detail
        self.facts = facts
        self.revocation = revocation

    def with_facts(self, facts: CertificateFacts) -> CertificateError:
        """Attach the certificate's facts if none are attached yet; returns ``self`` for ``raise ... from``."""
        if self.facts is None:
            self.facts = facts
        return self
