"""Per-entity figures read from a maintained snapshot plus what changed since, instead of aggregating every
membership at each page (hundreds of thousands of rows: 400–700 ms at full scale).

**Which and why.** The snapshot is taken by the daily job (``manage.py status_rollup``), never by a page: every
counted membership's contribution (``MembershipMark``) and their sum per entity (``EntityTally``). A page only
reads: when there is no snapshot or the latest is older than ``VALID`` (the job has not run), it counts the figures
of its scope from the members (one aggregate, exact but slower), logs a warning and says so on the page.

Otherwise a page reads the entities' tallies (one row per entity) and corrects them, in one query, for the members
who changed since: those who logged in (found in the audit — every login writes an attempt row before it answers, so
the login itself writes nothing more for these figures and keeps its queries) and those staff changed
(``TallyChange`` rows written by ``portal.status.receivers`` on saves and deletions of members, memberships and
entities — the admin, imports and commands all save). Each such member's old marks are subtracted and their current
memberships added (``tally_math.apply``); an entity that itself changed (suspended, reactivated, moved) is recounted
from its members. The figures are therefore exact at the instant of the request — nothing on the page is "as of" the
snapshot — and the work grows with the day's logins (a few thousand members), not with the number of members.

Why not keep the tallies up to date at each login: a login would gain a write on every entity of the member (and
contention on big entities' rows), and the login path belongs to the certificate login, kept as cheap as it can be.
Why not recount changed entities instead of changed members: after a day of logins nearly every entity has one.

A grouping of entities (superintendência, and later a Gerência-Executiva or an association) sums its entities'
figures (``metrics.RegionFigures.add``): the tallies are per entity for that reason.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet

from certauth.models import LoginAttempt, Outcome
from portal.models import EntityStatus, Member, Membership, PartnerEntity
from portal.status.tally_math import (
    Mark,
    Tally,
    Windows,
    apply,
    decode,
    encode,
    instant,
    micros,
    naive_utc_micros,
    tallies,
)
from portal.status.tally_models import EntityTally, MembershipMark, TallyChange, TallySnapshot

logger = logging.getLogger(__name__)

#: A snapshot answers for this long after it was taken (the daily job keeps the latest < 1 day old); after that the
#: pages count from the members until the job runs again.
VALID = dt.timedelta(days=2)
#: Changes and logins this long before a snapshot are applied to it as well (a transaction that began before the
#: snapshot and committed after it); applying an unchanged member's marks again changes nothing.
MARGIN = dt.timedelta(minutes=10)
#: Snapshots kept (a page that read the previous one finishes with its rows).
KEEP = 2


def _tables() -> dict[str, str]:
    return {
        "member": Member._meta.db_table,
        "membership": Membership._meta.db_table,
        "entity": PartnerEntity._meta.db_table,
        "mark": MembershipMark._meta.db_table,
        "change": TallyChange._meta.db_table,
        "attempt": LoginAttempt._meta.db_table,
    }


#: What a member counts in each of their counted memberships, now (``{t}``: ``_tables()``).
_CURRENT = """
    SELECT ms.member_id, ms.entity_id, m.first_a3_login_at IS NOT NULL,
           m.first_a3_login_at IS NULL AND m.last_certificate_login_at IS NULL AND m.last_password_login_at IS NULL,
           m.last_password_login_at, m.certificate_not_after
    FROM "{membership}" ms
    JOIN "{member}" m ON m.id = ms.member_id
    JOIN "{entity}" e ON e.id = ms.entity_id
    WHERE ms.active AND m.active AND e.status = %s"""


def _datetime(value: Any) -> int | None:
    """A datetime column read by a raw query as µs (SQLite hands back naive UTC, as a datetime or as text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return micros(value) if value.tzinfo else naive_utc_micros(value)


def _param(value: dt.datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def health(*, at: dt.datetime) -> dict[str, Any]:
    """What ``/saude/`` says of the daily job's snapshot: when the latest was taken and whether the pages can use it
    (informative: without one they count from the members — slower, still exact)."""
    snapshot = TallySnapshot.objects.order_by("-pk").first()
    if snapshot is None:
        return {"retrato": None, "valido": False}
    return {"retrato": snapshot.taken_at.isoformat(), "valido": windows_of(snapshot).covers(micros(at) or 0)}


def windows_of(snapshot: TallySnapshot) -> Windows:
    from portal.status.metrics import EXPIRY_SOON_DAYS, PASSWORD_RECENT_DAYS

    return Windows.of(
        snapshot.taken_at,
        valid=dt.timedelta(seconds=snapshot.valid_seconds),
        recent=dt.timedelta(days=PASSWORD_RECENT_DAYS),
        soon=dt.timedelta(days=EXPIRY_SOON_DAYS),
    )


def take_snapshot(*, at: dt.datetime) -> TallySnapshot:
    """A new generation of marks and tallies (one transaction), then the generations and changes no longer needed
    are dropped. Database-side copy of the memberships; the sums per entity in Python (seconds at full scale)."""
    started = time.perf_counter()
    with transaction.atomic():
        snapshot = TallySnapshot.objects.create(taken_at=at, valid_seconds=int(VALID.total_seconds()))
        with connection.cursor() as cursor:
            t = _tables()
            cursor.execute(
                f'INSERT INTO "{t["mark"]}" (snapshot, member_id, entity_id, a3, never, last_password_login_at, '  # noqa: S608
                f"certificate_not_after) SELECT %s, c.* FROM ({_CURRENT.format(**t)}) c",
                [snapshot.pk, EntityStatus.ACTIVE],
            )
            cursor.execute(
                f'SELECT entity_id, a3, never, last_password_login_at, certificate_not_after FROM "{t["mark"]}" '  # noqa: S608
                "WHERE snapshot = %s",
                [snapshot.pk],
            )
            windows = windows_of(snapshot)
            found = tallies(
                (Mark(0, e, bool(a3), bool(never), _datetime(pw), _datetime(na)) for e, a3, never, pw, na in cursor),
                windows,
            )
        EntityTally.objects.bulk_create(
            (
                EntityTally(
                    snapshot=snapshot.pk,
                    entity_id=entity_id,
                    members=tally.members,
                    members_a3=tally.members_a3,
                    members_never=tally.members_never,
                    last_password_login_at=instant(tally.last_password),
                    password_logins=encode(tally.password_logins, tally.password_sure),
                    certificate_expiries=encode(tally.expiries, tally.expiries_sure),
                )
                for entity_id, tally in found.items()
            ),
            batch_size=1000,
        )
        snapshot.memberships = sum(tally.members for tally in found.values())
        snapshot.seconds = time.perf_counter() - started
        snapshot.save(update_fields=["memberships", "seconds"])
    if connection.vendor == "postgresql":  # the planner's statistics for the new rows, now rather than at autovacuum
        with connection.cursor() as cursor:
            cursor.execute(f'ANALYZE "{MembershipMark._meta.db_table}", "{EntityTally._meta.db_table}"')
    old = list(TallySnapshot.objects.order_by("-pk").values_list("pk", flat=True)[KEEP:])
    if old:
        with transaction.atomic():
            MembershipMark.objects.filter(snapshot__in=old).delete()
            EntityTally.objects.filter(snapshot__in=old).delete()
            TallySnapshot.objects.filter(pk__in=old).delete()
    TallyChange.objects.filter(at__lt=at - MARGIN).delete()
    return snapshot


def valid_snapshot(*, at: dt.datetime) -> TallySnapshot | None:
    """The latest snapshot if it answers for ``at``, else None (a page never takes one: ``status_rollup`` does)."""
    snapshot = TallySnapshot.objects.order_by("-pk").first()
    if snapshot is None or not windows_of(snapshot).covers(micros(at) or 0):
        return None
    return snapshot


def _in(column: str, subquery: str) -> str:
    """``column IN (subquery)`` as each database's planner takes it for what it is, a short list of keys looked up
    by index: PostgreSQL hashes an ``IN`` subquery it expects to be thousands of rows long and then walks the whole
    marks and memberships tables (~200 ms at full scale), while ``= ANY(ARRAY(...))`` runs the subquery first and
    looks each key up; SQLite takes ``IN`` by index (a join instead built a Bloom filter of every mark and every
    membership on each page, ~50 ms)."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(ARRAY({subquery}))"
    return f"{column} IN ({subquery})"


def _changes(snapshot: TallySnapshot) -> tuple[list[Mark], list[Mark]]:
    """The marks the snapshot holds for the members who changed since, and what those members count now: one
    statement (one view of the data on both databases), driven by the changed members (each looked up by index)."""
    t = _tables()
    since = _param(snapshot.taken_at - MARGIN)
    logged_in = f'SELECT a.cpf FROM "{t["attempt"]}" a WHERE a.outcome = %s AND a.created_at >= %s'  # noqa: S608
    sql = f"""
        WITH changed(id) AS (
            SELECT m.id FROM "{t["member"]}" m WHERE {_in("m.cpf", logged_in)}
            UNION
            SELECT c.member_id FROM "{t["change"]}" c WHERE c.at >= %s AND c.member_id IS NOT NULL
        )
        SELECT 0, k.member_id, k.entity_id, k.a3, k.never, k.last_password_login_at, k.certificate_not_after
        FROM "{t["mark"]}" k WHERE k.snapshot = %s AND {_in("k.member_id", "SELECT id FROM changed")}
        UNION ALL
        SELECT 1, ms.member_id, ms.entity_id, m.first_a3_login_at IS NOT NULL,
               m.first_a3_login_at IS NULL AND m.last_certificate_login_at IS NULL
               AND m.last_password_login_at IS NULL,
               m.last_password_login_at, m.certificate_not_after
        FROM "{t["membership"]}" ms
        JOIN "{t["member"]}" m ON m.id = ms.member_id
        JOIN "{t["entity"]}" e ON e.id = ms.entity_id
        WHERE {_in("ms.member_id", "SELECT id FROM changed")} AND ms.active AND m.active AND e.status = %s
    """  # noqa: S608  (our own table names)
    old: list[Mark] = []
    new: list[Mark] = []
    with connection.cursor() as cursor:
        cursor.execute(sql, [Outcome.ACCEPTED, since, since, snapshot.pk, EntityStatus.ACTIVE])
        for src, member_id, entity_id, a3, never, pw, na in cursor.fetchall():
            (new if src else old).append(
                Mark(member_id, entity_id, bool(a3), bool(never), _datetime(pw), _datetime(na))
            )
    return old, new


def entity_counts(
    *, at: dt.datetime, entities: QuerySet[PartnerEntity, Any], recount: Any
) -> dict[int, dict[str, Any]]:
    """Figures of the entities of ``entities`` (a queryset): ``{entity id: {members, members_a3, members_never,
    last_password, password_recent, expiring}}``. ``recount(at, entity_ids)`` counts entities from their members
    (``metrics.counted``): those changed since the snapshot and those :func:`tally_math.apply` cannot trust."""
    from portal.status.metrics import EXPIRY_SOON_DAYS, PASSWORD_RECENT_DAYS

    snapshot = valid_snapshot(at=at)
    if snapshot is None:
        # Read-only: every entity of the scope counted from its members (one aggregate), nothing written.
        logger.warning(
            "status pages: no per-entity snapshot valid at %s (has `manage.py status_rollup` run today?); "
            "figures counted from the members",
            at.isoformat(),
        )
        everything: dict[int, dict[str, Any]] = recount(at, list(entities.values_list("pk", flat=True)))
        return everything
    windows = windows_of(snapshot)
    # Read raw: the ORM's per-row converters (a datetime column on SQLite) cost more than the rows at 5,000 entities.
    scope, params = entities.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT entity_id, members, members_a3, members_never, last_password_login_at, password_logins, "  # noqa: S608
            f'certificate_expiries FROM "{EntityTally._meta.db_table}" WHERE snapshot = %s AND entity_id IN ({scope})',
            [snapshot.pk, *params],
        )
        found: dict[int, Tally] = {}
        for entity_id, members, a3, never, last, passwords, expiries in cursor.fetchall():
            password_sure, password_logins = decode(passwords)
            expiries_sure, expiry_list = decode(expiries)
            found[entity_id] = Tally(
                members, a3, never, _datetime(last), password_logins, expiry_list, password_sure, expiries_sure
            )
    changes = TallyChange.objects.filter(at__gte=snapshot.taken_at - MARGIN, entity_id__isnull=False)
    changed_entities = {e for e in changes.values_list("entity_id", flat=True) if e is not None}
    old, new = _changes(snapshot)
    untrusted = apply(found, old, new, windows)
    stale = changed_entities | untrusted
    now = micros(at) or 0
    recent = dt.timedelta(days=PASSWORD_RECENT_DAYS) // dt.timedelta(microseconds=1)
    soon = dt.timedelta(days=EXPIRY_SOON_DAYS) // dt.timedelta(microseconds=1)
    counts = {
        entity_id: {
            "members": tally.members,
            "members_a3": tally.members_a3,
            "members_never": tally.members_never,
            "last_password": instant(tally.last_password),
            "password_recent": tally.password_recent(now, recent),
            "expiring": tally.expiring(now, soon),
        }
        for entity_id, tally in found.items()
        if entity_id not in stale and tally.members
    }
    recounted: dict[int, dict[str, Any]] = recount(at, stale)
    for entity_id in stale:
        counts.pop(entity_id, None)
    counts.update(recounted)
    return counts


def marks_now() -> Iterable[Mark]:
    """Every counted membership's mark, now (tests compare the maintained figures with these)."""
    with connection.cursor() as cursor:
        cursor.execute(_CURRENT.format(**_tables()), [EntityStatus.ACTIVE])
        for member_id, entity_id, a3, never, pw, na in cursor.fetchall():
            yield Mark(member_id, entity_id, bool(a3), bool(never), _datetime(pw), _datetime(na))
