"""The certificate login endpoint (served only on the login host, which asked for the certificate)."""

from __future__ import annotations

import logging
from urllib.parse import urljoin

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views import View

from certauth import audit, proxy
from certauth.conf import settings
from certauth.exceptions import LoginRejected
from certauth.login import accept_login, authenticate_or_reject
from certauth.models import LoginMethod
from certauth.responses import audit_unavailable_response, audited_rejection
from portal.entity_choice import after_login
from portal.next_url import safe_next, with_next

logger = logging.getLogger("certauth")

BACKEND = "certauth.backends.ClientCertificateBackend"


class CertificateLoginView(View):
    """Turns the certificate presented in this TLS handshake into a session, then sends the user to the portal.

    Every outcome is audited before the response is sent; a login whose audit row cannot be written is refused.
    """

    http_method_names = ["get", "head"]

    def get(self, request: HttpRequest) -> HttpResponse:
        attempt = audit.AttemptContext.from_request(request, method=LoginMethod.CERTIFICATE)
        target = safe_next(request.GET.get("next"))  # where the login brings the user back, on the portal host
        try:
            proxy.require_trusted_proxy(request)
            certificate = proxy.forwarded_certificate(request)
            user = authenticate_or_reject(request, BACKEND, client_certificate=certificate, at=attempt.at)
        except LoginRejected as rejection:
            return self.rejected(request, attempt, rejection, target)
        except DatabaseError:
            # The database failed while the login was being decided (first login's account, revocation lookup):
            # refused, like a login that cannot be audited.
            logger.exception("certificate login %s: database unavailable", attempt.reference)
            return audit_unavailable_response(
                request, reference=attempt.reference, at=attempt.at, retry_url=self.retry_url(request, target)
            )

        failed = accept_login(request, attempt, user, backend=BACKEND)
        if failed is not None:
            return failed
        return HttpResponseRedirect(self.success_url(request, target))

    def rejected(
        self, request: HttpRequest, attempt: audit.AttemptContext, rejection: LoginRejected, target: str | None
    ) -> HttpResponse:
        logger.debug("certificate login %s rejected: %s %s", attempt.reference, rejection.reason, rejection.detail)
        return audited_rejection(request, attempt, rejection, retry_url=self.retry_url(request, target))

    def retry_url(self, request: HttpRequest, target: str | None) -> str:
        """ "Tentar novamente": this login again on the same login host, keeping ``next`` ("" = the default link)."""
        return with_next(request.path, target) if target else ""

    def success_url(self, request: HttpRequest, target: str | None) -> str:
        """``CERTAUTH_LOGIN_REDIRECT_URL``, or the safe ``next`` (a path is on the portal host, not this login host),
        through the entity choice when the member has not chosen one yet."""
        default = str(settings.LOGIN_REDIRECT_URL)
        return urljoin(default, after_login(request, target)) if target else default
