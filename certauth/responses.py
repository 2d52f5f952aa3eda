"""The error page every refusal shows: made to be useful in a support ticket's screenshot (code, reference,
date and time in Brasília time, what to do, how to reach support)."""

from __future__ import annotations

import datetime as dt
import math

from django.contrib import auth
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from certauth import audit
from certauth.exceptions import LoginRejected
from certauth.icp.clock import BRASILIA, format_brasilia
from certauth.icp.errors import Reason
from certauth.icp.numbers import mask_cpfs
from certauth.messages import TEXTS

TEMPLATE = "certauth/rejected.html"


def rejection_response(
    request: HttpRequest,
    reason: Reason,
    *,
    reference: str,
    at: dt.datetime,
    detail: str = "",
    status: int | None = None,
    retry_url: str = "",
    method: str = "",
    retry_at: dt.datetime | None = None,  # when a retry is admitted (a rate limit's): said, and sent as Retry-After
) -> HttpResponse:
    """``retry_url``: where "Tentar novamente" leads (default: the certificate login link); ``method``: the login
    method the steps are written for. A password refusal without its own ``retry_url`` offers, by name, the
    certificate logins instead (a button opening another login method never says "Tentar novamente")."""
    text = TEXTS[reason]
    now = timezone.now()
    response = TemplateResponse(
        request,
        TEMPLATE,
        {
            "reason": reason,
            "code": reason.value,
            "title": text.title,
            "explanation": text.explanation,
            "next_steps": text.steps_for(method, until=_until(retry_at, now) if retry_at else ""),
            "detail": mask_cpfs(detail),  # the sentences are CPF-free at their source; this page is screenshotted
            "reference": reference,
            "when": format_brasilia(at),
            "retry_url": retry_url,
            "method": method,
        },
        status=status or reason.http_status,
    )
    response.render()  # also returned from middleware, where Django would not render it
    response["Cache-Control"] = "no-store"
    response["X-Error-Code"] = reason.value
    response["X-Reference"] = reference
    if reason.http_status in (429, 503):
        response["Retry-After"] = str(_seconds_until(retry_at, now)) if retry_at else "60"
    return response


def _seconds_until(instant: dt.datetime, now: dt.datetime) -> int:
    """Whole seconds after which ``instant`` has passed (a request then is admitted), at least 1."""
    return max(1, math.floor((instant - now).total_seconds()) + 1)


def _until(instant: dt.datetime, now: dt.datetime) -> str:
    """The Brasília minute from which to try again, rounded up ("14:42"; "00:02 de 11/03/2026" on another day)."""
    later = instant.astimezone(BRASILIA)
    if later.second or later.microsecond:
        later = later.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    if later.date() == now.astimezone(BRASILIA).date():
        return later.strftime("%H:%M")
    return later.strftime("%H:%M de %d/%m/%Y")


def audited_rejection(
    request: HttpRequest,
    attempt: audit.AttemptContext,
    rejection: LoginRejected,
    *,
    cpf: str = "",
    user: object = None,
    retry_url: str = "",
    retry_at: dt.datetime | None = None,
) -> HttpResponse:
    """Record the refusal in the audit, then answer its page with the same reference (the attempt's own if the
    audit could not be written: the user is refused anyway); ``retry_at`` as for :func:`rejection_response`."""
    recorded = audit.record_rejection(attempt, rejection, cpf=cpf, user=user)
    return rejection_response(
        request,
        rejection.reason,
        reference=recorded or attempt.reference,
        at=attempt.at,
        detail=rejection.detail,
        retry_url=retry_url,
        method=attempt.method,
        retry_at=retry_at,
    )


def ended_session(
    request: HttpRequest, rejection: LoginRejected, *, method: str, provider: str = "", cpf: str = ""
) -> HttpResponse:
    """End the request's session because its access ended, and say why: the user is logged out, the end is
    audited like a refused login (same code, its own reference, the account it was) and the refusal page shown."""
    user = getattr(request, "user", None)
    user = user if getattr(user, "is_authenticated", False) else None
    request.session_end_reason = rejection.reason.value  # type: ignore[attr-defined]  # for user_logged_out's receivers
    auth.logout(request)
    attempt = audit.AttemptContext.from_request(request, method=method, provider=provider)
    return audited_rejection(request, attempt, rejection, cpf=cpf, user=user)


def audit_unavailable_response(
    request: HttpRequest, *, reference: str, at: dt.datetime, method: str = "", retry_url: str = ""
) -> HttpResponse:
    """503 when the attempt cannot be recorded: the login is refused, and the user may try again shortly.
    ``method``: the login method the page speaks of (a certificate's by default); ``retry_url``: where "Tentar
    novamente" leads (default: the certificate login link). Rendered without the database (it may be what failed)."""
    response = TemplateResponse(
        request,
        "certauth/audit_unavailable.html",
        {"reference": reference, "when": format_brasilia(at), "method": method, "retry_url": retry_url},
        status=503,
    )
    response.render()
    response["Retry-After"] = "60"
    response["Cache-Control"] = "no-store"
    return response
