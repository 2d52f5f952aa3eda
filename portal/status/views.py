"""The migration status pages for INSS staff: the country, a superintendência, a Gerência-Executiva, an entity, each
with its CSV/XLSX downloads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_safe

from certauth.icp.numbers import mask_cpf
from certauth.models import LoginMethod
from portal.models import PartnerEntity
from portal.status import charts, entity_page, exports, metrics, series, tables, tally
from portal.status.access import StatusScope, status_view
from rollout.models import Wave
from rollout.regions import SUPERINTENDENCIAS, Region, region_by_code, region_for_uf
from rollout.schedule import BRASILIA, Phase
from rollout.selectors import decision_for

PAGE_SIZE = 100
EXPIRY_SOON = dt.timedelta(days=metrics.EXPIRY_SOON_DAYS)
_METHOD_LABELS = {
    LoginMethod.CERTIFICATE.value: "Certificado A3",
    LoginMethod.CLOUD.value: "Certificado A3 em nuvem",
    LoginMethod.PASSWORD.value: "Senha",
}


def _export_format(request: HttpRequest) -> str | None:
    fmt = request.GET.get("exportar")
    return fmt if fmt in exports.FORMATS else None


def _waves_by_region() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for wave in Wave.objects.select_related("superintendencia").order_by("number", "name"):
        if wave.window_start and wave.window_end:
            window = (
                f"{wave.window_start:%d/%m/%Y}"
                if wave.window_start == wave.window_end
                else f"{wave.window_start:%d/%m/%Y} a {wave.window_end:%d/%m/%Y}"
            )
        else:
            window = "a definir" + (f" ({wave.undefined_reason})" if wave.undefined_reason else "")
        found.setdefault(wave.superintendencia.code, []).append(f"Etapa {wave.number} ({' '.join(wave.ufs)}): {window}")
    return found


def _drawn(draw: Callable[[charts.Layout], str]) -> dict[str, SafeString]:
    """A chart drawn for wide screens and for phones (the page shows the one that fits)."""
    return {
        "wide": mark_safe(draw(charts.WIDE)),  # noqa: S308  # built by charts.py, every text escaped there
        "narrow": mark_safe(draw(charts.NARROW)),  # noqa: S308
    }


def _charts(data: series.Series, regions: list[Region]) -> dict[str, Any]:
    names = {r.code: r.name for r in SUPERINTENDENCIAS}
    adoption = {names.get(code, code): values for code, values in data.first_a3_cumulative.items()}
    logins = {_METHOD_LABELS.get(method, method): values for method, values in data.logins.items()}
    rejections = [(code, tables.title(code) or code, n) for code, n in data.rejections]
    return {
        "series": data,
        "chart_adoption": _drawn(
            lambda layout: charts.line_chart(
                "Membros com login A3 (acumulado, por semana)", data.weeks, adoption, layout=layout
            )
        ),
        "chart_logins": _drawn(
            lambda layout: charts.stacked_bars(
                "Logins aceitos por semana, por forma de acesso", data.weeks, logins, layout=layout
            )
        ),
        "chart_rejections": _drawn(
            lambda layout: charts.horizontal_bars(
                "Tentativas recusadas nos últimos 30 dias, por motivo",
                [(label, n) for _, label, n in rejections],
                layout=layout,
            )
        ),
        "rejections_table": rejections,
        "adoption_table": [
            (names.get(code, code), values[-1] if values else 0) for code, values in data.first_a3_cumulative.items()
        ],
        "logins_table": [
            (week, {label: values[i] for label, values in logins.items()}) for i, week in enumerate(data.weeks)
        ],
        "login_labels": list(logins),
    }


def _scope(request: HttpRequest) -> StatusScope:
    scope: StatusScope = request.status_scope  # type: ignore[attr-defined]
    return scope


@require_safe
@status_view
def overview(request: HttpRequest) -> HttpResponse:
    """The country by superintendência (those the user sees whole), and the Gerências-Executivas the user sees
    outside them (a GEX's staff: theirs only)."""
    now = timezone.now()
    scope = _scope(request)
    regions = metrics.visible_regions(scope.ufs)
    region_codes = {r.code for r in regions}
    own_gexes = (
        {}
        if scope.national
        else {
            pk: gex
            for pk, gex in metrics.gexes(ids=scope.gexes).items()
            if gex.region is None or gex.region.code not in region_codes
        }
    )
    as_of, entities = metrics.recent_entity_figures(
        at=now,
        ufs=None if scope.national else {u for r in regions for u in r.ufs},
        gexes=own_gexes,
    )
    rows = metrics.region_figures(entities, regions, _waves_by_region())
    gex_rows = metrics.gex_figures(entities, own_gexes.values())
    total = metrics.RegionFigures(region=Region("brasil", "Total", ()))
    for entity in entities:
        if entity.region in region_codes:
            total.add(entity)
    fmt = _export_format(request)
    if fmt and request.GET.get("tabela") == "gex":
        return exports.download("acompanhamento-gex", tables.GEX_HEADERS, [tables.gex_row(g) for g in gex_rows], fmt)
    if fmt:
        return exports.download(
            "acompanhamento-superintendencias", tables.REGION_HEADERS, [tables.region_row(r) for r in rows], fmt
        )
    context: dict[str, Any] = {
        "rows": rows,
        "gex_rows": gex_rows,
        "total": total,
        "now": now,
        "as_of": as_of,
        "national": scope.national,
        "without_snapshot": tally.valid_snapshot(at=now) is None,
    }
    if regions:  # the charts are per superintendência: none for a GEX's staff
        data = series.build(
            today=now.astimezone(BRASILIA).date(), regions=None if scope.national else [r.code for r in regions]
        )
        context.update(_charts(data, regions))
    return render(request, "portal/status/overview.html", context)


def _visible_region(request: HttpRequest, code: str) -> Region:
    region = region_by_code(code)
    if region is None or not _scope(request).sees_region(region):
        raise Http404("Superintendência não encontrada.")
    return region


def _entity_table(request: HttpRequest, rows: list[metrics.EntityFigures], now: dt.datetime) -> dict[str, Any]:
    """The context of the entities' table (``_entities.html``): a page of the filtered rows, sorting and filters."""
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("pagina"))
    query = request.GET.copy()
    query.pop("pagina", None)
    sort_query = query.copy()
    sort_query.pop("ordem", None)
    return {
        "page": page,
        "rows": [(e, e.days_left(now)) for e in page.object_list],
        "count": len(rows),
        "params": request.GET,
        "query": query.urlencode(),
        "sort_query": sort_query.urlencode(),
        "order": request.GET.get("ordem", "dias"),
        "phases": [(p.value, p.label) for p in Phase],
        "columns": tables.COLUMNS,
        "no_gex": tables.NO_GEX,
        "expiry_days": metrics.EXPIRY_SOON_DAYS,
    }


@require_safe
@status_view
def region(request: HttpRequest, code: str) -> HttpResponse:
    """A superintendência: its figures, its Gerências-Executivas, its entities (filtered, sorted, paged)."""
    now = timezone.now()
    chosen = _visible_region(request, code)
    as_of, entities = metrics.recent_entity_figures(at=now, ufs=chosen.ufs)
    gex_rows = metrics.gex_figures(entities, metrics.gexes(region=chosen).values(), unassigned=chosen)
    fmt = _export_format(request)
    if fmt and request.GET.get("tabela") == "gex":
        return exports.download(
            f"acompanhamento-{chosen.code}-gex", tables.GEX_HEADERS, [tables.gex_row(g) for g in gex_rows], fmt
        )
    rows = tables.filtered(entities, request.GET, now)
    if fmt:
        return exports.download(
            f"acompanhamento-{chosen.code}", tables.ENTITY_HEADERS, [tables.entity_row(e, now) for e in rows], fmt
        )
    figures = metrics.region_figures(entities, [chosen], _waves_by_region())[0]
    data = series.build(today=now.astimezone(BRASILIA).date(), regions=[chosen.code])
    context = {
        "region": chosen,
        "figures": figures,
        "gex_rows": gex_rows,
        "as_of": as_of,
        "now": now,
        "ufs": chosen.ufs,
        "without_snapshot": tally.valid_snapshot(at=now) is None,
        **_entity_table(request, rows, now),
        **_charts(data, [chosen]),
    }
    return render(request, "portal/status/region.html", context)


