"""Logout ends the Django session on the portal host; a new login needs the login link again."""

from __future__ import annotations

import pytest

from tests.conftest import LAWYER
from tests.e2e.conftest import assert_not_logged_in, element_text

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_logout_with_csrf_token_ends_the_session(e2e_stack, browser_factory, member_factory, pki):
    member_factory(oab="123456SP")
    browser = browser_factory(pki.issue(LAWYER))
    assert browser.login().status == 302
    dashboard = browser.get(f"{e2e_stack.portal}/painel/")
    assert element_text(dashboard.body, "nome-membro") == "Maria da Silva", dashboard
    cookies = browser.cookies()
    session, csrf = cookies["sessionid"], cookies["csrftoken"]

    response = browser.post(
        f"{e2e_stack.portal}/sair/",
        data="",
        headers=[("X-CSRFToken", csrf), ("Referer", f"{e2e_stack.portal}/painel/")],
    )

    assert response.status == 302, response
    assert response.header("Location") == "/", response
    home = browser.get(f"{e2e_stack.portal}/")
    assert home.status == 200
    assert 'id="entrar-certificado"' in home.body
    assert_not_logged_in(browser)
    # The old session cookie on its own (a copy kept elsewhere) opens nothing either.
    stale = browser_factory(None)
    replay = stale.get(f"{e2e_stack.portal}/painel/", headers=[("Cookie", f"sessionid={session}")])
    assert replay.status == 302, replay
    assert replay.header("Location") == "/?next=/painel/"


def test_logout_without_csrf_token_is_refused_and_keeps_the_session(e2e_stack, browser_factory, member_factory, pki):
    member_factory(oab="123456SP")
    browser = browser_factory(pki.issue(LAWYER))
    assert browser.login().status == 302

    response = browser.post(f"{e2e_stack.portal}/sair/", data="", headers=[("Referer", f"{e2e_stack.portal}/painel/")])

    assert response.status == 403, response
    dashboard = browser.get(f"{e2e_stack.portal}/painel/")
    assert dashboard.status == 200
    assert element_text(dashboard.body, "nome-membro") == "Maria da Silva"
