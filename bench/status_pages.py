"""Server time of the migration-status pages (portal/status/views.py) on a realistic data set, at two scales, on
SQLite and on PostgreSQL side by side.

    .venv/bin/python bench/status_pages.py [--scale 1.0] [--compare 0.1] [--warm 20] [--seed 1]
                                           [--databases sqlite,postgresql]

Each scale runs in its own process on its own fresh database (``bench/databases.py``: a SQLite file, or a new
PostgreSQL database on the cluster ``make test`` starts), migrated, then filled by ``bench/status_data.py``: at
scale 1.0, 5,000 entities, 200,000 members, 2,000,000 login attempts. The pages are called through
``django.test.Client`` (the whole middleware stack, no network) by a national staff member (a superuser) whose
session is what a certificate login leaves: ``force_login`` with certauth's backend plus the certificate it records
in the session (``certauth.sessions.SessionCertificate``) — the pages refuse other sessions.

"Cold" is the first computation of a page on a normal day, the per-process figures cache cleared
(``metrics.forget_recent_figures``): the daily job (``status_rollup``, cron, after midnight) has run — every day up
to yesterday consolidated, the per-entity snapshot taken at the start of the day (00:00, Brasília) — and the page
applies the day's logins so far to it (``portal.status.tally``). Then the median and p95 of ``--warm`` warm requests
(``time.perf_counter`` around ``client.get``), the SQL queries of one more request (``CaptureQueriesContext``) and
their database time (each SELECT run again with its rows fetched: the capture times ``execute`` only, while SQLite
computes most of a query as its rows are fetched), and the response size.

Reported apart, labelled "before the daily job" and not judged against the target: the same pages when the job has
not run yet today (the snapshot a day old, so a whole day of logins to apply; yesterday not consolidated, so
counted live). And, before any of that, on the freshly loaded database (no snapshot, nothing consolidated): the very
first request — the pages only read, so it counts the figures from the members — and the job's full run.
``--no-analyze`` skips ANALYZE after the load on SQLite (``status_rollup`` runs it daily; PostgreSQL keeps
statistics itself).

Query counts of the two scales are printed side by side (they should not grow with the data), and PASS/FAIL of
every page's cold server time against the 300 ms target at the largest scale, for each database.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))

from bench import databases  # noqa: E402

TARGET_MS = 300.0
#: The label of the pages measured before the daily job ran (reported, not judged against the target).
BEFORE_JOB = "before the daily job: "
SLOW_QUERY_MS = 20.0


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def worker(scale: float, seed: int, warm: int, analyze: bool, output: Path) -> None:
    """One scale: temporary database, data, pages; the figures go to ``output`` (JSON)."""
    tmp = Path(tempfile.mkdtemp(prefix="a3-bench-status-"))
    (tmp / "static").mkdir()  # STATIC_ROOT (whitenoise warns when it is missing)
    os.environ.update(
        {
            "PORTAL_VAR_DIR": str(tmp),
            "SECRET_KEY": secrets.token_urlsafe(40),
            "PORTAL_DEMO": "0",
            "DEBUG": "0",
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "CERTAUTH_PROXY_SECRET": secrets.token_urlsafe(32),
        }
    )
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp / 'portal.sqlite3'}")
    result: dict[str, Any] = {"scale": scale, "analyze": analyze, "pages": []}
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from bench import status_data

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        result["database"] = connection.vendor
        print(f"[scale {scale}] {connection.vendor} migrated in {time.perf_counter() - started:.1f} s", flush=True)
        report = status_data.generate(**status_data.scaled(scale), seed=seed)
        if analyze and connection.vendor == "sqlite":
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            print(f"[scale {scale}] ANALYZE in {time.perf_counter() - started:.1f} s", flush=True)
        result["rows"], result["load_seconds"] = report.rows, report.seconds
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_database_size(current_database())")
            else:
                cursor.execute("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")
            result["database_mb"] = cursor.fetchone()[0] / 1e6
        measure(result, warm)
        output.write_text(json.dumps(result, indent=1, default=str))
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(tmp)


def measure(result: dict[str, Any], warm: int) -> None:
    import datetime as dt

    from django.db import connection, reset_queries
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from certauth.sessions import SessionCertificate
    from certauth.views import BACKEND
    from portal import session_keys
    from portal.middleware import LAST_SEEN_KEY
    from portal.models import DayStat, DayStatDone, EntityStatus, Membership, PartnerEntity, User
    from portal.status import metrics, rollups, series, tally
    from rollout.regions import SUPERINTENDENCIAS
    from rollout.schedule import BRASILIA, midnight

    user = User.objects.create_superuser(username="bench-servidor-nacional", email="", password=None, cpf="50752917080")
    client = Client(HTTP_HOST="localhost")
    client.force_login(user, backend=BACKEND)

    def certificate_session() -> None:
        """What a certificate login leaves in the session (re-stored before each page: as if the revocation
        re-check, every minute, had just run — it would add one query to one request)."""
        now = timezone.now()
        session = client.session
        SessionCertificate(
            fingerprint=secrets.token_hex(32),
            serial_hex="1A2B3C4D5E6F",
            issuer="CN=AC Bench,O=ICP-Brasil,C=BR",
            issuer_key_id=secrets.token_hex(32),
            subject="CN=SERVIDOR NACIONAL:50752917080,O=ICP-Brasil,C=BR",
            holder_name="SERVIDOR NACIONAL",
            cpf="50752917080",
            certificate_type="A3",
            not_after=now + dt.timedelta(days=365),
            method="certificate",
            logged_in_at=now,
            reference="BENCH-00001",
            revocation_checked_at=now,
        ).store(session)
        session[LAST_SEEN_KEY] = int(time.time())  # no idle-timeout write (once a minute) among the measured requests
        session[session_keys.ACCESS_CHECKED_AT] = int(time.time())  # nor the access re-check (once a minute)
        session.save()

    def get(path: str) -> tuple[float, Any]:
        start = time.perf_counter()
        response = client.get(path, secure=True)
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code} ({response.get('Location', '')})")
        return elapsed, response

    def body(response: Any) -> bytes:
        return b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content

    def replay(sql: str) -> dict[str, Any]:
        """A captured SELECT run again, rows fetched (the capture times ``execute`` only: SQLite computes most of a
        query while the rows are fetched), with its plan."""
        if not sql.lstrip().startswith(("SELECT", "WITH")):
            return {"ms": 0.0, "sql": sql, "plan": []}
        with connection.cursor() as cursor:
            start = time.perf_counter()
            cursor.execute(sql)
            cursor.fetchall()
            elapsed = (time.perf_counter() - start) * 1000
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}" if connection.vendor == "sqlite" else f"EXPLAIN {sql}")
            plan = [str(row[-1]) for row in cursor.fetchall()]
        return {"ms": elapsed, "sql": sql, "plan": plan}

    certificate_session()
    today = timezone.now().astimezone(BRASILIA).date()
    yesterday = today - dt.timedelta(days=1)

    # The freshly loaded database, no snapshot and nothing consolidated yet: the very first request (read-only: the
    # figures counted from the members, the last days counted live), then the daily job's full run.
    # (reset_queries() before each capture: the request clears the query log when it starts, which would hide
    # queries from a capture entered with a non-empty log.)
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        first_ms, _ = get("/acompanhamento/")
    written = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(("INSERT", "DELETE"))]
    if written:
        raise SystemExit(f"the first request wrote: {written[0][:200]}")
    start = time.perf_counter()
    # status_rollup of the days the charts show (26 weeks; on a busy machine the whole year of audit rows takes
    # minutes and changes no page's time: days before read as one sum)
    consolidated = rollups.consolidate_missing(today, since=series.monday(today) - dt.timedelta(weeks=series.WEEKS))
    rollup_s = time.perf_counter() - start
    # The job's snapshot of the per-entity figures, taken at the start of the day (Brasília): each page applies the
    # day's logins so far to it. The data is as of now, so the figures stay exact.
    snapshot = tally.take_snapshot(at=midnight(today))
    result["first_request"] = {"ms": first_ms, "queries": len(queries)}
    result["rollup"] = {"seconds": rollup_s, "days": consolidated, "daystats": DayStat.objects.count()}
    result["snapshot"] = {"seconds": snapshot.seconds, "memberships": snapshot.memberships}
    print(
        f"[scale {result['scale']}] first request ever (no snapshot, nothing consolidated; it writes nothing): "
        f"{first_ms:,.0f} ms, {len(queries)} queries; status_rollup then consolidated {consolidated} days "
        f"in {rollup_s:.1f} s and took the per-entity snapshot ({snapshot.memberships:,} memberships) in "
        f"{snapshot.seconds:.1f} s",
        flush=True,
    )

    active = PartnerEntity.objects.filter(status=EntityStatus.ACTIVE)
    entity_count = {r.code: 0 for r in SUPERINTENDENCIAS}
    for uf, n in active.values_list("uf").annotate(n=Count("id")).order_by():
        for region in SUPERINTENDENCIAS:
            if uf in region.ufs:
                entity_count[region.code] += n
    largest_region = max(entity_count, key=lambda code: entity_count[code])
    smallest_region = min(entity_count, key=lambda code: entity_count[code])
    largest_gex = (
        active.filter(gex__isnull=False).values_list("gex__code").annotate(n=Count("id")).order_by("-n", "gex__code")
    ).first()
    largest_entity = (
        Membership.objects.filter(entity__status=EntityStatus.ACTIVE)
        .values_list("entity__code")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    assert largest_entity is not None and largest_gex is not None
    entity_code, entity_members = largest_entity
    gex_code, gex_entities = largest_gex
    result["largest_region"] = {"code": largest_region, "entities": entity_count[largest_region]}
    result["largest_gex"] = {"code": gex_code, "entities": gex_entities}
    result["largest_entity"] = {"code": entity_code, "members": entity_members}
    region_label = f"{largest_region} ({entity_count[largest_region]} entities)"
    small_label = f"{smallest_region} ({entity_count[smallest_region]} entities)"
    gex_label = f"{gex_code} ({gex_entities} entities)"
    entity_label = f"{entity_code} ({entity_members} members)"
    region_path, entity_path = f"/acompanhamento/{largest_region}/", f"/acompanhamento/entidade/{entity_code}/"
    gex_path = f"/acompanhamento/gex/{gex_code}/"
    refusals = "tabela=recusas&exportar=csv"
    pages = [  # (the same for every scale, label, path)
        ("overview", "overview", "/acompanhamento/"),
        ("overview csv", "overview csv", "/acompanhamento/?exportar=csv"),
        ("overview xlsx", "overview xlsx", "/acompanhamento/?exportar=xlsx"),
        ("largest region", f"region {region_label}", region_path),
        ("largest region, p.2 by name", f"region {region_label} p.2 ordem=nome", f"{region_path}?ordem=nome&pagina=2"),
        ("largest region csv", f"region {region_label} csv", f"{region_path}?exportar=csv"),
        ("largest region xlsx", f"region {region_label} xlsx", f"{region_path}?exportar=xlsx"),
        ("largest region GEX table csv", f"region {region_label} GEX csv", f"{region_path}?tabela=gex&exportar=csv"),
        ("smallest region", f"region {small_label}", f"/acompanhamento/{smallest_region}/"),
        ("largest GEX", f"GEX {gex_label}", gex_path),
        ("largest GEX csv", f"GEX {gex_label} csv", f"{gex_path}?exportar=csv"),
        ("largest GEX xlsx", f"GEX {gex_label} xlsx", f"{gex_path}?exportar=xlsx"),
        ("largest entity", f"entity {entity_label}", entity_path),
        ("largest entity csv", f"entity {entity_label} csv", f"{entity_path}?exportar=csv"),
        ("largest entity xlsx", f"entity {entity_label} xlsx", f"{entity_path}?exportar=xlsx"),
        ("largest entity refusals csv", f"entity {entity_code} refusals csv", f"{entity_path}?{refusals}"),
    ]

    def page(key: str, name: str, path: str, *, judged: bool) -> None:
        certificate_session()
        metrics.forget_recent_figures()  # the figures computed, not reused from the per-process minute-long cache
        reset_queries()
        with CaptureQueriesContext(connection) as capture:
            cold_ms, response = get(path)
        # copied now: captured_queries reads the connection's log, which the next request clears
        cold_queries = list(capture.captured_queries)
        samples = [get(path)[0] for _ in range(warm)]
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            _, response = get(path)
        slow = sorted((replay(q["sql"]) for q in queries.captured_queries), key=lambda q: -q["ms"])
        row = {
            "key": key,
            "name": name,
            "path": path,
            "judged": judged,
            "cold_ms": cold_ms,
            "cold_queries": len(cold_queries),
            "cold_sql": sorted(
                ((float(q["time"]) * 1000, " ".join(q["sql"].split())[:160]) for q in cold_queries),
                reverse=True,
            )[:2],
            "median_ms": statistics.median(samples),
            "p95_ms": percentile(samples, 0.95),
            "queries": len(queries),
            "bytes": len(body(response)),
            "sql_ms": sum(q["ms"] for q in slow),
            "slowest": slow[:3],
        }
        result["pages"].append(row)
        print(
            f"[scale {result['scale']}] {name:<58} cold {cold_ms:7.0f} ms  warm {row['median_ms']:7.1f} ms  "
            f"p95 {row['p95_ms']:7.1f} ms  {row['queries']:3d} queries ({row['sql_ms']:.0f} ms)  "
            f"{row['bytes'] / 1024:8.1f} KiB",
            flush=True,
        )
        for ms, sql in row["cold_sql"]:  # where a cold request's database time went (execute only)
            print(f"      cold SQL {ms:6.0f} ms  {sql}", flush=True)

    for key, name, path in pages:  # a normal day: the daily job has run
        page(key, name, path, judged=True)

    # Before the daily job ran today (reported, not judged): yesterday not consolidated (counted live by the pages
    # with charts) and the snapshot of the start of yesterday (a whole day of logins to apply).
    DayStat.objects.filter(day=yesterday).delete()
    DayStatDone.objects.filter(day=yesterday).delete()
    tally.take_snapshot(at=midnight(yesterday))
    for key, name, path in pages[:1] + pages[3:4] + pages[9:10]:
        page(f"{BEFORE_JOB}{key}", f"{BEFORE_JOB}{name}", path, judged=False)


def short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def report(results: list[dict[str, Any]]) -> None:
    """One database's runs (one per scale), in detail."""
    label = databases.LABELS.get(results[0].get("database", "sqlite"), "?")
    print(f"\n=== {label}: data ===")
    for r in results:
        rows = ", ".join(f"{table} {n:,}" for table, n in r["rows"].items())
        load = ", ".join(f"{table} {s:.1f} s" for table, s in r["load_seconds"].items())
        print(f"scale {r['scale']}: {rows}; database {r['database_mb']:,.0f} MB")
        print(f"   load: {load} (total {sum(r['load_seconds'].values()):.1f} s)")
        print(
            f"   first request ever (no snapshot, nothing consolidated; read-only): {r['first_request']['ms']:,.0f} ms "
            f"({r['first_request']['queries']} queries); "
            f"status_rollup of {r['rollup']['days']} days: {r['rollup']['seconds']:.1f} s; "
            f"per-entity snapshot: {r['snapshot']['seconds']:.1f} s"
        )
    for r in results:
        after = ", after ANALYZE" if r["analyze"] and r.get("database") == "sqlite" else ""
        print(
            f"\n=== {label}: pages at scale {r['scale']}{after} (largest superintendência: "
            f"{r['largest_region']['code']}, {r['largest_region']['entities']} active entities; largest GEX "
            f"{r['largest_gex']['code']}, {r['largest_gex']['entities']} active entities; largest entity "
            f"{r['largest_entity']['code']}, {r['largest_entity']['members']} members) ==="
        )
        print(
            "(a normal day: status_rollup ran after midnight — yesterday consolidated, snapshot of 00:00 Brasília; "
            f'rows "{BEFORE_JOB}…": the job has not run yet today — snapshot a day old, yesterday counted live)'
        )
        print(f"{'page':<60} {'cold':>9} {'median':>9} {'p95':>9} {'queries':>8} {'cold q':>7} {'SQL':>8} {'size':>10}")
        for p in r["pages"]:
            print(
                f"{short(p['name'], 60):<60} {p['cold_ms']:6.0f} ms {p['median_ms']:6.1f} ms {p['p95_ms']:6.1f} ms "
                f"{p['queries']:>8} {p['cold_queries']:>7} {p['sql_ms']:5.0f} ms {p['bytes'] / 1024:6.1f} KiB"
            )
    if len(results) > 1:
        print(f"\n=== {label}: SQL queries per warm request, side by side (they should not grow with the data) ===")
        print(f"{'page':<40} " + " ".join(f"{'scale ' + str(r['scale']):>12}" for r in results))
        for index, page in enumerate(results[0]["pages"]):
            counts = [r["pages"][index]["queries"] for r in results]
            flag = "" if len(set(counts)) == 1 else "   ← differs"
            print(f"{page['key']:<40} " + " ".join(f"{c:>12}" for c in counts) + flag)
    print(f"\n=== {label}: SQL over {SLOW_QUERY_MS:.0f} ms (warm request, largest scale, replayed, rows fetched) ===")
    slow: dict[str, dict[str, Any]] = {}  # the same query (but for the instants in it) → the pages it slowed
    for p in results[-1]["pages"]:
        for q in p["slowest"]:
            if q["ms"] >= SLOW_QUERY_MS:
                sql = re.sub(r"'\d{4}-\d\d-\d\d[ T][\d:.+]+'", "'…'", " ".join(q["sql"].split()))
                slow.setdefault(sql, {"plan": q["plan"], "pages": []})["pages"].append(f"{p['key']} {q['ms']:.0f} ms")
    for sql, found in sorted(slow.items(), key=lambda item: -len(item[1]["pages"])):
        print(f"- {'; '.join(found['pages'])}")
        print(f"  {short(sql, 1500)}")
        print(f"  plan: {short(' / '.join(found['plan']), 1500)}")


