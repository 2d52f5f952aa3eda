"""The provider in the admin.

- Clients (relying parties): superusers only — no other staff account sees them, their history or their pages.
  URIs are exact (``oidc.clients``); the secret is made by the portal, shown once on the page that answers the add
  (or the "Gerar novo segredo" action) and stored hashed; the history never holds it.
- Back-channel logouts owed to clients and the session links they come from: read-only, for superusers and the
  national groups (INSS — gestão de entidades, INSS — consulta nacional); "Tentar agora" for superusers and the
  management group. The superintendências' groups do not see them: a delivery is about a client system being down,
  a national matter no regional office can act on, and a session link names no region (a member may act for
  entities of several, or for none yet).
- django-oauth-toolkit's own admins (applications, access and refresh tokens, codes, ID tokens) are taken off the
  site: token values are credentials, and nobody needs to read them.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import formats, timezone
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_id_token_model,
    get_refresh_token_model,
)

from certauth.icp.numbers import mask_cpfs, normalize_cpf
from oidc import clients
from oidc.models import Client, LogoutDelivery, SessionClient
from oidc.provider_settings import SCOPES
from portal.admin_history import ScopedHistoryAdmin
from portal.models import User
from portal.permissions import MANAGEMENT_GROUP, NATIONAL_VIEW_GROUP
from portal.wording import counted

# django-oauth-toolkit's admin module registers its admins when imported: imported here first, whatever the order of
# the apps (the admin's autodiscovery then finds it loaded), so that they are taken off below and never come back.
import_module("oauth2_provider.admin")

for _model in (
    get_application_model(),
    get_access_token_model(),
    get_refresh_token_model(),
    get_grant_model(),
    get_id_token_model(),
):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)

SHOWN_ONCE_TEMPLATE = "admin/oidc/client/secret.html"
CONFIRM_TEMPLATE = "admin/oidc/client/confirm_new_secret.html"
_SHOWN_ATTRIBUTE = "_oidc_shown_secret"  # the add's secret, kept on the saved instance for the page that answers it


def _user(request: HttpRequest) -> User | None:
    user = getattr(request, "user", None)
    return user if isinstance(user, User) and user.is_active and user.is_staff else None


def _is_superuser(request: HttpRequest) -> bool:
    user = _user(request)
    return bool(user and user.is_superuser)


def _in_groups(request: HttpRequest, *names: str) -> bool:
    user = _user(request)
    if user is None:
        return False
    return user.is_superuser or user.groups.filter(name__in=names).exists()


def may_read_deliveries(request: HttpRequest) -> bool:
    return _in_groups(request, MANAGEMENT_GROUP, NATIONAL_VIEW_GROUP)


def may_retry_deliveries(request: HttpRequest) -> bool:
    return _in_groups(request, MANAGEMENT_GROUP)


def _instant(value: Any) -> str:
    """A date and time as the lists show them: short, in Brasília's time ("07/12/2026 14:05")."""
    if value is None:
        return "—"
    return str(formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT"))


class _Media:
    css = {"all": ("oidc/admin.css",)}


# --- clients ---------------------------------------------------------------------------------------------------


class UriListField(forms.CharField):
    """Exact URIs, one per line (stored space-separated, as django-oauth-toolkit reads them)."""

    def __init__(self, *, what: str, **kwargs: Any) -> None:
        self.what = what
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 3, "class": "vLargeTextField"}))
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value.split()) if isinstance(value, str) else value

    def clean(self, value: Any) -> str:
        text: str = super().clean(value)
        try:
            return " ".join(clients.check_uris(text.split(), what=self.what))
        except clients.ClientError as error:
            raise ValidationError(str(error)) from None


class ScopesField(forms.MultipleChoiceField):
    def prepare_value(self, value: Any) -> Any:
        return value.split() if isinstance(value, str) else value

    def clean(self, value: Any) -> str:
        chosen: list[str] = super().clean(value)
        try:
            return " ".join(clients.check_scopes(chosen))
        except clients.ClientError as error:
            raise ValidationError(str(error)) from None


