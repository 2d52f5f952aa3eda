"""The binder certauth calls (``CERTAUTH_BINDER``): a validated certificate → the member's user account.

Rules (DESIGN.md): the CPF must belong to a member (``MEMBER_UNKNOWN``) who is active (``MEMBER_INACTIVE``) and
acts for at least one active entity through an active membership (``ENTITY_INACTIVE``); where the certificate
carries an OAB registration and the member has registrations, one must match (``OAB_MISMATCH``).
"""

from __future__ import annotations

from django.http import HttpRequest

from certauth.binding import Binding
from certauth.exceptions import LoginRejected
from certauth.icp.errors import Reason
from certauth.icp.numbers import mask_cpf
from certauth.icp.validation import ValidatedCertificate
from portal.models import Member, OabRegistration
from portal.selectors import SESSION_ENTITY_KEY, member_for_login
from portal.services import member_user


def bind_certificate(certificate: ValidatedCertificate, *, request: HttpRequest | None) -> Binding:
    identity = certificate.identity
    member = member_for_login(identity.cpf)
    if member is None:
        raise LoginRejected(Reason.MEMBER_UNKNOWN, f"CPF {mask_cpf(identity.cpf)} não cadastrado em entidade parceira.")
    if not member.active:
        raise LoginRejected(Reason.MEMBER_INACTIVE, "O cadastro do membro está inativo.")
    if not member.active_entities:
        raise LoginRejected(Reason.ENTITY_INACTIVE, "Nenhuma entidade parceira ativa com vínculo ativo para este CPF.")
    if identity.oab is not None and member.oab_registrations:
        registrations = [OabRegistration(number=n, uf=u) for n, u in member.oab_registrations]
        if not any(r.matches(identity.oab.number, identity.oab.uf) for r in registrations):
            on_file = ", ".join(str(r) for r in registrations)
            raise LoginRejected(Reason.OAB_MISMATCH, f"OAB no certificado: {identity.oab}; OAB cadastrada: {on_file}.")
    entity_id, code, name = member.active_entities[0]
    user = member.user or member_user(Member.objects.get(pk=member.member_id))  # first login: create the account
    return Binding(
        user=user,
        organization_code=code,
        organization_name=name,
        session_data={SESSION_ENTITY_KEY: entity_id},
    )
