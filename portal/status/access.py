"""Who may open the status pages: INSS staff with "Pode acompanhar a migração", in a session opened with their own
A3 certificate (like the admin), each seeing only the superintendências of their groups (``visible_ufs``)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from portal.permissions import visible_ufs

PERMISSION = "portal.view_migration_status"


def status_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Sets ``request.visible_ufs`` (None: every UF) for the view."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            target = settings.CERT_LOGIN_BASE_URL + reverse("certauth:login")
            return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        user = request.user
        by_certificate = getattr(request, "session_certificate", None) is not None
        if not (user.is_staff and user.has_perm(PERMISSION)):
            raise PermissionDenied("Acompanhamento da migração: acesso restrito a servidores do INSS autorizados.")
        if not (by_certificate or getattr(settings, "PORTAL_STAFF_PASSWORD_LOGIN", False)):
            raise PermissionDenied("Entre com o seu certificado digital para acompanhar a migração.")
        request.visible_ufs = visible_ufs(user)  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper
