"""Database sessions that cost one write when a session starts, not three.

Django's ``db`` backend creates a session by checking that a random key is unused (a query) and saving it empty
(an INSERT) — then the login stores the user in it and the response saves it again (an UPDATE). Here ``create()``
only picks the key; the response's save inserts the row, and a (vanishingly rare) key collision is caught by the
INSERT itself, which Django's ``save(must_create=True)`` already turns into ``CreateError``.
"""

from __future__ import annotations

from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils.crypto import get_random_string


class SessionStore(DatabaseSessionStore):
    _pending_insert = False

    def _get_new_session_key(self) -> str:
        return get_random_string(32, VALID_KEY_CHARS)

    def create(self) -> None:
        self._session_key = self._get_new_session_key()
        self._pending_insert = True
        self.modified = True

    def save(self, must_create: bool = False) -> None:
        if not self._pending_insert:
            super().save(must_create=must_create)
            return
        while True:
            try:
                super().save(must_create=True)
            except CreateError:  # the random key is taken: draw another
                self._session_key = self._get_new_session_key()
                continue
            self._pending_insert = False
            return
