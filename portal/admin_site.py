"""The admin site: INSS staff enter it with their own A3 certificate (the same audited login as members).

A password login to the admin is refused unless ``PORTAL_STAFF_PASSWORD_LOGIN`` is on (off by default): staff
accounts carry a CPF, and the certificate login binds that CPF to the account (``portal.binding``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from certauth.redirects import same_site_path
from portal.admin_texts import with_portal_texts


class PortalAdminSite(admin.AdminSite):
    site_header = "Portal A3 — Administração INSS"
    site_title = "Portal A3"
    index_title = "Gestão de entidades parceiras"
    # The app list beside every page takes a quarter of a 1280 px screen from the change lists (whose columns then
    # went off-screen); the breadcrumbs and the index lead everywhere it did.
    enable_nav_sidebar = False

    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        """Every admin speaks of its model in Portuguese that agrees with it (``portal.admin_texts``)."""
        super().register(model_or_iterable, with_portal_texts(admin_class or admin.ModelAdmin), **options)

    def has_permission(self, request: HttpRequest) -> bool:
        entered_with_certificate = getattr(request, "session_certificate", None) is not None
        return super().has_permission(request) and (entered_with_certificate or _password_login_allowed())

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if _password_login_allowed():
            return super().login(request, extra_context)
        target = same_site_path(request.GET.get("next")) or reverse("admin:index")
        if request.method == "GET" and self.has_permission(request):
            return HttpResponseRedirect(target)
        certificate_url = settings.CERT_LOGIN_BASE_URL + reverse("certauth:login") + "?" + urlencode({"next": target})
        context = {**self.each_context(request), "certificate_url": certificate_url, "title": "Entrar"}
        status = 403 if request.method == "POST" else 200
        return TemplateResponse(request, "admin/login_certificate.html", context, status=status)


def _password_login_allowed() -> bool:
    return bool(getattr(settings, "PORTAL_STAFF_PASSWORD_LOGIN", False))
