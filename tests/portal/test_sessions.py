"""portal.sessions: a session row is written once, when the response saves it; it names its user and never outlives
the absolute limit."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.models import PortalSession
from portal.sessions import SessionStore
from tests.conftest import LAWYER

pytestmark = pytest.mark.django_db


def test_a_new_session_is_inserted_by_its_first_save_with_its_data():
    session = SessionStore()
    session.cycle_key()
    session["user"] = "1"
    assert not PortalSession.objects.exists(), "create() writes nothing"
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


def test_the_row_names_the_user_and_expires_an_hour_after_the_absolute_limit(settings, django_user_model):
    user = django_user_model.objects.create_user("membro")
    session = SessionStore()
    session.cycle_key()
    session["_auth_user_id"] = str(user.pk)
    session["portal_logged_in_at"] = 1_700_000_000
    session.save()
    row = PortalSession.objects.get(session_key=session.session_key)
    assert row.user_id == user.pk
    assert row.logged_in_at.timestamp() == 1_700_000_000
    assert row.expire_date.timestamp() == 1_700_000_000 + (settings.SESSION_MAX_HOURS + 1) * 3600


def test_clearsessions_removes_sessions_past_their_limit():
    old = SessionStore()
    old.cycle_key()
    old["portal_logged_in_at"] = 1_700_000_000  # long ago: its row expired an hour after the limit
    old.save()
    fresh = SessionStore()
    fresh.cycle_key()
    fresh["x"] = 1
    fresh.save()
    call_command("clearsessions")
    assert list(PortalSession.objects.values_list("session_key", flat=True)) == [fresh.session_key]


def test_a_login_writes_its_session_row_once_inside_its_transaction(login_with, member_factory):
    member_factory(oab="123456SP")
    with CaptureQueriesContext(connection) as queries:
        assert login_with(LAWYER).status_code == 302
    writes = [q["sql"] for q in queries.captured_queries if "portal_session" in q["sql"]]
    writes = [sql.split()[0] for sql in writes if sql.split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert writes == ["INSERT"], "the response's save finds nothing new to write"


def test_a_save_with_nothing_new_writes_nothing_and_a_change_is_written():
    session = SessionStore()
    session.cycle_key()
    session["x"] = 1
    session.save()
    with CaptureQueriesContext(connection) as queries:
        session.save()
    assert queries.captured_queries == []
    session["x"] = 2
    session.save()
    assert SessionStore(session.session_key).load() == {"x": 2}
