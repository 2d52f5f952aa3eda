"""The lookup log in the admin: read by superusers only, never edited (no group is granted it)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from support.models import ReferenceLookup


@admin.register(ReferenceLookup)
class ReferenceLookupAdmin(admin.ModelAdmin[ReferenceLookup]):
    list_display = ("created_at", "username", "reference", "result", "ip")
    list_filter = ("result",)
    search_fields = ("reference", "username")
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in self.model._meta.fields if field.name != "id"]

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
