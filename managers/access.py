"""Who may manage which entity, now: every manager page goes through ``manager_page``.

A manager's appointment counts while it is active, the member active, their membership in the entity active and the
entity active. The session must have been made with an A3 certificate (token, card or cloud): a password session is
refused (``MANAGER_A3_REQUIRED``) even before the entity's cutover — managing people needs the strong credential. An
entity the user does not manage answers 404, as does a member who is not the entity's.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db.models import QuerySet

from managers import rules
from managers.models import EntityManager
from portal.appointments import appointee_page
from portal.models import EntityStatus, PartnerEntity, User
from portal.refusals import Refusal

logger = logging.getLogger(__name__)


def managed_entities(user: User | Any) -> QuerySet[PartnerEntity]:
    """The active entities this account manages now (empty for anyone else)."""
    if not getattr(user, "is_authenticated", False):
        return PartnerEntity.objects.none()
    appointments = EntityManager.objects.filter(
        active=True,
        member__user=user,
        member__active=True,
        entity__status=EntityStatus.ACTIVE,
        entity__memberships__member__user=user,
        entity__memberships__active=True,
    )
    return PartnerEntity.objects.filter(pk__in=appointments.values("entity_id")).order_by("name")


_REFUSALS = {
    each.code: each
    for each in (
        Refusal(
            rules.A3_REQUIRED,
            "Entre com o certificado digital A3 para gerenciar membros",
            "A gestão dos membros da entidade exige o certificado digital A3 (token, cartão ou em nuvem), mesmo antes "
            "da data em que o A3 passa a ser obrigatório para a entidade. Você entrou com CPF e senha: entre com o seu "
            "certificado para continuar.",
            show_certificate_login=True,
        ),
        Refusal(
            rules.NOT_A_MANAGER,
            "Você não é gestor de uma entidade",
            "Esta área é dos gestores das entidades parceiras, nomeados pelo INSS. Se a sua entidade precisa de um "
            "gestor, ela deve pedir a nomeação à Superintendência Regional do INSS.",
            back_to_dashboard=True,
        ),
    )
}

#: The manager pages' guard (portal.appointments): anonymous → the login; not a manager → 403
#: ``MANAGER_NOT_APPOINTED``; a manager's password session → 403 ``MANAGER_A3_REQUIRED`` (with the certificate login,
#: coming back here); then the view gets ``entities`` (those managed), and with a ``code`` argument the ``entity``
#: itself (404 if not one of them).
manager_page = appointee_page(
    appointed=managed_entities,
    may_act=rules.may_manage,
    not_appointed=_REFUSALS[rules.NOT_A_MANAGER],
    a3_required=_REFUSALS[rules.A3_REQUIRED],
    logger=logger,
    names=("entities", "entity"),
    not_found="Entidade não encontrada.",
)
