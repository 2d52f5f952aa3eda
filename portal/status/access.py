"""Who may open the status pages: INSS staff with "Pode acompanhar a migração", in a session opened with their own
A3 certificate (like the admin), each seeing only their scope (``StatusScope``): the country, the superintendências
of their groups, the Gerências-Executivas of their groups."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from portal.models import User
from portal.permissions import visible_gexes, visible_ufs
from rollout.regions import Region

PERMISSION = "portal.view_migration_status"


@dataclass(frozen=True, slots=True)
class StatusScope:
    """What a user may see on the status pages: every UF (``ufs`` None), or the UFs of their superintendências plus
    the entities assigned to their Gerências-Executivas (ids)."""

    ufs: frozenset[str] | None
    gexes: frozenset[int] = frozenset()

    @classmethod
    def of(cls, user: User) -> StatusScope:
        ufs = visible_ufs(user)
        if ufs is None:
            return cls(None)
        return cls(frozenset(ufs), frozenset(visible_gexes(user)))

    @property
    def national(self) -> bool:
        return self.ufs is None

    def sees_region(self, region: Region) -> bool:
        """The whole superintendência (every entity of its UFs)."""
        return self.ufs is None or set(region.ufs) <= self.ufs

    def sees_gex(self, gex_id: int, region: Region | None) -> bool:
        return gex_id in self.gexes or (region is not None and self.sees_region(region))

    def sees_entity(self, uf: str, gex_id: int | None) -> bool:
        return self.ufs is None or uf in self.ufs or (gex_id is not None and gex_id in self.gexes)


def status_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Sets ``request.status_scope`` for the view."""

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
        request.status_scope = StatusScope.of(user)  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper
