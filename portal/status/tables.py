"""The status pages' tables as rows: columns, filters and sorting, and the rows the CSV/XLSX downloads carry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from certauth.icp.errors import Reason
from certauth.messages import TEXTS
from portal.status import metrics
from rollout.schedule import BRASILIA

_TOTALS_HEADERS = (
    "entidades",
    "entidades prontas (A3)",
    "entidades usando senha",
    "entidades sem nenhum login",
    "membros",
    "membros com login A3",
    "membros que nunca entraram",
    "membros em risco (sem A3)",
    "adesão (%)",
    "certificados vencendo em 30 dias",
)
REGION_HEADERS = ("superintendência", "etapas", *_TOTALS_HEADERS)
GEX_HEADERS = ("gerência-executiva", "código", "superintendência", *_TOTALS_HEADERS)


def _totals_cells(t: metrics.Totals) -> list[Any]:
    adoption = round(100 * t.adoption, 1) if t.adoption is not None else ""
    return [
        t.entities,
        t.entities_ready,
        t.entities_password,
        t.entities_without_login,
        t.members,
        t.members_a3,
        t.members_never,
        t.at_risk,
        adoption,
        t.expiring_soon,
    ]


def region_row(r: metrics.RegionFigures) -> list[Any]:
    return [r.region.name, "; ".join(r.waves), *_totals_cells(r)]


def gex_row(g: metrics.GexFigures) -> list[Any]:
    return [g.gex.name, g.gex.code, g.gex.region.name if g.gex.region else "", *_totals_cells(g)]


SORTS: dict[str, Callable[[metrics.EntityFigures, dt.datetime], Any]] = {
    "codigo": lambda e, now: e.code,
    "nome": lambda e, now: e.name.lower(),
    "uf": lambda e, now: (e.uf, e.code),
    "fase": lambda e, now: (e.decision.phase.value, e.code),
    "data": lambda e, now: (e.decision.cutover_at is None, e.decision.cutover_at or now, e.code),
    "dias": lambda e, now: (e.days_left(now) is None, e.days_left(now) or 0, e.code),
    "adesao": lambda e, now: (e.adoption is None, e.adoption or 0.0, e.code),
    "senha": lambda e, now: (e.last_password_login_at is None, e.last_password_login_at or now, e.code),
    "risco": lambda e, now: (e.at_risk, e.code),
    "membros": lambda e, now: (e.members, e.code),
    "vencendo": lambda e, now: (e.expiring_soon, e.code),
}


#: The ``gex`` filter's value for the entities assigned to no Gerência-Executiva.
NO_GEX = "-"


def filtered(entities: list[metrics.EntityFigures], params: Any, now: dt.datetime) -> list[metrics.EntityFigures]:
    phase, kind, uf, gex = params.get("fase", ""), params.get("tipo", ""), params.get("uf", ""), params.get("gex", "")
    search = params.get("busca", "").strip().lower()
    rows = [
        e
        for e in entities
        if (not phase or e.decision.phase.value == phase)
        and (not kind or e.kind == kind)
        and (not uf or e.uf == uf)
        and (not gex or e.gex == ("" if gex == NO_GEX else gex))
        and (not search or search in e.code.lower() or search in e.name.lower())
        and (params.get("risco") != "1" or e.at_risk > 0)
        and (params.get("senha") != "1" or e.uses_password)
        and (params.get("vencendo") != "1" or e.expiring_soon > 0)
    ]
    order = params.get("ordem", "dias")
    key = SORTS.get(order.lstrip("-"), SORTS["dias"])
    rows.sort(key=lambda e: key(e, now), reverse=order.startswith("-"))
    return rows


COLUMNS = (
    ("codigo", "Código"),
    ("nome", "Entidade"),
    ("uf", "UF"),
    ("fase", "Fase"),
    ("data", "A3 obrigatório a partir de"),
    ("dias", "Dias restantes"),
    ("membros", "Membros"),
    ("adesao", "Adesão"),
    ("senha", "Último login com senha"),
    ("risco", "Em risco"),
    ("vencendo", "Certificados vencendo"),
)

ENTITY_HEADERS = (
    "código",
    "entidade",
    "tipo",
    "UF",
    "fase",
    "senha permitida",
    "A3 obrigatório a partir de",
    "dias restantes",
    "membros",
    "com login A3",
    "adesão (%)",
    "em risco (sem A3)",
    "nunca entraram",
    "último login com senha",
    "certificados vencendo em 30 dias",
    "gerência-executiva",
)


def entity_row(e: metrics.EntityFigures, now: dt.datetime) -> list[Any]:
    cutover = e.decision.cutover_at
    return [
        e.code,
        e.name,
        e.kind,
        e.uf,
        e.decision.phase.label,
        "sim" if e.decision.password_allowed else "não",
        cutover.astimezone(BRASILIA).strftime("%d/%m/%Y") if cutover else "a definir",
        e.days_left(now) if e.days_left(now) is not None else "",
        e.members,
        e.members_a3,
        round(100 * e.adoption, 1) if e.adoption is not None else "",
        e.at_risk,
        e.members_never,
        e.last_password_login_at.astimezone(BRASILIA).strftime("%d/%m/%Y %H:%M") if e.last_password_login_at else "",
        e.expiring_soon,
        e.gex,
    ]


def title(code: str) -> str:
    try:
        return TEXTS[Reason(code)].title
    except (ValueError, KeyError):
        return ""


MEMBER_HEADERS = (
    "CPF",
    "nome",
    "vínculo ativo",
    "membro ativo",
    "primeiro login com A3",
    "último login com certificado",
    "último login com senha",
    "validade do último certificado",
    "certificados vistos (validade)",
)


def when(value: dt.datetime | None) -> str:
    return value.astimezone(BRASILIA).strftime("%d/%m/%Y %H:%M") if value else ""


def day(value: dt.datetime | None) -> str:
    return value.astimezone(BRASILIA).strftime("%d/%m/%Y") if value else ""


def member_rows_html(rows: list[dict[str, Any]]) -> SafeString:
    """The entity page's member rows, written here (every text escaped): a template loop with a date filter per cell
    costs more than the rest of the page for an entity of a thousand members."""
    lines = []
    for row in rows:
        member = row["member"]
        seen = "; ".join(f"{day(na)} ({n} login{'s' if n != 1 else ''})" for na, n in row["certificates"])
        not_after = day(member.certificate_not_after)
        alert = "vence em breve: renovar com a AR" if row["expiring"] else "vencido" if row["expired"] else ""
        first_a3 = when(member.first_a3_login_at)
        risk = "" if first_a3 else ' class="em-risco"'
        flag = f' <span class="alerta">{alert}</span>' if not_after and alert else ""
        lines.append(
            f"<tr{risk}>"
            f'<td data-label="CPF">{escape(member.masked_cpf)}</td>'
            f'<td data-label="Nome" class="cartao__titulo"><span>{escape(member.name)}'
            f"{'' if member.active else ' <small>(inativo)</small>'}</span></td>"
            f'<td data-label="Vínculo">{"ativo" if row["membership"].active else "inativo"}</td>'
            f'<td data-label="Primeiro login A3">{first_a3 or "<strong>nunca</strong>"}</td>'
            f'<td data-label="Último login com certificado">{when(member.last_certificate_login_at) or "—"}</td>'
            f'<td data-label="Último login com senha">{when(member.last_password_login_at) or "—"}</td>'
            f'<td data-label="Validade do último certificado"><span>{not_after or "—"}'
            f"{flag}</span></td>"
            f'<td data-label="Certificados vistos (validade)">{seen or "—"}</td></tr>'
        )
    return mark_safe("\n".join(lines))  # noqa: S308  # every text from the database escaped above


def member_row(row: dict[str, Any]) -> list[Any]:
    member = row["member"]
    return [
        member.masked_cpf,
        member.name,
        "sim" if row["membership"].active else "não",
        "sim" if member.active else "não",
        when(member.first_a3_login_at),
        when(member.last_certificate_login_at),
        when(member.last_password_login_at),
        when(member.certificate_not_after),
        "; ".join(f"{na.astimezone(BRASILIA):%d/%m/%Y}" for na, _ in row["certificates"]),
    ]
