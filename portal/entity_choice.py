"""Choosing (and switching) the entity a member acts for, after a certificate login."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from certauth.models import LoginAttempt
from portal.models import EntitySelection, Member, User
from portal.next_url import safe_next, with_next
from portal.selectors import session_entities
from portal.session_keys import ENTITY as SESSION_ENTITY_KEY


def entity_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For member pages: a member of several entities who has not chosen one yet is sent to choose."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if must_choose(request):
            query = urlencode({"next": request.get_full_path()}, safe="/")  # the query too: it may be a request
            return HttpResponseRedirect(f"{reverse('portal:choose_entity')}?{query}")
        return view(request, *args, **kwargs)

    return wrapper


def must_choose(request: HttpRequest) -> bool:
    """A member (of several entities) whose session has no entity chosen yet."""
    return (
        request.session.get(SESSION_ENTITY_KEY) is None
        and Member.objects.filter(user=cast(User, request.user)).exists()
    )


def after_login(request: HttpRequest, target: str) -> str:
    """Where a login that was asked to bring the user back to ``target`` (a safe ``next``) goes: there, or first to
    the entity choice, which keeps it, when the member has not chosen an entity yet."""
    if must_choose(request):
        return with_next(reverse("portal:choose_entity"), target)
    return target


@login_required
@require_http_methods(["GET", "POST"])
def choose_entity(request: HttpRequest) -> HttpResponse:
    member = Member.objects.filter(user=cast(User, request.user)).first()
    if member is None:
        return HttpResponseRedirect(reverse("portal:dashboard"))
    entities = session_entities(member, request.session)
    target = safe_next(request.POST.get("next") or request.GET.get("next")) or reverse("portal:dashboard")
    if request.method == "POST":
        chosen = next((e for e in entities if str(e.pk) == request.POST.get("entity")), None)
        if chosen is None:
            return HttpResponseBadRequest("Entidade inválida.")
        select_entity(request, member_entity=chosen)
        messages.success(request, f"Você está atuando por: {chosen.name}.")
        return HttpResponseRedirect(target)
    return render(
        request,
        "portal/choose_entity.html",
        {"entities": entities, "current": request.session.get(SESSION_ENTITY_KEY), "next": target},
    )


def select_entity(request: HttpRequest, *, member_entity: Any) -> None:
    """Record the choice in the session and in the history; the login's audit row gets it if it had none."""
    request.session[SESSION_ENTITY_KEY] = member_entity.pk
    certificate = getattr(request, "session_certificate", None)
    reference = certificate.reference if certificate else ""
    EntitySelection.objects.create(user=cast(User, request.user), entity=member_entity, login_reference=reference)
    if reference:
        LoginAttempt.objects.filter(reference=reference, organization_code="").update(
            organization_code=member_entity.code[:40], organization_name=member_entity.name[:200]
        )
