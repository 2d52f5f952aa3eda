"""The schedule applied to every active entity at one instant: ``manage.py rollout report`` (a dry run)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q

from portal.models import EntityStatus, PartnerEntity
from rollout import schedule
from rollout.regions import SUPERINTENDENCIAS, region_for_uf
from rollout.selectors import decisions_for


@dataclass(frozen=True, slots=True)
class EntityRow:
    code: str
    name: str
    kind: str
    uf: str
    superintendencia: str
    decision: schedule.Decision
    members: int
    members_ready: int  #: have logged in with an A3 certificate at least once

    def as_json(self) -> dict[str, Any]:
        cutover = self.decision.cutover_at
        return {
            "code": self.code,
            "name": self.name,
            "kind": self.kind,
            "uf": self.uf,
            "superintendencia": self.superintendencia,
            "phase": self.decision.phase.value,
            "phase_label": self.decision.phase.label,
            "password_allowed": self.decision.password_allowed,
            "a3_allowed": self.decision.a3_allowed,
            "cutover_at": cutover.astimezone(schedule.BRASILIA).isoformat() if cutover else None,
            "wave": self.decision.wave,
            "why": self.decision.why,
            "members": self.members,
            "members_ready": self.members_ready,
        }


def entity_rows(*, at: dt.datetime) -> list[EntityRow]:
    """Active entities in Anexo I's order of superintendências, then by UF and code (three queries)."""
    active_member = Q(memberships__active=True, memberships__member__active=True)
    entities = list(
        PartnerEntity.objects.filter(status=EntityStatus.ACTIVE).annotate(
            member_count=Count("memberships__member", filter=active_member, distinct=True),
            ready_count=Count(
                "memberships__member",
                filter=active_member & Q(memberships__member__first_a3_login_at__isnull=False),
                distinct=True,
            ),
        )
    )
    decisions = decisions_for(entities, at=at)
    order = {region.name: index for index, region in enumerate(SUPERINTENDENCIAS)}
    rows = [
        EntityRow(
            code=entity.code,
            name=entity.name,
            kind=entity.kind,
            uf=entity.uf,
            superintendencia=region.name if (region := region_for_uf(entity.uf)) else "",
            decision=decisions[entity.pk],
            members=entity.member_count,
            members_ready=entity.ready_count,
        )
        for entity in entities
    ]
    rows.sort(key=lambda r: (order.get(r.superintendencia, len(order)), r.uf, r.code))
    return rows


def parse_instant(text: str) -> dt.datetime:
    """``AAAA-MM-DD`` (00:00) or ``AAAA-MM-DDTHH:MM:SS``, Brasília time unless an offset is given."""
    try:
        instant = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"data inválida: {text!r} (use AAAA-MM-DD ou AAAA-MM-DDTHH:MM:SS)") from None
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=schedule.BRASILIA)
