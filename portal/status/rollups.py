"""Daily counts for the status pages' charts, consolidated from the audit and the member records.

A day (Brasília time) is consolidated once it is over — its audit rows and first A3 logins never change afterwards —
so charts read a few hundred ``DayStat`` rows instead of millions of audit rows. ``manage.py status_rollup`` fills
every missing day (daily from cron, and at ``make run``); the pages only read: they count today live, and the last
few days not consolidated yet the same way, without writing them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Min, QuerySet
from django.db.models.functions import Length

from certauth.models import LoginAttempt, Outcome
from portal.models import DayStat, DayStatDone, Member, Membership, PartnerEntity
from rollout.regions import region_for_uf
from rollout.schedule import BRASILIA, midnight

Key = tuple[str, str, str]  # (region, kind, key)


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return midnight(day), midnight(day + dt.timedelta(days=1))


def _region(uf: str | None) -> str:
    region = region_for_uf(uf or "")
    return region.code if region else ""


def regions_by_entity() -> dict[str, str]:
    """Entity code → superintendência code (every entity: an attempt names the entity it was for)."""
    return {code: _region(uf) for code, uf in PartnerEntity.objects.order_by().values_list("code", "uf")}


def count_day(day: dt.date, *, entity_regions: dict[str, str] | None = None) -> Counter[Key]:
    """The day's events by (superintendência code, kind, key): accepted logins by method, refusals by code, first A3
    logins. An attempt belongs to the entity it names, else to an entity of the member with its CPF."""
    start, end = day_bounds(day)
    rows = list(
        LoginAttempt.objects.filter(created_at__gte=start, created_at__lt=end)
        .values_list("outcome", "method", "code", "organization_code", "cpf")
        .annotate(n=Count("id"))
        .order_by()
    )
    if entity_regions is None:  # the entities the day's attempts name, not all of them (a page counts today live)
        named = {org for _, _, _, org, _, _ in rows if org}
        entity_regions = {
            # "" (no entity has it) keeps the query when none is named: the same queries every time
            code: _region(uf)
            for code, uf in PartnerEntity.objects.filter(code__in=[*named, ""]).values_list("code", "uf")
        }
    member_regions = _member_regions(
        # LENGTH(): no index serves it, so SQLite takes the day's range on created_at instead of walking every
        # attempt without an entity (most of the audit) by the entity-code index
        LoginAttempt.objects.alias(org_length=Length("organization_code"))
        .filter(created_at__gte=start, created_at__lt=end, org_length=0)
        .exclude(cpf="")
        .values("cpf")
    )
    counts: Counter[Key] = Counter()
    for outcome, method, code, org, cpf, n in rows:
        region = entity_regions.get(org, "") if org else member_regions.get(cpf, "")
        if outcome == Outcome.ACCEPTED:
            counts[(region, DayStat.Kind.LOGIN, method)] += n
        else:
            counts[(region, DayStat.Kind.REJECTION, code)] += n
    first = Membership.objects.filter(
        member__first_a3_login_at__gte=start, member__first_a3_login_at__lt=end
    ).values_list("member_id", "entity__uf")
    for _member_id, region_code in {(member_id, _region(uf)) for member_id, uf in first}:
        counts[(region_code, DayStat.Kind.FIRST_A3, "")] += 1
    return counts


def _member_regions(cpfs: QuerySet[LoginAttempt, Any]) -> dict[str, str]:
    """CPF → the superintendência of one of the member's entities (the first by entity id), for the CPFs of a
    subquery: one query however many attempts the day had."""
    found: dict[str, str] = {}
    # Members by CPF first, then their memberships (both by index): filtering the memberships by their member's CPF
    # had SQLite walk every membership.
    members = Member.objects.filter(cpf__in=cpfs).values("id")
    for cpf, uf in (
        Membership.objects.filter(member_id__in=members)
        .order_by("member__cpf", "entity_id")
        .values_list("member__cpf", "entity__uf")
    ):
        found.setdefault(cpf, _region(uf))
    return found


def consolidate(day: dt.date, *, entity_regions: dict[str, str] | None = None) -> bool:
    """Write the day's counts once; False if another process did it first."""
    counts = count_day(day, entity_regions=entity_regions)
    try:
        with transaction.atomic():
            DayStatDone.objects.create(day=day)
            DayStat.objects.bulk_create(
                DayStat(day=day, region=region, kind=kind, key=key, count=n)
                for (region, kind, key), n in counts.items()
            )
    except IntegrityError:
        return False
    return True


def first_day() -> dt.date | None:
    """The first day with anything to count."""
    found = [
        LoginAttempt.objects.aggregate(first=Min("created_at"))["first"],
        Member.objects.aggregate(first=Min("first_a3_login_at"))["first"],
    ]
    instants = [f for f in found if f is not None]
    return min(instants).astimezone(BRASILIA).date() if instants else None


def missing_days(today: dt.date, *, since: dt.date | None = None) -> list[dt.date]:
    """Days before ``today`` (from ``since``, or the first day with anything to count) not consolidated yet."""
    start = first_day()
    if start is not None and since is not None:
        start = max(start, since)
    if start is None or start >= today:
        return []
    done = set(DayStatDone.objects.filter(day__gte=start, day__lt=today).values_list("day", flat=True))
    days = [start + dt.timedelta(days=n) for n in range((today - start).days)]
    return [d for d in days if d not in done]


def consolidate_days(days: list[dt.date]) -> int:
    """Consolidate these days (one map of entities for all of them); how many this process wrote."""
    if not days:
        return 0
    regions = regions_by_entity()
    return sum(consolidate(day, entity_regions=regions) for day in days)


def consolidate_missing(today: dt.date, *, since: dt.date | None = None) -> int:
    return consolidate_days(missing_days(today, since=since))
