"""Keeps certificate sessions honest on every request (both hosts).

Place after ``django.contrib.auth.middleware.AuthenticationMiddleware`` (system check ``certauth.E002``).
For a session created by :class:`~certauth.backends.ClientCertificateBackend` it attaches
``request.session_certificate`` (a :class:`~certauth.sessions.SessionCertificate`) and ends the session once
the certificate it was made with has expired, or once the certificate or any CA of the path the login validated
is on its issuer's current CRL — checked against the CRL store every ``CERTAUTH_SESSION_RECHECK_SECONDS`` (60),
and at the next request after staff changed something the session depends on
(:func:`~certauth.sessions.access_generation`). Other sessions are left alone (``session_certificate`` is None).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable

from django.contrib import auth
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.module_loading import import_string

from certauth import crl_store
from certauth.backends import ClientCertificateBackend
from certauth.conf import settings
from certauth.exceptions import LoginRejected
from certauth.icp.clock import format_brasilia
from certauth.icp.errors import Reason
from certauth.icp.revocation import REASON_NAMES, Revocation
from certauth.responses import ended_session
from certauth.sessions import SessionCertificate, access_generation


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
                generation = access_generation(request.session)
                if self.recheck_due(certificate, now, generation):
                    revoked = self.revoked_link(certificate, now)
                    if revoked is not None:
                        return self.end_revoked_session(request, certificate, *revoked)
                    certificate = certificate.rechecked(now, generation=generation)
                    certificate.store(request.session)
        request.session_certificate = certificate  # type: ignore[attr-defined]
        return self.get_response(request)

    def recheck_due(self, certificate: SessionCertificate, now: dt.datetime, generation: int) -> bool:
        if settings.REVOCATION == "off":
            return False
        interval = dt.timedelta(seconds=int(settings.SESSION_RECHECK_SECONDS))
        return now - certificate.revocation_checked_at >= interval or generation != certificate.access_generation

    def revoked_link(self, certificate: SessionCertificate, now: dt.datetime) -> tuple[Revocation, str] | None:
        """The first certificate of the session's path (the leaf, or a CA above it) on its issuer's current CRL,
        with the name to show; one query for the whole path (``CERTAUTH_REVOCATION = "leaf"``: the leaf only)."""
        links = certificate.revocation_keys
        if settings.REVOCATION == "leaf":
            links = links[:1]
        listed = crl_store.lookup([(key, serial) for key, serial, _ in links]).listed
        for index, (key, serial, name) in enumerate(links):
            revocation = listed.get((key, serial))
            if revocation is not None and revocation.revoked_at <= now:
                return revocation, "" if index == 0 else name
        return None

    def end_session(self, request: HttpRequest, certificate: SessionCertificate) -> HttpResponse:
        detail = f"Sessão encerrada: o certificado venceu em {format_brasilia(certificate.not_after, seconds=False)}."
        return self.end_with(request, certificate, LoginRejected(Reason.CERT_EXPIRED, detail))

    def end_revoked_session(
        self, request: HttpRequest, certificate: SessionCertificate, revocation: Revocation, ca_name: str = ""
    ) -> HttpResponse:
        """``ca_name``: the CA of the path that was revoked (empty: the holder's own certificate)."""
        when = format_brasilia(revocation.revoked_at, seconds=False)
        reason = REASON_NAMES.get(revocation.reason, revocation.reason) or "não informado"
        if ca_name:
            detail = (
                f"Sessão encerrada: a autoridade certificadora {ca_name}, do caminho do seu certificado, foi revogada "
                f"em {when} (motivo: {reason})."
            )
        else:
            detail = f"Sessão encerrada: o certificado foi revogado em {when} (motivo: {reason})."
        return self.end_with(request, certificate, LoginRejected(Reason.CERT_REVOKED, detail, revocation=revocation))

    def end_with(self, request: HttpRequest, certificate: SessionCertificate, rejection: LoginRejected) -> HttpResponse:
        """Log out and explain why; audited like a refused login so support can find the reference."""
        return ended_session(
            request, rejection, method=certificate.method, provider=certificate.provider, cpf=certificate.cpf
        )