class ClientForm(forms.ModelForm):  # type: ignore[type-arg]
    redirect_uris = UriListField(
        what="URI de redirecionamento",
        label="URIs de redirecionamento",
        help_text="Uma por linha, exatas: https:// (http:// só em localhost), sem # e sem curingas.",
    )
    post_logout_redirect_uris = UriListField(
        what="URI de retorno após logout",
        label="URIs de retorno após logout",
        required=False,
        help_text="Para onde o portal pode devolver o usuário depois do logout pedido pelo cliente. Uma por linha.",
    )
    backchannel_logout_uri = forms.CharField(
        label="URI de logout por canal de retaguarda",
        required=False,
        max_length=clients.BACKCHANNEL_MAX_LENGTH,
        widget=forms.TextInput(attrs={"class": "vLargeTextField"}),
        help_text="Recebe o logout token quando a sessão no portal termina (mesma regra das URIs acima).",
    )
    allowed_scopes = ScopesField(
        label="escopos permitidos",
        required=False,  # openid alone
        initial=list(SCOPES),
        choices=[(name, f"{name} — {text}") for name, text in SCOPES.items()],
        widget=forms.CheckboxSelectMultiple,
        help_text="O cliente só pode pedir estes escopos; openid é sempre incluído.",
    )

    class Meta:
        model = Client
        fields = ["name", "redirect_uris", "post_logout_redirect_uris", "backchannel_logout_uri", "allowed_scopes"]
        fields += ["a3_only"]
        labels = {"name": "nome"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].required = True
        # What every client is (confidential, authorization code, RS256…): set before the model's own checks run.
        clients.apply_fixed_settings(self.instance)

    def clean_name(self) -> str:
        try:
            return clients.check_name(self.cleaned_data.get("name") or "", exclude_pk=self.instance.pk)
        except clients.ClientError as error:
            raise ValidationError(str(error)) from None

    def clean_backchannel_logout_uri(self) -> str:
        try:
            return clients.check_backchannel_uri(self.cleaned_data.get("backchannel_logout_uri") or "")
        except clients.ClientError as error:
            raise ValidationError(str(error)) from None


