"""Recording login attempts. Every attempt gets a reference id (shown on the page, quoted to support) and a row.

Rows are written outside any surrounding transaction; if the write fails the caller must refuse the login
(:class:`~certauth.exceptions.AuditUnavailable`) — an unaudited login never happens.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, transaction
from django.http import HttpRequest
from django.utils import timezone

from certauth import metrics, proxy
from certauth.conf import settings
from certauth.exceptions import AuditUnavailable, LoginRejected
from certauth.icp.errors import Reason
from certauth.icp.facts import CertificateFacts
from certauth.icp.identity import IcpBrasilIdentity
from certauth.icp.validation import ValidatedCertificate
from certauth.models import LoginAttempt, Outcome
from certauth.statements import Insert

logger = logging.getLogger("certauth.audit")

#: Crockford's base32 without I, L, O, U: unambiguous when read from a screenshot or over the phone.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference() -> str:
    """``7KQ2M-9XD3F``: 50 random bits, grouped for reading aloud."""
    bits = secrets.randbits(50)
    raw = "".join(_ALPHABET[(bits >> (5 * i)) & 31] for i in range(10))
    return f"{raw[:5]}-{raw[5:]}"


@dataclass(frozen=True)
class AttemptContext:
    """What is known about an attempt before any decision: when, from where, and its reference."""

    reference: str
    at: dt.datetime
    method: str
    ip: str | None
    user_agent: str
    proxy_request_id: str
    proxy_verify: str
    #: Cloud logins: the PSC's short name (``vidaas``…), also in the session as ``x509_<name>``.
    provider: str = ""

    @classmethod
    def from_request(cls, request: HttpRequest, *, method: str, provider: str = "") -> AttemptContext:
        return cls(
            provider=provider,
            reference=new_reference(),
            at=timezone.now(),
            method=method,
            ip=proxy.client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:400],
            proxy_request_id=proxy.proxy_header(request, settings.REQUEST_ID_HEADER, limit=64),
            proxy_verify=proxy.proxy_header(request, settings.VERIFY_HEADER),
        )


#: The audit row: written on every login, through a prepared statement (``certauth/statements.py``); a reference
#: already taken inserts nothing instead of raising.
_INSERT = Insert(LoginAttempt, skip_conflicts_on="reference")


def record_rejection(
    context: AttemptContext, rejection: LoginRejected, *, cpf: str = "", user: object = None
) -> str | None:
    """Record a refused attempt; its reference (the context's, or a fresh one after a collision). A failure to
    record is logged (None); the user is refused anyway."""
    try:
        return _write(
            context,
            outcome=Outcome.REJECTED,
            code=rejection.reason.value,
            detail=rejection.detail,
            facts=rejection.facts,
            identity=rejection.identity,
            revocation=_rejection_revocation(rejection),
            cpf=cpf,
            user=user,
        )
    except AuditUnavailable:
        logger.exception("login attempt %s (%s) could not be audited", context.reference, rejection.reason)
        return None


def record_acceptance(
    context: AttemptContext,
    certificate: ValidatedCertificate | None,
    *,
    user: object,
    organization_code: str = "",
    organization_name: str = "",
    cpf: str = "",
    in_login_transaction: bool = False,
) -> str:
    """Record an accepted login; its reference (the context's, or a fresh one after a collision). Raises
    :class:`AuditUnavailable` if it cannot be written. ``in_login_transaction``: the caller's transaction holds the
    login's writes and is rolled back if this raises (the row then needs no savepoint of its own)."""
    return _write(
        context,
        outcome=Outcome.ACCEPTED,
        code="",
        detail=f"{certificate.policy.certificate_type} · {' → '.join(certificate.path)}" if certificate else "",
        facts=certificate.facts if certificate else None,
        identity=certificate.identity if certificate else None,
        policy=certificate.policy.oid if certificate else "",
        revocation=(
            {
                "revocation_status": certificate.revocation.status.value,
                "revocation_detail": certificate.revocation.detail[:500],
            }
            if certificate
            else {}
        ),
        user=user,
        organization_code=organization_code,
        organization_name=organization_name,
        cpf=cpf,
        fetched_issuers="; ".join(certificate.fetched_issuers)[:1000] if certificate else "",
        in_login_transaction=in_login_transaction,
    )


def _rejection_revocation(rejection: LoginRejected) -> dict[str, Any]:
    if rejection.revocation is not None:
        return {
            "revocation_status": "revoked",
            "revocation_detail": rejection.detail[:500],
            "revoked_at": rejection.revocation.revoked_at,
            "revocation_reason": rejection.revocation.reason[:24],
        }
    if rejection.reason is Reason.CERT_REVOCATION_UNKNOWN:
        return {"revocation_status": "unknown", "revocation_detail": rejection.detail[:500]}
    return {}


def _write(
    context: AttemptContext,
    *,
    outcome: str,
    code: str,
    detail: str,
    facts: CertificateFacts | None,
    identity: IcpBrasilIdentity | None,
    policy: str = "",
    revocation: dict[str, Any] | None = None,
    user: object = None,
    organization_code: str = "",
    organization_name: str = "",
    cpf: str = "",
    fetched_issuers: str = "",
    in_login_transaction: bool = False,
) -> str:
    fields = dict(
        **(revocation or {}),
        created_at=context.at,
        method=context.method,
        provider=context.provider[:40],
        outcome=outcome,
        code=code,
        detail=detail[:2000],
        cpf=(identity.cpf if identity else cpf)[:11],
        holder_name=(identity.name if identity else "")[:200],
        user=user,
        organization_code=organization_code[:40],
        organization_name=organization_name[:200],
        cert_serial=facts.serial_hex[:80] if facts else "",
        cert_subject=facts.subject[:1000] if facts else "",
        cert_issuer=facts.issuer[:1000] if facts else "",
        cert_fingerprint=facts.fingerprint_sha256 if facts else "",
        cert_not_after=facts.not_after if facts else None,
        cert_policy=policy[:64],
        ip=context.ip,
        user_agent=context.user_agent,
        proxy_request_id=context.proxy_request_id,
        proxy_verify=context.proxy_verify,
        fetched_issuers=fetched_issuers,
    )
    # A hostile certificate may carry NUL characters in its names: PostgreSQL's text columns refuse them, and the
    # attempt must be audited all the same.
    fields = {k: v.replace("\x00", "\ufffd") if isinstance(v, str) else v for k, v in fields.items()}
    fields["user_id"] = getattr(fields.pop("user"), "pk", None)
    reference = context.reference
    try:
        # An accepted login's row is written inside the login's own transaction (a failure refuses the login and
        # rolls everything back); any other row in a transaction of its own, or a savepoint if the caller has one.
        with nullcontext() if in_login_transaction else transaction.atomic():
            if not _INSERT.execute({"reference": reference, **fields}):
                # A reference collision (50 random bits: rare) — keep the row under a fresh reference.
                reference = new_reference()
                if not _INSERT.execute({"reference": reference, **fields}):
                    raise AuditUnavailable(f"reference {reference} taken too")
    except DatabaseError as exc:
        raise AuditUnavailable(str(exc)) from exc
    metrics.count_attempt(outcome=outcome, method=context.method, code=code)  # every row written, once
    return reference


def purge_before(cutoff: dt.datetime, *, dry_run: bool = False, batch: int = 10_000) -> int:
    """Delete attempts older than ``cutoff`` in batches (short transactions); return how many."""
    old = LoginAttempt.objects.filter(created_at__lt=cutoff)
    if dry_run:
        return old.count()
    deleted = 0
    while True:
        ids = list(old.values_list("pk", flat=True)[:batch])
        if not ids:
            return deleted
        deleted += LoginAttempt.objects.filter(pk__in=ids).delete()[0]
