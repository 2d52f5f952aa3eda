"""The site's pages: home (with the certificate login link), the member's dashboard, logout, error pages."""

from __future__ import annotations

import logging
import sys

from django.contrib import auth, messages
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from certauth import audit
from certauth.icp.clock import format_brasilia
from certauth.icp.facts import readable_name
from certauth.models import LoginMethod
from cloudauth.models import Provider
from oidc.models import Client
from portal import next_url
from portal.context_processors import portal as portal_links
from portal.entity_choice import after_login, entity_required
from portal.refusals import Refusal, render_refusal
from portal.selectors import dashboard_context
from portal.session_keys import METHOD
from rollout.notices import entity_schedule
from rollout.selectors import decision_for

logger = logging.getLogger(__name__)


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The login choices, each carrying a safe ``next`` (where a login-required page sent the user from); a user
    already logged in goes straight there."""
    target = next_url.safe_next(request.GET.get("next"))
    if target and request.user.is_authenticated:
        return HttpResponseRedirect(after_login(request, target))
    context: dict[str, object] = {**next_url.login_links(target)}
    client_id = next_url.authorization_client_id(target) if target else None
    if client_id is not None:  # a service (an OpenID client) asked who the user is
        context["service_asking"] = True
        context["service_name"] = _client_name(client_id)
    return render(request, "portal/home.html", context)


def _client_name(client_id: str) -> str:
    if not client_id:
        return ""
    return Client.objects.filter(client_id=client_id).values_list("name", flat=True).first() or ""


@require_safe
@login_required
@entity_required
def dashboard(request: HttpRequest) -> HttpResponse:
    certificate = getattr(request, "session_certificate", None)
    context = dashboard_context(user=request.user, session=request.session)  # type: ignore[arg-type]
    context["certificate"] = certificate
    context["login_method"] = LoginMethod(certificate.method).label if certificate else LoginMethod.PASSWORD.label
    if certificate is not None:
        # The type only when the method's name does not already say it ("Certificado digital A3 …").
        if certificate.certificate_type and certificate.certificate_type not in context["login_method"]:
            context["login_method"] += f" ({certificate.certificate_type})"
        if certificate.provider:
            name = Provider.objects.filter(slug=certificate.provider).values_list("name", flat=True).first()
            context["login_method"] += f" — {name or certificate.provider}"
        context["issuer_name"] = readable_name(certificate.issuer)
    context["password_session"] = certificate is None and request.session.get(METHOD) == LoginMethod.PASSWORD
    entity = context["entity"]
    context["schedule"] = entity_schedule(decision_for(entity, at=timezone.now())) if entity is not None else None
    return render(request, "portal/dashboard.html", context)


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    auth.logout(request)
    messages.success(request, "Sessão encerrada. Para entrar de novo, use o botão “Entrar com certificado digital”.")
    return HttpResponseRedirect(reverse("portal:home"))


def _error(request: HttpRequest, status: int, title: str, explanation: str) -> HttpResponse:
    """Generic error pages: the same screenshot-ready facts as the certificate error page."""
    return render_refusal(request, Refusal(f"HTTP_{status}", title, explanation, status=status))


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400, "Requisição inválida", "O portal não conseguiu entender a solicitação.")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403, "Acesso negado", "Você não tem permissão para acessar esta página.")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404, "Página não encontrada", "O endereço acessado não existe no portal.")


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500. It must work when the database is what failed: the page is rendered without the request (no
    session, no user, no context processor touches the database). A database error answers 503 — the portal is
    unavailable, not broken — and the reference is logged beside the exception."""
    failure = sys.exc_info()[1]
    reference = audit.new_reference()
    if isinstance(failure, DatabaseError):
        logger.error("database unavailable (reference %s): %s", reference, type(failure).__name__)
        status, code, title, explanation = (
            503,
            "SERVICE_UNAVAILABLE",
            "Portal temporariamente indisponível",
            "O portal não conseguiu atender a sua solicitação agora. Tente novamente em alguns minutos.",
        )
    else:
        logger.error("internal error (reference %s)", reference, exc_info=failure is not None)
        status, code, title, explanation = (
            500,
            "HTTP_500",
            "Erro interno do portal",
            "Ocorreu um erro inesperado. Tente novamente em alguns minutos.",
        )
    context = {
        "status": status,
        "code": code,
        "title": title,
        "explanation": explanation,
        "reference": reference,
        "when": format_brasilia(timezone.now()),
        **portal_links(None),
    }
    response = HttpResponse(render_to_string("portal/error.html", context), status=status)
    response["X-Error-Code"] = code
    response["X-Reference"] = reference
    if status == 503:
        response["Retry-After"] = "60"
    return response
