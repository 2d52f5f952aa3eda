"""The entity page's reading: its memberships and members, the certificates its members used, its latest refusals —
each found by index, whatever the size of the member table and of the audit, in the same queries for any entity."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from django.core.paginator import Page, Paginator
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
    count: int  #: its memberships
    memberships: list[Membership]  #: those shown (a page, or all of them), active first, then by name; with members
    page: Page[tuple[int, int, bool, str]] | None  #: the page shown (None: all of them)
    refusals: list[LoginAttempt]  #: the latest, newest first (when asked for)


def read(
    entity: PartnerEntity, *, page: str | None, page_size: int, members: bool, refusals: bool, everyone: bool
) -> EntityReading:
    """With ``members``, the memberships of ``entity`` to show — the page ``page`` of ``page_size`` (active first,
    then by name), or ``everyone`` (a download) — with their members; with ``refusals``, its latest refusals and its
    members'.
    Every membership is sorted from tuples (id, member, active, name); only those shown become model instances."""
    rows = list(Membership.objects.filter(entity=entity).values_list("pk", "member_id", "active").order_by())
    people = {
        pk: (name, cpf)
        for pk, name, cpf in Member.objects.filter(
            pk__in=values_of([member_id for _, member_id, _ in rows], sql_type="bigint")
        ).values_list("pk", "name", "cpf")
    }
    ordered = sorted(
        ((pk, member_id, active, people[member_id][0]) for pk, member_id, active in rows),
        key=lambda row: (not row[2], row[3], row[0]),
    )
    shown_page = None if everyone else Paginator(ordered, page_size).get_page(page)
    shown = ordered if shown_page is None else list(shown_page.object_list)
    found = EntityReading(len(rows), _memberships(shown) if members else [], shown_page, [])
    if refusals:
        cpfs = values_of(sorted({cpf for _, cpf in people.values()}), sql_type="text")
        # The entity's refusals and its members' refusals, each found by its own index, then the latest of both (as
        # one OR, the planner walked the whole audit backwards by date until it had enough for a big entity).
        columns = ("created_at", "reference", "code", "cpf", "method", "cert_not_after")
        by_entity = LoginAttempt.objects.filter(organization_code=entity.code).exclude(code="").only(*columns)
        by_members = LoginAttempt.objects.filter(cpf__in=cpfs).exclude(code="").only(*columns)
        found.refusals = list(by_entity.order_by().union(by_members.order_by()).order_by("-created_at")[:REFUSALS])
    return found


def _memberships(rows: Sequence[tuple[int, int, bool, str]]) -> list[Membership]:
    """These memberships (in this order) with their members: two lookups by primary key (joined, PostgreSQL hashed
    the whole member table for a big entity)."""
    memberships = {
        m.pk: m for m in Membership.objects.filter(pk__in=values_of([r[0] for r in rows], sql_type="bigint"))
    }
    members = {m.pk: m for m in Member.objects.filter(pk__in=values_of([r[1] for r in rows], sql_type="bigint"))}
    found = []
    for pk, member_id, _, _ in rows:
        membership = memberships[pk]
        membership.member = members[member_id]
        found.append(membership)
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
