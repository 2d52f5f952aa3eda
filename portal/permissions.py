"""Who sees what in the admin: INSS national staff everything; a superintendência's staff only its UFs."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from portal.models import User

MANAGEMENT_GROUP = "INSS — gestão de entidades"
NATIONAL_VIEW_GROUP = "INSS — consulta nacional"


def regional_group_name(region_name: str) -> str:
    return f"Superintendência {region_name} — consulta"


def visible_ufs(user: User) -> set[str] | None:
    """``None`` for users who see every UF; otherwise the UFs of the superintendências their groups name."""
    if user.is_superuser or user.groups.filter(name__in=[MANAGEMENT_GROUP, NATIONAL_VIEW_GROUP]).exists():
        return None
    from rollout.models import Superintendencia

    ufs: set[str] = set()
    for region in Superintendencia.objects.filter(consulta_group__user=user):
        ufs.update(region.ufs)
    return ufs


def scope_entities(queryset: QuerySet, user: User, *, uf_field: str = "uf") -> QuerySet:  # type: ignore[type-arg]
    ufs = visible_ufs(user)
    return queryset if ufs is None else queryset.filter(**{f"{uf_field}__in": ufs})


def scope_members(queryset: QuerySet, user: User) -> QuerySet:  # type: ignore[type-arg]
    ufs = visible_ufs(user)
    if ufs is None:
        return queryset
    return queryset.filter(memberships__entity__uf__in=ufs).distinct()


def scope_audit(request: object, queryset: QuerySet) -> QuerySet:  # type: ignore[type-arg]
    """``CERTAUTH_AUDIT_SCOPE``: a regional viewer sees the attempts of its entities and of their members."""
    from portal.models import Member, PartnerEntity

    user = getattr(request, "user", None)
    if not isinstance(user, User):
        return queryset.none()
    ufs = visible_ufs(user)
    if ufs is None:
        return queryset
    codes = PartnerEntity.objects.filter(uf__in=ufs).values("code")
    cpfs = Member.objects.filter(memberships__entity__uf__in=ufs).values("cpf")
    return queryset.filter(Q(organization_code__in=codes) | Q(cpf__in=cpfs))
