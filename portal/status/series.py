"""Week-by-week series for the charts, from the consolidated days plus today counted live (constant queries).

Read-only: the pages never consolidate. Days ``status_rollup`` has not consolidated yet are counted live like today
(the last ``LIVE_DAYS``; older ones are left out and the page says how many)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet, Sum

from portal.models import DayStat
from portal.status import rollups

WEEKS = 26
#: Days not consolidated yet that the pages count live, read-only (the last ones before today); older missing days
#: are left out of the charts until ``status_rollup`` consolidates them (the page says how many).
LIVE_DAYS = 7


@dataclass(frozen=True, slots=True)
class Series:
    weeks: list[dt.date]  #: Mondays
    first_a3_cumulative: dict[str, list[int]]  #: region code → members with an A3 login, at the end of each week
    logins: dict[str, list[int]]  #: method → accepted logins per week
    rejections: list[tuple[str, int]]  #: code → refusals in the last 30 days
    missing_days: int  #: days not consolidated yet and not counted live (figures before today may be incomplete)
    #: no valid per-entity snapshot: the figures were counted from the members (``status_rollup`` has not run)


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _summed(stats: QuerySet[DayStat, Any], *columns: str) -> list[tuple[Any, ...]]:
    return list(stats.values_list(*columns).annotate(n=Sum("count")).order_by())


def build(*, today: dt.date, regions: Collection[str] | None) -> Series:
    """``regions``: superintendência codes to count (None: all, events without an entity included)."""
    first_week = monday(today) - dt.timedelta(weeks=WEEKS - 1)
    missing = rollups.missing_days(today, since=first_week)
    live = [day for day in missing if day >= today - dt.timedelta(days=LIVE_DAYS)]
    weeks = [first_week + dt.timedelta(weeks=n) for n in range(WEEKS)]
    since = today - dt.timedelta(days=30)
    stats = DayStat.objects.filter(day__gte=first_week, day__lt=today)
    before = DayStat.objects.filter(day__lt=first_week, kind=DayStat.Kind.FIRST_A3)
    if regions is not None:
        stats = stats.filter(region__in=regions)
        before = before.filter(region__in=regions)
    # Summed by the database to what each chart shows (a day's rows are per superintendência, kind and key: ~30,000
    # rows over 26 weeks at full scale, ~2,000 once summed).
    index = {week: i for i, week in enumerate(weeks)}
    first_a3: dict[str, list[int]] = defaultdict(lambda: [0] * WEEKS)
    logins: dict[str, list[int]] = defaultdict(lambda: [0] * WEEKS)
    rejections: Counter[str] = Counter()
    for day, region, n in _summed(stats.filter(kind=DayStat.Kind.FIRST_A3), "day", "region"):
        first_a3[region][index[monday(day)]] += n
    for day, method, n in _summed(stats.filter(kind=DayStat.Kind.LOGIN), "day", "key"):
        logins[method][index[monday(day)]] += n
    for code, n in _summed(stats.filter(kind=DayStat.Kind.REJECTION, day__gte=since), "key"):
        rejections[code] += n
    for day in [*live, today]:  # counted, not written
        week = index[monday(day)]
        for (region, kind, key), n in rollups.count_day(day).items():
            if regions is not None and region not in regions:
                continue
            if kind == DayStat.Kind.FIRST_A3:
                first_a3[region][week] += n
            elif kind == DayStat.Kind.LOGIN:
                logins[key][week] += n
            elif day >= since:
                rejections[key] += n
    baseline: Counter[str] = Counter(
        {row["region"]: row["total"] for row in before.values("region").annotate(total=Sum("count")).order_by()}
    )
    cumulative = {}
    for region in sorted(set(first_a3) | set(baseline)):
        if not region:
            continue
        total, values = baseline.get(region, 0), []
        for n in first_a3[region]:
            total += n
            values.append(total)
        cumulative[region] = values
    return Series(weeks, cumulative, dict(logins), rejections.most_common(), len(missing) - len(live))
