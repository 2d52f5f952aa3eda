"""The databases a database-backed bench runs on, side by side in one run: SQLite and PostgreSQL.

Production runs on PostgreSQL; SQLite is the demo's (``make run``). A bench takes ``--databases sqlite,postgresql``
(both by default, see :func:`add_argument`) and, for each, runs the same measurement inside :func:`database`:

    with databases.database("postgresql", tmp, "login") as db:
        env = {**env, **db.env()}      # DATABASE_URL for manage.py, gunicorn and django.setup()
        ...
    print(databases.side_by_side(rows))

SQLite is a file in the bench's temporary directory. PostgreSQL is Debian's local cluster, started the way
``make test`` starts it (``scripts/postgres.sh``, idempotent, as root), with a fresh database per run
(``portal_bench_<name>_<pid>``) dropped at the end, so runs never see each other's rows.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parents[1]
KINDS = ("sqlite", "postgresql")
LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


@dataclass(frozen=True)
class BenchDatabase:
    kind: str  # "sqlite" | "postgresql"
    url: str  # a DATABASE_URL (django-environ)

    @property
    def label(self) -> str:
        return LABELS[self.kind]

    def env(self) -> dict[str, str]:
        return {"DATABASE_URL": self.url}


def add_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--databases",
        default=",".join(KINDS),
        type=_kinds,
        help="bancos, separados por vírgula: sqlite,postgresql (padrão: os dois)",
    )


def _kinds(value: str) -> list[str]:
    kinds = [part.strip().lower() for part in value.split(",") if part.strip()]
    unknown = [kind for kind in kinds if kind not in KINDS]
    if unknown or not kinds:
        raise argparse.ArgumentTypeError(f"banco desconhecido: {', '.join(unknown) or value!r} (use {','.join(KINDS)})")
    return kinds


def postgres_server_url() -> str:
    """The URL ``scripts/postgres.sh`` prints (it starts the cluster if needed): a role that may create databases."""
    return subprocess.run(
        [str(BASE_DIR / "scripts" / "postgres.sh")], check=True, capture_output=True, text=True
    ).stdout.strip()


def _psql(server_url: str, sql: str) -> None:
    parts = urlsplit(server_url)
    env = {**os.environ, "PGPASSWORD": parts.password or ""}
    subprocess.run(
        ["psql", "-qAtX", "-v", "ON_ERROR_STOP=1", "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432),
         "-U", parts.username or "", "-d", "postgres", "-c", sql],
        check=True, capture_output=True, env=env,
    )  # fmt: skip


@contextmanager
def database(kind: str, tmp: Path, name: str) -> Iterator[BenchDatabase]:
    """An empty database of ``kind`` for one measurement (not migrated: run ``migrate`` with its ``env()``)."""
    if kind == "sqlite":
        yield BenchDatabase(kind, f"sqlite:///{Path(tmp) / f'bench-{name}.sqlite3'}")
        return
    if kind != "postgresql":
        raise ValueError(kind)
    server = postgres_server_url()
    db_name = f"portal_bench_{name}_{os.getpid()}".replace("-", "_")
    _psql(server, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
    _psql(server, f'CREATE DATABASE "{db_name}"')
    parts = urlsplit(server)
    try:
        yield BenchDatabase(kind, urlunsplit(parts._replace(path=f"/{db_name}")))
    finally:
        _drop(server, db_name)


def _drop(server_url: str, db_name: str, attempts: int = 3) -> None:
    """Drop a bench database at the end; a failure (another session holding it a moment longer) is retried, then
    reported, never allowed to lose the figures of the databases still to measure (it crashed a run once)."""
    for attempt in range(attempts):
        try:
            _psql(server_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
            return
        except subprocess.CalledProcessError as failure:
            if attempt == attempts - 1:
                detail = (failure.stderr or b"").decode(errors="replace").strip()
                print(f"warning: could not drop the bench database {db_name}: {detail}", file=sys.stderr, flush=True)
                return
            time.sleep(2)


def side_by_side(rows: Sequence[tuple[str, dict[str, str]]], kinds: Sequence[str] = KINDS) -> str:
    """A table: one line per measurement, one column per database (``rows``: (what, {kind: figure}))."""
    width = max([len(what) for what, _ in rows] + [10])
    header = f"{'what':<{width}}  " + "  ".join(f"{LABELS[kind]:>18}" for kind in kinds)
    lines = [header, "-" * len(header)]
    for what, figures in rows:
        lines.append(f"{what:<{width}}  " + "  ".join(f"{figures.get(kind, '—'):>18}" for kind in kinds))
    return "\n".join(lines)
