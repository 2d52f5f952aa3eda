"""Partner entities and members in the admin, for INSS staff: search, filters, inlines, bulk actions, CSV/XLSX
import and export (django-import-export, same format as ``import_partners``), history (django-simple-history,
through ``portal.admin_history``), and each regional office scoped to its own entities (``portal.permissions``)."""

from __future__ import annotations

from typing import Any

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from import_export.forms import ExportForm

from certauth.icp.numbers import mask_cpfs, normalize_cpf
from portal.admin_history import ScopedHistoryAdmin
from portal.admin_import import PartnerImportExportAdmin
from portal.models import (
    EntitySelection,
    EntityStatus,
    Member,
    Membership,
    OabRegistration,
    PartnerEntity,
    PortalSession,
    User,
)
from portal.permissions import scope_entities, scope_members, visible_ufs
from portal.resources import EntityResource, MemberResource
from portal.services import set_entity_status
from portal.session_access import end_sessions, members_users
from portal.wording import counted
from rollout.regions import SUPERINTENDENCIAS, region_by_code


@admin.register(User)
class PortalUserAdmin(UserAdmin[User]):
    fieldsets = (*(UserAdmin.fieldsets or ()), ("Acesso com certificado", {"fields": ("cpf",)}))
    list_display = ("username", "first_name", "last_name", "is_staff", "is_active")
    search_fields = ("username", "first_name", "last_name", "=cpf")


_MASKED = {"username": "masked_username", "post_data": "masked_post_data"}


class PasswordLockoutAdmin(AccessAttemptAdmin):  # type: ignore[misc]
    """django-axes' lockouts of the password login, with its bulk clean-up made safe: it deletes rows, so it needs
    the delete permission (django-axes offers it to whoever may view), and it no longer fails outside a login
    request (django-axes reads an attribute only its login handler sets)."""

    ordering = ("-attempt_time",)
    # The CPF typed (the lockout's "username", also in the POST data) is shown masked; the full CPF still finds it.
    list_display = ["masked_username" if name == "username" else name for name in AccessAttemptAdmin.list_display]
    fieldsets = tuple(
        (title, {**options, "fields": tuple(_MASKED.get(f, f) for f in options["fields"])})
        for title, options in AccessAttemptAdmin.fieldsets
    )
    readonly_fields = [*AccessAttemptAdmin.readonly_fields, "masked_username", "masked_post_data"]

    @admin.display(description="usuário (CPF)", ordering="username")
    def masked_username(self, obj: AccessAttempt) -> str:
        return mask_cpfs(obj.username or "")

    @admin.display(description="dados POST")
    def masked_post_data(self, obj: AccessAttempt) -> str:
        return mask_cpfs(obj.post_data or "")

    @admin.action(description="Remover tentativas expiradas", permissions=["delete"])
    def cleanup_expired_attempts(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        if not hasattr(request, "axes_attempt_time"):
            request.axes_attempt_time = None  # type: ignore[attr-defined]  # "now", for django-axes
        count = self.handler.clean_expired_user_attempts(request=request)
        messages.success(request, counted(count, "tentativa expirada removida", "tentativas expiradas removidas") + ".")


if admin.site.is_registered(AccessAttempt):  # django-axes registers its own (AXES_ENABLE_ADMIN)
    admin.site.unregister(AccessAttempt)
    admin.site.register(AccessAttempt, PasswordLockoutAdmin)


def _sessions_ended(ended: int) -> str:
    if not ended:
        return "Nenhuma sessão aberta: nada a encerrar."
    when = "termina" if ended == 1 else "cada uma termina"
    return counted(ended, "sessão encerrada", "sessões encerradas") + f": {when} no próximo acesso do membro."


class SuperintendenciaFilter(admin.SimpleListFilter):
    title = "superintendência"
    parameter_name = "superintendencia"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(region.code, region.name) for region in SUPERINTENDENCIAS]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        region = region_by_code(self.value() or "")
        return queryset.filter(uf__in=region.ufs) if region else queryset


class MigratedFilter(admin.SimpleListFilter):
    """Migrated = at least one active member of the entity has already logged in with an A3 certificate."""

    title = "migração para o A3"
    parameter_name = "migrada"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("sim", "Já usa certificado A3"), ("nao", "Ainda não usa")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        a3_member = Membership.objects.filter(
            entity=OuterRef("pk"), active=True, member__active=True, member__first_a3_login_at__isnull=False
        )
        if self.value() == "sim":
            return queryset.filter(Exists(a3_member))
        if self.value() == "nao":
            return queryset.exclude(Exists(a3_member))
        return queryset


class MembershipInline(admin.TabularInline[Membership, PartnerEntity]):
    model = Membership
    extra = 0
    autocomplete_fields = ("member",)
    fields = ("member", "active")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # A scoped writer (a GEX's management group) toggles "active" only: never points a row at someone else.
        return ("member",) if visible_ufs(request.user) is not None else ()  # type: ignore[arg-type]


class MemberMembershipInline(admin.TabularInline[Membership, Member]):
    model = Membership
    extra = 0
    autocomplete_fields = ("entity",)
    fields = ("entity", "active")
    verbose_name_plural = "entidades pelas quais atua"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # A scoped writer cannot move a membership to an entity outside its scope.
        return ("entity",) if visible_ufs(request.user) is not None else ()  # type: ignore[arg-type]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        # A regional office sees its own entities among the member's, not the other superintendências'.
        return scope_entities(super().get_queryset(request), request.user, uf_field="entity__uf")  # type: ignore[arg-type]


