"""Who may coordinate which association, now: every coordinator page goes through ``coordinator_page``.

An appointment counts while it is active and the member active (their own user account: they log in like any
member). The session must have been made with an A3 certificate (token, card or cloud): a password session is
refused (``COORDINATOR_A3_REQUIRED``), anyone else ``COORDINATOR_NOT_APPOINTED``; an association the user does not
coordinate answers 404, as every one of its addresses does.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db.models import QuerySet

from associations import rules
from associations.models import Association, Coordinator
from portal.appointments import appointee_page
from portal.models import User
from portal.refusals import Refusal

logger = logging.getLogger(__name__)


def coordinated_associations(user: User | Any) -> QuerySet[Association]:
    """The associations this account coordinates now (empty for anyone else)."""
    if not getattr(user, "is_authenticated", False):
        return Association.objects.none()
    appointments = Coordinator.objects.filter(active=True, member__user=user, member__active=True)
    return Association.objects.filter(pk__in=appointments.values("association_id")).order_by("name")


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

#: The coordinator pages' guard (portal.appointments): anonymous → the login; not a coordinator → 403
#: ``COORDINATOR_NOT_APPOINTED``; a coordinator's password session → 403 ``COORDINATOR_A3_REQUIRED`` (with the
#: certificate login, coming back here); then the view gets ``associations``, and with a ``code`` argument the
#: ``association`` itself (404 if not one of them).
coordinator_page = appointee_page(
    appointed=coordinated_associations,
    may_act=rules.may_coordinate,
    not_appointed=_REFUSALS[rules.NOT_A_COORDINATOR],
    a3_required=_REFUSALS[rules.A3_REQUIRED],
    logger=logger,
    names=("associations", "association"),
    not_found="Associação não encontrada.",
)
