"""A manager, in a real browser with an A3 token, adds a member to her entity and deactivates them; the pages checked
at 1280×800 and 360×640 (nothing cut or overflowing, axe-core) on the way."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from managers.models import EntityManager
from portal.models import Member, Membership
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

NEW = valid_cpf(360000001)
BULK = valid_cpf(360000002)
#: MANAGERS_SCREENSHOTS=<folder> keeps the screenshots there (for a person to look at them).
KEEP_SHOTS = "MANAGERS_SCREENSHOTS"


def test_a_manager_adds_a_member_and_deactivates_them(
    e2e_stack: E2EStack, launch_browser: Any, lawyer_token: Any, member_factory: Any, tmp_path: Path
) -> None:
    manager = member_factory(oab="123456SP")
    entity = manager.entities.get()
    EntityManager.objects.create(member=manager, entity=entity)
    browser = launch_browser(lawyer_token)
    page = browser.page
    login_with_token(browser, e2e_stack)
    problems = look_at(page, "painel-gestor", tmp_path)

    browser.click_and_wait("#link-gestao", f"{e2e_stack.portal}/gestao/{entity.code}/")
    problems += look_at(page, "gestao-lista", tmp_path, tables=("#tabela-membros",))
    problems += axe(page, e2e_stack.portal, "gestao-lista")

    browser.click_and_wait("#link-incluir", f"{e2e_stack.portal}/gestao/{entity.code}/incluir/")
    page.fill("#id_cpf", NEW[:-1] + str((int(NEW[-1]) + 1) % 10))  # a wrong check digit
    page.fill("#id_name", "Carla Nova da Silva")
    page.fill("#id_email", "carla@exemplo.org.br")
    with page.expect_navigation():
        page.click("#incluir")
    expect(page.locator("#resumo-erros")).to_contain_text("CPF inválido: confira os dígitos verificadores.")
    problems += look_at(page, "gestao-incluir-erros", tmp_path)
    problems += axe(page, e2e_stack.portal, "gestao-incluir-erros")

    page.fill("#id_cpf", f"{NEW[:3]}.{NEW[3:6]}.{NEW[6:9]}-{NEW[9:]}")
    page.fill("#id_oab_number", "77777")
    page.select_option("#id_oab_uf", "SP")
    browser.click_and_wait("#incluir", f"{e2e_stack.portal}/gestao/{entity.code}/")
    added = Member.objects.get(cpf=NEW)
    row = page.locator(f"#membro-{added.pk}")
    expect(row).to_contain_text("Carla Nova da Silva")
    expect(row).to_contain_text("Ainda não entrou com A3")
    problems += look_at(page, "gestao-lista-incluido", tmp_path, tables=("#tabela-membros",))

    browser.click_and_wait(f"#desativar-{added.pk}", re.compile(re.escape(f"/gestao/{entity.code}/")))
    expect(page.locator(".br-message").first).to_contain_text("foi desativado(a) nesta entidade")
    assert not Membership.objects.get(member=added, entity=entity).active
    expect(page.locator(f"#membro-{added.pk}")).to_have_count(0)  # the list shows the active ones
    problems += look_at(page, "gestao-lista-desativado", tmp_path, tables=("#tabela-membros",))

    browser.click_and_wait("#link-planilha", f"{e2e_stack.portal}/gestao/{entity.code}/planilha/")
    sheet = f"cpf;nome;e-mail;numero_oab;uf_oab\r\n{BULK};Pessoa Da Planilha;p@exemplo.org.br;4242;SP\r\n1;;;;\r\n"
    page.set_input_files("#id_file", files=[{"name": "membros.csv", "mimeType": "text/csv", "buffer": sheet.encode()}])
    browser.click_and_wait("#enviar-planilha", f"{e2e_stack.portal}/gestao/{entity.code}/planilha/")
    expect(page.locator("#resumo-planilha")).to_have_text("1 incluído, 0 atualizados, 0 sem mudança, 1 recusado.")
    assert Membership.objects.filter(member__cpf=BULK, entity=entity, active=True).exists()
    problems += look_at(page, "gestao-planilha-resultado", tmp_path, tables=("#tabela-resultado",))
    problems += axe(page, e2e_stack.portal, "gestao-planilha-resultado")

    keep_screenshots(tmp_path, KEEP_SHOTS)
    assert not problems, "\n".join(problems)


def test_a_managers_password_session_gets_the_a3_required_page_with_its_facts_on_screen(
    e2e_stack: E2EStack, launch_browser: Any, password_session_member: Any, tmp_path: Path
) -> None:
    EntityManager.objects.create(member=password_session_member, entity=password_session_member.entities.get())
    problems = a3_required_page_problems(
        launch_browser(None),
        e2e_stack,
        password_session_member,
        f"{e2e_stack.portal}/gestao/",
        "MANAGER_A3_REQUIRED",
        "gestao-recusa-senha",
        tmp_path,
    )
    keep_screenshots(tmp_path, KEEP_SHOTS)
    assert not problems, "\n".join(problems)
