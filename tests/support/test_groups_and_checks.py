"""The support group and the lookup permission after ``migrate``, and the app's settings check."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.checks import run_checks

from portal.groups import ensure_groups
from portal.permissions import MANAGEMENT_GROUP, NATIONAL_VIEW_GROUP, regional_group_name
from rollout.regions import SUPERINTENDENCIAS
from support.groups import ensure_support_access
from support.roles import PERMISSION_CODENAME, SUPPORT_GROUP

pytestmark = pytest.mark.django_db


def codenames(name: str) -> set[str]:
    return set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))


def test_the_support_group_holds_the_lookup_and_nothing_else() -> None:
    assert codenames(SUPPORT_GROUP) == {PERMISSION_CODENAME}


def test_national_and_regional_groups_hold_the_lookup_after_every_migrate() -> None:
    ensure_groups()  # portal's receiver sets its groups' permissions from its own list…
    ensure_support_access()  # …and this app's, run after it, adds the lookup again
    for name in (MANAGEMENT_GROUP, NATIONAL_VIEW_GROUP, *(regional_group_name(r.name) for r in SUPERINTENDENCIAS)):
        assert PERMISSION_CODENAME in codenames(name), name
    assert codenames(SUPPORT_GROUP) == {PERMISSION_CODENAME}


@pytest.mark.parametrize("value", [0, 101, "10", True])
def test_a_bad_number_of_recent_attempts_is_a_configuration_error(settings, value) -> None:
    settings.SUPPORT_RECENT_ATTEMPTS = value
    assert "support.E001" in {m.id for m in run_checks()}


def test_the_default_settings_pass_the_check() -> None:
    assert "support.E001" not in {m.id for m in run_checks()}
