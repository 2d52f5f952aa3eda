"""Keeps certificate sessions honest on every request (both hosts).

Place after ``django.contrib.auth.middleware.AuthenticationMiddleware`` (system check ``certauth.E002``).
For a session created by :class:`~certauth.backends.ClientCertificateBackend` it attaches
``request.session_certificate`` (a :class:`~certauth.sessions.SessionCertificate`) and ends the session once
the certificate it was made with has expired. Other sessions are left alone (``session_certificate`` is None).
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import auth
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from certauth import audit
from certauth.exceptions import LoginRejected
from certauth.icp.clock import format_brasilia
from certauth.icp.errors import Reason
from certauth.models import LoginMethod
from certauth.responses import rejection_response
from certauth.sessions import SessionCertificate
from certauth.views import BACKEND


class CertificateSessionMiddleware:
    sync_capable = True
    async_capable = False

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        certificate = None
        if request.session.get(auth.BACKEND_SESSION_KEY) == BACKEND:
            certificate = SessionCertificate.load(request.session)
            if certificate is None:  # a session from before this data existed, or tampered: start over
                auth.logout(request)
            elif timezone.now() >= certificate.not_after:
                return self.end_session(request, certificate)
        request.session_certificate = certificate  # type: ignore[attr-defined]
        return self.get_response(request)

    def end_session(self, request: HttpRequest, certificate: SessionCertificate) -> HttpResponse:
        """Log out and explain why; audited like a refused login so support can find the reference."""
        auth.logout(request)
        attempt = audit.AttemptContext.from_request(request, method=LoginMethod.CERTIFICATE)
        detail = f"Sessão encerrada: o certificado venceu em {format_brasilia(certificate.not_after, seconds=False)}."
        rejection = LoginRejected(Reason.CERT_EXPIRED, detail)
        row = audit.record_rejection(attempt, rejection)
        return rejection_response(
            request,
            rejection.reason,
            reference=row.reference if row else attempt.reference,
            at=attempt.at,
            detail=detail,
        )
