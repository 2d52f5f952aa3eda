"""The binder certauth calls (``CERTAUTH_BINDER``): a validated certificate → whom it logs in.

Members (DESIGN.md): the CPF must belong to a member (``MEMBER_UNKNOWN``) who is active (``MEMBER_INACTIVE``) and
acts for at least one active entity through an active membership (``ENTITY_INACTIVE``); where the certificate
carries an OAB registration and the member has registrations, one must match — number without leading zeros and
UF (``OAB_MISMATCH``); an ordinary e-CPF without the OAB field is bound by CPF alone. A member of one entity acts
for it at once; a member of several chooses after login (``portal:choose_entity``).

INSS staff: a CPF that is no member's but an active staff account's logs that account in (the admin is entered
with the staff member's own A3 certificate).
"""

from __future__ import annotations

from django.http import HttpRequest

from certauth.binding import Binding
from certauth.exceptions import LoginRejected
from certauth.icp.errors import Reason
from certauth.icp.numbers import mask_cpf
from certauth.icp.validation import ValidatedCertificate
from portal.access import check_member
from portal.models import Member, User
from portal.selectors import member_for_login
from portal.services import member_user
from portal.session_keys import ENTITY as SESSION_ENTITY_KEY


def bind_certificate(certificate: ValidatedCertificate, *, request: HttpRequest | None) -> Binding:
    identity = certificate.identity
    member = member_for_login(identity.cpf)
    if member is None:
        staff = User.objects.filter(cpf=identity.cpf, is_staff=True, is_active=True).first()
        if staff is not None:
            return Binding(user=staff, organization_code="INSS", organization_name="INSS (servidor)")
        raise LoginRejected(Reason.MEMBER_UNKNOWN, f"CPF {mask_cpf(identity.cpf)} não cadastrado em entidade parceira.")
    oab = identity.oab
    check_member(member, oab_number=oab.number if oab else "", oab_uf=oab.uf if oab else "")
    user = member.user or member_user(Member.objects.get(pk=member.member_id))  # first login: create the account
    if len(member.active_entities) > 1:  # the member chooses after login; the audit records the choice then
        return Binding(user=user)
    entity_id, code, name = member.active_entities[0]
    return Binding(
        user=user,
        organization_code=code,
        organization_name=name,
        session_data={SESSION_ENTITY_KEY: entity_id},
    )
