"""Database sessions that cost one write when a session starts, not three, and that can be found by user.

Django's ``db`` backend creates a session by checking that a random key is unused (a query) and saving it empty
(an INSERT) — then the login stores the user in it and the response saves it again (an UPDATE). Here ``create()``
only picks the key; the response's save inserts the row, and a (vanishingly rare) key collision is skipped by the
INSERT itself (``ON CONFLICT DO NOTHING``), and another key drawn.

The rows are :class:`portal.models.PortalSession`: each save copies the user and the login instant into their
own columns, so the sessions of a member can be found (and re-evaluated at once) when staff change the member or
the entity; the row's expiry never passes the absolute limit (``SESSION_MAX_HOURS`` after the login, plus an hour
in which the middleware tells the user why it ended), whatever the cookie says. A save never writes the marks staff
leave (``access_changed_at``, ``access_generation``, ``end_requested_at``): a session being saved by a request in
flight cannot undo them.
"""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY as USER_SESSION_KEY
from django.contrib.sessions.backends.base import VALID_KEY_CHARS, UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import DatabaseError, router, transaction

from certauth.sessions import path_issuer_keys
from certauth.statements import Insert
from portal.session_keys import LOGGED_IN_AT

if TYPE_CHECKING:
    from portal.models import PortalSession

#: How long a session's row outlives its absolute limit: the middleware then ends it with its page and code.
_TOLD_WHY = dt.timedelta(hours=1)
#: What a save of an existing session writes (never the marks staff leave: ``access_*``, ``end_requested_at``).
_SAVED_FIELDS = ("session_data", "expire_date", "user", "logged_in_at", "path_issuers")


class SessionStore(DatabaseSessionStore):
    _pending_insert = False
    #: When staff last changed something this session's access depends on (read with the session's own row).
    access_changed_at: dt.datetime | None = None
    #: How many such changes the row has counted (the middlewares compare it with the count they last saw).
    access_generation: int = 0
    #: Staff ended this session (``portal.session_access.end_sessions``).
    end_requested_at: dt.datetime | None = None
    #: The data (serialized) this store last wrote: a save with nothing new writes nothing (a login saves its
    #: session inside its own transaction, and the response's save then finds nothing to add).
    _written: bytes | None = None

    @classmethod
    def get_model_class(cls) -> type[PortalSession]:
        from portal.models import PortalSession

        return PortalSession

    def _get_new_session_key(self) -> str:
        # 32 characters of [a-z0-9] like Django's, from one call to the OS's random source instead of 32.
        value = secrets.randbits(166)  # 36**32 > 2**165
        chars = []
        for _ in range(32):
            value, index = divmod(value, 36)
            chars.append(VALID_KEY_CHARS[index])
        return "".join(chars)

    def _get_session_from_db(self) -> PortalSession | None:
        row: PortalSession | None = super()._get_session_from_db()  # type: ignore[misc]  # not in the stubs
        self.access_changed_at = row.access_changed_at if row is not None else None
        self.access_generation = row.access_generation if row is not None else 0
        self.end_requested_at = row.end_requested_at if row is not None else None
        return row

    def create(self) -> None:
        self._session_key = self._get_new_session_key()
        self._pending_insert = True
        self._written = None
        self.access_changed_at = None
        self.access_generation = 0
        self.end_requested_at = None
        self.modified = True

    def delete(self, session_key: str | None = None) -> None:
        if session_key is None and self._pending_insert:
            return  # never written: nothing to delete (and no query while the database may be down)
        super().delete(session_key)

    def create_model_instance(self, data: dict[str, Any]) -> PortalSession:
        return self.get_model_class()(**self._row(data))

    def _row(self, data: dict[str, Any]) -> dict[str, Any]:
        """The row's columns (by attribute name) for the session ``data``."""
        logged_in_at = _instant(data.get(LOGGED_IN_AT))
        expire_date = self.get_expiry_date()
        if logged_in_at is not None:  # kept a little past the limit, so the next request is told why it ended
            limit = dt.timedelta(hours=settings.SESSION_MAX_HOURS) + _TOLD_WHY
            expire_date = min(expire_date, logged_in_at + limit)
        user_id = data.get(USER_SESSION_KEY)
        return {
            "session_key": self._get_or_create_session_key(),  # type: ignore[attr-defined]  # not in the stubs
            "session_data": self.encode(data),
            "expire_date": expire_date,
            "user_id": int(user_id) if isinstance(user_id, str) and user_id.isdigit() else None,
            "logged_in_at": logged_in_at,
            "path_issuers": " ".join(path_issuer_keys(data))[:600],
        }

    def save(self, must_create: bool = False) -> None:
        if self.session_key is None:  # flushed (a login over another user's session): a new row, inserted now
            self.create()
        data = self.serializer().dumps(self._get_session(no_load=must_create))  # type: ignore[attr-defined]
        if not self._pending_insert:
            if must_create:
                super().save(must_create=True)
            elif data != self._written:
                self._update()
            self._written = data
            return
        session = self._get_session(no_load=must_create)  # type: ignore[attr-defined]
        # A prepared INSERT (certauth/statements.py: a login's row, without the ORM's per-call compilation) that
        # skips a taken key instead of raising: no savepoint needed inside the login's transaction.
        while not _insert().execute(self._row(session), using=router.db_for_write(self.get_model_class())):
            self._session_key = self._get_new_session_key()  # the random key is taken: draw another
        self._pending_insert = False
        self._written = data

    def _update(self) -> None:
        obj = self.create_model_instance(self._get_session(no_load=False))  # type: ignore[attr-defined]
        using = router.db_for_write(self.model, instance=obj)
        try:
            with transaction.atomic(using=using):
                obj.save(using=using, update_fields=_SAVED_FIELDS)
        except DatabaseError as exc:  # no row: the session was ended (or purged) meanwhile
            raise UpdateError from exc


@functools.cache
def _insert() -> Insert:
    from portal.models import PortalSession

    return Insert(PortalSession, skip_conflicts_on="session_key")


def _instant(value: object) -> dt.datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(value, tz=dt.UTC)
    return None
