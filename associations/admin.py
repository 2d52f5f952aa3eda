"""Associations in the admin (INSS management staff create them, list their entities and name their coordinators);
a superintendência's staff see only the associations of their UFs, read-only; a national association (no UF) only
national staff."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from associations.models import AssociatedEntity, Association, Coordinator
from portal.admin_history import ScopedHistoryAdmin
from portal.permissions import scope_entities


class AssociatedEntityInline(admin.TabularInline):  # type: ignore[type-arg]
    model = AssociatedEntity
    extra = 0
    autocomplete_fields = ("entity",)
    fields = ("entity", "active", "added_at")
    readonly_fields = ("added_at",)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # an entity leaves the association by deactivation, which the history keeps


@admin.register(Association)
class AssociationAdmin(ScopedHistoryAdmin):
    list_display = ("name", "code", "uf", "contact_email", "entity")
    search_fields = ("code", "name")
    list_filter = ("uf",)
    list_select_related = ("entity",)
    autocomplete_fields = ("entity",)
    fields = ("code", "name", "uf", "contact_email", "entity")
    inlines = (AssociatedEntityInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Association]:
        return scope_entities(super().get_queryset(request), request.user, uf_field="uf")  # type: ignore[arg-type]


@admin.register(Coordinator)
class CoordinatorAdmin(ScopedHistoryAdmin):
    list_display = ("member", "association", "active", "appointed_by", "appointed_at")
    list_filter = ("active",)
    list_select_related = ("member", "association", "appointed_by")
    search_fields = ("member__name", "=member__cpf", "association__code", "association__name")
    autocomplete_fields = ("member", "association")
    readonly_fields = ("appointed_by", "appointed_at")
    fields = ("member", "association", "active", "notes", "appointed_by", "appointed_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Coordinator]:
        return scope_entities(super().get_queryset(request), request.user, uf_field="association__uf")  # type: ignore[arg-type]

    def save_model(self, request: HttpRequest, obj: Coordinator, form: Any, change: bool) -> None:
        if not change:
            obj.appointed_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
