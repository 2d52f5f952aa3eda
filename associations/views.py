"""The coordinators' pages (``/associacao/``): the migration status of the association's entities and the export of
who has not logged in with A3 yet. Every page goes through ``associations.access.coordinator_page``."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from associations import rules, selectors
from associations.access import coordinator_page
from associations.conf import settings as associations_settings
from associations.models import Association
from certauth.icp.clock import format_brasilia
from certauth.icp.numbers import mask_cpf
from portal.spreadsheet_files import excel_csv

EXPORT_HEADERS = ("Entidade", "Código da entidade", "Nome", "CPF", "E-mail", "Último login com senha")


@require_safe
@coordinator_page
def index(request: HttpRequest, *, associations: list[Association]) -> HttpResponse:
    """The only association coordinated, else the choice."""
    if len(associations) == 1:
        return HttpResponseRedirect(reverse("associations:status", args=[associations[0].code]))
    return render(request, "associations/choose.html", {"associations": associations})


@require_safe
@coordinator_page
def status(request: HttpRequest, *, association: Association, associations: list[Association]) -> HttpResponse:
    now = timezone.now()
    rows = selectors.entity_rows(association, at=now)
    context = {
        "association": association,
        "associations": associations,
        "rows": rows,
        "totals": rules.totals((row.members, row.members_a3) for row in rows),
        "as_of": format_brasilia(now, seconds=False),
    }
    return render(request, "associations/status.html", context)


@require_safe
@coordinator_page
def pending_export(request: HttpRequest, *, association: Association, associations: list[Association]) -> HttpResponse:
    """CSV for Excel in Portuguese: the members still without A3, to chase them (name and e-mail; the CPF masked)."""
    limit = associations_settings.EXPORT_MAX_ROWS
    rows = [
        (entity, code, name, mask_cpf(cpf), email, format_brasilia(last, seconds=False) if last else "")
        for entity, code, name, cpf, email, last in selectors.members_without_a3(association)[:limit]
    ]
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(excel_csv(EXPORT_HEADERS, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="sem-a3-{association.code}-{stamp}.csv"'
    return response
