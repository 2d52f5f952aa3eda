"""Who a schedule change affects, computed before staff save it (the admin's impact preview).

A change is described as the schedule before and after it: the waves and the entity overrides. Entities whose
decision differs (login methods allowed now, or the cutover instant) are listed with their members, and the members
who have never logged in with an A3 certificate are counted: they are the ones who will lose access.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from django.db.models import Count, Q

from portal.models import EntityStatus, Member, Membership, PartnerEntity
from rollout import schedule
from rollout.models import EntityOverride, Wave
from rollout.selectors import rule_entity

#: The preview lists at most this many entities by name (the counts always cover all of them).
LISTED_ENTITIES = 200


@dataclass(frozen=True, slots=True)
class EntityChange:
    entity_id: int
    code: str
    name: str
    uf: str
    before: schedule.Decision
    after: schedule.Decision
    members: int = 0
    members_without_a3: int = 0

    @property
    def loses_password_now(self) -> bool:
        return self.before.password_allowed and not self.after.password_allowed

    @property
    def regains_password_now(self) -> bool:
        return not self.before.password_allowed and self.after.password_allowed

    @property
    def deadline_earlier(self) -> bool:
        """Password access will end sooner than before (or now ends where before it had no date)."""
        after, before = self.after.cutover_at, self.before.cutover_at
        return after is not None and (before is None or after < before)

    @property
    def deadline_later(self) -> bool:
        after, before = self.after.cutover_at, self.before.cutover_at
        return before is not None and (after is None or after > before)

    @property
    def summary(self) -> str:
        if self.loses_password_now:
            return "perde o acesso com senha imediatamente"
        if self.regains_password_now:
            return "volta a poder entrar com senha"
        if self.deadline_earlier:
            return "prazo para o certificado A3 antecipado"
        if self.deadline_later:
            return "prazo para o certificado A3 adiado"
        return "fase alterada"


@dataclass(frozen=True, slots=True)
class Impact:
    at: dt.datetime
    changes: list[EntityChange] = field(default_factory=list)
    #: Distinct members of the affected entities.
    members: int = 0
    #: Distinct members of entities whose password access ends sooner who never logged in with A3.
    members_losing_access: int = 0

    @property
    def entities(self) -> int:
        return len(self.changes)

    @property
    def losing_now(self) -> list[EntityChange]:
        return [c for c in self.changes if c.loses_password_now]

    @property
    def listed(self) -> list[EntityChange]:
        return self.changes[:LISTED_ENTITIES]

    def __bool__(self) -> bool:
        return bool(self.changes)


def _compare(
    entities: Iterable[PartnerEntity],
    *,
    waves_before: list[schedule.Wave],
    waves_after: list[schedule.Wave],
    overrides_before: dict[int, schedule.Override],
    overrides_after: dict[int, schedule.Override],
    at: dt.datetime,
) -> list[EntityChange]:
    changes = []
    for entity in entities:
        rule = rule_entity(entity)
        before = schedule.decide(
            rule, schedule.covering_wave(rule, waves_before), overrides_before.get(entity.pk), at=at
        )
        after = schedule.decide(rule, schedule.covering_wave(rule, waves_after), overrides_after.get(entity.pk), at=at)
        if (before.password_allowed, before.cutover_at, before.phase) != (
            after.password_allowed,
            after.cutover_at,
            after.phase,
        ):
            changes.append(EntityChange(entity.pk, entity.code, entity.name, entity.uf, before, after))
    return changes


def _with_members(changes: list[EntityChange], at: dt.datetime) -> Impact:
    if not changes:
        return Impact(at)
    ids = [c.entity_id for c in changes]
    active = Q(active=True, member__active=True)
    counts: dict[int, dict[str, int]] = {
        row["entity_id"]: {"total": row["total"], "without_a3": row["without_a3"]}
        for row in Membership.objects.filter(active, entity_id__in=ids)
        .values("entity_id")
        .annotate(total=Count("member"), without_a3=Count("member", filter=Q(member__first_a3_login_at__isnull=True)))
    }
    counted = [
        replace(
            c,
            members=counts.get(c.entity_id, {}).get("total", 0),
            members_without_a3=counts.get(c.entity_id, {}).get("without_a3", 0),
        )
        for c in changes
    ]
    counted.sort(key=lambda c: (not c.loses_password_now, not c.deadline_earlier, c.uf, c.name))
    losing_ids = [c.entity_id for c in counted if c.loses_password_now or c.deadline_earlier]
    return Impact(
        at,
        counted,
        members=_distinct_members(ids),
        members_losing_access=_distinct_members(losing_ids, first_a3_login_at__isnull=True),
    )


def _distinct_members(entity_ids: list[int], **conditions: object) -> int:
    """Active members with an active membership in one of these entities (one filter: the same membership)."""
    return (
        Member.objects.filter(
            active=True, memberships__active=True, memberships__entity_id__in=entity_ids, **conditions
        )
        .distinct()
        .count()
    )


def _active_entities() -> Iterable[PartnerEntity]:
    return PartnerEntity.objects.filter(status=EntityStatus.ACTIVE).only(
        "pk", "code", "name", "uf", "kind", "act_signed_on"
    )


def _overrides(entity_ids: list[int] | None = None) -> dict[int, schedule.Override]:
    rows = (
        EntityOverride.objects.all() if entity_ids is None else EntityOverride.objects.filter(entity_id__in=entity_ids)
    )
    return {o.entity_id: o.as_rule() for o in rows}


def of_wave(*, before: Wave | None, after: Wave | None, at: dt.datetime) -> Impact:
    """Replacing ``before`` by ``after`` (either may be None: a new wave, a deleted one)."""
    edited = {w.pk for w in (before, after) if w is not None and w.pk is not None}
    others = [w.as_rule() for w in Wave.objects.exclude(pk__in=edited)]
    waves_before = others + ([before.as_rule()] if before is not None else [])
    waves_after = others + ([after.as_rule()] if after is not None else [])
    touched = [w for w in (before, after) if w is not None]
    entities = [e for e in _active_entities() if any(w.as_rule().covers(e.kind, e.uf) for w in touched)]
    overrides = _overrides([e.pk for e in entities])
    changes = _compare(
        entities,
        waves_before=waves_before,
        waves_after=waves_after,
        overrides_before=overrides,
        overrides_after=overrides,
        at=at,
    )
    return _with_members(changes, at)


def of_override(
    *, entity: PartnerEntity, before: EntityOverride | None, after: EntityOverride | None, at: dt.datetime
) -> Impact:
    """Setting, changing or removing one entity's override."""
    waves = [w.as_rule() for w in Wave.objects.all()]
    changes = _compare(
        [entity],
        waves_before=waves,
        waves_after=waves,
        overrides_before={entity.pk: before.as_rule()} if before is not None else {},
        overrides_after={entity.pk: after.as_rule()} if after is not None else {},
        at=at,
    )
    return _with_members(changes, at)
