"""Webinars in a real browser behind the real nginx, gunicorn and Content-Security-Policy: the schedule's lists (one
cancelled) and a password user's banner naming the next webinar of the region, at 1280×800 and 360×640 (nothing cut
or overflowing, axe-core)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from rollout.models import EntityOverride, Superintendencia, Webinar
from tests.e2e.browser.conftest import keep_screenshots, login_with_password
from tests.e2e.browser.test_layout import axe, look_at
from tests.e2e.conftest import E2EStack

try:
    from playwright.sync_api import expect
except ImportError:  # the browser_tools fixture skips, or fails under PORTAL_REQUIRE_E2E=1, and says why
    expect = None

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

#: WEBINAR_SCREENSHOTS=<folder> keeps the screenshots there (for a person to look at them: ``keep_screenshots``).


def webinars() -> None:
    """A national webinar with a long title, one of the Superintendência Sul, and a cancelled one."""
    sul = Superintendencia.objects.get(code="sul")
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=3)
    Webinar.objects.create(
        title="Certificado digital A3: como migrar o acesso da sua entidade, passo a passo, do pedido à instalação",
        description="O que muda com a Portaria Conjunta nº 96/2024.\nPerguntas ao final.",
        start=start,
        duration_minutes=90,
        link="https://webinar.exemplo.gov.br/nacional/uma-sala-com-endereco-bem-comprido-para-ver-se-cabe",
    )
    Webinar.objects.create(
        title="Seccionais da OAB do Sul: dúvidas sobre a migração",
        start=start + dt.timedelta(days=2),
        link="https://webinar.exemplo.gov.br/sul",
        superintendencia=sul,
    )
    Webinar.objects.create(
        title="Encontro cancelado", start=start + dt.timedelta(days=4), link="https://x.gov.br", cancelled=True
    )


def test_the_schedules_webinars_and_the_banners_next_webinar_fit_a_phone_and_a_computer(
    e2e_stack: E2EStack, launch_browser: Any, entity_factory: Any, member_factory: Any, tmp_path: Path
) -> None:
    from tests.e2e.test_password_login import with_password

    entity = entity_factory(code="OAB-SC", uf="SC")  # Superintendência Sul
    today = timezone.localdate()
    EntityOverride.objects.create(entity=entity, cutover_on=today + dt.timedelta(days=30), reason="teste")
    member = member_factory("31415926590", name="Lúcia Fernandes", entity=entity)
    with_password(member)
    webinars()
    browser = launch_browser(None)
    page = browser.page

    response = browser.goto(f"{e2e_stack.portal}/cronograma/")
    assert response is not None and response.status == 200
    expect(page.locator("#webinars-sul ~ ul .webinar")).to_have_count(3)
    expect(page.locator(".webinar--cancelado .webinar__link")).to_have_count(0)
    problems = look_at(page, "cronograma-webinars", tmp_path)
    problems += axe(page, e2e_stack.portal, "cronograma-webinars")

    login_with_password(browser, e2e_stack, member)
    response = browser.goto(f"{e2e_stack.portal}/painel/")
    assert response is not None and response.status == 200
    expect(page.locator("#aviso-webinar")).to_contain_text("Seccionais da OAB do Sul: dúvidas sobre a migração")
    expect(page.locator("#aviso-webinar")).to_contain_text("(horário de Brasília)")
    problems += look_at(page, "painel-aviso-webinar", tmp_path)
    problems += axe(page, e2e_stack.portal, "painel-aviso-webinar")
    for width, height in ((1280, 800), (360, 640)):
        page.set_viewport_size({"width": width, "height": height})
        page.evaluate("() => window.scrollTo(0, 0)")
        expect(page.locator("#aviso-webinar"), f"at {width}x{height}").to_be_in_viewport()

    keep_screenshots(tmp_path, "WEBINAR_SCREENSHOTS")
    assert not problems, "\n".join(problems)
