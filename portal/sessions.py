"""Database sessions that cost one write when a session starts, not three.

Django's ``db`` backend creates a session by checking that a random key is unused (a query) and saving it empty
(an INSERT) — then the login stores the user in it and the response saves it again (an UPDATE). Here ``create()``
only picks the key; the response's save inserts the row, and a (vanishingly rare) key collision is caught by the
INSERT itself, which Django's ``save(must_create=True)`` already turns into ``CreateError``.
"""

from __future__ import annotations

import secrets

from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore


class SessionStore(DatabaseSessionStore):
    _pending_insert = False

    def _get_new_session_key(self) -> str:
        # 32 characters of [a-z0-9] like Django's, from one call to the OS's random source instead of 32.
        value = secrets.randbits(166)  # 36**32 > 2**165
        chars = []
        for _ in range(32):
            value, index = divmod(value, 36)
            chars.append(VALID_KEY_CHARS[index])
        return "".join(chars)

    def create(self) -> None:
        self._session_key = self._get_new_session_key()
        self._pending_insert = True
        self.modified = True

    def save(self, must_create: bool = False) -> None:
        if self.session_key is None:  # flushed (a login over another user's session): a new row, inserted now
            self.create()
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
