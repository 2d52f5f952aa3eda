"""The migration's figures, read with a constant number of queries whatever the number of entities and members.

Definitions (also on the pages):
- a member counts in each active entity where their membership is active ("membros");
- *com login A3*: has logged in with an A3 certificate at least once; *em risco*: never has (they lose access at
  their entity's cutover, or already have);
- *nunca entrou*: no login by any method;
- an entity is *pronta* when at least one of its members has logged in with A3, *usa senha* when one of them
  logged in with a password in the last ``PASSWORD_RECENT_DAYS`` days, *sem nenhum login* when none ever logged in;
- a certificate *vence em breve* when the one last used expires within ``EXPIRY_SOON_DAYS`` days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db.models import Count, Max, Q, QuerySet

from portal.models import EntityStatus, Membership, PartnerEntity
from portal.status import tally
from rollout import schedule
from rollout.regions import SUPERINTENDENCIAS, Region, region_by_code, region_for_uf
from rollout.selectors import decisions_for

PASSWORD_RECENT_DAYS = 30
EXPIRY_SOON_DAYS = 30
#: The status pages reuse figures computed less than this long ago (the pages show as of when).
CACHE_SECONDS = 60


@dataclass(frozen=True, slots=True)
class EntityFigures:
    id: int
    code: str
    name: str
    kind: str
    uf: str
    region: str  #: superintendência code
    gex: str  #: Gerência-Executiva code ("" for none)
    decision: schedule.Decision
    members: int
    members_a3: int
    members_never: int
    last_password_login_at: dt.datetime | None
    password_recent: int  #: members who logged in with a password in the last PASSWORD_RECENT_DAYS days
    expiring_soon: int

    @property
    def at_risk(self) -> int:
        return self.members - self.members_a3

    @property
    def ready(self) -> bool:
        return self.members_a3 > 0

    @property
    def uses_password(self) -> bool:
        return self.password_recent > 0

    @property
    def without_login(self) -> bool:
        return self.members == self.members_never

    @property
    def adoption(self) -> float | None:
        return self.members_a3 / self.members if self.members else None

    def days_left(self, at: dt.datetime) -> int | None:
        left = self.decision.days_left(at)
        return left if left is not None and left >= 0 and self.decision.password_allowed else None


@dataclass(slots=True)
class Totals:
    """A grouping's figures: the sum of its entities' (a superintendência, a Gerência-Executiva, the country)."""

    entities: int = 0
    entities_ready: int = 0
    entities_password: int = 0
    entities_without_login: int = 0
    members: int = 0
    members_a3: int = 0
    members_never: int = 0
    expiring_soon: int = 0

    @property
    def adoption(self) -> float | None:
        return self.members_a3 / self.members if self.members else None

    @property
    def at_risk(self) -> int:
        return self.members - self.members_a3

    def add(self, entity: EntityFigures) -> None:
        self.entities += 1
        self.entities_ready += entity.ready
        self.entities_password += entity.uses_password
        self.entities_without_login += entity.without_login
        self.members += entity.members
        self.members_a3 += entity.members_a3
        self.members_never += entity.members_never
        self.expiring_soon += entity.expiring_soon


@dataclass(slots=True)
class RegionFigures(Totals):
    region: Region = field(kw_only=True)
    waves: list[str] = field(default_factory=list, kw_only=True)


@dataclass(frozen=True, slots=True)
class Gex:
    """A Gerência-Executiva as the status pages show it (``code`` empty: the entities assigned to none)."""

    code: str
    name: str
    region: Region | None


#: The row of a superintendência's entities that no Gerência-Executiva has (yet).
NO_GEX_NAME = "Sem gerência-executiva"


@dataclass(slots=True)
class GexFigures(Totals):
    gex: Gex = field(kw_only=True)


def _cache_key(ufs: Iterable[str] | None, gexes: Iterable[int]) -> str:
    if ufs is None:
        return "portal.status.entity_figures:*"
    return f"portal.status.entity_figures:{','.join(sorted(ufs))}|{','.join(map(str, sorted(gexes)))}"


#: The figures computed in this process in the last minute, by scope. A plain dict, not Django's local-memory cache:
#: that one pickles on every set and get, and pickling 5,000 entities' figures cost ~100 ms of a page at full scale.
_RECENT: dict[str, tuple[dt.datetime, tuple[EntityFigures, ...]]] = {}


def forget_recent_figures() -> None:
    """The next page of the country or of any superintendência computes its figures (tests, the bench's cold
    requests)."""
    _RECENT.clear()


def recent_entity_figures(
    *,
    at: dt.datetime,
    ufs: Iterable[str] | None = None,
    gexes: Iterable[int] = (),
    max_age_seconds: int = CACHE_SECONDS,
) -> tuple[dt.datetime, list[EntityFigures]]:
    """``entity_figures`` as computed at most ``max_age_seconds`` ago (per process), and when. The country's figures
    aggregate every membership (hundreds of thousands of rows); several staff opening the pages in the same minute
    share one computation, and the pages say as of when the figures are."""
    gexes = tuple(gexes)
    key = _cache_key(ufs, gexes)
    cached = _RECENT.get(key)
    if cached is not None and dt.timedelta(0) <= at - cached[0] <= dt.timedelta(seconds=max_age_seconds):
        return cached[0], list(cached[1])  # a list of its own: the figures themselves are frozen
    figures = entity_figures(at=at, ufs=ufs, gexes=gexes)
    _RECENT[key] = (at, tuple(figures))
    return at, figures


def counted(*, at: dt.datetime, memberships: QuerySet[Membership, Any]) -> dict[int, dict[str, Any]]:
    """The figures of the entities of these memberships, counted from the members (one aggregate over them): what
    the maintained figures (``portal.status.tally``) must always equal, and how a changed entity is recounted."""
    recent = at - dt.timedelta(days=PASSWORD_RECENT_DAYS)
    soon = at + dt.timedelta(days=EXPIRY_SOON_DAYS)
    return {
        row["entity_id"]: {key: value for key, value in row.items() if key != "entity_id"}
        for row in memberships.filter(active=True, member__active=True, entity__status=EntityStatus.ACTIVE)
        .values("entity_id")
        .annotate(
            members=Count("id"),
            members_a3=Count("id", filter=Q(member__first_a3_login_at__isnull=False)),
            members_never=Count(
                "id",
                filter=Q(
                    member__first_a3_login_at__isnull=True,
                    member__last_certificate_login_at__isnull=True,
                    member__last_password_login_at__isnull=True,
                ),
            ),
            last_password=Max("member__last_password_login_at"),
            password_recent=Count("id", filter=Q(member__last_password_login_at__gte=recent)),
            expiring=Count(
                "id", filter=Q(member__certificate_not_after__gte=at, member__certificate_not_after__lt=soon)
            ),
        )
        .order_by()
    }


class _Entity(NamedTuple):
    pk: int
    code: str
    name: str
    kind: str
    uf: str
    act_signed_on: dt.date | None
    gex: str | None  #: its GEX's code


def entity_figures(
    *, at: dt.datetime, ufs: Iterable[str] | None = None, gexes: Iterable[int] = ()
) -> list[EntityFigures]:
    """Every active entity (of these UFs, and those assigned to these Gerências-Executivas; ``ufs=None``: every
    entity) with its figures: the entities, their maintained figures corrected for what changed since the snapshot
    (``portal.status.tally``: four queries whatever the number of members), waves and overrides."""
    entities = (
        PartnerEntity.objects.filter(status=EntityStatus.ACTIVE)
        .select_related("gex")
        .only("id", "code", "name", "kind", "uf", "act_signed_on", "gex__code")
    )
    memberships = Membership.objects.all()
    if ufs is not None:
        ufs, gexes = list(ufs), list(gexes)
        entities = entities.filter(Q(uf__in=ufs) | Q(gex__in=gexes))
        memberships = memberships.filter(Q(entity__uf__in=ufs) | Q(entity__gex__in=gexes))

    def recount(at: dt.datetime, entity_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        # 0 (no entity has it) keeps the query when there is nothing to recount: the same queries every time
        return counted(at=at, memberships=memberships.filter(entity_id__in=[0, *entity_ids]))

    counts = tally.entity_counts(at=at, entities=entities, recount=recount)
    # Tuples, not model instances: 5,000 entities cost ~50 ms more as instances on every cold page.
    entity_list = [_Entity(*row) for row in entities.values_list(*_Entity._fields[:-1], "gex__code")]
    decisions = decisions_for(entity_list, at=at)
    figures = []
    for entity in entity_list:
        row: dict[str, Any] = counts.get(entity.pk, {})
        region = region_for_uf(entity.uf)
        figures.append(
            EntityFigures(
                id=entity.pk,
                code=entity.code,
                name=entity.name,
                kind=entity.kind,
                uf=entity.uf,
                region=region.code if region else "",
                gex=entity.gex or "",
                decision=decisions[entity.pk],
                members=row.get("members", 0),
                members_a3=row.get("members_a3", 0),
                members_never=row.get("members_never", 0),
                last_password_login_at=row.get("last_password"),
                password_recent=row.get("password_recent", 0),
                expiring_soon=row.get("expiring", 0),
            )
        )
    return figures


def region_figures(
    entities: Iterable[EntityFigures], regions: Iterable[Region], waves: dict[str, list[str]]
) -> list[RegionFigures]:
    """The entities' figures summed per superintendência, with the schedule's waves of each."""
    by_code = {region.code: RegionFigures(region=region, waves=waves.get(region.code, [])) for region in regions}
    for entity in entities:
        if entity.region in by_code:
            by_code[entity.region].add(entity)
    return list(by_code.values())


def gexes(*, region: Region | None = None, ids: Iterable[int] | None = None) -> dict[int, Gex]:
    """The Gerências-Executivas (by id) of a superintendência, or these ones, by name (one query)."""
    from rollout.models import GerenciaExecutiva

    found = GerenciaExecutiva.objects.select_related("superintendencia").order_by("name")
    if region is not None:
        found = found.filter(superintendencia__code=region.code)
    if ids is not None:
        found = found.filter(pk__in=list(ids))
    return {
        gex.pk: Gex(gex.code, gex.name, region_by_code(gex.superintendencia.code))
        for gex in found.only("code", "name", "superintendencia__code")
    }


def gex_figures(
    entities: Iterable[EntityFigures], gexes: Iterable[Gex], *, unassigned: Region | None = None
) -> list[GexFigures]:
    """The entities' figures summed per Gerência-Executiva (every one listed, with or without entities); with
    ``unassigned``, a last row for that superintendência's entities assigned to none (when there are any)."""
    by_code = {gex.code: GexFigures(gex=gex) for gex in gexes}
    rest = GexFigures(gex=Gex("", NO_GEX_NAME, unassigned))
    for entity in entities:
        if entity.gex in by_code:
            by_code[entity.gex].add(entity)
        elif unassigned is not None and not entity.gex and entity.region == unassigned.code:
            rest.add(entity)
    return [*by_code.values(), *([rest] if rest.entities else [])]


def visible_regions(ufs: Collection[str] | None) -> list[Region]:
    """The superintendências whose UFs a user may see (all for ``None``)."""
    return [r for r in SUPERINTENDENCIAS if ufs is None or set(r.ufs) <= set(ufs)]
