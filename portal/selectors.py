"""Read-only queries for the pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.db import connection

from portal import session_keys
from portal.models import EntityStatus, Member, Membership, OabRegistration, PartnerEntity, User
from portal.session_keys import ENTITY as SESSION_ENTITY_KEY


def dashboard_context(*, user: User, session: SessionBase) -> dict[str, Any]:
    member = Member.objects.filter(user=user).prefetch_related("oab_registrations").first()
    entity = None
    entity_id = session.get(SESSION_ENTITY_KEY)
    if entity_id is not None:
        entity = PartnerEntity.objects.filter(pk=entity_id).first()
    return {
        "member": member,
        "entity": entity,
        "oab_registrations": list(member.oab_registrations.all()) if member else [],
        "can_switch_entity": member is not None and len(session_entities(member, session)) > 1,
    }


def session_entities(member: Member, session: SessionBase) -> list[PartnerEntity]:
    """The entities this session may act for: all the member's active ones, or for a password session only those
    whose cutover has not come (kept in the session by the password login and the cutover middleware)."""
    entities = entities_of(member)
    if session.get(session_keys.METHOD) == "password":
        allowed = set(session.get(session_keys.PASSWORD_ENTITIES, []))
        entities = [e for e in entities if e.pk in allowed]
    return entities


def entities_of(member: Member) -> list[PartnerEntity]:
    """The active entities a member acts for through an active membership, by name."""
    return list(
        PartnerEntity.objects.filter(
            status=EntityStatus.ACTIVE, memberships__member=member, memberships__active=True
        ).order_by("name")
    )


@dataclass(frozen=True)
class MemberForLogin:
    """Everything the binder needs about the member with a CPF, read in one query on every certificate login."""

    member_id: int
    active: bool
    name: str
    email: str
    user: User | None
    #: (entity id, code, name) of active entities through active memberships, by name.
    active_entities: list[tuple[int, str, str]]
    oab_registrations: list[tuple[str, str]]


def member_for_login(cpf: str) -> MemberForLogin | None:
    """One SQL query (member, account, memberships, entities, OAB registrations): this runs on every login, and
    the equivalent ORM queries cost several times more to build than to run (see bench/login.py)."""
    return _member_where("m.cpf = %s", cpf)


def member_for_user(user_id: int) -> MemberForLogin | None:
    """The same, by the member's account (open sessions re-evaluating their access)."""
    return _member_where("m.user_id = %s", user_id)


def _member_where(condition: str, value: int | str) -> MemberForLogin | None:
    user_fields = [f for f in User._meta.concrete_fields]
    columns = ", ".join(f"u.{connection.ops.quote_name(str(f.column))}" for f in user_fields)
    sql = (
        f"SELECT m.id, m.active, m.name, m.email, m.user_id, ms.active, e.id, e.code, e.name, e.status, "  # noqa: S608
        f"o.number, o.uf, {columns} "
        f"FROM {Member._meta.db_table} m "
        f"LEFT JOIN {User._meta.db_table} u ON u.id = m.user_id "
        f"LEFT JOIN {Membership._meta.db_table} ms ON ms.member_id = m.id "
        f"LEFT JOIN {PartnerEntity._meta.db_table} e ON e.id = ms.entity_id "
        f"LEFT JOIN {OabRegistration._meta.db_table} o ON o.member_id = m.id "
        f"WHERE {condition}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value])
        rows = cursor.fetchall()
    if not rows:
        return None
    first = rows[0]
    user = (
        User.from_db(connection.alias, [f.attname for f in user_fields], _converted(user_fields, first[12:]))
        if first[4] is not None
        else None
    )
    entities = {
        (row[6], row[7], row[8])
        for row in rows
        if row[6] is not None and bool(row[5]) and row[9] == EntityStatus.ACTIVE
    }
    return MemberForLogin(
        member_id=first[0],
        active=bool(first[1]),
        name=first[2],
        email=first[3],
        user=user,
        active_entities=sorted(entities, key=lambda e: (e[2], e[0])),
        oab_registrations=sorted({(row[10], row[11]) for row in rows if row[10] is not None}),
    )


def _converted(fields: list[Any], values: tuple[Any, ...]) -> list[Any]:
    """Apply each field's database converters (booleans and datetimes come back raw from a cursor)."""
    out = []
    for field, value in zip(fields, values, strict=True):
        for converter in connection.ops.get_db_converters(field.cached_col) + field.get_db_converters(connection):
            value = converter(value, field.cached_col, connection)
        out.append(value)
    return out
