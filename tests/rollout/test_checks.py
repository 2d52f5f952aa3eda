"""The rollout app's system checks."""

from __future__ import annotations

import pytest

from rollout.checks import check_cutover_middleware, check_settings


def test_default_configuration_passes(settings):
    assert check_settings() == []
    assert check_cutover_middleware() == []


@pytest.mark.parametrize("value", [-1, "60", 1.5, True])
def test_a_malformed_setting_is_an_error(settings, value):
    settings.ROLLOUT_RECHECK_SECONDS = value
    assert [e.id for e in check_settings()] == ["rollout.E001"]


@pytest.mark.parametrize("value", [30, [30, -1], ["7"], "30,7"])
def test_a_malformed_list_setting_is_an_error(settings, value):
    settings.ROLLOUT_REMINDER_DAYS = value
    assert [e.id for e in check_settings()] == ["rollout.E001"]


def test_missing_cutover_middleware_is_an_error(settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != "rollout.middleware.CutoverMiddleware"]
    assert [e.id for e in check_cutover_middleware()] == ["rollout.E002"]


def test_cutover_middleware_before_authentication_is_an_error(settings):
    settings.MIDDLEWARE = ["rollout.middleware.CutoverMiddleware", *settings.MIDDLEWARE]
    settings.MIDDLEWARE = list(dict.fromkeys(settings.MIDDLEWARE))
    assert [e.id for e in check_cutover_middleware()] == ["rollout.E003"]
