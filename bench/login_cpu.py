"""Django/gunicorn CPU per certificate login, and what the certificate-session middlewares cost a page, on SQLite
and PostgreSQL, optionally beside an older commit (a regression shows as a ratio in one run).

    .venv/bin/python bench/login_cpu.py [--databases sqlite,postgresql] [--against 75f2a1e]
                                        [--logins 300] [--requests 500] [--clients 2] [--warmup 30]

For each database (a fresh one per run, bench/databases.py) and each commit, a child process sets up the demo in a
temporary directory with THAT commit's code (demo PKI, migrate, demo data, demo CRLs) and starts the real stack
(nginx mutual TLS → gunicorn, 2 workers, as ``make run``), then measures:

(a) certificate logins: N requests to /entrar/certificado/ on the login host, each on a NEW TLS 1.3 connection with
    the demo lawyer's certificate (full mutual-TLS handshake), C client threads; the CPU the gunicorn workers used
    (read from /proc before and after) divided by N, and logins/s — with revocation on (demo CRLs loaded) and off
    (``CERTAUTH_REVOCATION=off``);
(b) an authenticated page: each client thread logs in with the certificate once, then requests the dashboard
    (/painel/) over one kept-alive connection to the portal host: requests/s and gunicorn CPU per request, with the
    portal's settings and with bench/settings_plain_session.py (the same settings without the certificate-session
    middlewares).

``--against REV`` measures REV too, from a ``git worktree add --detach`` in a temporary directory (removed at the
end) run with the same virtualenv. A figure an old commit cannot produce reads "n/a" with the reason; an old commit
that predates PostgreSQL support (or a dependency the venv no longer has) may need ``--databases sqlite``.

Targets (issue 18, on this machine): gunicorn CPU per certificate login ≤ 4 ms; the dashboard with the middlewares
≥ 90% of the requests/s without them. Production runs on PostgreSQL: its column is the production figure.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import importlib.util
import json
import os
import secrets
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

BASE_DIR = Path(__file__).resolve().parents[1]
BENCH_DIR = Path(__file__).resolve().parent

TARGET_LOGIN_CPU_MS = 4.0
TARGET_PAGE_RATIO = 0.90
TIMEOUT = 30.0
USER = "advogada-oab-sp"  # the demo lawyer (demo_pki): one active membership, lands on /painel/


def _this_checkouts_machine() -> ModuleType:
    """bench/machine.py of THIS checkout (free port, workers, their CPU from /proc), loaded by its path: the child
    process runs in the measured commit's tree, whose ``bench/`` may not have it, and keeps ``bench/`` off
    ``sys.path`` (:func:`child_main`)."""
    spec = importlib.util.spec_from_file_location("a3_bench_machine", BENCH_DIR / "machine.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {BENCH_DIR / 'machine.py'}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


machine = _this_checkouts_machine()


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else float("nan")


# ---------------------------------------------------------------------------------------------- the clients


class Connection(http.client.HTTPSConnection):
    """To nginx on 127.0.0.1 naming ``localhost`` (SNI, certificate check, Host)."""

    def connect(self) -> None:
        sock = socket.create_connection(("127.0.0.1", self.port), self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = self._context.wrap_socket(sock, server_hostname="localhost")  # type: ignore[attr-defined]


def certificate_login(context: ssl.SSLContext, port: int) -> tuple[int, str, str | None]:
    """One login on a new connection: (status, Location, session cookie)."""
    connection = Connection("localhost", port, context=context, timeout=TIMEOUT)
    try:
        connection.request("GET", "/entrar/certificado/", headers={"Connection": "close"})
        response = connection.getresponse()
        response.read()
        session = None
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            if name.strip() == "sessionid" and rest.split(";", 1)[0]:
                session = rest.split(";", 1)[0]
        return response.status, response.getheader("Location") or "", session
    finally:
        connection.close()


class Pages:
    """GET /painel/ for client ``n``: its own session and its own kept-alive connection to the portal host."""

    def __init__(self, port: int, context: ssl.SSLContext, sessions: list[str]) -> None:
        self.port, self.context, self.sessions = port, context, sessions
        self.connections: dict[int, Connection] = {}

    def __call__(self, n: int) -> float:
        start = time.perf_counter()
        connection = self.connections.get(n)
        if connection is None:
            connection = Connection("localhost", self.port, context=self.context, timeout=TIMEOUT)
            self.connections[n] = connection
        try:
            connection.request("GET", "/painel/", headers={"Cookie": f"sessionid={self.sessions[n]}"})
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            connection.close()
            self.connections.pop(n, None)
            raise
        if response.will_close:
            connection.close()
            self.connections.pop(n, None)
        if response.status != 200:
            raise RuntimeError(f"/painel/ answered HTTP {response.status} → {response.getheader('Location')}")
        return time.perf_counter() - start

    def close(self) -> None:
        for connection in self.connections.values():
            connection.close()


def in_threads(clients: int, count: int, one: Callable[[int], float]) -> tuple[list[float], list[str], float]:
    """``count`` calls of ``one(client)`` shared by ``clients`` threads: (latencies, errors, wall seconds)."""
    lock = threading.Lock()
    taken = [0]
    latencies: list[float] = []
    errors: list[str] = []

    def client(n: int) -> None:
        while True:
            with lock:
                if taken[0] >= count:
                    return
                taken[0] += 1
            try:
                elapsed = one(n)
            except Exception as exc:  # noqa: BLE001  (counted and shown, the run goes on)
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc}")
                continue
            with lock:
                latencies.append(elapsed)

    start = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors, time.perf_counter() - start


def measured(gunicorn: int, nginx: int, clients: int, count: int, one: Callable[[int], float]) -> dict[str, Any]:
    workers, nginx_workers = machine.children(gunicorn), machine.children(nginx)
    before = machine.cpu_seconds(workers), machine.cpu_seconds(nginx_workers)
    latencies, errors, wall = in_threads(clients, count, one)
    after = machine.cpu_seconds(workers), machine.cpu_seconds(nginx_workers)
    replaced = set(machine.children(gunicorn)) != set(workers)
    done = len(latencies)
    return {
        "requests": count,
        "ok": done,
        "errors": len(errors),
        "first_error": errors[0] if errors else "",
        "wall_s": wall,
        "per_s": done / wall if wall else 0.0,
        "cpu_ms": 1000 * (after[0] - before[0]) / max(done, 1),
        "nginx_cpu_ms": 1000 * (after[1] - before[1]) / max(done, 1),
        "p50_ms": 1000 * percentile(latencies, 0.5),
        "p99_ms": 1000 * percentile(latencies, 0.99),
        "workers_replaced": replaced,
    }


# ---------------------------------------------------------------------------------------------- child: one commit


def manage(tree: Path, env: dict[str, str], *command: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *command], cwd=tree, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise RuntimeError(f"manage.py {' '.join(command)} failed: {' / '.join(tail)}")
    return result.stdout


def child(args: argparse.Namespace) -> int:
    tree = Path(args.tree).resolve()
    var = Path(args.var)
    out = Path(args.out)
    results: dict[str, Any] = {"notes": []}

    def save() -> None:
        out.write_text(json.dumps(results))

    try:
        run_child(tree, var, args, results)
    except Exception as exc:  # noqa: BLE001  (the parent prints "n/a" with the reason)
        results["failed"] = f"{type(exc).__name__}: {exc}"
    save()
    return 0


def run_child(tree: Path, var: Path, args: argparse.Namespace, results: dict[str, Any]) -> None:
    sys.path.insert(0, str(tree))
    env = {
        **os.environ,
        "PORTAL_VAR_DIR": str(var),
        "PORTAL_DEMO": "1",
        "DEBUG": "0",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": args.database_url,
        "SECRET_KEY": secrets.token_urlsafe(40),
        "CERTAUTH_PROXY_SECRET": secrets.token_urlsafe(32),
        "OIDC_GATEWAY_SECRET": secrets.token_urlsafe(32),
        "CERTAUTH_CRL_FETCH_ON_LOGIN": "0",  # the demo CRLs are loaded; no fetch during the measurement
        **{
            name: str(machine.free_port())
            for name in (
                "PORTAL_PORT",
                "CERT_LOGIN_PORT",
                "CERT_LOGIN_TLS12_PORT",
                "PORTAL_DEMO_CRL_PORT",
                "OIDC_GATEWAY_PORT",
                "OIDC_DEMO_RP_PORT",
                "DEMO_PSC_PORT",
            )
        },
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    say = lambda text: print(f"   [{args.label}, {args.kind}] {text}", flush=True)  # noqa: E731
    say("setting up the demo (PKI, migrate, data, CRLs, static files)…")
    commands = {line.strip() for line in manage(tree, env, "help", "--commands").split()}
    if (tree / "oidc" / "keygen.py").exists():
        key = var / "oidc" / "signing-key.pem"
        subprocess.run([sys.executable, "-m", "oidc.keygen", str(key)], cwd=tree, env=env, check=True)
    manage(tree, env, "demo_pki")
    manage(tree, env, "migrate", "--noinput", "-v0")
    manage(tree, env, "load_demo")
    if "demo_crls" in commands:
        manage(tree, env, "demo_crls")
        results["crls"] = "demo_crls"
    elif "crl" in commands:
        manage(tree, env, "crl", "import", *sorted(str(p) for p in (var / "demo-pki" / "lcr").glob("*.crl")))
        results["crls"] = "crl import"
    else:
        results["notes"].append("no command loads the demo CRLs: 'revocation on' ran without them")
    manage(tree, env, "collectstatic", "--noinput", "-v0")

    os.environ.update(env)
    import django

    django.setup()
    from django.conf import settings

    import portal

    if not str(Path(portal.__file__).resolve()).startswith(str(tree)):
        raise RuntimeError(f"imported the portal from {portal.__file__}, not from {tree}")
    engine = settings.DATABASES["default"]["ENGINE"]
    if args.kind not in engine:
        raise RuntimeError(f"this commit ignores DATABASE_URL (engine {engine}): use --databases sqlite")
    results["engine"] = engine
    from portal.serving.config import site_from_settings
    from portal.serving.processes import Stack

    site = site_from_settings()
    pki = var / "demo-pki"
    user = pki / "usuarios" / USER
    client = ssl.create_default_context(cafile=str(pki / "ac" / "ac-tls-demo.pem"))
    client.load_cert_chain(user / "certificado.pem", user / "chave-demo.pem")
    client.minimum_version = ssl.TLSVersion.TLSv1_3
    server_only = ssl.create_default_context(cafile=str(pki / "ac" / "ac-tls-demo.pem"))

    plain = var / "plain-settings"
    plain.mkdir()
    shutil.copy(BENCH_DIR / "settings_plain_session.py", plain / "settings_plain_session.py")
    plain_env = {
        **env,
        "DJANGO_SETTINGS_MODULE": "settings_plain_session",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(plain), env.get("PYTHONPATH", "")])),
    }

    @contextlib.contextmanager
    def stack(stack_env: dict[str, str]) -> Iterator[tuple[int, int]]:
        running = Stack(site=site, env=stack_env, gunicorn_workers=args.workers, output=var / "processes.log")
        running.start(timeout=60)
        try:
            yield running.processes["gunicorn"].pid, running.processes["nginx"].pid
        finally:
            running.stop()

    def login(_: int) -> float:
        start = time.perf_counter()
        status, location, _session = certificate_login(client, site.login_port)
        if status != 302 or location.rstrip("/").endswith("/entrar") or "erro" in location:
            raise RuntimeError(f"login answered HTTP {status} → {location}")
        return time.perf_counter() - start

    for name, extra in (("login_revocation_on", {}), ("login_revocation_off", {"CERTAUTH_REVOCATION": "off"})):
        say(f"{name.replace('_', ' ')}: {args.warmup} warm-up + {args.logins} logins, {args.clients} clients…")
        with stack({**env, **extra}) as (gunicorn, nginx):
            status, location, _ = certificate_login(client, site.login_port)
            results.setdefault("landing", f"HTTP {status} → {location}")
            for _ in range(args.warmup):
                login(0)
            results[name] = measured(gunicorn, nginx, args.clients, args.logins, login)

    for name, stack_env in (("page_with", env), ("page_without", plain_env)):
        say(f"{name.replace('_', ' ')} middlewares: {args.warmup} warm-up + {args.requests} GET /painel/…")
        with stack(stack_env) as (gunicorn, nginx):
            sessions = []
            for _ in range(args.clients):
                status, location, session = certificate_login(client, site.login_port)
                if session is None:
                    raise RuntimeError(f"the login gave no session cookie (HTTP {status} → {location})")
                sessions.append(session)
            page = Pages(site.portal_port, server_only, sessions)
            for _ in range(args.warmup):
                for n in range(args.clients):
                    page(n)
            results[name] = measured(gunicorn, nginx, args.clients, args.requests, page)
            page.close()


# ---------------------------------------------------------------------------------------------- parent


def git(*command: str) -> str:
    return subprocess.run(["git", *command], cwd=BASE_DIR, capture_output=True, text=True, check=True).stdout.strip()


@contextlib.contextmanager
def worktree(revision: str, path: Path) -> Iterator[Path]:
    git("worktree", "add", "--detach", "--quiet", str(path), revision)
    try:
        yield path
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(path)], cwd=BASE_DIR, check=False)
        subprocess.run(["git", "worktree", "prune"], cwd=BASE_DIR, check=False)


#: Put on PYTHONPATH of every process of a measurement: the venv's editable install of the project (a finder mapping
#: ``portal``, ``rollout``… to THIS checkout) would otherwise fill in any module an older commit lacks with today's.
ISOLATION = """import sys

