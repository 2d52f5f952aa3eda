"""Who may use the lookup: INSS staff holding ``support.lookup_reference``, in a session opened with their own A3
certificate (as the admin and the status pages), and which attempts each may see."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from portal.models import User
from portal.permissions import visible_ufs
from support.roles import PERMISSION, SUPPORT_GROUP


def lookup_ufs(user: User) -> set[str] | None:
    """None: every attempt (superusers, the support group, the national groups); otherwise the UFs of the user's
    superintendência groups (their attempts only)."""
    if user.is_superuser or user.groups.filter(name=SUPPORT_GROUP).exists():
        return None
    return visible_ufs(user)


def support_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Sets ``request.lookup_ufs`` for the view."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            target = settings.CERT_LOGIN_BASE_URL + reverse("certauth:login")
            return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        user = request.user
        if not (isinstance(user, User) and user.is_staff and user.has_perm(PERMISSION)):
            raise PermissionDenied("Consulta por referência: acesso restrito ao suporte e a servidores autorizados.")
        by_certificate = getattr(request, "session_certificate", None) is not None
        if not (by_certificate or getattr(settings, "PORTAL_STAFF_PASSWORD_LOGIN", False)):
            raise PermissionDenied("Entre com o seu certificado digital para consultar tentativas.")
        request.lookup_ufs = lookup_ufs(user)  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper
