"""The legacy CPF + password login through nginx: allowed before the entity's cutover, PASSWORD_RETIRED after it,
and nginx slowing one address that tries too often (its own page, with the screenshot facts)."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher

from portal.models import User
from tests.e2e.conftest import (
    BRASILIA_DATETIME,
    Browser,
    assert_audited_once,
    assert_rejection_page,
    element_text,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "uma senha longa de teste"  # noqa: S105


def with_password(member) -> None:
    """The served portal hashes with Argon2 (the tests' own settings use a fast hasher it would not accept)."""
    user = User.objects.create(username=member.cpf, cpf=member.cpf)
    user.password = Argon2PasswordHasher().encode(PASSWORD, Argon2PasswordHasher().salt())
    user.save()
    member.user = user
    member.save()


def post_password(browser: Browser, cpf: str, password: str):
    url = f"{browser.stack.portal}/entrar/senha/"
    form = browser.get(url)
    assert form.status == 200, form
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.body)
    assert token, form
    data = urlencode({"csrfmiddlewaretoken": token.group(1), "cpf": cpf, "password": password})
    return browser.post(
        url,
        data=data,
        headers=[("Content-Type", "application/x-www-form-urlencoded"), ("Referer", url)],
    )


def test_member_of_an_entity_without_a_date_logs_in_with_password(
    e2e_stack, browser_factory, member_factory, entity_factory
):
    member = member_factory("31415926590", name="Lúcia Fernandes", entity=entity_factory(code="OAB-RS", uf="RS"))
    with_password(member)
    browser = browser_factory()

    response = post_password(browser, "314.159.265-90", PASSWORD)

    assert response.status == 302, response
    dashboard = browser.get(f"{e2e_stack.portal}/painel/")
    assert element_text(dashboard.body, "nome-membro") == "Lúcia Fernandes", dashboard


def test_member_of_an_entity_past_its_cutover_gets_password_retired(
    e2e_stack, browser_factory, member_factory, entity_factory
):
    member = member_factory("12398745619", entity=entity_factory(code="OAB-SP", uf="SP"))
    with_password(member)

    response = post_password(browser_factory(), "12398745619", PASSWORD)

    reference = assert_rejection_page(response, "PASSWORD_RETIRED")
    assert "17/05/2024" in response.body
    assert "/orientacoes/" in response.body
    assert_audited_once("PASSWORD_RETIRED", reference)


def test_nginx_slows_an_address_that_tries_too_often(e2e_stack, browser_factory):
    """Runs last in this module: the address stays limited for a couple of minutes (30 a minute, burst 60)."""
    browser = browser_factory()
    responses = [browser.get(f"{e2e_stack.portal}/entrar/senha/") for _ in range(70)]
    statuses = [r.status for r in responses]

    assert statuses[:55] == [200] * 55
    assert 429 in statuses
    # The refused answer itself (a later request may already find a token refilled: 30 a minute).
    limited = responses[statuses.index(429)]
    assert "LOCKED_OUT" in limited.body and "Certificado Digital ACT" in limited.body
    assert BRASILIA_DATETIME.search(limited.body), limited.body
    assert browser.get(f"{e2e_stack.portal}/").status == 200  # the rest of the portal is not limited
