"""``/saude/`` says when the status pages' daily snapshot was taken and whether it is still valid (informative: the
status stays ``ok`` without it — the pages then count from the members, slower but exact)."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.test import Client

from portal.status import tally
from portal.status.tally_models import TallySnapshot

pytestmark = pytest.mark.django_db


def snapshot_health() -> tuple[str, dict[str, object]]:
    body = json.loads(Client().get("/saude/", secure=True).content)
    return body["status"], body["acompanhamento"]


def test_health_reports_the_daily_snapshot_and_whether_it_is_still_valid(certauth_settings, crls, time_machine):
    assert snapshot_health() == ("ok", {"retrato": None, "valido": False})
    call_command("status_rollup", stdout=io.StringIO())
    taken = TallySnapshot.objects.get().taken_at
    assert snapshot_health() == ("ok", {"retrato": taken.isoformat(), "valido": True})
    time_machine.move_to(taken + tally.VALID + dt.timedelta(seconds=1), tick=False)
    assert snapshot_health() == ("ok", {"retrato": taken.isoformat(), "valido": False})
