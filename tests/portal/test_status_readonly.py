"""The status pages only read: without the daily job's snapshot they count the figures from the members (exact, and
the page says so), and days the job has not consolidated yet are counted live — nothing is written on a page."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from certauth.models import LoginAttempt
from portal.models import DayStat, DayStatDone, Member, Membership
from portal.permissions import NATIONAL_VIEW_GROUP
from portal.status import metrics, series
from portal.status.tally_models import EntityTally, MembershipMark, TallyChange, TallySnapshot
from rollout.schedule import midnight

BRT = ZoneInfo("America/Sao_Paulo")
NOW = timezone.now()
DAY = dt.timedelta(days=1)
NOTICE = "A consolidação diária do acompanhamento ainda não foi executada"
PAGES = ("/acompanhamento/", "/acompanhamento/sudeste-1/")


@pytest.fixture(autouse=True)
def clock_stopped_at_now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def dataset(entity_factory):
    sp = entity_factory(code="SP-A", uf="SP")
    rj = entity_factory(code="RJ-A", uf="RJ")
    for cpf, entity, dates in (
        ("52601815906", sp, {"first_a3_login_at": NOW - 40 * DAY, "certificate_not_after": NOW + 10 * DAY}),
        ("08301661305", sp, {"last_password_login_at": NOW - 5 * DAY}),
        ("78778932807", sp, {}),
        ("27182818205", rj, {"first_a3_login_at": NOW - 3 * DAY}),
    ):
        member = Member.objects.create(cpf=cpf, name=f"Membro {cpf[:3]}", **dates)
        Membership.objects.create(member=member, entity=entity)
    return {"sp": sp, "rj": rj}


@pytest.fixture
def national(staff_factory, staff_login):
    return staff_login(staff_factory(groups=(NATIONAL_VIEW_GROUP,)))


def stored() -> dict[str, int]:
    """Rows of every table a page could have written for its figures."""
    return {
        model.__name__: model.objects.count()
        for model in (TallySnapshot, EntityTally, MembershipMark, TallyChange, DayStat, DayStatDone)
    }


def writes(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(("INSERT", "DELETE"))]


def read(client, path: str):
    metrics.forget_recent_figures()
    before = stored()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, secure=True)
    assert response.status_code == 200
    assert writes(queries) == []
    assert stored() == before
    return response


def test_without_the_daily_snapshot_a_page_writes_nothing_shows_exact_figures_and_says_so(dataset, national, caplog):
    assert not TallySnapshot.objects.exists()
    for path in PAGES:
        response = read(national, path)
        assert NOTICE in response.content.decode()
    total = read(national, "/acompanhamento/").context["total"]
    assert (total.entities, total.members, total.members_a3, total.members_never) == (2, 4, 2, 1)
    assert total.expiring_soon == 1
    assert "status_rollup" in caplog.text and "no per-entity snapshot" in caplog.text


def test_after_the_daily_job_the_page_reads_its_snapshot_and_says_nothing(dataset, national):
    call_command("status_rollup", stdout=io.StringIO())
    for path in PAGES:
        response = read(national, path)
        assert NOTICE not in response.content.decode()
    total = read(national, "/acompanhamento/").context["total"]
    assert (total.entities, total.members, total.members_a3, total.members_never) == (2, 4, 2, 1)


def test_a_day_not_consolidated_yet_is_counted_live_in_the_charts_without_writing(dataset, national):
    today = NOW.astimezone(BRT).date()
    yesterday, long_ago = today - DAY, today - 20 * DAY
    call_command("status_rollup", stdout=io.StringIO())  # every day up to yesterday consolidated, then undo two
    for n, (day, method) in enumerate(((yesterday, "certificate"), (yesterday, "password"), (long_ago, "password"))):
        LoginAttempt.objects.create(
            reference=f"R{n}", created_at=midnight(day) + dt.timedelta(hours=12), method=method, outcome="accepted",
            organization_code="SP-A", cpf="52601815906",
        )  # fmt: skip
    DayStat.objects.filter(day__in=(yesterday, long_ago)).delete()
    DayStatDone.objects.filter(day__in=(yesterday, long_ago)).delete()

    response = read(national, "/acompanhamento/")
    live = response.context["series"]
    assert live.missing_days == 1  # the day older than LIVE_DAYS, left out and said
    assert "Há 1 dia(s) ainda não consolidado(s)" in response.content.decode()
    assert not DayStatDone.objects.filter(day=yesterday).exists()

    call_command("status_rollup", stdout=io.StringIO())
    consolidated = read(national, "/acompanhamento/").context["series"]
    week, old_week = live.weeks.index(series.monday(yesterday)), live.weeks.index(series.monday(long_ago))
    for method in ("certificate", "password"):
        assert live.logins[method][week] == consolidated.logins[method][week] >= 1
    assert live.logins["password"][old_week] + 1 == consolidated.logins["password"][old_week]
    assert consolidated.missing_days == 0
