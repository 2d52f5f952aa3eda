"""``same_site_path``, the one judge of every ``next`` (the views: tests/portal/test_redirect_targets.py)."""

from __future__ import annotations

import pytest

from certauth.redirects import same_site_path
from tests.portal.test_redirect_targets import HOSTILE


@pytest.mark.parametrize("target", [*HOSTILE, "", None, "painel/", "?next=/x", "#x"])
def test_anything_but_a_path_here_is_refused(target):
    assert same_site_path(target) is None


@pytest.mark.parametrize(
    "target", ["/", "/painel/", "/admin/portal/member/?q=Maria&o=1", "/a/%2F%2Fevil.example", "/x#y"]
)
def test_a_path_here_is_kept_as_it_is(target):
    assert same_site_path(target) == target