@require_safe
@status_view
def gex(request: HttpRequest, code: str) -> HttpResponse:
    """A Gerência-Executiva: its figures and its entities (filtered, sorted, paged), for the staff of its
    superintendência and its own."""
    from rollout.models import GerenciaExecutiva

    now = timezone.now()
    found = GerenciaExecutiva.objects.filter(code=code).select_related("superintendencia").first()
    parent = region_by_code(found.superintendencia.code) if found is not None else None
    if found is None or not _scope(request).sees_gex(found.pk, parent):
        raise Http404("Gerência-Executiva não encontrada.")
    chosen = metrics.Gex(found.code, found.name, parent)
    as_of, entities = metrics.recent_entity_figures(at=now, ufs=(), gexes=(found.pk,))
    rows = tables.filtered(entities, request.GET, now)
    fmt = _export_format(request)
    if fmt:
        return exports.download(
            f"acompanhamento-{found.code}", tables.ENTITY_HEADERS, [tables.entity_row(e, now) for e in rows], fmt
        )
    context = {
        "gex": chosen,
        "contact_email": found.contact_email,
        "figures": metrics.gex_figures(entities, [chosen])[0],
        "region": parent if parent is not None and _scope(request).sees_region(parent) else None,
        "parent": parent,
        "as_of": as_of,
        "now": now,
        "ufs": sorted({e.uf for e in entities}),
        "without_snapshot": tally.valid_snapshot(at=now) is None,
        **_entity_table(request, rows, now),
    }
    return render(request, "portal/status/gex.html", context)


@require_safe
@status_view
def entity(request: HttpRequest, code: str) -> HttpResponse:
    now = timezone.now()
    found = PartnerEntity.objects.filter(code=code).select_related("gex").first()
    scope = _scope(request)
    if found is None or not scope.sees_entity(found.uf, found.gex_id):
        raise Http404("Entidade não encontrada.")
    decision = decision_for(found, at=now)
    parent = region_for_uf(found.uf)
    table = request.GET.get("tabela", "membros")
    fmt = _export_format(request)
    # A download reads only its own table (the refusals of a big entity need none of its members' certificates).
    wants_members = fmt is None or table != "recusas"
    wants_refusals = fmt is None or table == "recusas"
    # The page shows its members a page at a time (an OAB section has tens of thousands); a download carries them all.
    reading = entity_page.read(
        found,
        page=request.GET.get("pagina"),
        page_size=PAGE_SIZE,
        members=wants_members,
        refusals=wants_refusals,
        everyone=fmt is not None and wants_members,
    )
    rejected = reading.refusals
    last_rejection = {"at": rejected[0].created_at if rejected else None}
    shown = reading.memberships
    seen = entity_page.certificates_seen([m.member.cpf for m in shown])
    members = [
        {
            "membership": m,
            "member": m.member,
            "certificates": seen.get(m.member.cpf, []),
            "expiring": m.member.certificate_not_after is not None
            and now <= m.member.certificate_not_after < now + EXPIRY_SOON,
            "expired": m.member.certificate_not_after is not None and m.member.certificate_not_after < now,
        }
        for m in shown
    ]
    if fmt and table == "recusas":
        return exports.download(
            f"recusas-{found.code}",
            ("data e hora", "referência", "código", "mensagem", "CPF", "forma de acesso"),
            [
                [
                    a.created_at.astimezone(BRASILIA).strftime("%d/%m/%Y %H:%M:%S"),
                    a.reference,
                    a.code,
                    tables.title(a.code),
                    mask_cpf(a.cpf) if a.cpf else "",
                    a.method,
                ]
                for a in rejected
            ],
            fmt,
        )
    if fmt:
        return exports.download(
            f"membros-{found.code}", tables.MEMBER_HEADERS, [tables.member_row(m) for m in members], fmt
        )
    context = {
        "entity": found,
        "decision": decision,
        "days_left": decision.days_left(now) if decision.password_allowed else None,
        "member_rows": tables.member_rows_html(members),
        "page": reading.page,
        "member_count": reading.count,
        "rejected": [(a, tables.title(a.code), mask_cpf(a.cpf) if a.cpf else "") for a in rejected],
        "last_rejection": last_rejection["at"],
        "now": now,
        "region": parent if parent is not None and scope.sees_region(parent) else None,
        "parent": parent,
        "gex": found.gex,
    }
    return render(request, "portal/status/entity.html", context)
