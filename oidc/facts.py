"""The facts the claims are made of, read from the portal: how a session logged in (kept when a code is issued)
and who the member is now (read whenever a token or userinfo is issued)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.sessions.backends.base import SessionBase

from certauth.models import LoginMethod
from certauth.sessions import SessionCertificate
from oidc.claims import Entity, MemberFacts, SessionFacts
from portal import session_keys
from portal.models import Member, PartnerEntity
from portal.selectors import entities_of, session_entities


def _instant(epoch: object) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(epoch, tz=dt.UTC) if isinstance(epoch, int | float) else None


def session_facts(session: SessionBase, certificate: SessionCertificate | None) -> SessionFacts | None:
    """How this session logged in; None for a session that is not a member's login (staff, or no login instant)."""
    logged_in_at = _instant(session.get(session_keys.LOGGED_IN_AT))
    if logged_in_at is None:
        return None
    if certificate is not None:
        return SessionFacts(
            method=certificate.method,
            logged_in_at=logged_in_at,
            provider=certificate.provider,
            certificate_type=certificate.certificate_type,
            serial_hex=certificate.serial_hex,
            issuer=certificate.issuer,
            not_after=certificate.not_after,
            cnpj=certificate.cnpj,
        )
    if session.get(session_keys.METHOD) == LoginMethod.PASSWORD:
        return SessionFacts(
            method=LoginMethod.PASSWORD.value,
            logged_in_at=logged_in_at,
            password_until=_instant(session.get(session_keys.CUTOVER_AT)),
        )
    return None


def entity_value(entity: PartnerEntity) -> Entity:
    return Entity(code=entity.code, name=entity.name, kind=entity.kind, uf=entity.uf)


def member_facts(member: Member, *, entity_id: int | None, allowed_ids: list[int] | None) -> MemberFacts:
    """The member as the claims show them now: the entity acted for (if still theirs) and every entity they may act
    for (a password session: only those it was opened for whose cutover has not come)."""
    entities = [e for e in entities_of(member) if allowed_ids is None or e.pk in allowed_ids]
    acted = next((e for e in entities if e.pk == entity_id), None)
    return MemberFacts(
        cpf=member.cpf,
        name=member.name,
        email=member.email,
        entity=entity_value(acted) if acted else None,
        entities=[entity_value(e) for e in entities],
        oab=[(r.number, r.uf) for r in member.oab_registrations.all()],
    )


def link_facts(session: SessionBase, certificate: SessionCertificate | None, member: Member) -> dict[str, Any]:
    """What a link to a client keeps of the session: how it logged in, the entity acted for, and for a password
    session the entities it may act for (JSON)."""
    facts = session_facts(session, certificate)
    if facts is None:
        return {}
    entities = session_entities(member, session)
    return {
        "session": facts.to_json(),
        "entity_id": session.get(session_keys.ENTITY),
        "allowed_entity_ids": [e.pk for e in entities] if facts.is_password else None,
    }
