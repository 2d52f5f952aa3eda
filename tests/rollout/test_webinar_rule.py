"""Which webinar a reader is told about and how its time reads (``rollout.webinar_rule``, pure)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from rollout.webinar_rule import Event, brasilia_label, duration_label, for_region, next_for, upcoming

BRT = ZoneInfo("America/Sao_Paulo")
NOW = dt.datetime(2027, 3, 1, 10, 0, tzinfo=BRT)
HOUR = dt.timedelta(hours=1)


def webinar(key: str, start: dt.datetime, region: str | None = None, *, cancelled: bool = False) -> Event:
    return Event(key, f"Webinar {key}", start, HOUR, "https://exemplo.gov.br", region, cancelled)


def test_the_next_regional_webinar_comes_before_an_earlier_national_one():
    events = [
        webinar("nacional", NOW + dt.timedelta(days=1)),
        webinar("sul-depois", NOW + dt.timedelta(days=9), "sul"),
        webinar("sul", NOW + dt.timedelta(days=5), "sul"),
    ]
    assert next_for(events, ["sul"], NOW).key == "sul"


def test_without_a_regional_webinar_the_next_national_one_is_chosen():
    events = [
        webinar("nordeste", NOW + dt.timedelta(days=1), "nordeste"),
        webinar("nacional-depois", NOW + dt.timedelta(days=9)),
        webinar("nacional", NOW + dt.timedelta(days=3)),
    ]
    assert next_for(events, ["sul"], NOW).key == "nacional"


def test_another_regions_webinar_is_never_chosen():
    assert next_for([webinar("nordeste", NOW + HOUR, "nordeste")], ["sul"], NOW) is None


def test_a_reader_of_two_regions_gets_the_first_of_either():
    events = [webinar("sul", NOW + 3 * HOUR, "sul"), webinar("sudeste-1", NOW + 2 * HOUR, "sudeste-1")]
    assert next_for(events, ["sul", "sudeste-1"], NOW).key == "sudeste-1"


def test_past_webinars_are_never_mentioned():
    events = [webinar("sul-passado", NOW - 2 * HOUR, "sul"), webinar("nacional-passado", NOW - dt.timedelta(days=1))]
    assert next_for(events, ["sul"], NOW) is None
    assert upcoming(events, NOW) == []


def test_a_webinar_under_way_is_still_upcoming_until_it_ends():
    under_way = webinar("agora", NOW - dt.timedelta(minutes=30), "sul")  # one hour long: ends at 10h30
    assert next_for([under_way], ["sul"], NOW) == under_way
    assert next_for([under_way], ["sul"], NOW + dt.timedelta(minutes=30)) is None


def test_cancelled_webinars_are_never_mentioned_and_the_next_one_is():
    events = [
        webinar("sul-cancelado", NOW + HOUR, "sul", cancelled=True),
        webinar("nacional-cancelado", NOW + HOUR, cancelled=True),
        webinar("nacional", NOW + dt.timedelta(days=2)),
    ]
    assert next_for(events, ["sul"], NOW).key == "nacional"
    assert next_for(events[:2], ["sul"], NOW) is None


def test_a_region_lists_its_own_and_the_national_ones_by_start_cancelled_included():
    events = [
        webinar("nacional", NOW + dt.timedelta(days=3)),
        webinar("sul", NOW + dt.timedelta(days=1), "sul", cancelled=True),
        webinar("nordeste", NOW + dt.timedelta(days=2), "nordeste"),
        webinar("passado", NOW - dt.timedelta(days=2)),
    ]
    assert [e.key for e in for_region(events, "sul", NOW)] == ["sul", "nacional"]
    assert [e.key for e in for_region(events, "nordeste", NOW)] == ["nordeste", "nacional"]


@pytest.mark.parametrize(
    ("utc", "label"),
    [
        # America/Sao_Paulo has had no daylight saving time since 2019: UTC−3 all year, January as July
        (dt.datetime(2027, 1, 15, 17, 0, tzinfo=dt.UTC), "15/01/2027, 14h00 (horário de Brasília)"),
        (dt.datetime(2027, 7, 15, 17, 0, tzinfo=dt.UTC), "15/07/2027, 14h00 (horário de Brasília)"),
        (dt.datetime(2027, 3, 10, 17, 0, tzinfo=dt.UTC), "10/03/2027, 14h00 (horário de Brasília)"),
        # the Brasília date, not UTC's: 01:30 UTC is still the evening before
        (dt.datetime(2027, 3, 11, 1, 30, tzinfo=dt.UTC), "10/03/2027, 22h30 (horário de Brasília)"),
        # in 2018 there was daylight saving time (UTC−2 on 15 January): the zone's own history applies
        (dt.datetime(2018, 1, 15, 16, 0, tzinfo=dt.UTC), "15/01/2018, 14h00 (horário de Brasília)"),
    ],
)
def test_times_read_in_brasilia_time(utc, label):
    assert brasilia_label(utc) == label


@pytest.mark.parametrize(("minutes", "label"), [(45, "45 min"), (60, "1h"), (90, "1h30"), (125, "2h05")])
def test_durations_read_in_hours_and_minutes(minutes, label):
    assert duration_label(dt.timedelta(minutes=minutes)) == label