sys.meta_path[:] = [f for f in sys.meta_path if not getattr(f, "__module__", "").startswith("__editable__")]
sys.path_hooks[:] = [h for h in sys.path_hooks if not getattr(h, "__module__", "").startswith("__editable__")]
sys.path[:] = [p for p in sys.path if not p.startswith("__editable__")]
sys.path_importer_cache.clear()
"""


def measure_commit(label: str, tree: Path, kind: str, tmp: Path, args: argparse.Namespace, n: int) -> dict[str, Any]:
    from bench import databases

    var = tmp / f"run-{n}"
    var.mkdir()
    var.chmod(0o755)  # noqa: S103  (nginx's workers, nobody, reach gunicorn's socket under it)
    out = var / "result.json"
    isolation = tmp / "isolation"
    isolation.mkdir(exist_ok=True)
    (isolation / "sitecustomize.py").write_text(ISOLATION)
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(isolation), os.environ.get("PYTHONPATH", "")]))
    try:
        with databases.database(kind, tmp, f"login_cpu_{n}") as db:
            command = [
                sys.executable, str(Path(__file__).resolve()), "--child",
                "--tree", str(tree), "--var", str(var), "--out", str(out), "--kind", kind, "--label", label,
                "--database-url", db.url, "--logins", str(args.logins), "--requests", str(args.requests),
                "--clients", str(args.clients), "--warmup", str(args.warmup), "--workers", str(args.workers),
            ]  # fmt: skip
            subprocess.run(command, cwd=tree, env=env, check=False, timeout=3600)
    except (subprocess.SubprocessError, OSError) as exc:
        return {"failed": f"{type(exc).__name__}: {exc}", "notes": []}
    if not out.exists():
        return {"failed": "the measurement process ended without a result", "notes": []}
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def figure(result: dict[str, Any], key: str, field: str, fmt: str) -> str:
    row = result.get(key)
    if not row:
        return "n/a"
    if row["ok"] == 0:
        return "n/a (0 ok)"
    text = format(row[field], fmt)
    return text + (f" ({row['errors']} err)" if row["errors"] else "")


def page_ratio(result: dict[str, Any]) -> float | None:
    with_, without = result.get("page_with"), result.get("page_without")
    if not with_ or not without or not without["per_s"] or not with_["ok"]:
        return None
    return float(with_["per_s"]) / float(without["per_s"])


def page_cpu_ratio(result: dict[str, Any]) -> float | None:
    """The same ratio from CPU per request (without ÷ with): what requests/s would show on an otherwise idle,
    CPU-bound machine — steadier than requests/s when other work shares the cores."""
    with_, without = result.get("page_with"), result.get("page_without")
    if not with_ or not without or not with_["ok"] or not without["ok"] or not with_["cpu_ms"]:
        return None
    return float(without["cpu_ms"]) / float(with_["cpu_ms"])


def verdicts(result: dict[str, Any]) -> tuple[str, str]:
    login = result.get("login_revocation_on")
    cpu = (
        ("PASS" if login["cpu_ms"] <= TARGET_LOGIN_CPU_MS else "FAIL") + f" ({login['cpu_ms']:.2f} ms)"
        if login and login["ok"]
        else "n/a"
    )
    ratio = page_ratio(result)
    page = "n/a" if ratio is None else ("PASS" if ratio >= TARGET_PAGE_RATIO else "FAIL") + f" ({ratio:.0%})"
    by_cpu = page_cpu_ratio(result)
    if by_cpu is not None:
        page += f", CPU {'PASS' if by_cpu >= TARGET_PAGE_RATIO else 'FAIL'}"
    return cpu, page


ROWS = (
    ("login, revocation on: gunicorn CPU/login", "login_revocation_on", "cpu_ms", ".2f", " ms"),
    ("login, revocation on: logins/s", "login_revocation_on", "per_s", ".1f", ""),
    ("login, revocation on: latency p50", "login_revocation_on", "p50_ms", ".1f", " ms"),
    ("login, revocation on: latency p99", "login_revocation_on", "p99_ms", ".1f", " ms"),
    ("login, revocation on: nginx CPU/login", "login_revocation_on", "nginx_cpu_ms", ".2f", " ms"),
    ("login, revocation off: gunicorn CPU/login", "login_revocation_off", "cpu_ms", ".2f", " ms"),
    ("login, revocation off: logins/s", "login_revocation_off", "per_s", ".1f", ""),
    ("login, revocation off: latency p99", "login_revocation_off", "p99_ms", ".1f", " ms"),
    ("/painel/ with middlewares: requests/s", "page_with", "per_s", ".1f", ""),
    ("/painel/ with middlewares: CPU/request", "page_with", "cpu_ms", ".2f", " ms"),
    ("/painel/ with middlewares: latency p50", "page_with", "p50_ms", ".1f", " ms"),
    ("/painel/ with middlewares: latency p99", "page_with", "p99_ms", ".1f", " ms"),
    ("/painel/ without them: requests/s", "page_without", "per_s", ".1f", ""),
    ("/painel/ without them: CPU/request", "page_without", "cpu_ms", ".2f", " ms"),
    ("/painel/ without them: latency p99", "page_without", "p99_ms", ".1f", " ms"),
)
#: Figures where a larger number is better (the ratio column says "better"/"worse" accordingly).
HIGHER_IS_BETTER = {"per_s"}


def table(commits: list[tuple[str, str]], results: dict[str, dict[str, Any]]) -> str:
    width = 44
    heads = [label for label, _ in commits]
    header = f"{'what':<{width}}" + "".join(f"{head:>22}" for head in heads)
    if len(commits) == 2:
        header += f"{'HEAD ÷ ' + heads[1]:>22}"
    lines = [header, "-" * len(header)]
    for what, key, field, fmt, unit in ROWS:
        cells = []
        for label in heads:
            text = figure(results[label], key, field, fmt)
            cells.append(text + unit if not text.startswith("n/a") else text)
        line = f"{what:<{width}}" + "".join(f"{cell:>22}" for cell in cells)
        if len(commits) == 2:
            rows = [results[label].get(key) for label in heads]
            if all(row and row["ok"] and row[field] for row in rows):
                ratio = rows[0][field] / rows[1][field]  # type: ignore[index]
                better = (ratio >= 1) == (field in HIGHER_IS_BETTER)
                verdict = "same" if abs(ratio - 1) < 0.02 else "better" if better else "worse"
                line += f"{f'{ratio:.2f}× {verdict}':>22}"
            else:
                line += f"{'n/a':>22}"
        lines.append(line)
    ratio_cells = []
    for label in heads:
        ratio = page_ratio(results[label])
        ratio_cells.append("n/a" if ratio is None else f"{ratio:.0%}")
    lines.append(f"{'/painel/ with ÷ without (requests/s)':<{width}}" + "".join(f"{c:>22}" for c in ratio_cells))
    cpu_cells = []
    for label in heads:
        ratio = page_cpu_ratio(results[label])
        cpu_cells.append("n/a" if ratio is None else f"{ratio:.0%}")
    lines.append(f"{'/painel/ CPU/request without ÷ with':<{width}}" + "".join(f"{c:>22}" for c in cpu_cells))
    for name, index, target in (
        (f"target: gunicorn CPU/login ≤ {TARGET_LOGIN_CPU_MS:g} ms", 0, ""),
        (f"target: /painel/ with ≥ {TARGET_PAGE_RATIO:.0%} of without", 1, ""),
    ):
        cells = [verdicts(results[label])[index] + target for label in heads]
        lines.append(f"{name:<{width}}" + "".join(f"{cell:>22}" for cell in cells))
    return "\n".join(lines)


def child_main() -> int:
    """The measurement of one commit, run by :func:`main` in a process of its own with cwd = that commit's tree."""
    if sys.path and Path(sys.path[0]).resolve() == BENCH_DIR:
        sys.path.pop(0)  # bench/'s scripts must not shadow anything the measured commit imports
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", action="store_true")
    for name in ("--tree", "--var", "--out", "--kind", "--label", "--database-url"):
        parser.add_argument(name, required=True)
    for name in ("--logins", "--requests", "--clients", "--warmup", "--workers"):
        parser.add_argument(name, type=int, required=True)
    return child(parser.parse_args())


