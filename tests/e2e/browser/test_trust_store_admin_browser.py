"""The trust store's admin pages (issue 17) in a real browser, at desktop and phone sizes: the ACs with their
source, validity and situation, and the imports with their report."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from certauth import trust_store
from certauth.icp.builder import PersonSpec
from certauth.models import TrustedAuthority, TrustSource, TrustStoreImport
from portal.permissions import MANAGEMENT_GROUP
from tests.e2e.browser.conftest import browser_env, launch_chromium, new_nss_db
from tests.e2e.conftest import E2EStack

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_trust_store_admin_pages_read_well_on_desktop_and_phone(
    pw, e2e_stack: E2EStack, staff_factory, browser_factory, pki, certauth_settings, tmp_path: Path
):
    now = timezone.now()
    soon = pki.builder.intermediate(pki.level1, "AC Teste Navegador Vence", years=1, valid_from=dt.timedelta(days=-350))
    fresh = pki.builder.intermediate(pki.level1, "AC Teste Navegador Nova", valid_from=dt.timedelta(days=-1))
    trust_store.remember([soon.certificate, fresh.certificate], source=TrustSource.IMPORT, now=now)
    TrustStoreImport.objects.create(
        source="http://acraiz.icpbrasil.gov.br/credenciadas/CertificadosAC-ICP-Brasil/ACcompactado.zip",
        added=2,
        refused=1,
        report="incluída: AC Teste Navegador Nova (ac0.crt), válida até 01/01/2036\n"
        "recusada: AC Raiz Estranha (ac2.crt): é uma raiz (não configurada); raízes nunca vêm de um pacote",
    )
    staff = staff_factory(groups=(MANAGEMENT_GROUP,))
    curl = browser_factory(pki.issue(PersonSpec("SERVIDOR DO INSS", str(staff.cpf)), pki.final))
    assert curl.get(f"{e2e_stack.login_url}?next=/admin/").status == 302
    home = tmp_path / "home"
    (home / ".pki" / "nssdb").mkdir(parents=True)
    env = browser_env(home)
    new_nss_db(home / ".pki" / "nssdb", env, e2e_stack.tls_root)
    browser, context = launch_chromium(pw, env)
    shots = Path(os.environ.get("TRUST_STORE_SHOTS", tmp_path))
    try:
        context.add_cookies([{"name": "sessionid", "value": curl.cookies()["sessionid"], "url": e2e_stack.portal}])
        page = context.new_page()
        first_ac = TrustedAuthority.objects.order_by("subject")[0]
        pages = {
            "acs": "/admin/certauth/trustedauthority/",
            "ac": f"/admin/certauth/trustedauthority/{first_ac.pk}/change/",
            "imports": "/admin/certauth/truststoreimport/",
            "import": f"/admin/certauth/truststoreimport/{TrustStoreImport.objects.get().pk}/change/",
        }
        for name, path in pages.items():
            for width, height in ((1280, 800), (360, 640)):
                page.set_viewport_size({"width": width, "height": height})
                response = page.goto(f"{e2e_stack.portal}{path}", wait_until="load")
                assert response is not None and response.status == 200, (path, response and response.status)
                page.screenshot(path=shots / f"trust-{name}-{width}x{height}.png", full_page=True)
        page.goto(f"{e2e_stack.portal}{pages['acs']}")
        text = page.inner_text("#result_list")
        assert "Vence em até 30 dias" in text and "Em uso" in text and "Importação do conjunto do ITI" in text
    finally:
        try:
            context.close()
            browser.close()
        except Exception as exc:
            print(f"closing the browser: {exc}", file=sys.stderr)