@admin.register(Client)
class ClientAdmin(ScopedHistoryAdmin):
    form = ClientForm
    change_form_template = "admin/oidc/client/change_form.html"
    list_display = ("name", "client_id_shown", "a3_only", "backchannel_logout_uri", "updated_shown")
    list_filter = ("a3_only",)
    search_fields = ("name", "=client_id")
    ordering = ("name",)
    readonly_fields = ("client_id_shown", "created_shown", "updated_shown")
    Media = _Media
    actions = ("regenerate_secret",)
    _main = (
        "name",
        "redirect_uris",
        "post_logout_redirect_uris",
        "backchannel_logout_uri",
        "allowed_scopes",
        "a3_only",
    )
    add_fieldsets = ((None, {"fields": _main}),)
    fieldsets = (
        (None, {"fields": ("client_id_shown", *_main)}),
        ("Registro", {"fields": ("created_shown", "updated_shown")}),
    )

    @admin.display(description="identificador (client_id)", ordering="client_id")
    def client_id_shown(self, obj: Client) -> str:
        return str(obj.client_id)

    @admin.display(description="registrado em", ordering="created")
    def created_shown(self, obj: Client) -> str:
        return _instant(obj.created)

    @admin.display(description="alterado em", ordering="updated")
    def updated_shown(self, obj: Client) -> str:
        return _instant(obj.updated)

    # Superusers only, whatever permissions a group was given.
    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_superuser(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_superuser(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _is_superuser(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_superuser(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_superuser(request)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        """A client's session links and the logouts owed to it go with it (as with ``oidc_client remove``): their
        admins being read-only does not stand in the way."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        cascaded = {str(SessionClient._meta.verbose_name), str(LogoutDelivery._meta.verbose_name)}
        return deleted, counts, {p for p in perms_needed if str(p) not in cascaded}, protected

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.add_fieldsets if obj is None else super().get_fieldsets(request, obj)

    def save_model(self, request: HttpRequest, obj: Client, form: Any, change: bool) -> None:
        if not change:
            setattr(obj, _SHOWN_ATTRIBUTE, clients.assign_secret(obj))
        super().save_model(request, obj, form, change)

    def response_add(self, request: HttpRequest, obj: Client, post_url_continue: str | None = None) -> HttpResponse:
        secret = getattr(obj, _SHOWN_ATTRIBUTE, None)
        if secret is None or IS_POPUP_VAR in request.POST:
            response: HttpResponse = super().response_add(request, obj, post_url_continue)
            return response
        return self._secret_page(request, obj, secret, created=True)

    @admin.action(description="Gerar novo segredo", permissions=["change"])
    def regenerate_secret(self, request: HttpRequest, queryset: QuerySet[Client]) -> HttpResponse | None:
        """Asks first (the current secret stops working at once), then shows the new secret once."""
        if queryset.count() != 1:
            self.message_user(request, "Selecione um único cliente para gerar um novo segredo.", messages.WARNING)
            return None
        client = queryset.get()
        if request.POST.get("confirmar") != "sim":
            context = {**self._context(request, client), "title": "Gerar novo segredo?"}
            return TemplateResponse(request, CONFIRM_TEMPLATE, context)
        secret = clients.new_secret(client)
        self.log_change(request, client, "Novo segredo gerado.")
        return self._secret_page(request, client, secret, created=False)

    def _context(self, request: HttpRequest, client: Client) -> dict[str, Any]:
        return {**self.admin_site.each_context(request), "opts": self.opts, "object": client, "client": client}

    def _secret_page(self, request: HttpRequest, client: Client, secret: str, *, created: bool) -> HttpResponse:
        title = "Cliente registrado: anote o segredo" if created else "Novo segredo gerado: anote-o"
        context = {**self._context(request, client), "title": title, "secret": secret, "created": created}
        response = TemplateResponse(request, SHOWN_ONCE_TEMPLATE, context)
        response["Cache-Control"] = "no-store"
        return response


# --- back-channel logouts and session links -------------------------------------------------------------------


class _ReadOnlyForNationalStaff(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_read_deliveries(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return may_read_deliveries(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Any], search_term: str) -> Any:
        """A member's CPF is found with or without punctuation (only a whole CPF: the column shows it masked)."""
        digits = normalize_cpf(search_term)
        if len(digits) == 11 and len(search_term.strip()) <= 14:
            search_term = digits
        return super().get_search_results(request, queryset, search_term)


def _with_member(queryset: QuerySet[Any], user_id: str) -> QuerySet[Any]:
    """The rows with their member's username (the CPF) as ``member_username``: read by a subquery, not a join, so a
    link whose account is gone (the link keeps its user id without a constraint) is still listed."""
    username = User.objects.filter(pk=OuterRef(user_id)).values("username")[:1]
    annotated: QuerySet[Any] = queryset.annotate(member_username=Subquery(username))
    return annotated


def _member(obj: Any) -> str:
    username = getattr(obj, "member_username", None)
    return mask_cpfs(username) if username else "conta removida"


class DeliveryStatusFilter(admin.SimpleListFilter):
    title = "situação"
    parameter_name = "situacao"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("pendente", "Pendente"), ("entregue", "Entregue"), ("abandonado", "Abandonado")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "pendente":
            return queryset.filter(delivered_at__isnull=True, gave_up_at__isnull=True)
        if self.value() == "entregue":
            return queryset.filter(delivered_at__isnull=False)
        if self.value() == "abandonado":
            return queryset.filter(delivered_at__isnull=True, gave_up_at__isnull=False)
        return queryset


class ClientFilter(admin.RelatedFieldListFilter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.title = "cliente"


class LinkOpenFilter(admin.SimpleListFilter):
    title = "situação"
    parameter_name = "situacao"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("aberta", "Aberta"), ("encerrada", "Encerrada")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() in {"aberta", "encerrada"}:
            return queryset.filter(ended_at__isnull=self.value() == "aberta")
        return queryset


def delivery_status(delivery: LogoutDelivery) -> str:
    if delivery.delivered_at is not None:
        return "entregue"
    if delivery.gave_up_at is not None:
        return "abandonado"
    return "pendente"


@admin.register(LogoutDelivery)
class LogoutDeliveryAdmin(_ReadOnlyForNationalStaff):
    list_display = (
        "client",
        "member",
        "created",
        "attempts",
        "next_attempt",
        "status",
        "last_status",
    )
    Media = _Media
    list_select_related = ("session_client__client",)
    list_filter = (DeliveryStatusFilter, ("session_client__client", ClientFilter))
    search_fields = ("=session_client__user__username", "session_client__client__name")
    ordering = ("-created_at",)
    actions = ("retry_now",)
    fields = (
        "client",
        "member",
        "session_ended",
        "end_reason",
        "created",
        "attempts",
        "next_attempt",
        "status",
        "delivered_at",
        "gave_up_at",
        "last_status",
    )
    readonly_fields = fields

    @admin.display(description="cliente", ordering="session_client__client__name")
    def client(self, obj: LogoutDelivery) -> str:
        return str(obj.session_client.client)

    def get_queryset(self, request: HttpRequest) -> QuerySet[LogoutDelivery]:
        return _with_member(super().get_queryset(request), "session_client__user_id")

    @admin.display(description="membro (CPF)")
    def member(self, obj: LogoutDelivery) -> str:
        return _member(obj)

    @admin.display(description="sessão encerrada em")
    def session_ended(self, obj: LogoutDelivery) -> str:
        return _instant(obj.session_client.ended_at)

    @admin.display(description="criado em", ordering="created_at")
    def created(self, obj: LogoutDelivery) -> str:
        return _instant(obj.created_at)

    @admin.display(description="próxima tentativa", ordering="next_attempt_at")
    def next_attempt(self, obj: LogoutDelivery) -> str:
        return _instant(obj.next_attempt_at) if delivery_status(obj) == "pendente" else "—"

    @admin.display(description="motivo do encerramento")
    def end_reason(self, obj: LogoutDelivery) -> str:
        return obj.session_client.end_reason or "—"

    @admin.display(description="situação")
    def status(self, obj: LogoutDelivery) -> str:
        return delivery_status(obj)

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return may_retry_deliveries(request)

    @admin.action(description="Tentar agora as entregas selecionadas", permissions=["retry"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[LogoutDelivery]) -> None:
        """Due now (a given-up delivery too: staff know the client is back); one already delivered is left alone."""
        due = list(queryset.filter(delivered_at__isnull=True))
        LogoutDelivery.objects.filter(pk__in=[d.pk for d in due]).update(
            next_attempt_at=timezone.now(), gave_up_at=None
        )
        for delivery in due:
            self.log_change(request, delivery, "Nova tentativa de entrega pedida.")
        skipped = queryset.count() - len(due)
        text = counted(len(due), "entrega agendada para agora", "entregas agendadas para agora")
        if skipped:
            text += "; " + counted(skipped, "já entregue ficou como estava", "já entregues ficaram como estavam")
        messages.success(request, text + ".")


@admin.register(SessionClient)
class SessionClientAdmin(_ReadOnlyForNationalStaff):
    list_display = ("client_name", "member", "created", "ended", "end_reason_shown", "logout")
    Media = _Media
    list_select_related = ("client", "delivery")
    list_filter = (LinkOpenFilter, ("client", ClientFilter))
    search_fields = ("=user__username", "client__name")
    ordering = ("-created_at",)
    fields = ("client_name", "member", "created", "ended", "end_reason_shown", "logout")
    readonly_fields = fields

    @admin.display(description="criada em", ordering="created_at")
    def created(self, obj: SessionClient) -> str:
        return _instant(obj.created_at)

    @admin.display(description="encerrada em", ordering="ended_at")
    def ended(self, obj: SessionClient) -> str:
        return _instant(obj.ended_at) if obj.ended_at else "aberta"

    def get_queryset(self, request: HttpRequest) -> QuerySet[SessionClient]:
        return _with_member(super().get_queryset(request), "user_id")

    @admin.display(description="membro (CPF)")
    def member(self, obj: SessionClient) -> str:
        return _member(obj)

    @admin.display(description="cliente", ordering="client__name")
    def client_name(self, obj: SessionClient) -> str:
        return str(obj.client)

    @admin.display(description="motivo do encerramento", ordering="end_reason")
    def end_reason_shown(self, obj: SessionClient) -> str:
        return obj.end_reason or "—"

    @admin.display(description="logout ao cliente")
    def logout(self, obj: SessionClient) -> str:
        try:
            return delivery_status(obj.delivery)
        except LogoutDelivery.DoesNotExist:
            return "—"
