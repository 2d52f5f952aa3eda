"""The staff groups' permissions on entity managers, added after ``portal.groups.ensure_groups`` set the rest.

- "INSS — gestão de entidades": names managers, changes and ends their appointments (no deletion: the history
  stays), reads their history.
- "INSS — consulta nacional" and each "Superintendência <X> — consulta": read them (a superintendência only those
  of its UFs' entities, ``managers.admin``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from portal.permissions import MANAGEMENT_GROUP, NATIONAL_VIEW_GROUP

_MODEL = "entitymanager"
_HISTORY = "historicalentitymanager"


def _permissions(actions: dict[str, tuple[str, ...]]) -> list[Permission]:
    query = Q()
    for model, verbs in actions.items():
        query |= Q(content_type__model=model, codename__in=[f"{verb}_{model}" for verb in verbs])
    return list(Permission.objects.filter(Q(content_type__app_label="managers") & query))


def grant_permissions(**kwargs: Any) -> None:
    """post_migrate receiver (idempotent; adds, never removes)."""
    management = _permissions({_MODEL: ("add", "change", "view"), _HISTORY: ("view",)})
    reading = _permissions({_MODEL: ("view",), _HISTORY: ("view",)})
    for group in Group.objects.filter(name=MANAGEMENT_GROUP):
        group.permissions.add(*management)
    from rollout.models import Superintendencia

    readers = Q(name=NATIONAL_VIEW_GROUP) | Q(pk__in=Superintendencia.objects.values("consulta_group"))
    for group in Group.objects.filter(readers):
        group.permissions.add(*reading)
