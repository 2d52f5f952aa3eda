"""Open sessions end when their time is up or their access ends, whatever the cookie says.

- :class:`SessionLimitsMiddleware`: the idle limit (``SESSION_IDLE_MINUTES`` without requests), the absolute limit
  (``SESSION_MAX_HOURS`` after the login, for every kind of session) and sessions staff ended.
- :class:`MemberAccessMiddleware`: the member's access decided again (member, memberships, entities, the
  certificate's CPF and OAB registration) at least every ``PORTAL_ACCESS_RECHECK_SECONDS`` and at the next request
  after staff changed any of it (``portal.session_access``).

Both sit after ``AuthenticationMiddleware`` and ``MessageMiddleware``; ``MemberAccessMiddleware`` after
``certauth.middleware.CertificateSessionMiddleware`` too (it reads ``request.session_certificate``). Neither writes
the session on an ordinary request: the last-seen time is written at most once a minute, the access check's time
at most once per re-check.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import cast

from django.conf import settings
from django.contrib import auth, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from certauth.exceptions import LoginRejected
from certauth.icp.clock import format_brasilia
from certauth.icp.errors import Reason
from certauth.icp.numbers import mask_cpf
from certauth.models import LoginMethod
from certauth.responses import ended_session
from certauth.sessions import SessionCertificate, access_generation
from portal import session_keys
from portal.access import check_member
from portal.models import User
from portal.selectors import member_for_login, member_for_user

#: The last-seen time is written at most this often (seconds): a page view is otherwise a read-only request.
RESOLUTION = 60
#: Kept for callers that prepare sessions by hand (bench/).
LAST_SEEN_KEY = session_keys.LAST_SEEN
#: How an idle session's end is named to ``user_logged_out``'s receivers (it shows no refusal page, only a notice).
IDLE_END = "SESSION_IDLE"
#: Set (True) on a request that only checks whether its session is still open, on nobody's behalf.
BACKGROUND_CHECK = "portal_background_check"


def session_method(request: HttpRequest) -> tuple[str, str]:
    """(login method, PSC) of the request's session, for the audit of its end."""
    certificate: SessionCertificate | None = getattr(request, "session_certificate", None)
    if certificate is not None:
        return certificate.method, certificate.provider
    if request.session.get(session_keys.METHOD) == LoginMethod.PASSWORD:
        return LoginMethod.PASSWORD.value, ""
    certificate = SessionCertificate.load(request.session)
    return (certificate.method, certificate.provider) if certificate else (LoginMethod.PASSWORD.value, "")


class SessionLimitsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            ended = self.ended(request, now)
            if ended is not None:
                return ended
            last_seen = request.session.get(session_keys.LAST_SEEN)
            # a background check of the session (the OpenID provider's worker) is not the user's activity
            background = getattr(request, BACKGROUND_CHECK, False)
            if not background and (not isinstance(last_seen, int) or now - last_seen >= RESOLUTION):
                request.session[session_keys.LAST_SEEN] = int(now)
        return self.get_response(request)

    def ended(self, request: HttpRequest, now: float) -> HttpResponse | None:
        if getattr(request.session, "end_requested_at", None) is not None:
            return self.end(request, Reason.SESSION_ENDED, "Sessão encerrada pela equipe do INSS.")
        logged_in_at = request.session.get(session_keys.LOGGED_IN_AT)
        limit = int(settings.SESSION_MAX_HOURS) * 3600
        if not isinstance(logged_in_at, int | float) or now - logged_in_at >= limit:
            # A session without its login instant was not opened by a login of this portal: ended, never trusted.
            since = (
                format_brasilia(dt.datetime.fromtimestamp(logged_in_at, tz=dt.UTC), seconds=False)
                if (isinstance(logged_in_at, int | float))
                else "—"
            )
            detail = f"Sessão encerrada: limite de {settings.SESSION_MAX_HOURS} horas desde a entrada ({since})."
            return self.end(request, Reason.SESSION_EXPIRED, detail)
        last_seen = request.session.get(session_keys.LAST_SEEN)
        if isinstance(last_seen, int) and now - last_seen > int(settings.SESSION_IDLE_MINUTES) * 60:
            request.session_end_reason = IDLE_END  # type: ignore[attr-defined]  # for user_logged_out's receivers
            auth.logout(request)
            messages.info(request, "Sua sessão foi encerrada por inatividade. Entre novamente.")
            return HttpResponseRedirect(reverse("portal:home"))
        return None

    def end(self, request: HttpRequest, reason: Reason, detail: str) -> HttpResponse:
        method, provider = session_method(request)
        return ended_session(request, LoginRejected(reason, detail), method=method, provider=provider)


class MemberAccessMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = timezone.now()
            checked = request.session.get(session_keys.ACCESS_CHECKED_AT)
            interval = int(getattr(settings, "PORTAL_ACCESS_RECHECK_SECONDS", 60))
            generation = access_generation(request.session)
            if (
                not isinstance(checked, int)
                or now.timestamp() - checked >= interval
                or generation != request.session.get(session_keys.ACCESS_CHECKED_GENERATION, 0)
            ):
                refusal = self.recheck(request)
                if refusal is not None:
                    method, provider = session_method(request)
                    return ended_session(request, refusal, method=method, provider=provider)
                request.session[session_keys.ACCESS_CHECKED_AT] = int(now.timestamp())
                # the count read with the session, before the check read the data: a change committed meanwhile
                # differs from it, and is checked again at the next request
                request.session[session_keys.ACCESS_CHECKED_GENERATION] = generation
        return self.get_response(request)

    def recheck(self, request: HttpRequest) -> LoginRejected | None:
        """The refusal that ends this session now, or None (the member's chosen entity is forgotten if the member
        may no longer act for it: they choose again among those left)."""
        user = cast(User, request.user)
        certificate: SessionCertificate | None = getattr(request, "session_certificate", None)
        password = request.session.get(session_keys.METHOD) == LoginMethod.PASSWORD
        if certificate is None and not password:
            return None  # not a member's session (staff entering the admin with a password, where allowed)
        member = member_for_login(certificate.cpf) if certificate else member_for_user(user.pk)
        if member is None or member.user is None or member.user.pk != user.pk:
            if certificate is not None and member is None and user.is_staff and user.cpf == certificate.cpf:
                return None  # INSS staff (no member record): Django's own checks keep the account active
            cpf = mask_cpf(certificate.cpf) if certificate else ""
            detail = (
                f"Sessão encerrada: o CPF {cpf} não está mais cadastrado para esta conta."
                if cpf
                else ("Sessão encerrada: o cadastro do membro não existe mais.")
            )
            return LoginRejected(Reason.MEMBER_UNKNOWN, detail)
        try:
            if certificate is not None:
                check_member(member, oab_number=certificate.oab_number, oab_uf=certificate.oab_uf)
            else:
                check_member(member)
        except LoginRejected as refusal:
            return LoginRejected(refusal.reason, f"Sessão encerrada. {refusal.detail}")
        active = {entity_id for entity_id, _, _ in member.active_entities}
        if password:
            allowed = [pk for pk in request.session.get(session_keys.PASSWORD_ENTITIES, []) if pk in active]
            if not allowed:
                return LoginRejected(
                    Reason.ENTITY_INACTIVE, "Sessão encerrada: nenhuma entidade desta sessão continua ativa."
                )
            request.session[session_keys.PASSWORD_ENTITIES] = allowed
            active = set(allowed)
        if request.session.get(session_keys.ENTITY) not in (None, *active):
            request.session.pop(session_keys.ENTITY, None)
            messages.warning(request, "A entidade pela qual você atuava não está mais disponível. Escolha outra.")
        return None
