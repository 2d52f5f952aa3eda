"""The stand-in's server-side sessions: a logout names them by sid (or sub), ends them for good, and keeps when."""

from __future__ import annotations

import sqlite3

from patdemo.store import KEEP_SECONDS, SessionStore

LOGIN = {"claims": {"name": "Maria da Silva"}, "sid": "sid-1", "sub": "12345678909"}


def signed_in(store: SessionStore, *, sid: str = "sid-1", sub: str = "12345678909") -> str:
    session_id = store.new_id()
    store.save(session_id, {"login": {**LOGIN, "sid": sid, "sub": sub}, "outro": 1}, sid=sid, sub=sub)
    return session_id


def test_the_database_never_holds_the_cookie_value(tmp_path):
    store = SessionStore(tmp_path / "s.sqlite3")
    session_id = signed_in(store)
    dump = "\n".join(sqlite3.connect(tmp_path / "s.sqlite3").iterdump())
    assert session_id not in dump
    assert store.load(session_id) is not None


def test_an_unknown_id_loads_nothing(tmp_path):
    assert SessionStore(tmp_path / "s.sqlite3").load("nao-existe") is None


def test_ending_by_sid_ends_that_session_only_drops_its_login_and_keeps_when(tmp_path):
    store = SessionStore(tmp_path / "s.sqlite3")
    mine, other = signed_in(store), signed_in(store, sid="sid-2")

    assert store.end(sid="sid-1", sub=None, now=1_700_000_000.0) == 1

    ended = store.load(mine)
    assert ended is not None and ended.ended_at == 1_700_000_000.0
    assert "login" not in ended.data and ended.data["outro"] == 1
    still = store.load(other)
    assert still is not None and still.ended_at is None and "login" in still.data


def test_ending_twice_keeps_the_first_instant(tmp_path):
    store = SessionStore(tmp_path / "s.sqlite3")
    session_id = signed_in(store)
    store.end(sid="sid-1", sub=None, now=100.0)
    assert store.end(sid="sid-1", sub=None, now=200.0) == 0
    record = store.load(session_id)
    assert record is not None and record.ended_at == 100.0


def test_a_sid_with_another_sub_ends_nothing(tmp_path):
    store = SessionStore(tmp_path / "s.sqlite3")
    signed_in(store)
    assert store.end(sid="sid-1", sub="98765432100") == 0


def test_a_sub_alone_ends_every_session_of_that_person(tmp_path):
    store = SessionStore(tmp_path / "s.sqlite3")
    first, second = signed_in(store, sid="a"), signed_in(store, sid="b")
    someone_else = signed_in(store, sid="c", sub="98765432100")
    assert store.end(sid=None, sub="12345678909") == 2
    assert all(store.load(s).ended_at for s in (first, second))  # type: ignore[union-attr]
    assert store.load(someone_else).ended_at is None  # type: ignore[union-attr]


def test_nothing_named_ends_nothing(tmp_path):
    store = SessionStore(tmp_path / "s.sqlite3")
    signed_in(store)
    assert store.end(sid=None, sub=None) == 0
    assert store.end(sid="", sub="") == 0


def test_a_request_that_read_the_session_before_the_logout_cannot_revive_it(tmp_path):
    """A page refresh loaded the session, the logout token arrived, then the refresh saved: still ended."""
    store = SessionStore(tmp_path / "s.sqlite3")
    session_id = signed_in(store)
    stale = store.load(session_id)
    assert stale is not None
    store.end(sid="sid-1", sub=None, now=100.0)
    store.save(session_id, stale.data, sid=stale.sid, sub=stale.sub)
    record = store.load(session_id)
    assert record is not None and record.ended_at == 100.0


def test_sessions_untouched_for_a_day_are_purged(tmp_path):
    store = SessionStore(tmp_path / "s.sqlite3")
    old = store.new_id(now=1000.0)
    store.new_id(now=1000.0 + KEEP_SECONDS + 1)
    assert store.load(old) is None
