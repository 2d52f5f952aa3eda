"""The A3 gateway's check: nginx asks, before every request to a legacy system, whether the browser's portal
session may pass (``auth_request /_a3/check``), and forwards the identity headers this answers with.

The check runs in the ordinary middleware stack, so a session that has ended (idle or absolute limit, staff ended
it, member or entity inactive, certificate or CA revoked, the cutover for a password session) is ended — and
audited — by the middlewares before the view is reached. nginx understands only 2xx (pass), 401 and 403 (deny):
:class:`GatewayCheckMiddleware` turns what those middlewares answer into that language (a redirect: 401, "log in";
a refusal page: 403, with its error code and reference for nginx's error page).

Nothing is written to the database by a check beyond what every page view writes (the session's last-seen time
and re-check instants, at most once a minute each), and nothing is cached: every check reads the session row.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import cast
from urllib.parse import quote

from django.conf import settings as django_settings
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import salted_hmac
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from certauth.icp.errors import Reason
from certauth.models import LoginMethod
from certauth.proxy import is_trusted_proxy
from certauth.sessions import SessionCertificate
from oidc import gateway_signature as signature
from oidc.claims import Assurance
from oidc.conf import settings
from portal import session_keys
from portal.models import User
from portal.selectors import MemberForLogin, member_for_user

CHECK_PATH = "/_a3/check"
#: nginx's check location sends the request being checked (the browser's, not the subrequest's).
ORIGINAL_METHOD = "HTTP_X_A3_ORIGINAL_METHOD"
ORIGINAL_URI = "HTTP_X_A3_ORIGINAL_URI"
#: Where nginx sends the browser on a deny (``auth_request_set $a3_login``): the login, back to the gateway URL.
LOGIN_HEADER = "X-A3-Login"
#: The assurance (``acr``) of each kind of session: the provider's own values (``oidc.claims.Assurance``).
ACR_BY_TYPE = {"A3": str(Assurance.A3), "A4": str(Assurance.A4)}
ACR_PASSWORD = str(Assurance.PASSWORD)
AMR_PASSWORD = "passwd"  # noqa: S105


def gateway_url(request: HttpRequest) -> str:
    """The address the browser asked the gateway for (absolute: the login sends the user back there)."""
    uri = request.META.get(ORIGINAL_URI, "/")
    if not uri.startswith("/") or uri.startswith("//"):
        uri = "/"
    return f"{settings.GATEWAY_BASE_URL}{uri}"


def portal_login_url(request: HttpRequest) -> str:
    """The portal's login choices, coming back to the gateway URL."""
    return f"{django_settings.PORTAL_BASE_URL}/?next={quote(gateway_url(request), safe='')}"


def certificate_login_url(request: HttpRequest) -> str:
    return f"{django_settings.CERT_LOGIN_BASE_URL}/entrar/certificado/?next={quote(gateway_url(request), safe='')}"


def deny(status: int, *, login: str = "", code: str = "", reference: str = "") -> HttpResponse:
    """A deny nginx understands: 401 (log in) or 403 (refused), with where to send the browser, or the error code
    and reference its error page shows."""
    response = HttpResponse(status=status)
    if login:
        response[LOGIN_HEADER] = login
    if code:
        response["X-Error-Code"] = code
    if reference:
        response["X-Reference"] = reference
    response["Cache-Control"] = "no-store"
    return response


class GatewayCheckMiddleware:
    """For the check path only: whatever a middleware answered in the view's place becomes a deny for nginx — a
    redirect (the session ended for idleness, or no session) is "log in", a refusal page (the session was ended
    and audited, with its code) is "refused"; nginx treats any other status as its own error.

    Place it before the middlewares that end sessions (``portal.middleware.SessionLimitsMiddleware`` and after)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path_info != CHECK_PATH or getattr(response, "gateway_answer", False):
            return response
        if 300 <= response.status_code < 400:
            return deny(401, login=portal_login_url(request))
        if response.status_code in (401, 403):
            return deny(403, code=response.get("X-Error-Code", "HTTP_403"), reference=response.get("X-Reference", ""))
        return response  # 5xx: the portal is unavailable, and nginx says so


@never_cache
@require_safe
def check(request: HttpRequest) -> HttpResponse:
    """200 with the signed identity headers, or a deny (see the module's docstring)."""
    response = _check(request)
    response.gateway_answer = True  # type: ignore[attr-defined]  # read by GatewayCheckMiddleware
    return response


def _check(request: HttpRequest) -> HttpResponse:
    if not is_trusted_proxy(request) or not settings.GATEWAY_SECRET:
        return deny(403, code=Reason.PROXY_UNTRUSTED.value)
    if not request.user.is_authenticated:
        return deny(401, login=portal_login_url(request))
    certificate: SessionCertificate | None = getattr(request, "session_certificate", None)
    password = certificate is None and request.session.get(session_keys.METHOD) == LoginMethod.PASSWORD
    member = member_for_user(request.user.pk) if certificate or password else None
    if member is None or not member.active:
        return deny(403, code=Reason.MEMBER_UNKNOWN.value)  # INSS staff (no member record) do not pass
    if password and settings.GATEWAY_A3_ONLY:
        return deny(403, login=certificate_login_url(request))
    headers = identity_headers(request, member, certificate)
    method = request.META.get(ORIGINAL_METHOD, "GET")
    uri = request.META.get(ORIGINAL_URI, "/")
    headers[signature.SIGNATURE_HEADER] = signature.sign(
        settings.GATEWAY_SECRET, method=method, uri=uri, headers=headers
    )
    response = HttpResponse(status=200)
    for name, value in headers.items():
        response[name] = value
    return response


def identity_headers(
    request: HttpRequest, member: MemberForLogin, certificate: SessionCertificate | None
) -> dict[str, str]:
    """The signed headers' values for this session (see ``oidc.gateway_signature``)."""
    if certificate is not None:
        cpf, method = certificate.cpf, certificate.amr
        assurance = ACR_BY_TYPE.get(certificate.certificate_type, ACR_BY_TYPE["A3"])
        entities = [code for _, code, _ in member.active_entities]
        ids = {pk: code for pk, code, _ in member.active_entities}
    else:
        # a member's username is their CPF (portal.models.User)
        cpf, method, assurance = cast(User, request.user).get_username(), AMR_PASSWORD, ACR_PASSWORD
        allowed = set(request.session.get(session_keys.PASSWORD_ENTITIES, []))
        ids = {pk: code for pk, code, _ in member.active_entities if pk in allowed}
        entities = list(ids.values())
    if not (len(cpf) == 11 and cpf.isdigit()):
        cpf = _member_cpf(member)
    chosen = request.session.get(session_keys.ENTITY)
    logged_in_at = request.session.get(session_keys.LOGGED_IN_AT)
    session_key = request.session.session_key or ""
    return {
        "X-A3-CPF": cpf,
        "X-A3-Name": signature.encode(member.name),
        "X-A3-Entity": signature.encode(ids.get(chosen, "") if isinstance(chosen, int) else ""),
        "X-A3-Entities": signature.encode_list(entities),
        "X-A3-Method": method,
        "X-A3-Assurance": assurance,
        "X-A3-Auth-Time": str(int(logged_in_at)) if isinstance(logged_in_at, int | float) else "",
        "X-A3-Session": salted_hmac("oidc.gateway.session", session_key).hexdigest()[:32],
        "X-A3-Timestamp": str(int(time.time())),
    }


def _member_cpf(member: MemberForLogin) -> str:
    from portal.models import Member

    return str(Member.objects.filter(pk=member.member_id).values_list("cpf", flat=True).first() or "")
