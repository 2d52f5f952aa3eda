"""The audit of login attempts in the admin: read-only, searchable by reference, CPF and certificate serial."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.module_loading import import_string

from certauth.audit_text import (
    PROXY_VERIFY_LABEL,
    proxy_verify_text,
    revocation_reason_text,
    revocation_status_text,
)
from certauth.conf import settings
from certauth.icp.errors import Reason
from certauth.icp.numbers import mask_cpf, mask_cpfs
from certauth.messages import TEXTS
from certauth.models import CrlIssuer, LoginAttempt, TrustedAuthority, TrustStoreImport
from certauth.trust_store import EXPIRY_WINDOW

_HEX = re.compile(r"[0-9A-Fa-f]{8,80}")


@admin.register(LoginAttempt)
class LoginAttemptAdmin(admin.ModelAdmin[LoginAttempt]):
    list_display = (
        "created_at",
        "reference",
        "method",
        "outcome",
        "code",
        "masked_cpf",
        "holder_name",
        "organization_code",
        "cert_serial",
        "ip",
    )
    list_filter = ("outcome", "method", "provider", "code", "created_at")
    search_fields = ("=reference", "=cpf", "cert_serial", "=cert_fingerprint", "holder_name", "=organization_code")
    date_hierarchy = "created_at"
    list_select_related = ("user",)
    show_full_result_count = False  # COUNT(*) over millions of rows on every page is not worth it
    # The attempt's page, read by staff: CPFs masked (found by searching the full CPF), codes with their meaning,
    # the revocation check and nginx's (informative) verdict in words.
    fieldsets = (
        (
            None,
            {"fields": ("reference", "created_at", "method", "provider", "outcome", "code_display", "detail_display")},
        ),
        (
            "Titular",
            {"fields": ("masked_cpf", "holder_name", "user_display", "organization_code", "organization_name")},
        ),
        (
            "Certificado",
            {
                "fields": (
                    "cert_serial",
                    "subject_display",
                    "cert_issuer",
                    "cert_fingerprint",
                    "cert_not_after",
                    "cert_policy",
                    "fetched_issuers_display",
                )
            },
        ),
        (
            "Revogação",
            {"fields": ("revocation_display", "revocation_detail_display", "revoked_at", "revocation_reason_display")},
        ),
        ("Conexão", {"fields": ("ip", "user_agent", "proxy_request_id", "proxy_verify_display")}),
    )

    @admin.display(description="CPF", ordering="cpf")
    def masked_cpf(self, obj: LoginAttempt) -> str:
        return mask_cpf(obj.cpf) if obj.cpf else ""

    @admin.display(description="usuário")
    def user_display(self, obj: LoginAttempt) -> str:
        return _or_dash(mask_cpfs(str(obj.user)) if obj.user_id else "")  # a member's account is named by its CPF

    @admin.display(description="código")
    def code_display(self, obj: LoginAttempt) -> str:
        try:
            return f"{obj.code} — {TEXTS[Reason(obj.code)].title}"
        except (ValueError, KeyError):  # no code (an accepted login), or one this version does not know
            return _or_dash(obj.code)

    @admin.display(description="detalhe")
    def detail_display(self, obj: LoginAttempt) -> str:
        return _or_dash(mask_cpfs(obj.detail))

    @admin.display(description="titular (DN)")
    def subject_display(self, obj: LoginAttempt) -> str:
        return _or_dash(mask_cpfs(obj.cert_subject))

    @admin.display(description="ACs obtidas pelo endereço AIA")
    def fetched_issuers_display(self, obj: LoginAttempt) -> str:
        return _or_dash(obj.fetched_issuers)

    @admin.display(description="revogação")
    def revocation_display(self, obj: LoginAttempt) -> str:
        return _or_dash(revocation_status_text(obj.revocation_status))

    @admin.display(description="detalhe da revogação")
    def revocation_detail_display(self, obj: LoginAttempt) -> str:
        return _or_dash(mask_cpfs(obj.revocation_detail))

    @admin.display(description="motivo da revogação")
    def revocation_reason_display(self, obj: LoginAttempt) -> str:
        return _or_dash(revocation_reason_text(obj.revocation_reason))

    @admin.display(description=PROXY_VERIFY_LABEL)
    def proxy_verify_display(self, obj: LoginAttempt) -> str:
        return _or_dash(proxy_verify_text(obj.proxy_verify))

    def get_queryset(self, request: HttpRequest) -> QuerySet[LoginAttempt]:
        queryset = super().get_queryset(request)
        scope = settings.AUDIT_SCOPE
        return import_string(scope)(request, queryset) if scope else queryset

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str) -> tuple[Any, bool]:
        """nginx logs serials DER-style, with a leading ``0`` when the high bit is set (``0F41…``); the audit keeps
        them without leading zeros (``F41…``): a serial copied from either place finds the attempt."""
        results, duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if _HEX.fullmatch(term) and term.startswith("0") and term.lstrip("0"):
            more, more_duplicates = super().get_search_results(request, queryset, term.lstrip("0"))
            return results | more, duplicates or more_duplicates
        return results, duplicates

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in self.model._meta.fields] + flatten_fieldsets(self.fieldsets)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _or_dash(text: str) -> str:
    """An empty value shown as the admin shows its empty fields."""
    return text or "-"


@admin.register(CrlIssuer)
class CrlIssuerAdmin(admin.ModelAdmin[CrlIssuer]):
    """The CRL store, read-only (it is filled by ``manage.py crl refresh`` / ``import`` and by logins)."""

    list_display = (
        "name",
        "crl_number",
        "crl_entries",
        "crl_this_update",
        "crl_next_update",
        "last_attempt_at",
        "last_error",
    )
    search_fields = ("name", "key_id")
    list_select_related = ("current",)

    @admin.display(description="nº da LCR")
    def crl_number(self, obj: CrlIssuer) -> str:
        return obj.current.number if obj.current else "—"

    @admin.display(description="revogados")
    def crl_entries(self, obj: CrlIssuer) -> int | None:
        return obj.current.entries if obj.current else None

    @admin.display(description="emitida em")
    def crl_this_update(self, obj: CrlIssuer) -> Any:
        return obj.current.this_update if obj.current else None

    @admin.display(description="próxima atualização")
    def crl_next_update(self, obj: CrlIssuer) -> Any:
        return obj.current.next_update if obj.current else None

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # read-only: no "Salvar" that saves nothing (and writes an admin log entry)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class _ReadOnlyAdmin(admin.ModelAdmin[Any]):
    """Filled by ``manage.py trust_store`` (and AIA fetches during logins): read, never edited here."""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in self.model._meta.fields if field.name != "id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class _InUse(admin.SimpleListFilter):
    title = "situação"
    parameter_name = "retirada"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("nao", "Em uso"), ("sim", "Retirada")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "nao":
            return queryset.filter(removed_at__isnull=True)
        if self.value() == "sim":
            return queryset.filter(removed_at__isnull=False)
        return queryset


@admin.register(TrustedAuthority)
class TrustedAuthorityAdmin(_ReadOnlyAdmin):
    """The ACs added to the trust store without a release (the shipped folder is listed by ``trust_store status``)."""

    list_display = ("subject", "issuer", "source", "valid_until", "situation", "added_on")
    list_filter = (_InUse, "source")
    search_fields = ("subject", "=fingerprint", "=key_id")
    exclude = ("der",)

    @admin.display(description="válida até", ordering="not_after")
    def valid_until(self, obj: TrustedAuthority) -> str:
        return f"{timezone.localtime(obj.not_after):%d/%m/%Y}"

    @admin.display(description="incluída em", ordering="added_at")
    def added_on(self, obj: TrustedAuthority) -> str:
        return f"{timezone.localtime(obj.added_at):%d/%m/%Y}"

    @admin.display(description="situação")
    def situation(self, obj: TrustedAuthority) -> str:
        if obj.removed_at is not None:
            return f"Retirada em {timezone.localtime(obj.removed_at):%d/%m/%Y}"
        now = timezone.now()
        if obj.not_after < now:
            return "Vencida"
        if obj.not_before > now:
            return "Ainda não válida"
        if obj.not_after < now + EXPIRY_WINDOW:
            return "Vence em até 30 dias"
        return "Em uso"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields if f.name not in ("id", "der")] + ["situation"]


@admin.register(TrustStoreImport)
class TrustStoreImportAdmin(_ReadOnlyAdmin):
    list_display = ("created_at", "source", "added", "expired", "removed", "refused")
    date_hierarchy = "created_at"
