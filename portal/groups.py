"""The staff groups and their permissions, kept in step with the code after every ``migrate``.

- "INSS — gestão de entidades": edits partner entities, members, memberships and OAB registrations, imports and
  exports (personal data included), edits the schedule (waves, per-entity dates, webinars) and the
  Gerências-Executivas, reads the audit, the CRL store and the trust store (its ACs and imports).
- "INSS — consulta nacional": reads everything (the schedule, the CRL and trust stores too), exports no personal
  data.
- "Superintendência <X> — consulta" (one per superintendência): reads only the entities of its UFs, their
  members, their login attempts and their per-entity dates, and the schedule (the admin shows them the national
  webinars and their superintendência's) and their superintendência's Gerências-Executivas.
- "GEX <nome> — consulta" (one per Gerência-Executiva): reads what a superintendência's group reads, but only for the
  entities assigned to the GEX (``portal.permissions.entity_scope``), and follows the GEX on the status pages.
- "GEX <nome> — gestão": that, and changes those entities (not their code, UF or GEX), their members, memberships
  and OAB registrations; adds no entity or member and exports no personal data.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from portal.permissions import MANAGEMENT_GROUP, NATIONAL_VIEW_GROUP, gex_group_names, regional_group_name

STATUS_PERMISSION = "view_migration_status"  # the status pages (/acompanhamento/), scoped like the admin
_PARTNER_MODELS = ("partnerentity", "member", "membership", "oabregistration")
_HISTORY_MODELS = tuple(f"historical{m}" for m in _PARTNER_MODELS)
_SCHEDULE_MODELS = ("wave", "entityoverride", "webinar", "gerenciaexecutiva")
_SCHEDULE_HISTORY = tuple(f"historical{m}" for m in _SCHEDULE_MODELS)


def _permissions(*spec: tuple[str, str, tuple[str, ...]]) -> list[Permission]:
    query = Q()
    for app, model, actions in spec:
        query |= Q(
            content_type__app_label=app, content_type__model=model, codename__in=[f"{a}_{model}" for a in actions]
        )
    return list(Permission.objects.filter(query))


def ensure_groups(**kwargs: Any) -> None:
    """post_migrate receiver (idempotent)."""
    view = ("view",)
    reading = _reading()
    management = _permissions(
        ("portal", "partnerentity", ("add", "change", "view")),
        ("portal", "member", ("add", "change", "view")),
        ("portal", "membership", ("add", "change", "delete", "view")),
        ("portal", "oabregistration", ("add", "change", "delete", "view")),
        *[("portal", m, view) for m in _HISTORY_MODELS],
        ("certauth", "loginattempt", view),
        ("certauth", "crlissuer", view),
        ("certauth", "trustedauthority", view),
        ("certauth", "truststoreimport", view),
        ("rollout", "superintendencia", view),
        *[("rollout", m, ("add", "change", "delete", "view")) for m in _SCHEDULE_MODELS],
        *[("rollout", m, view) for m in _SCHEDULE_HISTORY],
        ("rollout", "reminder", view),
    ) + list(
        Permission.objects.filter(
            content_type__app_label="portal", codename__in=["export_personal_data", STATUS_PERMISSION]
        )
    )
    _group(MANAGEMENT_GROUP, management)
    status = list(Permission.objects.filter(content_type__app_label="portal", codename=STATUS_PERMISSION))
    trust = [("certauth", m, view) for m in ("crlissuer", "trustedauthority", "truststoreimport")]
    _group(NATIONAL_VIEW_GROUP, _permissions(*reading, *trust) + status)
    from rollout.models import Superintendencia

    regional = _permissions(*reading) + status
    for region in Superintendencia.objects.all():
        group = _group(regional_group_name(region.name), regional)
        if region.consulta_group_id != group.pk:
            region.consulta_group = group
            region.save(update_fields=["consulta_group"])
    from rollout.models import GerenciaExecutiva

    for gex in GerenciaExecutiva.objects.select_related("consulta_group", "gestao_group"):
        ensure_gex_groups(gex)


def _reading() -> list[tuple[str, str, tuple[str, ...]]]:
    view = ("view",)
    return [
        *[("portal", m, view) for m in (*_PARTNER_MODELS, *_HISTORY_MODELS)],
        ("certauth", "loginattempt", view),
        ("rollout", "superintendencia", view),
        *[("rollout", m, view) for m in (*_SCHEDULE_MODELS, *_SCHEDULE_HISTORY)],
        ("rollout", "reminder", view),
    ]


def ensure_gex_groups(gex: Any) -> None:
    """A Gerência-Executiva's two groups, named after it (renamed with it), with their permissions."""
    consulta_name, gestao_name = gex_group_names(gex.name)
    reading = _reading()
    management = [
        *reading,
        ("portal", "partnerentity", ("change",)),
        ("portal", "member", ("change",)),
        ("portal", "membership", ("change",)),
        ("portal", "oabregistration", ("add", "change", "delete")),
    ]
    status = list(Permission.objects.filter(content_type__app_label="portal", codename=STATUS_PERMISSION))
    changed = []
    for field, name, spec in (("consulta_group", consulta_name, reading), ("gestao_group", gestao_name, management)):
        group = getattr(gex, field)
        if group is None:
            group, _ = Group.objects.get_or_create(name=name)
            setattr(gex, field, group)
            changed.append(field)
        elif group.name != name:
            group.name = name
            group.save(update_fields=["name"])
        group.permissions.set(_permissions(*spec) + status)
    if changed:
        type(gex).objects.filter(pk=gex.pk).update(**{f: getattr(gex, f) for f in changed})


def _group(name: str, permissions: list[Permission]) -> Group:
    group, _ = Group.objects.get_or_create(name=name)
    group.permissions.set(permissions)
    return group
