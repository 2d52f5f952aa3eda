"""The manager's member list: the entity's memberships, searched and filtered, with each member's A3 situation."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from certauth.icp.numbers import normalize_cpf
from managers.rules import Situation
from portal.models import Membership, PartnerEntity


def memberships(
    entity: PartnerEntity, *, query: str, situation: str, now: dt.datetime, warn_days: int
) -> QuerySet[Membership]:
    rows = Membership.objects.filter(entity=entity).select_related("member").order_by("member__name", "pk")
    if situation == "inativos":
        rows = rows.filter(Q(active=False) | Q(member__active=False))
    else:
        rows = rows.filter(active=True, member__active=True)
    soon = now + dt.timedelta(days=warn_days)
    if situation == Situation.NO_A3.value:
        rows = rows.filter(member__first_a3_login_at__isnull=True)
    elif situation == Situation.EXPIRED.value:
        rows = rows.filter(member__first_a3_login_at__isnull=False, member__certificate_not_after__lte=now)
    elif situation == Situation.EXPIRING.value:
        rows = rows.filter(
            member__first_a3_login_at__isnull=False,
            member__certificate_not_after__gt=now,
            member__certificate_not_after__lte=soon,
        )
    elif situation == Situation.OK.value:
        rows = rows.filter(member__first_a3_login_at__isnull=False).filter(
            Q(member__certificate_not_after__isnull=True) | Q(member__certificate_not_after__gt=soon)
        )
    query = query.strip()
    if query:
        digits = normalize_cpf(query)
        if len(digits) == 11 and len(query) <= 14:
            rows = rows.filter(member__cpf=digits)  # a CPF is found by its exact value (LGPD)
        else:
            rows = rows.filter(
                Q(member__name__icontains=query)
                | Q(member__oab_registrations__number__iexact=query.lstrip("0") or query)
            ).distinct()
    return rows