def side_by_side(by_kind: dict[str, list[dict[str, Any]]], kinds: list[str]) -> None:
    """Every page's cold and warm server time and queries, one column per database, and PASS/FAIL of the cold
    time against the target at the largest scale."""
    rows: list[tuple[str, dict[str, str]]] = []
    first = next(iter(by_kind.values()))
    keys = [p["key"] for p in first[-1]["pages"]]
    largest = first[-1]["scale"]
    for index, key in enumerate(keys):
        for what, figure in (
            ("cold", lambda p: f"{p['cold_ms']:,.0f} ms"),
            ("warm median", lambda p: f"{p['median_ms']:,.1f} ms"),
            ("queries", None),
        ):
            figures = {}
            for kind, results in by_kind.items():
                if figure is None:
                    figures[kind] = " / ".join(str(r["pages"][index]["queries"]) for r in results)
                else:
                    figures[kind] = figure(results[-1]["pages"][index])
            scales = " / ".join(str(r["scale"]) for r in first) if figure is None else str(largest)
            rows.append((f"{key}: {what} ({scales})", figures))
    print(f"\n=== Status pages, scale {largest}, side by side (server time through the test client) ===")
    print(databases.side_by_side(rows, kinds))
    print(
        f"\n=== Target: the first computation (cold, cache cleared) under {TARGET_MS:.0f} ms at scale {largest}, on a "
        f'normal day (the daily job has run); "{BEFORE_JOB}…" rows are reported, not judged ==='
    )
    verdicts = []
    for index, key in enumerate(keys):
        figures = {}
        for kind, results in by_kind.items():
            row = results[-1]["pages"][index]
            cold = row["cold_ms"]
            verdict = ("PASS" if cold < TARGET_MS else "FAIL") if row.get("judged", True) else "(not judged)"
            figures[kind] = f"{verdict} {cold:,.0f} ms"
        verdicts.append((key, figures))
    print(databases.side_by_side(verdicts, kinds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: 5k entities, 200k members, 2M attempts")
    parser.add_argument("--compare", type=float, default=None, help="a smaller scale (default scale/10; 0: none)")
    parser.add_argument("--warm", type=int, default=20, help="warm requests per page")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--no-analyze",
        dest="analyze",
        action="store_false",
        help="skip ANALYZE after the load (the daily `status_rollup` runs it on SQLite; PostgreSQL keeps statistics)",
    )
    databases.add_argument(parser)
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)  # one scale, figures to this JSON file
    args = parser.parse_args()
    if args.worker:
        worker(args.scale, args.seed, args.warm, args.analyze, args.worker)
        return
    compare = args.scale / 10 if args.compare is None else args.compare
    scales = [s for s in (compare, args.scale) if s > 0]
    by_kind: dict[str, list[dict[str, Any]]] = {}
    failed = []
    with tempfile.TemporaryDirectory(prefix="a3-bench-status-results-") as tmp:
        for kind in args.databases:
            for scale in scales:
                output = Path(tmp) / f"{kind}-scale-{scale}.json"
                command = [sys.executable, __file__, "--scale", str(scale), "--warm", str(args.warm)]
                command += ["--seed", str(args.seed), *([] if args.analyze else ["--no-analyze"])]
                print(f"--- {databases.LABELS[kind]}, scale {scale} ---", flush=True)
                with databases.database(kind, Path(tmp), f"status-{scale}".replace(".", "_")) as db:
                    env = {**os.environ, **db.env()}
                    run = subprocess.run([*command, "--worker", str(output)], check=False, cwd=BASE_DIR, env=env)
                if run.returncode or not output.exists():
                    failed.append(f"{kind} {scale}")
                else:
                    by_kind.setdefault(kind, []).append(json.loads(output.read_text()))
    for results in by_kind.values():
        report(results)
    complete = {kind: results for kind, results in by_kind.items() if len(results) == len(scales)}
    if complete:
        side_by_side(complete, [kind for kind in args.databases if kind in complete])
    if failed:
        raise SystemExit(f"failed: {', '.join(failed)} (see above)")


if __name__ == "__main__":
    main()
