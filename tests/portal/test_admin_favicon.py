"""Every admin page names the portal's icon: a page without one makes the browser ask for /favicon.ico, a 404 logged
on every admin page (checked in a browser in tests/e2e/browser/test_admin_favicon_browser.py)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from portal.permissions import MANAGEMENT_GROUP

pytestmark = pytest.mark.django_db

ICON = re.compile(r'<link rel="icon" href="/static/portal/favicon(\.[0-9a-f]+)?\.svg" type="image/svg\+xml">')


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:index"),
        reverse("admin:portal_partnerentity_changelist"),
        reverse("admin:portal_partnerentity_add"),
        reverse("admin:portal_member_changelist"),
        reverse("admin:certauth_loginattempt_changelist"),
        reverse("admin:password_change"),
    ],
)
def test_admin_pages_name_the_portal_icon(url, staff_factory, staff_login):
    client = staff_login(staff_factory(groups=(MANAGEMENT_GROUP,)))

    response = client.get(url, secure=True)

    assert response.status_code == 200, url
    assert len(ICON.findall(response.content.decode())) == 1, url


def test_the_admin_sign_in_page_names_the_portal_icon():
    response = Client(HTTP_HOST="localhost").get(reverse("admin:login"), secure=True)

    assert response.status_code == 200
    assert len(ICON.findall(response.content.decode())) == 1
