"""The managers' pages (``/gestao/``): an entity's member list, add, deactivate, reactivate, bulk add, reminders.

Every page goes through ``managers.access.manager_page`` (a manager, with an A3 certificate session, of this entity);
a member is always looked up among the entity's own memberships (another entity's answers 404).
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from managers import rules, selectors, services
from managers.access import manager_page
from managers.bulk import MANAGER_COLUMNS, import_members
from managers.conf import settings as managers_settings
from managers.forms import ImportForm, MemberForm, SearchForm
from portal.models import Membership, PartnerEntity, User
from portal.session_keys import ENTITY as SESSION_ENTITY_KEY
from portal.spreadsheet_files import UnreadableFile


def _list_url(entity: PartnerEntity) -> str:
    return reverse("managers:members", args=[entity.code])


@require_safe
@manager_page
def index(request: HttpRequest, *, entities: list[PartnerEntity]) -> HttpResponse:
    """The entity the session acts for, if managed; the only one; else the choice."""
    chosen = None if request.GET.get("escolher") else request.session.get(SESSION_ENTITY_KEY)
    only = entities[0] if len(entities) == 1 else None
    entity = next((e for e in entities if e.pk == chosen), only)
    if entity is not None:
        return HttpResponseRedirect(_list_url(entity))
    return render(request, "managers/choose.html", {"entities": entities})


@require_safe
@manager_page
def members(request: HttpRequest, *, entity: PartnerEntity, entities: list[PartnerEntity]) -> HttpResponse:
    form = SearchForm(request.GET or None)
    query = situation = ""
    if form.is_valid():
        query, situation = form.cleaned_data["q"], form.cleaned_data["situacao"]
    now = timezone.now()
    warn_days = managers_settings.EXPIRY_WARNING_DAYS
    rows = selectors.memberships(entity, query=query, situation=situation, now=now, warn_days=warn_days)
    page = Paginator(rows, managers_settings.PAGE_SIZE).get_page(request.GET.get("pagina"))
    for membership in page.object_list:
        member = membership.member
        membership.situation = rules.situation(  # type: ignore[attr-defined]
            member.first_a3_login_at, member.certificate_not_after, now=now, warn_days=warn_days
        )
    params = request.GET.copy()
    params.pop("pagina", None)
    context = {
        "entity": entity,
        "entities": entities,
        "form": form,
        "page": page,
        "query_string": params.urlencode(),
        "showing_inactive": situation == "inativos",
        "user_id": cast(User, request.user).pk,
    }
    return render(request, "managers/members.html", context)


@require_http_methods(["GET", "POST"])
@manager_page
def add(request: HttpRequest, *, entity: PartnerEntity, entities: list[PartnerEntity]) -> HttpResponse:
    form = MemberForm(request.POST or None, entity=entity)
    if request.method == "POST" and form.is_valid():
        result = services.add_member(entity, form.member_data())
        if result.outcome is services.Outcome.REFUSED:
            form.add_error(None, result.message)
        else:
            name = result.member.name if result.member else ""
            level = messages.success if result.outcome is not services.Outcome.UNCHANGED else messages.info
            email = result.member.email if result.member else ""
            sent = f" As orientações de acesso foram enviadas para {email}." if result.outcome.value == "added" else ""
            level(request, f"{name}: {result.message}{sent}")
            return HttpResponseRedirect(_list_url(entity))
    return render(request, "managers/add.html", {"entity": entity, "form": form, "entities": entities})


def _membership(entity: PartnerEntity, member_id: int) -> Membership:
    return get_object_or_404(Membership.objects.select_related("member"), entity=entity, member_id=member_id)


def _set_active(request: HttpRequest, entity: PartnerEntity, member_id: int, active: bool) -> HttpResponse:
    membership = _membership(entity, member_id)
    refusal = services.set_active(entity, membership, active, by=cast(User, request.user))
    if refusal:
        messages.error(request, refusal)
    elif active:
        messages.success(request, f"{membership.member.name} foi reativado(a) nesta entidade.")
    else:
        messages.success(
            request,
            f"{membership.member.name} foi desativado(a) nesta entidade: não entra mais por ela, e uma sessão aberta "
            "por ela termina no próximo acesso.",
        )
    return HttpResponseRedirect(_back(request, entity))


def _back(request: HttpRequest, entity: PartnerEntity) -> str:
    """Back to the list as it was (search, filter, page): only a query string of this page is kept."""
    query = QueryDict(request.POST.get("voltar", "")[:500]).urlencode()
    return _list_url(entity) + (f"?{query}" if query else "")


@require_POST
@manager_page
def deactivate(request: HttpRequest, member_id: int, *, entity: PartnerEntity, **_: Any) -> HttpResponse:
    return _set_active(request, entity, member_id, False)


@require_POST
@manager_page
def reactivate(request: HttpRequest, member_id: int, *, entity: PartnerEntity, **_: Any) -> HttpResponse:
    return _set_active(request, entity, member_id, True)


@require_POST
@manager_page
def remind(request: HttpRequest, member_id: int, *, entity: PartnerEntity, **_: Any) -> HttpResponse:
    membership = _membership(entity, member_id)
    if not (membership.active and membership.member.active):
        messages.error(request, f"{membership.member.name} está desativado: reative-o antes de enviar um lembrete.")
        return HttpResponseRedirect(_back(request, entity))
    refusal = services.send_reminder(entity, membership.member, by=cast(User, request.user))
    if refusal:
        messages.error(request, refusal)
    else:
        messages.success(request, f"Lembrete enviado para {membership.member.name}.")
    return HttpResponseRedirect(_back(request, entity))


@require_http_methods(["GET", "POST"])
@manager_page
def bulk(request: HttpRequest, *, entity: PartnerEntity, entities: list[PartnerEntity]) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    lines = None
    if request.method == "POST" and form.is_valid():
        try:
            lines = import_members(entity, form.cleaned_data["file"])
        except UnreadableFile as error:
            form.add_error("file", str(error))
    counts = {}
    if lines is not None:
        for outcome in services.Outcome:
            counts[outcome.value] = sum(1 for line in lines if line.outcome is outcome)
    context = {
        "entity": entity,
        "entities": entities,
        "form": form,
        "lines": lines,
        "counts": counts,
        "columns": ", ".join(MANAGER_COLUMNS),
    }
    return render(request, "managers/bulk.html", context)
