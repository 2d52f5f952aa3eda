"""What the coordinator's pages read: the association's entities with their figures (the status pages' maintained
per-entity tallies, ``portal.status.tally``: a constant number of queries whatever the number of entities and
members), and the members who have not logged in with A3 yet (the export)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from associations import rules
from associations.models import Association
from portal.models import EntityStatus, Membership, PartnerEntity
from portal.status import tally
from portal.status.metrics import counted
from rollout.selectors import decisions_for


@dataclass(frozen=True)
class EntityRow:
    code: str
    name: str
    uf: str
    members: int
    members_a3: int
    cutover_at: dt.datetime | None  #: password access until (None: not scheduled yet)
    password_allowed: bool
    days_left: int | None

    @property
    def adoption(self) -> float | None:
        return rules.adoption(self.members, self.members_a3)

    @property
    def pending(self) -> int:
        return self.members - self.members_a3


def entities_of(association: Association) -> QuerySet[PartnerEntity]:
    """The association's active entities (an entity leaves it by deactivation of the link)."""
    return PartnerEntity.objects.filter(
        status=EntityStatus.ACTIVE, association_links__association=association, association_links__active=True
    )


def entity_rows(association: Association, *, at: dt.datetime) -> list[EntityRow]:
    entities = entities_of(association).only("id", "code", "name", "kind", "uf", "act_signed_on")
    memberships = Membership.objects.filter(entity__in=entities_of(association))

    def recount(at: dt.datetime, entity_ids: Any) -> dict[int, dict[str, Any]]:
        # 0 (no entity has it) keeps the query when there is nothing to recount: the same queries every time
        return counted(at=at, memberships=memberships.filter(entity_id__in=[0, *entity_ids]))

    counts = tally.entity_counts(at=at, entities=entities, recount=recount)
    entity_list = list(entities.order_by("name"))
    decisions = decisions_for(entity_list, at=at)
    rows = []
    for entity in entity_list:
        figures = counts.get(entity.pk, {})
        decision = decisions[entity.pk]
        rows.append(
            EntityRow(
                code=entity.code,
                name=entity.name,
                uf=entity.uf,
                members=figures.get("members", 0),
                members_a3=figures.get("members_a3", 0),
                cutover_at=decision.cutover_at,
                password_allowed=decision.password_allowed,
                days_left=decision.days_left(at),
            )
        )
    return rows


def members_without_a3(association: Association) -> QuerySet[Membership, tuple[Any, ...]]:
    """Active members of the association's entities who have never logged in with A3 (one row per entity): tuples
    (entity name, entity code, member name, CPF, e-mail, last password login) — no model instances, for large
    associations."""
    return (
        Membership.objects.filter(
            active=True,
            member__active=True,
            member__first_a3_login_at__isnull=True,
            entity__in=entities_of(association),
        )
        .order_by("entity__name", "member__name")
        .values_list(
            "entity__name",
            "entity__code",
            "member__name",
            "member__cpf",
            "member__email",
            "member__last_password_login_at",
        )
    )
