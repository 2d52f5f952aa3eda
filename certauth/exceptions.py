"""certauth's exceptions: one root, and the rejection that Django treats as "deny this request"."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from certauth.icp.errors import CertificateError, Reason
from certauth.icp.facts import CertificateFacts
from certauth.icp.identity import IcpBrasilIdentity
from certauth.icp.revocation import Revocation


class CertAuthError(Exception):
    """Root of certauth's exceptions."""


class LoginRejected(CertAuthError, PermissionDenied):
    """A login attempt is refused with a stable :class:`Reason` (shown to the user and audited).

    Raised by certauth for certificate problems and by the configured binder for membership problems
    (``MEMBER_UNKNOWN`` …). ``facts`` and ``identity`` carry what was known when it was refused.
    """

    def __init__(
        self,
        reason: Reason,
        detail: str = "",
        *,
        facts: CertificateFacts | None = None,
        identity: IcpBrasilIdentity | None = None,
        revocation: Revocation | None = None,
    ) -> None:
        super().__init__(f"{reason}: {detail}" if detail else str(reason))
        self.reason = reason
        self.detail = detail
        self.facts = facts
        self.identity = identity
        self.revocation = revocation

    @classmethod
    def from_certificate_error(cls, error: CertificateError) -> LoginRejected:
        return cls(error.reason, error.detail, facts=error.facts, revocation=error.revocation)


class AuditUnavailable(CertAuthError):
    """The attempt could not be recorded: the login is refused rather than left unaudited."""
