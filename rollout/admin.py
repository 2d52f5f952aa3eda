"""The schedule in the admin: waves and per-entity dates, with history, and an impact preview before each save.

Saving a wave or an entity date first shows who the change affects (``rollout.impact``): the entities whose login
methods or deadline change, their members, and the members who never logged in with an A3 certificate and will
lose access. Staff confirm, and only then is the change written. Deleting shows the same preview, and so does
reverting to an old version from the history (``portal.admin_history``: only for whoever may change).
"""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from localflavor.br.br_states import STATE_CHOICES

from portal.admin_history import ScopedHistoryAdmin
from portal.models import EntityKind, PartnerEntity, User
from portal.permissions import scope_entities, visible_ufs
from rollout import impact
from rollout.models import EntityOverride, GerenciaExecutiva, Reminder, Superintendencia, Wave, Webinar

CONFIRM_FIELD = "_impacto_confirmado"


class WaveForm(forms.ModelForm[Wave]):
    kinds = forms.MultipleChoiceField(
        label="tipos de entidade", choices=EntityKind.choices, widget=forms.CheckboxSelectMultiple
    )
    ufs = forms.MultipleChoiceField(label="UFs", choices=STATE_CHOICES, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Wave
        fields = (
            "number",
            "name",
            "superintendencia",
            "kinds",
            "ufs",
            "window_start",
            "window_end",
            "undefined_reason",
            "notes",
        )


class ImpactPreviewAdmin(ScopedHistoryAdmin):
    """Shows ``impact_of(before, after)`` between a valid POST and the save; the confirmation re-posts the form."""

    preview_template = "admin/rollout/impact_preview.html"
    delete_confirmation_template = "admin/rollout/delete_confirmation.html"

    def impact_of(self, before: Any, after: Any, request: HttpRequest) -> impact.Impact:
        raise NotImplementedError

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "POST" and CONFIRM_FIELD not in request.POST and "_popup" not in request.POST:
            preview = self._preview(request, object_id)
            if preview is not None:
                return preview
        return super().changeform_view(request, object_id, form_url, extra_context)  # type: ignore[no-any-return]

    def _preview(self, request: HttpRequest, object_id: str | None) -> HttpResponse | None:
        obj = self.get_object(request, unquote(object_id)) if object_id else None
        if object_id and obj is None:
            return None  # Django answers the missing object itself
        allowed = self.has_change_permission(request, obj) if obj else self.has_add_permission(request)
        if not allowed:
            return None
        before = copy.deepcopy(obj)
        form = self.get_form(request, obj, change=obj is not None)(request.POST, request.FILES, instance=obj)
        if not form.is_valid():
            return None  # the normal change form shows the errors
        after = form.save(commit=False)
        found = self.impact_of(before, after, request)
        if not found:
            return None  # nobody's access changes: save at once
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Confirme a alteração do cronograma",
            "object": after,
            "impact": found,
            "post_items": [(k, v) for k, values in request.POST.lists() for v in values],
            "confirm_field": CONFIRM_FIELD,
        }
        return TemplateResponse(request, self.preview_template, context)

    def before_revert(self, request: HttpRequest, obj: Any) -> HttpResponse | None:
        """Reverting to an old version is a save like any other: the same preview, confirmed on the same page."""
        if CONFIRM_FIELD in request.POST:
            return None
        return self._preview(request, str(obj.pk))

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and request.method == "GET":
            extra_context = {**(extra_context or {}), "impact": self.impact_of(obj, None, request)}
        return super().delete_view(request, object_id, extra_context)  # type: ignore[no-any-return]


@admin.register(Wave)
class WaveAdmin(ImpactPreviewAdmin):
    form = WaveForm
    list_display = ("number", "name", "superintendencia", "kinds_display", "ufs_display", "window_display")
    list_filter = ("superintendencia",)
    search_fields = ("name",)
    ordering = ("number", "name")
    read_only_display = {"kinds": "kinds_display", "ufs": "ufs_names"}  # labels, not the stored ["oab"], ["SP"]

    def impact_of(self, before: Wave | None, after: Wave | None, request: HttpRequest) -> impact.Impact:
        return impact.of_wave(before=before, after=after, at=timezone.now())

    @admin.display(description="tipos de entidade")
    def kinds_display(self, obj: Wave) -> str:
        labels = dict(EntityKind.choices)
        return ", ".join(str(labels.get(k, k)) for k in obj.kinds)

    @admin.display(description="UFs")
    def ufs_display(self, obj: Wave) -> str:
        return " ".join(obj.ufs)

    @admin.display(description="UFs")
    def ufs_names(self, obj: Wave) -> str:
        names = dict(STATE_CHOICES)
        return ", ".join(f"{names[uf]} ({uf})" if uf in names else str(uf) for uf in obj.ufs)

    @admin.display(description="janela")
    def window_display(self, obj: Wave) -> str:
        if obj.window_start is None or obj.window_end is None:
            return f"a definir ({obj.undefined_reason})" if obj.undefined_reason else "a definir"
        if obj.window_start == obj.window_end:
            return f"{obj.window_start:%d/%m/%Y}"
        return f"{obj.window_start:%d/%m/%Y} a {obj.window_end:%d/%m/%Y}"


