"""Completing a certificate login (token, card or cloud), shared by the login views: authenticate with a certificate
backend, then audit the acceptance and open the session in one transaction."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import auth
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, transaction
from django.http import HttpRequest, HttpResponse

from certauth import audit
from certauth.backends import CertificateLogin
from certauth.exceptions import AuditUnavailable
from certauth.responses import audit_unavailable_response
from certauth.sessions import SessionCertificate

logger = logging.getLogger("certauth")


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
        # One transaction for the audit row and the session's row (and the login bookkeeping): an accepted login is
        # never left unaudited, nor audited without its session.
        with transaction.atomic():
            reference = audit.record_acceptance(
                attempt,
                login.certificate,
                user=user,
                organization_code=login.binding.organization_code,
                organization_name=login.binding.organization_name,
                in_login_transaction=True,
            )
            auth.login(request, user, backend=backend)  # first: it empties a session another user left open
            SessionCertificate.of(
                login.certificate, method=login.method, reference=reference, provider=login.provider
            ).store(request.session)
            request.session.update(login.binding.session_data)
            # The session's row too: an accepted login is audited only if its session exists, and a failure to
            # write either answers the 503 page below (never a 500 after an "accepted" row).
            request.session.save()
    except (AuditUnavailable, DatabaseError):
        logger.exception("accepted certificate login %s not audited: refused", attempt.reference)
        request.session.flush()
        return audit_unavailable_response(request, reference=attempt.reference, at=attempt.at)
    logger.debug("%s login %s accepted for user %s", login.method, reference, user.pk)
    return None
