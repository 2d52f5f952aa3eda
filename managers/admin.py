"""Entity managers in the admin (INSS staff name them), and the memberships' own history, where staff see and undo
what managers changed (``portal.admin_history``: scoped, revert needs the change permission). A superintendência's
staff see only their UFs' entities, read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from managers.models import EntityManager
from portal.admin_history import ScopedHistoryAdmin
from portal.models import Membership
from portal.permissions import scope_entities


@admin.register(EntityManager)
class EntityManagerAdmin(ScopedHistoryAdmin):
    list_display = ("member", "entity", "active", "appointed_by", "appointed_at")
    list_filter = ("active",)
    list_select_related = ("member", "entity", "appointed_by")
    search_fields = ("member__name", "=member__cpf", "entity__code", "entity__name")
    autocomplete_fields = ("member", "entity")
    readonly_fields = ("appointed_by", "appointed_at")
    fields = ("member", "entity", "active", "notes", "appointed_by", "appointed_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[EntityManager]:
        return scope_entities(super().get_queryset(request), request.user, uf_field="entity__uf")  # type: ignore[arg-type]

    def save_model(self, request: HttpRequest, obj: EntityManager, form: Any, change: bool) -> None:
        if not change:
            obj.appointed_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)


@admin.register(Membership)
class MembershipAdmin(ScopedHistoryAdmin):
    """Memberships one by one: above all their history — who (a manager, staff, an import) changed what — and its
    "Reverter" (undo). They are added and removed in the member's and the entity's pages."""

    list_display = ("member", "entity", "active")
    list_filter = ("active",)
    list_select_related = ("member", "entity")
    search_fields = ("member__name", "=member__cpf", "entity__code", "entity__name")
    fields = ("member", "entity", "active")
    readonly_fields = ("member", "entity")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        return scope_entities(super().get_queryset(request), request.user, uf_field="entity__uf")  # type: ignore[arg-type]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deleting a member or an entity deletes its memberships, and the admin asks this admin whether that cascade
        # is allowed: as the model permission says. A membership on its own is never deleted here (below).
        return bool(super().has_delete_permission(request, obj))

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        raise PermissionDenied  # a membership ends by deactivation, which its history keeps

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions: dict[str, Any] = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def render_change_form(self, request: HttpRequest, context: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        context["show_delete"] = False
        return super().render_change_form(request, context, *args, **kwargs)