def main() -> int:
    if "--child" in sys.argv:
        return child_main()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sys.path.insert(0, str(BASE_DIR))
    from bench import databases

    databases.add_argument(parser)
    parser.add_argument("--against", help="also measure this commit (a git worktree), e.g. 75f2a1e or HEAD~20")
    parser.add_argument("--logins", type=int, default=300, help="measured certificate logins per case")
    parser.add_argument("--requests", type=int, default=500, help="measured GET /painel/ per case")
    parser.add_argument("--clients", type=int, default=2, help="client threads (each its own connection)")
    parser.add_argument("--warmup", type=int, default=30, help="warm-up requests per case, outside the figures")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (make run: 2)")
    parser.add_argument(
        "--head-commit",
        action="store_true",
        help="measure HEAD's committed code (a worktree too) instead of the working tree and its uncommitted changes",
    )
    args = parser.parse_args()

    print(machine.note("start"), flush=True)
    head = git("rev-parse", "--short", "HEAD")
    dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    commits = [("HEAD", head + (" + uncommitted changes" if dirty else ""))]
    with contextlib.ExitStack() as cleanup:
        tmp = Path(tempfile.mkdtemp(prefix="a3-bench-login-cpu-"))
        tmp.chmod(0o755)  # noqa: S103  (nginx's workers, nobody, reach gunicorn's socket under it)
        cleanup.callback(shutil.rmtree, tmp, ignore_errors=True)
        trees = {"HEAD": BASE_DIR}
        if args.head_commit:
            commits = [("HEAD", head)]
            trees["HEAD"] = cleanup.enter_context(worktree(head, tmp / "worktree-head"))
        if args.against:
            try:
                sha = git("rev-parse", "--verify", "--short", f"{args.against}^{{commit}}")
            except subprocess.CalledProcessError:
                print(f"--against {args.against}: not a commit of this repository")
                return 2
            label = args.against if len(args.against) <= 12 and args.against != "HEAD" else sha
            commits.append((label, sha))
            trees[label] = cleanup.enter_context(worktree(sha, tmp / "worktree-against"))
        where = "HEAD from a worktree too" if args.head_commit else "the working tree's code for HEAD"
        print(
            "Commits: " + "; ".join(f"{label} = {sha}" for label, sha in commits)
            + f" ({where}; older commits from a temporary git worktree, same venv)",
            flush=True,
        )  # fmt: skip
        all_results: dict[str, dict[str, dict[str, Any]]] = {}
        n = 0
        for kind in args.databases:
            for label, _ in commits:
                n += 1
                print(f"\n{databases.LABELS[kind]} — {label}:", flush=True)
                all_results.setdefault(kind, {})[label] = measure_commit(label, trees[label], kind, tmp, args, n)

    print()
    print(
        f"Certificate login CPU: {args.logins} logins per case on new TLS 1.3 connections, {args.requests} "
        f"GET /painel/ per case on kept-alive connections, {args.clients} client threads, {args.warmup} warm-up "
        f"requests per case (not counted), {args.workers} gunicorn workers; CPU of the gunicorn workers from /proc; "
        "latencies as seen by the clients (median = p50)."
    )
    for kind in args.databases:
        results = all_results[kind]
        production = " — the PRODUCTION figures (production runs on PostgreSQL)" if kind == "postgresql" else ""
        demo = " — the demo's database (make run)" if kind == "sqlite" else ""
        print(f"\n{databases.LABELS[kind]}{production}{demo}")
        print(table(commits, results))
        for label, _ in commits:
            result = results[label]
            if result.get("failed"):
                print(f"   {label}: n/a — {result['failed']}")
            if result.get("landing"):
                crls = f"; demo CRLs loaded with `{result['crls']}`" if result.get("crls") else ""
                print(f"   {label}: the certificate login answers {result['landing']}{crls}")
            for note in result.get("notes", []):
                print(f"   {label}: {note}")
            for key in ("login_revocation_on", "login_revocation_off", "page_with", "page_without"):
                row = result.get(key)
                if row and row["errors"]:
                    print(f"   {label} {key}: {row['errors']} errors, first: {row['first_error']}")
                if row and row["workers_replaced"]:
                    print(f"   {label} {key}: a gunicorn worker was replaced during the run (CPU figure low)")
    print(
        "\nThe clients, nginx, PostgreSQL and gunicorn share this machine's cores: compare commits within one run "
        "(ratios), not with figures from another machine or another moment. CPU per request is the steadier "
        "figure when other work shares the cores; requests/s and latencies move with that work. The page target "
        "reads PASS/FAIL on requests/s (the target's wording), then on CPU per request."
    )
    print(machine.note("end"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
