"""The Portaria at the provider: before a code is issued, the session's access is decided again, now, with the
portal's own rules (the same middleware checks, forced), and the client's own demand (A3 only) is applied.

- The certificate: its whole path against the CRL store; the member: active, with an active entity; a password
  session: an entity whose cutover has not come (else ``PASSWORD_RETIRED``, the session ends) — an Art. 1 § 2
  entity never had one. A refusal ends the session exactly as on any page (audited, its page shown, clients told).
- A client marked "A3 only" sends a password session to the certificate login, which brings the user back.
- The entity acted for must be known (the claims name it): a member of several is asked to choose first.
"""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from certauth import audit
from certauth.exceptions import LoginRejected
from certauth.icp.errors import Reason
from certauth.middleware import CertificateSessionMiddleware
from certauth.models import LoginMethod
from certauth.responses import audited_rejection, ended_session
from certauth.sessions import SessionCertificate
from oidc.models import Client
from portal import session_keys
from portal.entity_choice import select_entity
from portal.middleware import MemberAccessMiddleware, session_method
from portal.models import Member, User
from portal.selectors import session_entities
from rollout.middleware import CutoverMiddleware


def _unused(request: HttpRequest) -> HttpResponse:  # the checks are called directly, never as a chain
    raise AssertionError("not a middleware chain")


def certificate_login_url(return_to: str) -> str:
    return f"{settings.CERT_LOGIN_BASE_URL}{reverse('certauth:login')}?{urlencode({'next': return_to})}"


def gate(request: HttpRequest, client: Client) -> HttpResponse | None:
    """None if a code may be issued for this session to ``client``; otherwise the response to send instead."""
    certificate: SessionCertificate | None = getattr(request, "session_certificate", None)
    password = request.session.get(session_keys.METHOD) == LoginMethod.PASSWORD
    if certificate is None and not password:
        return _not_a_member(request)
    if password and client.a3_only:
        messages.info(
            request,
            f"{client.name or 'Este serviço'} aceita somente certificado digital A3: entre com o seu certificado.",
        )
        return HttpResponseRedirect(certificate_login_url(request.build_absolute_uri()))
    ended = _decide_again(request, certificate, password)
    if ended is not None:
        return ended
    return _entity_chosen(request)


def _decide_again(request: HttpRequest, certificate: SessionCertificate | None, password: bool) -> HttpResponse | None:
    now = timezone.now()
    if certificate is not None:
        checks = CertificateSessionMiddleware(_unused)
        if now >= certificate.not_after:
            return checks.end_session(request, certificate)
        revoked = checks.revoked_link(certificate, now)
        if revoked is not None:
            return checks.end_revoked_session(request, certificate, *revoked)
    refusal = MemberAccessMiddleware(_unused).recheck(request)
    if refusal is not None:
        method, provider = session_method(request)
        return ended_session(request, refusal, method=method, provider=provider)
    if password:
        return CutoverMiddleware(_unused).recheck(request, now)
    return None


def _entity_chosen(request: HttpRequest) -> HttpResponse | None:
    if request.session.get(session_keys.ENTITY) is not None:
        return None
    member = Member.objects.filter(user=cast(User, request.user)).first()
    if member is None:
        return _not_a_member(request)
    entities = session_entities(member, request.session)
    if len(entities) == 1:
        select_entity(request, member_entity=entities[0])
        return None
    query = urlencode({"next": request.get_full_path()})
    return HttpResponseRedirect(f"{reverse('portal:choose_entity')}?{query}")


def _not_a_member(request: HttpRequest) -> HttpResponse:
    """INSS staff (or any account without a member record) have no entity to act for: the PAT does not take them."""
    method, provider = session_method(request)
    attempt = audit.AttemptContext.from_request(request, method=method, provider=provider)
    rejection = LoginRejected(
        Reason.MEMBER_UNKNOWN,
        "Esta conta não é de membro de entidade parceira: o serviço que pediu a identificação não a aceita.",
    )
    user: Any = request.user
    return audited_rejection(request, attempt, rejection, user=user)
