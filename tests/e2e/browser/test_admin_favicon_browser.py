"""Admin pages in a real browser load the portal's icon. Without one a browser asks every admin page for /favicon.ico
(a 404 in the logs; headless Chromium skips that default request, so the test checks the icon the page names, and
that nothing asks for /favicon.ico)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from certauth.icp.builder import PersonSpec
from portal.permissions import MANAGEMENT_GROUP
from tests.e2e.browser.conftest import browser_env, launch_chromium, new_nss_db
from tests.e2e.conftest import E2EStack

if TYPE_CHECKING:
    from playwright.sync_api import Response

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PAGES = ("/admin/", "/admin/portal/partnerentity/", "/admin/portal/partnerentity/add/", "/admin/portal/member/")


def test_admin_pages_load_the_portal_icon_and_never_ask_for_favicon_ico(
    pw, e2e_stack: E2EStack, staff_factory, browser_factory, pki, tmp_path: Path
):
    # A staff member's session, opened through nginx with their certificate (the admin's only way in).
    staff = staff_factory(groups=(MANAGEMENT_GROUP,))
    curl = browser_factory(pki.issue(PersonSpec("SERVIDOR DO INSS", str(staff.cpf)), pki.final))
    login = curl.get(f"{e2e_stack.login_url}?next=/admin/")
    assert login.status == 302 and login.header("Location") == f"{e2e_stack.portal}/admin/", login
    home = tmp_path / "home-admin"
    nssdb = home / ".pki" / "nssdb"
    nssdb.mkdir(parents=True)
    env = browser_env(home)
    new_nss_db(nssdb, env, e2e_stack.tls_root)
    browser, context = launch_chromium(pw, env)
    try:
        context.add_cookies([{"name": "sessionid", "value": curl.cookies()["sessionid"], "url": e2e_stack.portal}])
        page = context.new_page()
        icons: list[tuple[str, int]] = []

        def record(response: Response) -> None:
            if "favicon" in response.url:
                icons.append((response.url.removeprefix(e2e_stack.portal), response.status))

        page.on("response", record)
        seen = {}
        for path in PAGES:
            response = page.goto(f"{e2e_stack.portal}{path}", wait_until="load")
            assert response is not None and response.status == 200, (path, response and response.status)
            assert page.url == f"{e2e_stack.portal}{path}", page.url  # the staff session, not the sign-in page
            page.wait_for_timeout(300)  # the icon is fetched after the load event
            seen[path] = sorted(set(icons))
            icons.clear()
        page.set_viewport_size({"width": 360, "height": 640})
        page.screenshot(path=tmp_path / "admin-360x640.png")
    finally:
        try:
            context.close()
            browser.close()
        except Exception as exc:  # a dead browser must not hide the test's own failure
            print(f"closing the admin browser: {exc}", file=sys.stderr)

    for path, requests in seen.items():
        assert [url for url, _ in requests if url.startswith("/favicon.ico")] == [], (path, requests)
        assert [status for url, status in requests if url.startswith("/static/portal/favicon")] == [200], (
            path,
            requests,
        )
