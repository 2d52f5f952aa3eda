"""The demo's webinars (``make run``): one national and one of the Superintendência Sul, loaded again in place."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from rollout.demo import WEBINARS, load_demo_webinars
from rollout.models import Webinar

BRT = ZoneInfo("America/Sao_Paulo")
TODAY = dt.date(2027, 3, 1)

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_national_and_a_sul_webinar_after_the_day_it_is_loaded():
    assert load_demo_webinars(TODAY) == 2

    national, sul = Webinar.objects.order_by("start")
    assert national.superintendencia is None
    assert national.start == dt.datetime(2027, 3, 8, 14, 0, tzinfo=BRT)
    assert sul.superintendencia is not None and sul.superintendencia.code == "sul"
    assert sul.start == dt.datetime(2027, 3, 15, 10, 0, tzinfo=BRT)
    assert all(w.link.startswith("https://") and not w.cancelled for w in (national, sul))


def test_loading_the_demo_again_moves_the_same_webinars_and_uncancels_them():
    load_demo_webinars(TODAY)
    uids = set(Webinar.objects.values_list("uid", flat=True))
    Webinar.objects.update(cancelled=True)

    load_demo_webinars(TODAY + dt.timedelta(days=30))

    assert set(Webinar.objects.values_list("uid", flat=True)) == uids == {w.uid for w in WEBINARS}
    assert not Webinar.objects.filter(cancelled=True).exists()
    assert Webinar.objects.order_by("start").first().start == dt.datetime(2027, 4, 7, 14, 0, tzinfo=BRT)
