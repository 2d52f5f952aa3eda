"""Flask's session kept on the server (patdemo.store): the cookie carries only a random id. Authlib keeps its
``state``, ``nonce`` and PKCE verifier in this session; the login keeps what the portal said in ``session["login"]``.
A session the portal ended (back-channel logout) loads without its login and with ``ended_at``."""

from __future__ import annotations

from typing import Any

from flask import Flask, Request, Response
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from patdemo.store import SessionStore

COOKIE_NAME = "pat_demo_sessao"


class StoredSession(CallbackDict[str, Any], SessionMixin):
    def __init__(self, initial: dict[str, Any] | None, session_id: str | None, ended_at: float | None) -> None:
        def on_update(session: StoredSession) -> None:
            session.modified = True

        super().__init__(initial or {}, on_update)
        self.session_id = session_id
        self.ended_at = ended_at
        self.modified = False
        self.renew = False  #: a new id at the next save (after a login: no session fixation)
        self.discard = False  #: forget the session (its row and the cookie)

    def regenerate(self) -> None:
        self.renew = True
        self.modified = True
        self.ended_at = None

    def forget(self) -> None:
        self.clear()
        self.discard = True


class ServerSideSessions(SessionInterface):
    def __init__(self, store: SessionStore) -> None:
        self.store = store

    def open_session(self, app: Flask, request: Request) -> StoredSession:
        session_id = request.cookies.get(COOKIE_NAME)
        record = self.store.load(session_id) if session_id else None
        if record is None:
            return StoredSession(None, None, None)
        data = dict(record.data)
        if record.ended_at is not None:
            data.pop("login", None)
        return StoredSession(data, session_id, record.ended_at)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, StoredSession)
        cookie = {
            "httponly": True,
            "samesite": "Lax",  # the portal's redirect back (a top-level GET) must carry it
            "secure": False,  # plain http on loopback (the demo)
            "path": "/",
        }
        if session.discard:
            if session.session_id:
                self.store.delete(session.session_id)
            response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="Lax")
            return
        if not session.modified:
            return
        if session.session_id is None or session.renew:
            if session.session_id is not None:
                self.store.delete(session.session_id)
            session.session_id = self.store.new_id()
            response.set_cookie(COOKIE_NAME, session.session_id, **cookie)  # type: ignore[arg-type]
        login = session.get("login") or {}
        self.store.save(session.session_id, dict(session), sid=login.get("sid"), sub=login.get("sub"))
        response.vary.add("Cookie")
