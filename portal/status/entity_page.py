"""The entity page's reading: its memberships and members, the certificates its members used, its latest refusals —
each found by index, whatever the size of the member table and of the audit, in the same queries for any entity."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from django.db import connection
from django.db.models import Count
from django.db.models.expressions import RawSQL

from certauth.models import LoginAttempt, Outcome
from portal.models import Member, Membership, PartnerEntity

#: The latest refusals the page lists.
REFUSALS = 50


def values_of(values: Sequence[str | int], *, sql_type: Literal["text", "bigint"]) -> RawSQL:
    """A subquery of these values for ``field__in=``, in one parameter whatever their number (PostgreSQL: an array,
    SQLite: a JSON list). Given a subquery joining memberships to members instead, PostgreSQL hashed the whole member
    table (a parallel scan of 200,000 rows, ~100 ms, for an entity of 1,400 members); given the values, each one is
    looked up by index."""
    if connection.vendor == "postgresql":
        return RawSQL(f"SELECT unnest(%s::{sql_type}[])", [list(values)])  # noqa: S611  # the type is one of two literals
    return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(list(values))])  # noqa: S611  # one parameter


@dataclass(slots=True)
class EntityReading:
    memberships: list[Membership] = field(default_factory=list)  #: active first, then by name; ``.member`` loaded
    refusals: list[LoginAttempt] = field(default_factory=list)  #: the latest, newest first


def read(entity: PartnerEntity, *, refusals: bool) -> EntityReading:
    """The memberships of ``entity`` with their members (sorted: active first, then by name) and, with ``refusals``,
    its latest refusals and its members'."""
    found = EntityReading()
    memberships = list(Membership.objects.filter(entity=entity).order_by())
    people = {
        m.pk: m for m in Member.objects.filter(pk__in=values_of([m.member_id for m in memberships], sql_type="bigint"))
    }
    for membership in memberships:
        membership.member = people[membership.member_id]
    memberships.sort(key=lambda m: (not m.active, m.member.name, m.pk))
    found.memberships = memberships
    if refusals:
        cpfs = values_of(sorted({m.cpf for m in people.values()}), sql_type="text")
        # The entity's refusals and its members' refusals, each found by its own index, then the latest of both (as
        # one OR, the planner walked the whole audit backwards by date until it had enough for a big entity).
        columns = ("created_at", "reference", "code", "cpf", "method", "cert_not_after")
        by_entity = LoginAttempt.objects.filter(organization_code=entity.code).exclude(code="").only(*columns)
        by_members = LoginAttempt.objects.filter(cpf__in=cpfs).exclude(code="").only(*columns)
        found.refusals = list(by_entity.order_by().union(by_members.order_by()).order_by("-created_at")[:REFUSALS])
    return found


def certificates_seen(cpfs: Sequence[str]) -> dict[str, list[tuple[dt.datetime, int]]]:
    """CPF → (expiry of a certificate used in an accepted login, its logins), the latest expiry first: for the members
    shown (a page of them, or all of them in a download)."""
    seen: dict[str, list[tuple[dt.datetime, int]]] = {}
    # Filters on the CPF only: the planner takes the CPF index instead of the outcome's millions of rows.
    certificates = (
        LoginAttempt.objects.filter(cpf__in=values_of(sorted(set(cpfs)), sql_type="text"), cert_not_after__isnull=False)
        .values_list("cpf", "cert_not_after", "outcome")
        .annotate(n=Count("id"))
        .order_by("cpf", "-cert_not_after")
    )
    for cpf, not_after, outcome, logins in certificates:
        if outcome == Outcome.ACCEPTED:
            seen.setdefault(cpf, []).append((not_after, logins))
    return seen
