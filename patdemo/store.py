"""Server-side sessions of the stand-in (SQLite): the browser's cookie holds only a random id; the row, found by the
id's SHA-256, holds the session's data, the portal's ``sid`` and ``sub`` of its login (what a logout token names),
and, once the portal has ended it, when (kept so the page can say so). No Flask here."""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Sessions untouched for this long are deleted (a demo keeps a day of them).
KEEP_SECONDS = 24 * 3600

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY,
    data TEXT NOT NULL DEFAULT '{}',
    sid TEXT,
    sub TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    ended_at REAL
);
CREATE INDEX IF NOT EXISTS sessions_sid ON sessions (sid);
CREATE INDEX IF NOT EXISTS sessions_sub ON sessions (sub);
"""


@dataclass(frozen=True)
class Record:
    data: dict[str, Any]
    sid: str | None
    sub: str | None
    ended_at: float | None  #: when a logout token from the portal ended it (epoch seconds)


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class SessionStore:
    """One SQLite file; a connection per operation (the server answers requests in threads)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            yield db
        finally:
            db.close()

    def new_id(self, *, now: float | None = None) -> str:
        """A fresh session id (the cookie's value), its row created empty; old untouched rows are purged."""
        now = time.time() if now is None else now
        session_id = secrets.token_urlsafe(32)
        with self._connect() as db:
            db.execute("DELETE FROM sessions WHERE updated_at < ?", (now - KEEP_SECONDS,))
            db.execute(
                "INSERT INTO sessions (id_hash, created_at, updated_at) VALUES (?, ?, ?)", (_hash(session_id), now, now)
            )
        return session_id

    def load(self, session_id: str) -> Record | None:
        with self._connect() as db:
            row = db.execute(
                "SELECT data, sid, sub, ended_at FROM sessions WHERE id_hash = ?", (_hash(session_id),)
            ).fetchone()
        if row is None:
            return None
        try:
            data = json.loads(row[0])
        except ValueError:
            data = {}
        return Record(data if isinstance(data, dict) else {}, row[1], row[2], row[3])

    def save(
        self, session_id: str, data: dict[str, Any], *, sid: str | None, sub: str | None, now: float | None = None
    ) -> None:
        """Write the session's data and the ``sid``/``sub`` of its login; never touches ``ended_at`` (a request that
        read the session before a logout token arrived cannot bring it back to life)."""
        now = time.time() if now is None else now
        with self._connect() as db:
            db.execute(
                "UPDATE sessions SET data = ?, sid = ?, sub = ?, updated_at = ? WHERE id_hash = ?",
                (json.dumps(data), sid, sub, now, _hash(session_id)),
            )

    def delete(self, session_id: str) -> None:
        with self._connect() as db:
            db.execute("DELETE FROM sessions WHERE id_hash = ?", (_hash(session_id),))

    def end(self, *, sid: str | None, sub: str | None, now: float | None = None) -> int:
        """End the open sessions a logout token names: by ``sid`` (and ``sub`` when it has both), or every session of
        ``sub`` when it has no ``sid``. What the login brought (``data["login"]``) is dropped; the instant stays, for
        the page to say when. Returns how many ended."""
        now = time.time() if now is None else now
        if not sid and not sub:
            return 0
        with self._connect() as db:
            return db.execute(
                "UPDATE sessions SET ended_at = ?, data = json_remove(data, '$.login') WHERE ended_at IS NULL"
                " AND (CASE WHEN ? IS NOT NULL THEN sid = ? AND (? IS NULL OR sub = ?) ELSE sub = ? END)",
                (now, sid or None, sid, sub or None, sub, sub),
            ).rowcount
