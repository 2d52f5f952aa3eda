"""Keeps certificate sessions honest on every request (both hosts).

Place after ``django.contrib.auth.middleware.AuthenticationMiddleware`` (system check ``certauth.E002``).
For a session created by :class:`~certauth.backends.ClientCertificateBackend` it attaches
``request.session_certificate`` (a :class:`~certauth.sessions.SessionCertificate`) and ends the session once
the certificate it was made with has expired, or — checked against the CRL store every
``CERTAUTH_SESSION_RECHECK_SECONDS`` — has been revoked. Other sessions are left alone (``session_certificate``
is None).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable

from django.contrib import auth
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.module_loading import import_string

from certauth import audit, crl_store
from certauth.backends import ClientCertificateBackend
from certauth.conf import settings
from certauth.exceptions import LoginRejected
from certauth.icp.clock import format_brasilia
from certauth.icp.errors import Reason
from certauth.icp.revocation import REASON_NAMES, Revocation
from certauth.responses import audited_rejection
from certauth.sessions import SessionCertificate


@functools.lru_cache(maxsize=8)
def is_certificate_backend(path: object) -> bool:
    """Sessions made by :class:`ClientCertificateBackend` or a subclass (the cloud login's) carry a certificate."""
    if not isinstance(path, str) or not path:
        return False
    try:
        backend = import_string(path)
    except ImportError:
        return False
    return isinstance(backend, type) and issubclass(backend, ClientCertificateBackend)


class CertificateSessionMiddleware:
    sync_capable = True
    async_capable = False

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        certificate = None
        if is_certificate_backend(request.session.get(auth.BACKEND_SESSION_KEY)):
            certificate = SessionCertificate.load(request.session)
            if certificate is None:  # a session from before this data existed, or tampered: start over
                auth.logout(request)
            else:
                now = timezone.now()
                if now >= certificate.not_after:
                    return self.end_session(request, certificate)
                if self.recheck_due(certificate, now):
                    revocation = crl_store.revocation_of(certificate.issuer_key_id, certificate.serial_hex)
                    if revocation is not None and revocation.revoked_at <= now:
                        return self.end_revoked_session(request, certificate, revocation)
                    certificate = certificate.rechecked(now)
                    certificate.store(request.session)
        request.session_certificate = certificate  # type: ignore[attr-defined]
        return self.get_response(request)

    def recheck_due(self, certificate: SessionCertificate, now: dt.datetime) -> bool:
        interval = dt.timedelta(seconds=int(settings.SESSION_RECHECK_SECONDS))
        return settings.REVOCATION != "off" and now - certificate.revocation_checked_at >= interval

    def end_session(self, request: HttpRequest, certificate: SessionCertificate) -> HttpResponse:
        detail = f"Sessão encerrada: o certificado venceu em {format_brasilia(certificate.not_after, seconds=False)}."
        return self.end_with(request, certificate, LoginRejected(Reason.CERT_EXPIRED, detail))

    def end_revoked_session(
        self, request: HttpRequest, certificate: SessionCertificate, revocation: Revocation
    ) -> HttpResponse:
        when = format_brasilia(revocation.revoked_at, seconds=False)
        reason = REASON_NAMES.get(revocation.reason, revocation.reason) or "não informado"
        detail = f"Sessão encerrada: o certificado foi revogado em {when} (motivo: {reason})."
        return self.end_with(request, certificate, LoginRejected(Reason.CERT_REVOKED, detail, revocation=revocation))

    def end_with(self, request: HttpRequest, certificate: SessionCertificate, rejection: LoginRejected) -> HttpResponse:
        """Log out and explain why; audited like a refused login so support can find the reference."""
        auth.logout(request)
        attempt = audit.AttemptContext.from_request(request, method=certificate.method, provider=certificate.provider)
        return audited_rejection(request, attempt, rejection)
