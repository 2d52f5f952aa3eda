"""Who sees what in the admin: INSS national staff everything; a superintendência's staff only its UFs; a
Gerência-Executiva's staff only the entities assigned to it (and their members, memberships, dates, attempts)."""

from __future__ import annotations

from django.db.models import Model, Q, QuerySet

from portal.models import User

MANAGEMENT_GROUP = "INSS — gestão de entidades"
NATIONAL_VIEW_GROUP = "INSS — consulta nacional"


def regional_group_name(region_name: str) -> str:
    return f"Superintendência {region_name} — consulta"


def gex_group_names(gex_name: str) -> tuple[str, str]:
    """The read-only and the management group of a Gerência-Executiva ("GEX Manaus" → "GEX Manaus — consulta")."""
    name = gex_name.removeprefix("GEX ")
    return f"GEX {name} — consulta", f"GEX {name} — gestão"


def visible_gexes(user: User) -> set[int]:
    """The Gerências-Executivas (ids) whose groups (read-only or management) the user is in."""
    from rollout.models import GerenciaExecutiva

    return set(
        GerenciaExecutiva.objects.filter(Q(consulta_group__user=user) | Q(gestao_group__user=user)).values_list(
            "pk", flat=True
        )
    )


def entity_scope(user: User, prefix: str = "") -> Q | None:
    """``None`` for users who see every entity; else the entities (through ``prefix``, e.g. ``"entity__"``) of the
    UFs of their superintendências and those assigned to their Gerências-Executivas."""
    ufs = visible_ufs(user)
    if ufs is None:
        return None
    return Q(**{f"{prefix}uf__in": ufs}) | Q(**{f"{prefix}gex__in": visible_gexes(user)})


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
    """Rows whose ``uf_field`` is a UF the user sees; when ``uf_field`` is a partner entity's UF, also the rows of
    the entities of the user's Gerências-Executivas."""
    ufs = visible_ufs(user)
    if ufs is None:
        return queryset
    prefix = uf_field.removesuffix("uf")
    if not _reaches_entity(queryset.model, prefix):
        return queryset.filter(**{f"{uf_field}__in": ufs})
    return queryset.filter(entity_scope(user, prefix))


def scope_members(queryset: QuerySet, user: User) -> QuerySet:  # type: ignore[type-arg]
    scope = entity_scope(user, "memberships__entity__")
    return queryset if scope is None else queryset.filter(scope).distinct()


def _reaches_entity(model: type[Model], prefix: str) -> bool:
    """Whether the path ``prefix`` (``""``, ``"entity__"``…) from ``model`` ends at a partner entity."""
    from portal.models import PartnerEntity

    for name in filter(None, prefix.split("__")):
        related = model._meta.get_field(name).related_model
        if not isinstance(related, type):
            return False
        model = related
    return model is PartnerEntity


def scope_audit(request: object, queryset: QuerySet) -> QuerySet:  # type: ignore[type-arg]
    """``CERTAUTH_AUDIT_SCOPE``: a regional viewer sees the attempts of its entities and of their members."""
    from portal.models import Member, PartnerEntity

    user = getattr(request, "user", None)
    if not isinstance(user, User):
        return queryset.none()
    scope = entity_scope(user)
    if scope is None:
        return queryset
    codes = PartnerEntity.objects.filter(scope).values("code")
    cpfs = Member.objects.filter(entity_scope(user, "memberships__entity__")).values("cpf")
    return queryset.filter(Q(organization_code__in=codes) | Q(cpf__in=cpfs))
