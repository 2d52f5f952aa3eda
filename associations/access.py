"""Who may coordinate which association, now: every coordinator page goes through :func:`coordinator_page`.

An appointment counts while it is active and the member active (their own user account: they log in like any
member). The session must have been made with an A3 certificate (token, card or cloud): a password session is
refused (``COORDINATOR_A3_REQUIRED``), anyone else ``COORDINATOR_NOT_APPOINTED``; an association the user does not
coordinate answers 404, as every one of its addresses does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from associations import rules
from associations.models import Association, Coordinator
from portal.models import User
from portal.refusals import Refusal, render_refusal

logger = logging.getLogger(__name__)


def coordinated_associations(user: User | Any) -> QuerySet[Association]:
    """The associations this account coordinates now (empty for anyone else)."""
    if not getattr(user, "is_authenticated", False):
        return Association.objects.none()
    appointments = Coordinator.objects.filter(active=True, member__user=user, member__active=True)
    return Association.objects.filter(pk__in=appointments.values("association_id")).order_by("name")


def session_method(request: HttpRequest) -> str | None:
    """The login method of the request's session: the certificate's (validated on every request by certauth's
    middleware), else None (a password session, or staff without a certificate)."""
    certificate = getattr(request, "session_certificate", None)
    return certificate.method if certificate is not None else None


def coordinator_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous → the login; not a coordinator → 403 ``COORDINATOR_NOT_APPOINTED``; a coordinator's password
    session → 403 ``COORDINATOR_A3_REQUIRED`` (with the certificate login, coming back here); then the view gets
    ``associations``, and with a ``code`` argument the association itself (404 if not one of them)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, code: str | None = None, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        associations = list(coordinated_associations(request.user))
        if not associations:
            return refusal(request, rules.NOT_A_COORDINATOR)
        if not rules.may_coordinate(session_method(request)):
            return refusal(request, rules.A3_REQUIRED)
        if code is None:
            return view(request, *args, associations=associations, **kwargs)
        association = next((a for a in associations if a.code == code), None)
        if association is None:
            raise Http404("Associação não encontrada.")
        return view(request, *args, association=association, associations=associations, **kwargs)

    return wrapper


_REFUSALS = {
    each.code: each
    for each in (
        Refusal(
            rules.A3_REQUIRED,
            "Entre com o certificado digital A3 para acompanhar as entidades",
            "O acompanhamento das entidades da associação exige o certificado digital A3 (token, cartão ou em nuvem). "
            "Você entrou com CPF e senha: entre com o seu certificado para continuar.",
            show_certificate_login=True,
        ),
        Refusal(
            rules.NOT_A_COORDINATOR,
            "Você não é coordenador de uma associação",
            "Esta área é dos coordenadores das associações de entidades parceiras, nomeados pelo INSS. Se a sua "
            "associação precisa de um coordenador, ela deve pedir a nomeação à Superintendência Regional do INSS.",
            back_to_dashboard=True,
        ),
    )
}


def refusal(request: HttpRequest, code: str) -> HttpResponse:
    """The refusal page (what to do, and the screenshot facts: code, reference, date and time in Brasília), logged."""
    return render_refusal(request, _REFUSALS[code], logger=logger)
