"""Whom to remind: the entities at a step before their cutover (or just past it), their members not ready, and the
members whose certificate expires soon. The rules are ``rollout.reminder_rule``'s; this module reads the database."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from portal.models import EntityStatus, Member, Membership, PartnerEntity
from rollout.conf import settings
from rollout.models import Reminder
from rollout.reminder_rule import after_cutover_due, certificate_expiry_due, step_for, validated_steps
from rollout.schedule import BRASILIA, Decision, Phase
from rollout.selectors import decisions_for


@dataclass(frozen=True, slots=True)
class EntityDue:
    """An entity whose contacts (and members not ready) are due a reminder: before the cutover at ``step`` days,
    or once after it (``step`` 0)."""

    entity: PartnerEntity
    decision: Decision
    kind: Reminder.Kind
    step: int


def entities_due(at: dt.datetime) -> list[EntityDue]:
    """Active entities with a cutover: at the step reached before it, or within the configured days after it."""
    steps = validated_steps(settings.REMINDER_DAYS)
    after_days = int(settings.REMINDER_AFTER_DAYS)
    today = at.astimezone(BRASILIA).date()
    entities = list(PartnerEntity.objects.filter(status=EntityStatus.ACTIVE).select_related("gex").order_by("code"))
    decisions = decisions_for(entities, at=at)
    due: list[EntityDue] = []
    for entity in entities:
        decision = decisions[entity.pk]
        if decision.cutover_at is None:
            continue
        if decision.password_allowed:
            step = step_for(decision.days_left(at) or 0, steps)
            if step is not None:
                due.append(EntityDue(entity, decision, Reminder.Kind.BEFORE_CUTOVER, step))
        elif decision.phase == Phase.A3_MANDATORY and after_cutover_due(
            decision.cutover_at.astimezone(BRASILIA).date(), today, after_days
        ):
            # Only entities that had password access lose it (A3_ONLY entities never had it).
            due.append(EntityDue(entity, decision, Reminder.Kind.AFTER_CUTOVER, 0))
    return due


def members_not_ready(entity_ids: list[int]) -> dict[int, list[Member]]:
    """Active members (active membership) of these entities who never logged in with an A3 certificate."""
    found: dict[int, list[Member]] = defaultdict(list)
    memberships = (
        Membership.objects.filter(
            entity_id__in=entity_ids, active=True, member__active=True, member__first_a3_login_at__isnull=True
        )
        .select_related("member")
        .order_by("member__name", "member__pk")
    )
    for membership in memberships:
        found[membership.entity_id].append(membership.member)
    return found


def certificates_expiring(at: dt.datetime) -> list[Member]:
    """Active members of an active entity, with an e-mail, whose certificate expires within the configured days."""
    window = int(settings.CERTIFICATE_EXPIRY_DAYS)
    members = (
        Member.objects.filter(
            active=True,
            certificate_not_after__gt=at,
            certificate_not_after__lt=at + dt.timedelta(days=window + 1),
            memberships__active=True,
            memberships__entity__status=EntityStatus.ACTIVE,
        )
        .exclude(email="")
        .distinct()
        .order_by("name", "pk")
    )
    return [
        member
        for member in members
        if member.certificate_not_after is not None and certificate_expiry_due(member.certificate_not_after, at, window)
    ]
