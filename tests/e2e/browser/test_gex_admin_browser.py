"""The Gerências-Executivas in the admin (issue 19 §1) in a real browser, at desktop and phone sizes: the list and a
GEX's form for the management group, and an entity's form for the GEX's own management group (code, UF and GEX
read-only)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from certauth.icp.builder import PersonSpec
from portal.models import PartnerEntity
from portal.permissions import MANAGEMENT_GROUP
from rollout.models import GerenciaExecutiva, Superintendencia
from tests.e2e.browser.conftest import browser_env, launch_chromium, new_nss_db
from tests.e2e.conftest import E2EStack

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_gex_admin_pages_read_well_on_desktop_and_phone(
    pw, e2e_stack: E2EStack, staff_factory, browser_factory, pki, certauth_settings, tmp_path: Path
):
    gex = GerenciaExecutiva.objects.create(
        code="gex-sao-paulo-centro",
        name="GEX São Paulo — Centro",
        superintendencia=Superintendencia.objects.get(code="sudeste-1"),
        contact_email="gex.centro@inss.example",
    )
    entity = PartnerEntity.objects.create(code="OAB-SP", name="OAB — Seção São Paulo", kind="oab", uf="SP", gex=gex)
    gex.refresh_from_db()
    national = staff_factory(groups=(MANAGEMENT_GROUP,))
    local = staff_factory("08301661305", groups=(gex.gestao_group.name,))
    shots = Path(os.environ.get("GEX_SHOTS", tmp_path))
    home = tmp_path / "home"
    (home / ".pki" / "nssdb").mkdir(parents=True)
    env = browser_env(home)
    new_nss_db(home / ".pki" / "nssdb", env, e2e_stack.tls_root)
    browser, context = launch_chromium(pw, env)
    try:
        for who, user, pages in (
            (
                "gestao",
                national,
                {
                    "lista": "/admin/rollout/gerenciaexecutiva/",
                    "gex": f"/admin/rollout/gerenciaexecutiva/{gex.pk}/change/",
                },
            ),
            ("gex", local, {"entidade": f"/admin/portal/partnerentity/{entity.pk}/change/"}),
        ):
            curl = browser_factory(pki.issue(PersonSpec("SERVIDOR DO INSS", str(user.cpf)), pki.final))
            assert curl.get(f"{e2e_stack.login_url}?next=/admin/").status == 302
            context.clear_cookies()
            context.add_cookies([{"name": "sessionid", "value": curl.cookies()["sessionid"], "url": e2e_stack.portal}])
            page = context.new_page()
            for name, path in pages.items():
                for width, height in ((1280, 800), (360, 640)):
                    page.set_viewport_size({"width": width, "height": height})
                    response = page.goto(f"{e2e_stack.portal}{path}", wait_until="load")
                    assert response is not None and response.status == 200, (path, response and response.status)
                    page.screenshot(path=shots / f"gex-{who}-{name}-{width}x{height}.png", full_page=True)
            if who == "gestao":
                page.goto(f"{e2e_stack.portal}/admin/rollout/gerenciaexecutiva/")
                assert "GEX São Paulo — Centro" in page.inner_text("#result_list")
            else:
                text = page.inner_text("#content")
                assert "GEX São Paulo — Centro" in text and "OAB-SP" in text
                assert page.locator("select[name=gex]").count() == 0 and page.locator("select[name=uf]").count() == 0
            page.close()
    finally:
        try:
            context.close()
            browser.close()
        except Exception as exc:
            print(f"closing the browser: {exc}", file=sys.stderr)
