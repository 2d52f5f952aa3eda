"""Where a certificate login's CPU goes, inside the real stack (nginx mutual TLS + gunicorn), on each database.

    .venv/bin/python bench/profile_login.py [--logins 300] [--databases sqlite,postgresql] [--top 25]

Starts the demo stack as ``make run`` does (demo PKI and data, the demo CRLs imported: revocation on) in a temporary
directory, with gunicorn serving ``bench/profiled_wsgi.py`` (the portal's application, the login path measured).
Every login is a NEW TLS connection with the demo lawyer's certificate, sequential. For each database it prints:

1. CPU per login: the gunicorn worker processes' CPU (from /proc) split into the Django application (the WSGI call,
   measured in the worker) and gunicorn's own share (HTTP parsing, the socket), without the profiler;
2. the login's steps (cProfile cumulative times over the same number of logins, scaled to the unprofiled Django
   CPU so the column adds up to real milliseconds — the profiler itself inflates small calls, so read it as shares);
3. self time by package (Django's ORM, templates, cryptography, the database driver, our apps…).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import pstats
import secrets
import ssl
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))

from bench import databases  # noqa: E402
from bench.machine import children, cpu_seconds, free_port  # noqa: E402

#: (label, file suffix, function name): cumulative time of that function per login. Indented rows are parts of the
#: row above them.
STEPS: tuple[tuple[str, str, str], ...] = (
    ("the whole request in Django (WSGI call)", "django/core/handlers/wsgi.py", "__call__"),
    ("  middlewares (all of them, around the view)", "", "<middlewares>"),
    ("  the view: certificate login", "certauth/views.py", "get"),
    ("    certificate validation (parse, chain, policy, identity)", "certauth/icp/validation.py", "validate"),
    ("      of which revocation (the CRL index query)", "certauth/revocation_check.py", "check_path"),
    ("    binding to a member of an active entity (query)", "portal/binding.py", "bind_certificate"),
    ("    audit row (INSERT)", "certauth/audit.py", "record_acceptance"),
    ("    auth.login: new session key, CSRF, user_logged_in", "django/contrib/auth/__init__.py", "login"),
    ("      member's login dates (UPDATE)", "portal/receivers.py", "_record_member_login"),
    ("    session row (INSERT)", "portal/sessions.py", "save"),
    ("    transaction commit", "django/db/transaction.py", "__exit__"),
    ("  response: CSP header", "csp/middleware.py", "process_response"),
)

PACKAGES: tuple[tuple[str, str], ...] = (
    ("/django/db/", "Django ORM (query building, model instances)"),
    ("/django/template", "Django templates"),
    ("/django/", "Django (other)"),
    ("/cryptography/", "cryptography"),
    ("sqlite3", "SQLite driver"),
    ("/psycopg", "PostgreSQL driver (psycopg)"),
    ("/prometheus_client/", "Prometheus metrics"),
    ("/logging/", "logging"),
    ("/work/main/certauth/", "certauth"),
    ("/portal/", "portal"),
    ("/rollout/", "rollout"),
    ("/oidc/", "oidc"),
    ("/csp/", "django-csp"),
    ("/whitenoise/", "whitenoise"),
    ("/simple_history/", "django-simple-history"),
    ("/axes/", "django-axes"),
)


def login(context: ssl.SSLContext, port: int) -> None:
    connection = http.client.HTTPSConnection("localhost", port, context=context, timeout=10)
    connection.request("GET", "/entrar/certificado/", headers={"Connection": "close"})
    response = connection.getresponse()
    response.read()
    connection.close()
    if response.status != 302:
        raise SystemExit(f"login: HTTP {response.status} {response.getheader('X-Error-Code')}")


def measure(kind: str, count: int, top: int) -> dict[str, float | str]:
    with tempfile.TemporaryDirectory(prefix="a3-bench-profile-") as tmp_name:
        tmp = Path(tmp_name)
        os.chmod(tmp, 0o755)  # noqa: S103  (nginx's workers, nobody, reach gunicorn's socket under it)
        profile_dir = tmp / "profile"
        profile_dir.mkdir()
        with databases.database(kind, tmp, "profile") as db:
            env = {
                **os.environ,
                **db.env(),
                "PORTAL_VAR_DIR": str(tmp),
                "PORTAL_DEMO": "1",
                "SECRET_KEY": secrets.token_urlsafe(40),
                "CERTAUTH_PROXY_SECRET": secrets.token_urlsafe(32),
                "PORTAL_PORT": str(free_port()),
                "CERT_LOGIN_PORT": str(free_port()),
                "PORTAL_DEMO_CRL_PORT": str(free_port()),
                "DJANGO_SETTINGS_MODULE": "portal.settings",
                "PORTAL_PROFILE_DIR": str(profile_dir),
                "PYTHONPATH": str(BASE_DIR),
            }
            pki = tmp / "demo-pki"

            def manage(*command: str) -> None:
                done = subprocess.run(
                    [sys.executable, "manage.py", *command], cwd=BASE_DIR, env=env, capture_output=True
                )
                if done.returncode:
                    raise SystemExit(f"manage.py {command[0]}: {done.stderr.decode()[-2000:]}")

            manage("demo_pki")
            manage("migrate", "-v0")
            manage("load_demo")
            manage("collectstatic", "--noinput", "-v0")
            manage("crl", "import", *sorted(str(path) for path in (pki / "lcr").glob("*.crl")))
            os.environ.update(env)
            import django

            django.setup()
            from portal.serving.config import site_from_settings
            from portal.serving.processes import Stack

            site = site_from_settings()
            user = pki / "usuarios" / "advogada-oab-sp"
            context = ssl.create_default_context(cafile=str(pki / "ac" / "ac-tls-demo.pem"))
            context.load_cert_chain(user / "certificado.pem", user / "chave-demo.pem")
            stack = Stack(
                site=site,
                env=env,
                gunicorn_workers=2,
                output=tmp / "processes.log",
                wsgi_app="bench.profiled_wsgi:application",
            )
            with stack:
                for _ in range(30):
                    login(context, site.login_port)
                workers = children(stack.processes["gunicorn"].pid)  # after the warm-up: every worker forked
                before_cpu, before_django = cpu_seconds(workers), _django_totals(profile_dir)
                for _ in range(count):
                    login(context, site.login_port)
                after_cpu, after_django = cpu_seconds(workers), _django_totals(profile_dir)
                (profile_dir / "profiling").touch()
                for _ in range(count):
                    login(context, site.login_port)
                (profile_dir / "profiling").unlink()
            worker_ms = 1000 * (after_cpu - before_cpu) / count
            django_ms = 1000 * (after_django[1] - before_django[1]) / max(1, after_django[0] - before_django[0])
            stats = pstats.Stats(*[str(path) for path in profile_dir.glob("*.prof")])
    return {"label": databases.LABELS[kind], "worker_ms": worker_ms, "django_ms": django_ms, **_breakdown(stats, top)}


def _django_totals(profile_dir: Path) -> tuple[int, float]:
    requests, cpu = 0, 0.0
    for path in profile_dir.glob("*.json"):
        data = json.loads(path.read_text())
        requests += data["requests"]
        cpu += data["cpu_seconds"]
    return requests, cpu


def _breakdown(stats: pstats.Stats, top: int) -> dict[str, float | str]:
    raw = stats.stats  # type: ignore[attr-defined]  # {(file, line, function): (cc, nc, tt, ct, callers)}
    cumulative: dict[tuple[str, str], float] = defaultdict(float)
    for (filename, _line, function), (_cc, _nc, _tt, ct, _callers) in raw.items():
        for _label, suffix, name in STEPS:
            if suffix and filename.endswith(suffix) and function == name:
                cumulative[(suffix, name)] += ct
    whole = cumulative[("django/core/handlers/wsgi.py", "__call__")] or 1.0
    view = cumulative[("certauth/views.py", "get")]
    figures: dict[str, float | str] = {}
    for label, suffix, name in STEPS:
        if name == "<middlewares>":
            # from the handler's entry to the view, minus the view: every middleware's own work (and URL routing)
            value = cumulative[("django/core/handlers/wsgi.py", "__call__")] - view
            value -= cumulative[("csp/middleware.py", "process_response")]
        else:
            value = cumulative[(suffix, name)]
        figures[f"step:{label}"] = value / whole
    self_time: dict[str, float] = defaultdict(float)
    for (filename, _line, _function), (_cc, _nc, tt, _ct, _callers) in raw.items():
        group = next((name for marker, name in PACKAGES if marker in filename), None)
        if group is None:
            group = "Python built-ins (C functions)" if filename == "~" else "other Python (standard library…)"
        self_time[group] += tt
    total_self = sum(self_time.values()) or 1.0
    for group, seconds in sorted(self_time.items(), key=lambda item: -item[1])[:top]:
        figures[f"package:{group}"] = seconds / total_self
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--logins", type=int, default=300)
    parser.add_argument("--top", type=int, default=14)
    parser.add_argument("--one", choices=databases.KINDS, help=argparse.SUPPRESS)  # a child: one database
    parser.add_argument("--output", type=Path, help=argparse.SUPPRESS)
    databases.add_argument(parser)
    args = parser.parse_args()
    if args.one:  # Django is set up once per process: each database in a process of its own
        args.output.write_text(json.dumps(measure(args.one, args.logins, args.top)))
        return
    print(f"load average at start: {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.databases:
            output = Path(tmp) / f"{kind}.json"
            command = [sys.executable, __file__, "--one", kind, "--output", str(output), "--logins", str(args.logins)]
            subprocess.run([*command, "--top", str(args.top)], check=True)
            results[kind] = json.loads(output.read_text())
    kinds = list(results)

    def ms(value: float | str) -> str:
        return f"{float(value):.2f} ms"

    rows = [
        ("gunicorn worker CPU per login (all of it)", {k: ms(r["worker_ms"]) for k, r in results.items()}),
        ("  of which inside Django (the WSGI call)", {k: ms(r["django_ms"]) for k, r in results.items()}),
        (
            "  of which gunicorn itself (HTTP, socket)",
            {k: ms(float(r["worker_ms"]) - float(r["django_ms"])) for k, r in results.items()},
        ),
    ]
    print(databases.side_by_side(rows, kinds))
    shares = f"cProfile shares × the unprofiled Django CPU, {args.logins} logins"
    print(f"\nsteps of the login, ms of Django CPU per login ({shares}):")
    step_rows = [
        (label, {k: ms(float(r[f"step:{label}"]) * float(r["django_ms"])) for k, r in results.items()})
        for label, _suffix, _name in STEPS
    ]
    print(databases.side_by_side(step_rows, kinds))
    print("\nself time by package (share of the profiled Django CPU):")
    groups = sorted({key for r in results.values() for key in r if key.startswith("package:")})
    package_rows = [
        (
            group.removeprefix("package:"),
            {k: f"{100 * float(r[group]):.1f} %" if group in r else "—" for k, r in results.items()},
        )
        for group in groups
    ]
    package_rows.sort(key=lambda row: -max(float(v.rstrip(" %")) for v in row[1].values() if v != "—"))
    print(databases.side_by_side(package_rows, kinds))
    print(f"\nload average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
