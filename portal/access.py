"""Whether a member may act, at login and for as long as a session stays open: one decision for both.

The binder (``portal.binding``) refuses a certificate login with it; ``portal.middleware.MemberAccessMiddleware``
ends an open session with the same code when the answer changes (member deactivated, membership or entity
ended, OAB registration changed).
"""

from __future__ import annotations

from certauth.exceptions import LoginRejected
from certauth.icp.errors import Reason
from portal.models import OabRegistration
from portal.selectors import MemberForLogin


def check_member(member: MemberForLogin, *, oab_number: str = "", oab_uf: str = "") -> None:
    """Raise ``MEMBER_INACTIVE``, ``ENTITY_INACTIVE`` or ``OAB_MISMATCH``; return if the member may act.

    ``oab_number``/``oab_uf``: the registration the certificate carries (none for a password or an ordinary e-CPF:
    then the CPF alone binds). Where both the certificate and the member have registrations, one must match —
    number without leading zeros, and UF.
    """
    if not member.active:
        raise LoginRejected(Reason.MEMBER_INACTIVE, "O cadastro do membro está inativo.")
    if not member.active_entities:
        raise LoginRejected(Reason.ENTITY_INACTIVE, "Nenhuma entidade parceira ativa com vínculo ativo para este CPF.")
    if oab_number and member.oab_registrations:
        registrations = [OabRegistration(number=n, uf=u) for n, u in member.oab_registrations]
        if not any(r.matches(oab_number, oab_uf) for r in registrations):
            on_file = ", ".join(str(r) for r in registrations)
            raise LoginRejected(
                Reason.OAB_MISMATCH, f"OAB no certificado: {oab_number}/{oab_uf}; OAB cadastrada: {on_file}."
            )
