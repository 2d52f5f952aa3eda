"""The binder certauth calls (``CERTAUTH_BINDER``): a validated certificate → the member's user account.

Rules (DESIGN.md): the CPF must belong to a member (``MEMBER_UNKNOWN``) who is active (``MEMBER_INACTIVE``) and
acts for at least one active entity through an active membership (``ENTITY_INACTIVE``); where the certificate
carries an OAB registration and the member has registrations, one must match (``OAB_MISMATCH``).
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpRequest

from certauth.binding import Binding
from certauth.exceptions import LoginRejected
from certauth.icp.errors import Reason
from certauth.icp.numbers import mask_cpf
from certauth.icp.validation import ValidatedCertificate
from portal.models import Member, Membership, PartnerEntity
from portal.services import member_user

SESSION_ENTITY_KEY = "portal_entity_id"


def bind_certificate(certificate: ValidatedCertificate, *, request: HttpRequest | None) -> Binding:
    identity = certificate.identity
    member = (
        Member.objects.filter(cpf=identity.cpf)
        .select_related("user")
        .prefetch_related(
            "oab_registrations",
            Prefetch("memberships", queryset=Membership.objects.select_related("entity").order_by("entity__name")),
        )
        .first()
    )
    if member is None:
        raise LoginRejected(Reason.MEMBER_UNKNOWN, f"CPF {mask_cpf(identity.cpf)} não cadastrado em entidade parceira.")
    if not member.active:
        raise LoginRejected(Reason.MEMBER_INACTIVE, "O cadastro do membro está inativo.")
    entities = active_entities(member)
    if not entities:
        raise LoginRejected(Reason.ENTITY_INACTIVE, "Nenhuma entidade parceira ativa com vínculo ativo para este CPF.")
    registrations = list(member.oab_registrations.all())
    if identity.oab is not None and registrations:
        if not any(r.matches(identity.oab.number, identity.oab.uf) for r in registrations):
            on_file = ", ".join(str(r) for r in registrations)
            raise LoginRejected(Reason.OAB_MISMATCH, f"OAB no certificado: {identity.oab}; OAB cadastrada: {on_file}.")
    entity = entities[0]
    return Binding(
        user=member_user(member),
        organization_code=entity.code,
        organization_name=entity.name,
        session_data={SESSION_ENTITY_KEY: entity.pk},
    )


def active_entities(member: Member) -> list[PartnerEntity]:
    """The active entities this member acts for through an active membership (uses prefetched memberships)."""
    return [m.entity for m in member.memberships.all() if m.active and m.entity.is_active]