class OabRegistrationInline(admin.TabularInline[OabRegistration, Member]):
    model = OabRegistration
    extra = 0
    fields = ("number", "uf", "main")


@admin.register(PartnerEntity)
class PartnerEntityAdmin(ScopedHistoryAdmin, PartnerImportExportAdmin):
    resource_classes = [EntityResource]
    export_form_class = ExportForm  # the fixed import format: no choosing of columns
    list_display = ("code", "name", "kind", "uf", "superintendencia", "status", "act_number", "act_signed_on")
    list_filter = ("kind", "uf", SuperintendenciaFilter, "status", MigratedFilter)
    search_fields = ("code", "name", "act_number")
    inlines = (MembershipInline,)
    actions = ("suspend", "reactivate", "end_member_sessions")
    readonly_fields = ("superintendencia", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("code", "name", "kind", "uf", "superintendencia", "gex", "status")}),
        ("Acordo de Cooperação Técnica", {"fields": ("act_number", "act_signed_on", "act_ends_on")}),
        ("Contato", {"fields": ("contact_email", "other_emails", "phone", "notes")}),
        ("Registro", {"fields": ("created_at", "updated_at")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[PartnerEntity]:
        return scope_entities(super().get_queryset(request), request.user)  # type: ignore[arg-type]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        fields = tuple(super().get_readonly_fields(request, obj))
        if visible_ufs(request.user) is None:  # type: ignore[arg-type]
            return fields
        # A scoped writer (a GEX's management group) keeps the entity where it is: inside its own scope.
        return (*fields, "code", "uf", "gex")

    @admin.action(description="Suspender as entidades selecionadas", permissions=["change"])
    def suspend(self, request: HttpRequest, queryset: QuerySet[PartnerEntity]) -> None:
        changed = set_entity_status(queryset, EntityStatus.SUSPENDED, reason="suspensão em lote")
        messages.success(request, counted(changed, "entidade suspensa", "entidades suspensas") + ".")

    @admin.action(description="Reativar as entidades selecionadas", permissions=["change"])
    def reactivate(self, request: HttpRequest, queryset: QuerySet[PartnerEntity]) -> None:
        changed = set_entity_status(queryset, EntityStatus.ACTIVE, reason="reativação em lote")
        messages.success(request, counted(changed, "entidade reativada", "entidades reativadas") + ".")

    @admin.action(
        description="Encerrar as sessões abertas dos membros das entidades selecionadas", permissions=["change"]
    )
    def end_member_sessions(self, request: HttpRequest, queryset: QuerySet[PartnerEntity]) -> None:
        ended = end_sessions(user_ids=members_users(Member.objects.filter(memberships__entity__in=queryset)))
        messages.success(request, _sessions_ended(ended))


@admin.register(Member)
class MemberAdmin(ScopedHistoryAdmin, PartnerImportExportAdmin):
    resource_classes = [MemberResource]
    export_form_class = ExportForm
    list_display = ("name", "masked_cpf", "email", "active", "first_a3_login_at", "last_certificate_login_at")
    list_filter = ("active", ("first_a3_login_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "=cpf", "oab_registrations__number")
    inlines = (OabRegistrationInline, MemberMembershipInline)
    readonly_fields = (
        "user",
        "open_sessions",
        "first_a3_login_at",
        "last_certificate_login_at",
        "last_password_login_at",
    )
    fields = ("cpf", "name", "email", "active", *readonly_fields)
    actions = ("end_sessions",)

    @admin.display(description="sessões abertas")
    def open_sessions(self, obj: Member) -> str:
        if obj.user_id is None:
            return "nenhuma (nunca entrou)"
        count = PortalSession.objects.filter(user_id=obj.user_id, expire_date__gt=timezone.now()).count()
        return f"{count} — use a ação “Encerrar as sessões abertas” na lista para encerrá-las" if count else "nenhuma"

    @admin.action(description="Encerrar as sessões abertas dos membros selecionados", permissions=["change"])
    def end_sessions(self, request: HttpRequest, queryset: QuerySet[Member]) -> None:
        ended = end_sessions(user_ids=members_users(queryset))
        messages.success(request, _sessions_ended(ended))

    @admin.display(description="CPF", ordering="cpf")
    def masked_cpf(self, obj: Member) -> str:
        return obj.masked_cpf

    def get_queryset(self, request: HttpRequest) -> QuerySet[Member]:
        return scope_members(super().get_queryset(request), request.user)  # type: ignore[arg-type]

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Member], search_term: str) -> Any:
        """A CPF is found with or without punctuation; an OAB number with or without leading zeros."""
        digits = normalize_cpf(search_term)
        if len(digits) == 11 and len(search_term.strip()) <= 14:
            search_term = digits
        return super().get_search_results(request, queryset, search_term.lstrip("0") or search_term)

    def has_export_permission(self, request: HttpRequest) -> bool:
        # LGPD: CPF, names and e-mails leave the system only in the hands of whoever may take them.
        return bool(request.user.has_perm("portal.export_personal_data"))


@admin.register(EntitySelection)
class EntitySelectionAdmin(admin.ModelAdmin[EntitySelection]):
    list_display = ("selected_at", "user", "entity", "login_reference")
    list_select_related = ("user", "entity")
    search_fields = ("=login_reference", "entity__code")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
