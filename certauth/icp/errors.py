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
    # Cloud A3 ("em nuvem") through a PSC's API (DOC-ICP-17.01 §6.4).
    CLOUD_PSC_UNAVAILABLE = "CLOUD_PSC_UNAVAILABLE"  #: the PSC did not answer in time, or answered an error
    CLOUD_DENIED = "CLOUD_DENIED"  #: the holder refused the request in the PSC's app
    CLOUD_NO_CERTIFICATE = "CLOUD_NO_CERTIFICATE"  #: the chosen PSC keeps no certificate for the CPF typed
    CLOUD_EXPIRED = "CLOUD_EXPIRED"  #: the approval or the login challenge ran out of time
    CLOUD_CHALLENGE_INVALID = "CLOUD_CHALLENGE_INVALID"  #: unknown, already used, or another session's challenge
    CLOUD_CPF_MISMATCH = "CLOUD_CPF_MISMATCH"  #: the PSC's token or certificate names another CPF
    CLOUD_BAD_SIGNATURE = "CLOUD_BAD_SIGNATURE"  #: the signature over our challenge does not verify
    CLOUD_RATE_LIMITED = "CLOUD_RATE_LIMITED"  #: too many cloud logins for this CPF or from this address
    # Sessions ended by the server (the access decision is re-evaluated for open sessions too).
    SESSION_EXPIRED = "SESSION_EXPIRED"  #: the absolute limit since the login (``SESSION_MAX_HOURS``) was reached
    SESSION_ENDED = "SESSION_ENDED"  #: INSS staff ended the member's open sessions

    @property
    def http_status(self) -> int:
        """400 for input that is not a certificate at all, 403 for every refusal (DESIGN.md); a PSC that is down is
        the service's problem (503), and a rate limit says so (429): both may be retried later."""
        return _STATUS.get(self, 403)


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


_STATUS = {Reason.CERT_MALFORMED: 400, Reason.CLOUD_PSC_UNAVAILABLE: 503, Reason.CLOUD_RATE_LIMITED: 429}
