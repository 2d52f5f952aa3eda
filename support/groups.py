"""The support group, and the lookup granted to the national and regional groups (post_migrate, idempotent)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission

from support.roles import PERMISSION_CODENAME, SUPPORT_GROUP


def ensure_support_access(**kwargs: Any) -> None:
    """ "INSS — suporte" holds the lookup and nothing else; the national groups and each superintendência's group
    get it beside their own (``portal.groups`` sets theirs first, at every migrate)."""
    from portal.permissions import MANAGEMENT_GROUP, NATIONAL_VIEW_GROUP
    from rollout.models import Superintendencia

    lookup = Permission.objects.filter(content_type__app_label="support", codename=PERMISSION_CODENAME).first()
    if lookup is None:  # permissions not created (a migrate that stopped before this app)
        return
    group, _ = Group.objects.get_or_create(name=SUPPORT_GROUP)
    group.permissions.set([lookup])
    names = [MANAGEMENT_GROUP, NATIONAL_VIEW_GROUP]
    regional = Superintendencia.objects.exclude(consulta_group=None).values_list("consulta_group_id", flat=True)
    for other in Group.objects.filter(name__in=names) | Group.objects.filter(pk__in=list(regional)):
        other.permissions.add(lookup)
