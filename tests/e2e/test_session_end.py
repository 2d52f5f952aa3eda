"""Through the real nginx and gunicorn (two workers): an open session ends at its very next request after staff
change the member's access, on whichever worker answers it, with the refusal page and its code."""

from __future__ import annotations

import time

import pytest

from portal.models import EntityStatus, Member, PartnerEntity
from tests.conftest import LAWYER
from tests.e2e.conftest import assert_audited_once, assert_not_logged_in, assert_rejection_page, element_text

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def logged_in(e2e_stack, browser_factory, pki):
    browser = browser_factory(pki.issue(LAWYER.but(oab="123456SP")))
    assert browser.login().status == 302
    for _ in range(4):  # both workers have served this session
        dashboard = browser.get(f"{e2e_stack.portal}/painel/")
        assert element_text(dashboard.body, "nome-membro") == "Maria da Silva", dashboard
    return browser


def test_deactivating_the_member_ends_the_session_at_its_next_request(e2e_stack, browser_factory, member_factory, pki):
    member_factory(oab="123456SP")
    browser = logged_in(e2e_stack, browser_factory, pki)

    member = Member.objects.get(cpf=LAWYER.cpf)
    member.active = False
    saved = time.monotonic()
    member.save()  # what the admin's save does
    response = browser.get(f"{e2e_stack.portal}/painel/")
    elapsed = time.monotonic() - saved

    reference = assert_rejection_page(response, "MEMBER_INACTIVE")
    row = assert_audited_once("MEMBER_INACTIVE", reference)
    assert "Sessão encerrada" in row.detail and row.user_id == member.user_id
    assert_not_logged_in(browser)
    print(f"\nsave → refusal page: {elapsed * 1000:.0f} ms (the next request)")


def test_suspending_the_entity_ends_the_session_at_its_next_request(e2e_stack, browser_factory, member_factory, pki):
    member_factory(oab="123456SP")
    browser = logged_in(e2e_stack, browser_factory, pki)

    entity = PartnerEntity.objects.get(memberships__member__cpf=LAWYER.cpf)
    entity.status = EntityStatus.SUSPENDED
    entity.save()

    reference = assert_rejection_page(browser.get(f"{e2e_stack.portal}/painel/"), "ENTITY_INACTIVE")
    assert_audited_once("ENTITY_INACTIVE", reference)
