"""The certificate login endpoint (served only on the login host, which asked for the certificate)."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urljoin

from django.contrib import auth
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from certauth import audit, proxy
from certauth.backends import CertificateLogin
from certauth.conf import settings
from certauth.exceptions import AuditUnavailable, LoginRejected
from certauth.models import LoginMethod
from certauth.responses import audit_unavailable_response, audited_rejection
from certauth.sessions import SessionCertificate

logger = logging.getLogger("certauth")

BACKEND = "certauth.backends.ClientCertificateBackend"


def authenticate_or_reject(request: HttpRequest, backend: str, **credentials: Any) -> Any:
    """``auth.authenticate`` for a certificate backend: the user, or the backend's :class:`LoginRejected` (which
    Django's ``authenticate`` swallows; the backend leaves it on the request)."""
    user = auth.authenticate(request, **credentials)
    if user is None:
        rejection = getattr(request, "certauth_rejection", None)
        if rejection is None:
            raise ImproperlyConfigured(f"{backend} is missing from AUTHENTICATION_BACKENDS")
        raise rejection
    return user


def accept_login(
    request: HttpRequest, attempt: audit.AttemptContext, user: Any, *, backend: str
) -> HttpResponse | None:
    """Record an accepted certificate login (token, card or cloud) and open its session; a login that cannot be
    audited is refused (its 503 page is returned), otherwise None."""
    login: CertificateLogin = user.certificate_login
    try:
        # One transaction for the audit row and the session (and the login bookkeeping): an accepted login is never
        # left unaudited, and the database sees one write instead of four.
        with transaction.atomic():
            row = audit.record_acceptance(
                attempt,
                login.certificate,
                user=user,
                organization_code=login.binding.organization_code,
                organization_name=login.binding.organization_name,
            )
            auth.login(request, user, backend=backend)  # first: it empties a session another user left open
            SessionCertificate.of(
                login.certificate, method=login.method, reference=row.reference, provider=login.provider
            ).store(request.session)
            request.session.update(login.binding.session_data)
    except (AuditUnavailable, DatabaseError):
        logger.exception("accepted certificate login %s not audited: refused", attempt.reference)
        request.session.flush()
        return audit_unavailable_response(request, reference=attempt.reference, at=attempt.at)
    logger.debug("%s login %s accepted for user %s", login.method, row.reference, user.pk)
    return None


class CertificateLoginView(View):
    """Turns the certificate presented in this TLS handshake into a session, then sends the user to the portal.

    Every outcome is audited before the response is sent; a login whose audit row cannot be written is refused.
    """

    http_method_names = ["get", "head"]

    def get(self, request: HttpRequest) -> HttpResponse:
        attempt = audit.AttemptContext.from_request(request, method=LoginMethod.CERTIFICATE)
        try:
            proxy.require_trusted_proxy(request)
            certificate = proxy.forwarded_certificate(request)
            user = authenticate_or_reject(request, BACKEND, client_certificate=certificate, at=attempt.at)
        except LoginRejected as rejection:
            return self.rejected(request, attempt, rejection)
        except DatabaseError:
            # The database failed while the login was being decided (first login's account, revocation lookup):
            # refused, like a login that cannot be audited.
            logger.exception("certificate login %s: database unavailable", attempt.reference)
            return audit_unavailable_response(request, reference=attempt.reference, at=attempt.at)

        failed = accept_login(request, attempt, user, backend=BACKEND)
        if failed is not None:
            return failed
        return HttpResponseRedirect(self.success_url(request))

    def rejected(self, request: HttpRequest, attempt: audit.AttemptContext, rejection: LoginRejected) -> HttpResponse:
        logger.debug("certificate login %s rejected: %s %s", attempt.reference, rejection.reason, rejection.detail)
        return audited_rejection(request, attempt, rejection)

    def success_url(self, request: HttpRequest) -> str:
        """``CERTAUTH_LOGIN_REDIRECT_URL``, or the ``next`` path on the portal (never another site)."""
        default = str(settings.LOGIN_REDIRECT_URL)
        target = request.GET.get("next", "")
        if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
            return urljoin(default, target)
        return default
