"""The support desk's lookup by reference (issue 19 §4) in a real browser, at desktop and phone sizes: the form, an
attempt's page (masked, nothing wider than the screen) and the unknown-reference page."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from certauth.icp.builder import A1_POLICY, PersonSpec
from certauth.icp.facts import CertificateFacts
from certauth.models import LoginAttempt, LoginMethod, Outcome
from support.roles import SUPPORT_GROUP
from tests.e2e.browser.conftest import browser_env, launch_chromium, new_nss_db
from tests.e2e.conftest import E2EStack

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

HOLDER = PersonSpec("MARIA APARECIDA DOS SANTOS OLIVEIRA", "52601815906", policy_oid=A1_POLICY)


def test_the_lookup_reads_well_on_desktop_and_phone(
    pw, e2e_stack: E2EStack, staff_factory, member_factory, entity_factory, browser_factory, pki, tmp_path: Path
):
    entity = entity_factory(code="OAB-SP", name="OAB — Seção São Paulo", uf="SP")
    member_factory(HOLDER.cpf, name="Maria Aparecida dos Santos Oliveira", entity=entity)
    facts = CertificateFacts.of(pki.issue(HOLDER, pki.final).certificate)
    LoginAttempt.objects.create(
        reference="A1A1A-00001",
        method=LoginMethod.CERTIFICATE,
        outcome=Outcome.REJECTED,
        code="CERT_NOT_A3",
        detail="O certificado é do tipo A1, pela sua política de certificação; o portal aceita A3 e A4.",
        cpf=HOLDER.cpf,
        holder_name=HOLDER.name,
        cert_serial=facts.serial_hex,
        cert_subject=facts.subject,
        cert_issuer=facts.issuer,
        cert_fingerprint=facts.fingerprint_sha256,
        cert_not_after=facts.not_after,
        ip="198.51.100.23",
    )
    staff = staff_factory(groups=(SUPPORT_GROUP,))
    curl = browser_factory(pki.issue(PersonSpec("ATENDENTE DO SUPORTE", str(staff.cpf)), pki.final))
    assert curl.get(f"{e2e_stack.login_url}?next=/suporte/consulta/").status == 302
    home = tmp_path / "home"
    (home / ".pki" / "nssdb").mkdir(parents=True)
    env = browser_env(home)
    new_nss_db(home / ".pki" / "nssdb", env, e2e_stack.tls_root)
    browser, context = launch_chromium(pw, env)
    shots = Path(os.environ.get("SUPPORT_SHOTS", tmp_path))
    try:
        context.add_cookies([{"name": "sessionid", "value": curl.cookies()["sessionid"], "url": e2e_stack.portal}])
        page = context.new_page()
        pages = {
            "formulario": ("/suporte/consulta/", 200),
            "tentativa": ("/suporte/consulta/A1A1A-00001/", 200),
            "desconhecida": ("/suporte/consulta/ZZZZZ-ZZZZZ/", 404),
        }
        for name, (path, status) in pages.items():
            for width, height in ((1280, 800), (360, 640)):
                page.set_viewport_size({"width": width, "height": height})
                response = page.goto(f"{e2e_stack.portal}{path}", wait_until="load")
                assert response is not None and response.status == status, (path, response and response.status)
                page.screenshot(path=shots / f"suporte-{name}-{width}x{height}.png", full_page=True)
                wide = page.evaluate("document.documentElement.scrollWidth")
                assert wide <= width, f"{name} at {width}px is {wide}px wide"
        page.goto(f"{e2e_stack.portal}/suporte/consulta/")
        page.fill("#campo-referencia", "a1a1a 00001")
        page.click(".consulta-referencia button[type=submit]")
        page.wait_for_url("**/suporte/consulta/A1A1A-00001/")
        body = page.inner_text("main")
        assert "Certificado não é do tipo A3" in body and "listaars.iti.gov.br" in body
        assert "***.018.159-**" in body and "526.018.159-06" not in body and "52601815906" not in page.content()
    finally:
        try:
            context.close()
            browser.close()
        except Exception as exc:
            print(f"closing the browser: {exc}", file=sys.stderr)