@admin.register(EntityOverride)
class EntityOverrideAdmin(ImpactPreviewAdmin):
    list_display = ("entity", "entity_uf", "cutover_on", "reason", "granted_by", "granted_at")
    list_select_related = ("entity", "granted_by")
    search_fields = ("entity__code", "entity__name", "reason")
    autocomplete_fields = ("entity",)
    readonly_fields = ("granted_by", "granted_at")
    fields = ("entity", "cutover_on", "reason", "granted_by", "granted_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[EntityOverride]:
        queryset = super().get_queryset(request)
        return scope_entities(queryset, request.user, uf_field="entity__uf")  # type: ignore[arg-type]

    @admin.display(description="UF", ordering="entity__uf")
    def entity_uf(self, obj: EntityOverride) -> str:
        return str(obj.entity.uf)

    def impact_of(
        self, before: EntityOverride | None, after: EntityOverride | None, request: HttpRequest
    ) -> impact.Impact:
        entity: PartnerEntity = (after or before).entity  # type: ignore[union-attr]
        return impact.of_override(entity=entity, before=before, after=after, at=timezone.now())

    def get_readonly_fields(self, request: HttpRequest, obj: EntityOverride | None = None) -> tuple[str, ...]:
        # A date belongs to its entity: another entity gets its own (each change in that entity's history).
        return ("entity", *self.readonly_fields) if obj is not None else tuple(self.readonly_fields)

    def save_model(self, request: HttpRequest, obj: EntityOverride, form: Any, change: bool) -> None:
        obj.granted_by = request.user  # type: ignore[assignment]
        # django-simple-history's documented hook (its reason column holds 100 characters; the row keeps all of it)
        obj._change_reason = obj.reason[:100]  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)


@admin.register(Superintendencia)
class SuperintendenciaAdmin(admin.ModelAdmin[Superintendencia]):
    """Anexo I's superintendências and their UFs are the Portaria's (``rollout.regions``): shown, not edited."""

    list_display = ("name", "ufs_display", "consulta_group")
    readonly_fields = ("code", "name", "ufs_display", "consulta_group")
    fields = readonly_fields

    @admin.display(description="UFs")
    def ufs_display(self, obj: Superintendencia) -> str:
        return " ".join(obj.ufs)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Superintendencia]:
        queryset = super().get_queryset(request)
        user: User = request.user  # type: ignore[assignment]  # the admin site lets in only staff accounts
        return queryset if visible_ufs(user) is None else queryset.filter(consulta_group__user=user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(GerenciaExecutiva)
class GerenciaExecutivaAdmin(ScopedHistoryAdmin):
    """The Gerências-Executivas under each superintendência: loaded by the management group (here or with
    ``manage.py import_gex``); a superintendência's staff read those of their superintendência, a GEX's staff their
    own. Its two staff groups are made and named by ``portal.groups.ensure_gex_groups`` (not edited here)."""

    list_display = ("name", "code", "superintendencia", "contact_email")
    list_filter = ("superintendencia",)
    list_select_related = ("superintendencia",)
    search_fields = ("code", "name")
    fields = ("code", "name", "superintendencia", "contact_email")

    def get_queryset(self, request: HttpRequest) -> QuerySet[GerenciaExecutiva]:
        queryset: QuerySet[GerenciaExecutiva] = super().get_queryset(request)
        user: User = request.user  # type: ignore[assignment]  # the admin site lets in only staff accounts
        if visible_ufs(user) is None:
            return queryset
        return queryset.filter(
            Q(superintendencia__consulta_group__user=user) | Q(consulta_group__user=user) | Q(gestao_group__user=user)
        ).distinct()


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin[Reminder]):
    """The e-mails ``manage.py rollout remind`` sent: a record, read-only (the command alone writes it)."""

    list_display = ("sent_at", "kind", "step_days", "target_date", "entity", "member", "recipient")
    list_filter = ("kind", "step_days")
    list_select_related = ("entity", "member")
    search_fields = ("entity__code", "entity__name", "recipient")
    date_hierarchy = "sent_at"
    fields = list_display

    def get_queryset(self, request: HttpRequest) -> QuerySet[Reminder]:
        queryset = super().get_queryset(request)
        user: User = request.user  # type: ignore[assignment]  # the admin site lets in only staff accounts
        ufs = visible_ufs(user)
        if ufs is None:
            return queryset
        # Entity reminders by the entity's UF; certificate reminders (no entity) by the member's entities.
        return (
            queryset.filter(entity__uf__in=ufs)
            | queryset.filter(entity__isnull=True, member__memberships__entity__uf__in=ufs)
        ).distinct()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class WebinarForm(forms.ModelForm[Webinar]):
    link = forms.URLField(
        label="link da transmissão", max_length=500, assume_scheme="https", help_text="Somente https://."
    )

    class Meta:
        model = Webinar
        fields = ("title", "start", "duration_minutes", "link", "superintendencia", "description", "cancelled")


@admin.register(Webinar)
class WebinarAdmin(ScopedHistoryAdmin):
    """Webinars (Art. 5 I): the management group schedules them; a superintendência's staff read its own and the
    national ones. Times are entered and shown in Brasília time (``TIME_ZONE``), stored in UTC."""

    list_display = ("start", "title", "region_display", "duration_minutes", "cancelled")
    list_filter = ("cancelled", "superintendencia")
    list_select_related = ("superintendencia",)
    search_fields = ("title",)
    date_hierarchy = "start"
    form = WebinarForm

    def get_queryset(self, request: HttpRequest) -> QuerySet[Webinar]:
        queryset: QuerySet[Webinar] = super().get_queryset(request)
        user: User = request.user  # type: ignore[assignment]  # the admin site lets in only staff accounts
        if visible_ufs(user) is None:
            return queryset
        return queryset.filter(Q(superintendencia__isnull=True) | Q(superintendencia__consulta_group__user=user))

    @admin.display(description="abrangência", ordering="superintendencia__name")
    def region_display(self, obj: Webinar) -> str:
        return str(obj.superintendencia) if obj.superintendencia_id is not None else "Nacional"
