"""The staff groups' permissions on associations, added after ``portal.groups.ensure_groups`` set the rest.

- "INSS — gestão de entidades": creates associations, changes them (their entities, in the same page) and names
  their coordinators, ends appointments (no deletion: the history stays), reads the histories.
- "INSS — consulta nacional" and each "Superintendência <X> — consulta": read them (a superintendência only the
  associations of its UFs, ``associations.admin``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from portal.permissions import MANAGEMENT_GROUP, NATIONAL_VIEW_GROUP

_MANAGED = {
    "association": ("add", "change", "view"),
    "associatedentity": ("add", "change", "view"),
    "coordinator": ("add", "change", "view"),
}
_READ = ("association", "associatedentity", "coordinator")
_HISTORIES = ("historicalassociation", "historicalassociatedentity", "historicalcoordinator")


def _permissions(actions: dict[str, tuple[str, ...]]) -> list[Permission]:
    query = Q()
    for model, verbs in actions.items():
        query |= Q(content_type__model=model, codename__in=[f"{verb}_{model}" for verb in verbs])
    return list(Permission.objects.filter(Q(content_type__app_label="associations") & query))


def grant_permissions(**kwargs: Any) -> None:
    """post_migrate receiver (idempotent; adds, never removes)."""
    histories = {model: ("view",) for model in _HISTORIES}
    management = _permissions({**_MANAGED, **histories})
    reading = _permissions({**{model: ("view",) for model in _READ}, **histories})
    for group in Group.objects.filter(name=MANAGEMENT_GROUP):
        group.permissions.add(*management)
    from rollout.models import Superintendencia

    readers = Q(name=NATIONAL_VIEW_GROUP) | Q(pk__in=Superintendencia.objects.values("consulta_group"))
    for group in Group.objects.filter(readers):
        group.permissions.add(*reading)
