"""History pages (django-simple-history) that see exactly what the admin's change page sees.

The library's history list and its "revert" form load the object from the history table — the admin's
``get_queryset`` (a superintendência's regional scope) is never applied — and the form saves a POST after checking
only the *view* permission. ``ScopedHistoryAdmin`` closes both, for every admin that keeps a history:

- the object is loaded through ``get_queryset``: out of scope, unknown or deleted answers 404 (the version must be
  one of that object's);
- reading the list or an old version needs the view (or change) permission, as the change page does; whoever may
  only view sees the old version read-only, with no "Revert" button;
- reverting (any method but GET/HEAD) needs the change permission, and revert not switched off by
  ``SIMPLE_HISTORY_REVERT_DISABLED`` (the library only hides the button): otherwise 403 and nothing is written;
- ``before_revert`` lets an admin put a step before the save (the schedule's impact preview, ``rollout.admin``);
- ``read_only_display`` names, per field, the display method that shows it where it is read-only (whoever may only
  view, an old version that cannot be restored): a stored list by its labels, not as ``["oab"]``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin import helpers
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

READ_METHODS = frozenset({"GET", "HEAD"})
REFUSED_TEMPLATE = "admin/history_revert_refused.html"


class ScopedHistoryAdmin(SimpleHistoryAdmin):  # type: ignore[misc]
    #: Field → display method (of this admin) shown instead of the field wherever the field is read-only.
    read_only_display: dict[str, str] = {}

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not self.read_only_display or self.has_change_permission(request, obj):
            return fieldsets
        return _displayed(fieldsets, self.read_only_display)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is None or not self.read_only_display or self.has_change_permission(request, obj):
            return fields
        return (*fields, *self.read_only_display.values())

    def history_view(self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None) -> Any:
        self._readable_object(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: dict[str, Any] | None = None
    ) -> Any:
        obj = self._readable_object(request, object_id)
        self._check_version(obj, version_id)
        if request.method not in READ_METHODS:
            if self.revert_disabled(request, obj):
                return self._refused(request, obj)
            step = self.before_revert(request, obj)
            if step is not None:
                return step
        return super().history_form_view(request, object_id, version_id, extra_context)

    def before_revert(self, request: HttpRequest, obj: Model) -> HttpResponse | None:
        """A permitted revert POST, before the library saves it: a response here is answered instead."""
        return None

    def revert_disabled(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(super().revert_disabled(request, obj)) or not self.has_change_permission(request, obj)

    def render_history_view(self, request: HttpRequest, template: Any, context: dict[str, Any], **kwargs: Any) -> Any:
        admin_form = context.get("adminform")
        if isinstance(admin_form, helpers.AdminForm) and context.get("revert_disabled"):
            context["adminform"] = _read_only(admin_form, self)
        return super().render_history_view(request, template, context, **kwargs)

    def _readable_object(self, request: HttpRequest, object_id: str) -> Model:
        obj: Model | None = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404("Registro não encontrado.")
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        return obj

    def _check_version(self, obj: Model, version_id: str) -> None:
        history = getattr(type(obj), obj._meta.simple_history_manager_attribute)  # type: ignore[attr-defined]
        try:
            found = history.filter(**{obj._meta.pk.attname: obj.pk, "history_id": version_id}).exists()
        except (ValueError, ValidationError):
            found = False
        if not found:
            raise Http404("Versão não encontrada.")

    def _refused(self, request: HttpRequest, obj: Model) -> HttpResponse:
        info = self.admin_site.name, obj._meta.app_label, obj._meta.model_name
        context = {
            **self.admin_site.each_context(request),
            "opts": obj._meta,
            "object": obj,
            "title": "Restauração não permitida",
            "history_url": reverse("{}:{}_{}_history".format(*info), args=(obj.pk,)),
        }
        return TemplateResponse(request, REFUSED_TEMPLATE, context, status=403)


def _read_only(admin_form: helpers.AdminForm, model_admin: Any) -> helpers.AdminForm:
    """The same form with every field shown as text (what the change page shows to whoever may only view)."""
    fieldsets: Any = _displayed(list(admin_form.fieldsets), getattr(model_admin, "read_only_display", {}))
    return helpers.AdminForm(admin_form.form, fieldsets, {}, flatten_fieldsets(fieldsets), model_admin=model_admin)


def _displayed(fieldsets: Any, display: dict[str, str]) -> list[Any]:
    """``fieldsets`` with each field of ``display`` replaced by its display method, each shown once (Django lists
    the read-only names after the form's fields: the display methods would come twice)."""
    seen: set[str] = set()
    result = []
    for name, options in fieldsets:
        fields = []
        for field in options["fields"]:
            if isinstance(field, str):  # (a tuple is a row of fields: kept as it is)
                field = display.get(field, field)
                if field in seen:
                    continue
                seen.add(field)
            fields.append(field)
        result.append((name, {**options, "fields": fields}))
    return result
