"""Run a bench that takes its database from outside once per database: SQLite and PostgreSQL, a fresh one each.

    .venv/bin/python bench/on_databases.py [--databases sqlite,postgresql] NAME -- COMMAND [ARG…]

For benches that do not run both databases themselves (``make bench``): for each database, COMMAND runs with
``DATABASE_URL`` naming a fresh empty database (bench/databases.py: a file in a temporary directory, or a database
on the local PostgreSQL cluster dropped at the end), and ``{database_url}`` in an argument replaced by it (for a
bench that takes ``--database-url``). Each run prints its own figures under a heading naming the database;
production runs on PostgreSQL. Exit status: the first failure's, else 0.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))

from bench import databases, machine  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    databases.add_argument(parser)
    parser.add_argument("name", help="a short name for the databases (portal_bench_<name>_<pid>)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command and its arguments")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command (put it after --)")
    status = 0
    print(machine.note("start"), flush=True)
    with tempfile.TemporaryDirectory(prefix="a3-bench-on-databases-") as tmp:
        for kind in args.databases:
            production = " (production's database)" if kind == "postgresql" else " (the demo's database)"
            print(f"\n===== {' '.join(command)} — {databases.LABELS[kind]}{production} =====", flush=True)
            with databases.database(kind, Path(tmp), args.name) as db:
                argv = [part.replace("{database_url}", db.url) for part in command]
                result = subprocess.run(argv, cwd=BASE_DIR, env={**os.environ, **db.env()}, check=False)
            if result.returncode and not status:
                status = result.returncode
    print(machine.note("end"))
    return status


if __name__ == "__main__":
    sys.exit(main())
