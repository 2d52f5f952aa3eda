"""An association's coordinator, in a real browser with an A3 token, follows the association's entities from the
dashboard's link; the pages checked at 1280×800 and 360×640 (nothing cut or overflowing, axe-core); a password
session gets COORDINATOR_A3_REQUIRED with its facts on screen."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from associations.models import AssociatedEntity, Association, Coordinator
from portal.models import EntityKind, Member, Membership
from rollout.models import EntityOverride
from tests.e2e.browser.conftest import a3_required_page_problems, keep_screenshots
from tests.e2e.browser.test_layout import axe, look_at
from tests.e2e.browser.test_token_login import login_with_token
from tests.e2e.conftest import E2EStack
from tests.managers.conftest import valid_cpf

try:
    from playwright.sync_api import expect
except ImportError:  # the browser_tools fixture skips, or fails under PORTAL_REQUIRE_E2E=1, and says why
    expect = None

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

#: ASSOCIATIONS_SCREENSHOTS=<folder> keeps the screenshots there (for a person to look at them).
KEEP_SHOTS = "ASSOCIATIONS_SCREENSHOTS"


def _association(entity_factory: Any) -> Association:
    association = Association.objects.create(code="AAM", name="AAM — Associação Amazonense de Municípios", uf="AM")
    for n, name in enumerate(("Prefeitura Municipal de Manaus", "Prefeitura Municipal de São Gabriel da Cachoeira")):
        entity = entity_factory(code=f"MUN-{n}", name=name, kind=EntityKind.MUNICIPIO, uf="AM")
        AssociatedEntity.objects.create(association=association, entity=entity)
        for m in range(3):
            member = Member.objects.create(
                cpf=valid_cpf(370000001 + 10 * n + m),
                name=f"Servidor {n}-{m}",
                first_a3_login_at=timezone.now() if m == 0 else None,
            )
            Membership.objects.create(member=member, entity=entity)
        if n == 0:
            EntityOverride.objects.create(
                entity=entity, cutover_on=timezone.localdate() + dt.timedelta(days=20), reason="teste"
            )
    return association


def test_a_coordinator_follows_the_associations_entities(
    e2e_stack: E2EStack,
    launch_browser: Any,
    lawyer_token: Any,
    member_factory: Any,
    entity_factory: Any,
    tmp_path: Path,
) -> None:
    coordinator = member_factory(oab="123456SP")
    Coordinator.objects.create(member=coordinator, association=_association(entity_factory))
    browser = launch_browser(lawyer_token)
    page = browser.page
    login_with_token(browser, e2e_stack)
    problems = look_at(page, "painel-coordenador", tmp_path)
    browser.click_and_wait("#link-associacao", f"{e2e_stack.portal}/associacao/AAM/")
    expect(page.locator("#entidade-MUN-0")).to_contain_text("33,3%")
    expect(page.locator("#total-membros")).to_have_text("6")
    problems += look_at(page, "associacao-entidades", tmp_path, tables=("#tabela-entidades",))
    problems += axe(page, e2e_stack.portal, "associacao-entidades")
    with page.expect_download() as download:
        page.click("#exportar-sem-a3")
    assert download.value.suggested_filename.startswith("sem-a3-AAM-")
    keep_screenshots(tmp_path, KEEP_SHOTS)
    assert not problems, "\n".join(problems)


def test_a_coordinators_password_session_gets_the_a3_required_page_with_its_facts_on_screen(
    e2e_stack: E2EStack, launch_browser: Any, password_session_member: Any, entity_factory: Any, tmp_path: Path
) -> None:
    Coordinator.objects.create(member=password_session_member, association=_association(entity_factory))
    problems = a3_required_page_problems(
        launch_browser(None),
        e2e_stack,
        password_session_member,
        f"{e2e_stack.portal}/associacao/AAM/",
        "COORDINATOR_A3_REQUIRED",
        "associacao-recusa-senha",
        tmp_path,
    )
    keep_screenshots(tmp_path, KEEP_SHOTS)
    assert not problems, "\n".join(problems)
