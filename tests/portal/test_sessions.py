"""portal.sessions: a session row is written once, when the response saves it."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_a_new_session_is_inserted_by_its_first_save_with_its_data():
    session = SessionStore()
    session.cycle_key()
    session["user"] = "1"
    assert not Session.objects.exists(), "create() writes nothing"
    with CaptureQueriesContext(connection) as queries:
        session.save()
    assert [q["sql"].split()[0] for q in queries.captured_queries if q["sql"].split()[0] in ("INSERT", "UPDATE")] == [
        "INSERT"
    ]
    assert SessionStore(session.session_key).load() == {"user": "1"}
    session["user"] = "2"
    session.save()
    assert SessionStore(session.session_key).load() == {"user": "2"}


def test_a_key_already_taken_is_replaced_by_another(monkeypatch):
    taken = SessionStore()
    taken.create()
    taken.save()
    keys = iter([taken.session_key, "b" * 32])
    session = SessionStore()
    monkeypatch.setattr(session, "_get_new_session_key", lambda: next(keys))
    session.create()
    session["x"] = 1
    session.save()
    assert session.session_key == "b" * 32
    assert SessionStore(taken.session_key).load() == {}
    assert SessionStore("b" * 32).load() == {"x": 1}
