"""Pages on the screens they are read on: a phone (360×640) and a computer (1280×800), in the real browser behind the
real nginx, gunicorn and Content-Security-Policy.

On every page: nothing wider than its box (no text spilling out, no button label cut, no page that scrolls
sideways). On the pages made of tables (the schedule, the migration status pages, the admin's entity and schedule
lists): every cell of every column on screen, not in a scrolled-away part of the table, with its column's name in
sight (the heading, or the label a phone card writes before the value). Charts: no text under 10.5 px as drawn, and
none cut by the chart's edge. Screenshots of each page at each size go to the test's temporary folder.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.utils import timezone

from certauth.models import LoginAttempt
from portal.models import EntityKind, Member, Membership
from tests.conftest import LAWYER
from tests.e2e.browser.conftest import AXE_SCRIPT, BLOCKING_IMPACTS, TokenBrowser
from tests.e2e.conftest import E2EStack, register_psc

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = (360, 640)
COMPUTER = (1280, 800)
SIZES = (PHONE, COMPUTER)
#: Chart text drawn smaller than this (CSS px) is not read on a phone (the charts once shrank to 5 px).
MIN_CHART_TEXT_PX = 10.5

#: Every element whose content is wider than its box, and a page that scrolls sideways.
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (typeof el.className === "string" && el.className.trim() ? "." + el.className.trim().split(/\\s+/).join(".") : "")
    + ' "' + (el.innerText || el.textContent || "").trim().replace(/\\s+/g, " ").slice(0, 50) + '"';
  if (document.documentElement.scrollWidth > width + 1) {
    found.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} px wide on a ${width} px screen`);
  }
  for (const el of document.body.querySelectorAll("*")) {
    if (el.closest("svg")) continue;  // drawings: checked by CHART_JS
    const style = getComputedStyle(el);
    if (!el.checkVisibility({visibilityProperty: true})) continue;
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1 || el.clientWidth === 0) continue;  // visually hidden, empty, inline
    if (el.scrollWidth > el.clientWidth + 1) {
      found.push(`${name(el)}: content ${el.scrollWidth} px wide in a ${el.clientWidth} px box`
        + ` (overflow-x: ${style.overflowX})`);
    } else if (box.right > width + 1 || box.left < -1) {
      found.push(`${name(el)}: from ${Math.round(box.left)} to ${Math.round(box.right)} px on a ${width} px screen`);
    }
  }
  return found;
}"""

#: Every non-empty cell of a table: on screen (not in a clipped or scrolled-away part) and its column named in sight.
COLUMNS_JS = """(selector) => {
  const width = document.documentElement.clientWidth;
  const table = document.querySelector(selector);
  if (!table) return [`no ${selector} on the page`];
  const onScreen = (el) => {
    const box = el.getBoundingClientRect();
    if (box.width < 1 || box.height < 1 || box.left < -0.5 || box.right > width + 0.5) return false;
    for (let up = el.parentElement; up; up = up.parentElement) {
      if (getComputedStyle(up).overflowX === "visible") continue;
      const clip = up.getBoundingClientRect();
      if (box.left < clip.left - 0.5 || box.right > clip.right + 0.5) return false;
    }
    return true;
  };
  const headings = [...table.querySelectorAll("thead th")];
  const names = headings.map((th) => th.innerText.trim().replace(/\\s+/g, " "));
  const found = [];
  for (const row of table.querySelectorAll("tbody tr, tfoot tr")) {
    const cells = [...row.children];
    if (cells.length === 1) continue;  // "Nenhuma …"
    const rowName = cells.map((c) => c.innerText.trim()).find((t) => t) || "?";
    cells.forEach((cell, index) => {
      const column = names[index] || `coluna ${index + 1}`;
      if (!cell.innerText.trim()) return;
      if (!onScreen(cell)) {
        const box = cell.getBoundingClientRect();
        found.push(`${rowName} / ${column}: off screen (${Math.round(box.left)}–${Math.round(box.right)} px)`);
        return;
      }
      const label = getComputedStyle(cell, "::before").content;
      const named = (headings[index] && onScreen(headings[index])) || label.includes(column)
        || cell.classList.contains("cartao__titulo");
      if (!named) found.push(`${rowName} / ${column}: the value shows but not which column it is`);
    });
  }
  return found;
}"""

#: The charts on screen: text size as drawn, text inside the chart, chart inside the screen.
CHART_JS = """(minimum) => {
  const width = document.documentElement.clientWidth;
  const found = [];
  let shown = 0;
  for (const svg of document.querySelectorAll("svg.grafico")) {
    const box = svg.getBoundingClientRect();
    if (box.width === 0) continue;  // the drawing for the other kind of screen
    shown += 1;
    const title = svg.querySelector("title").textContent;
    const view = svg.viewBox.baseVal;
    const scale = box.width / view.width;
    if (box.right > width + 0.5) found.push(`${title}: ${Math.round(box.right)} px wide on a ${width} px screen`);
    for (const text of svg.querySelectorAll("text")) {
      const size = parseFloat(getComputedStyle(text).fontSize) * scale;
      const words = text.textContent;
      if (size < minimum) found.push(`${title}: "${words}" drawn at ${size.toFixed(1)} px`);
      const b = text.getBBox();
      if (b.x < view.x - 0.5 || b.x + b.width > view.x + view.width + 0.5 || b.y < view.y - 0.5
          || b.y + b.height > view.y + view.height + 0.5) {
        found.push(`${title}: "${words}" cut by the chart's edge (${b.x.toFixed(0)}–${(b.x + b.width).toFixed(0)}`
          + ` in 0–${view.width})`);
      }
    }
  }
  if (!shown) found.push("no chart on screen");
  return found;
}"""


# ---------------------------------------------------------------------------------------------- helpers


def look_at(page: Page, label: str, shots: Path, *, tables: tuple[str, ...] = (), charts: bool = False) -> list[str]:
    """Every problem of the page now open, at each size (a screenshot of each in ``shots``). Its ``<details>`` are
    opened first: what a user can unfold must fit too."""
    page.evaluate("() => document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    problems = []
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.evaluate("async () => { await document.fonts.ready; return true; }")
        shot = shots / f"{label}-{width}x{height}.png"
        page.screenshot(path=shot, full_page=True)
        found = page.evaluate(OVERFLOW_JS)
        for selector in tables:
            found += page.evaluate(COLUMNS_JS, selector)
        if charts:
            found += page.evaluate(CHART_JS, MIN_CHART_TEXT_PX)
        problems += [f"{label} at {width}×{height} ({shot.name}): {problem}" for problem in found]
    return problems


def axe(page: Page, base_url: str, label: str) -> list[str]:
    """axe-core's serious and critical findings, at each size, under the page's real CSP: the script is served from
    the page's own origin (routed by the browser), not inlined."""
    script_url = f"{base_url}/__axe-core-do-teste__.js"
    page.route(script_url, lambda route: route.fulfill(path=AXE_SCRIPT, content_type="text/javascript"))
    page.add_script_tag(url=script_url)
    found = []
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        results: dict[str, Any] = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        for violation in results["violations"]:
            if violation["impact"] in BLOCKING_IMPACTS:
                for node in violation["nodes"]:
                    found.append(f"{label} at {width}×{height}: {violation['id']} {' '.join(map(str, node['target']))}")
    return found


def goto(browser: TokenBrowser, url: str) -> None:
    response = browser.goto(url)
    assert response is not None and response.status == 200, (url, response and response.status, browser.page.url)


def status_data(entity_factory: Any) -> None:
    """Entities and members in three superintendências with the same count of A3 members, refusals with long reasons
    and logins of every method today: what makes the tables and charts of the status pages full."""
    from rollout.models import GerenciaExecutiva, Superintendencia

    now = timezone.now()
    gex = GerenciaExecutiva.objects.create(
        code="gex-sao-paulo-centro",
        name="GEX São Paulo — Centro e Zona Leste Metropolitana",
        superintendencia=Superintendencia.objects.get(code="sudeste-1"),
        contact_email="gex.sp.centro@inss.example",
    )
    for n, uf in enumerate(("SP", "RJ", "MG")):
        entity = entity_factory(
            code=f"OAB-{uf}-0001",
            name=f"OAB {uf} — Subseção 0001 de nome bem comprido",
            uf=uf,
            kind=EntityKind.OAB,
            gex=gex if uf == "SP" else None,
        )
        for m in range(3):
            member = Member.objects.create(
                cpf=f"{n}{m}".ljust(11, "7"),
                name=f"Advogada {uf} {m} de Nome Completo Bastante Longo",
                first_a3_login_at=now - dt.timedelta(days=10) if m else None,
                last_certificate_login_at=now - dt.timedelta(days=1) if m else None,
                certificate_not_after=now + dt.timedelta(days=20),
            )
            Membership.objects.create(member=member, entity=entity)
    for n, code in enumerate(("CERT_REVOCATION_UNKNOWN", "OAB_MISMATCH", "CERT_EXPIRED")):
        LoginAttempt.objects.create(
            reference=f"RECUS-{n:05d}",
            method="certificate",
            outcome="rejected",
            code=code,
            organization_code="OAB-SP-0001",
        )
    for n, method in enumerate(("certificate", "cloud", "password")):
        LoginAttempt.objects.create(
            reference=f"ACEIT-{n:05d}", method=method, outcome="accepted", organization_code="OAB-RJ-0001"
        )


# ---------------------------------------------------------------------------------------------- tests


def test_public_pages_fit_a_phone_and_a_computer_and_the_schedule_shows_every_column(
    e2e_stack: E2EStack, launch_browser: Any, psc: Any, tmp_path: Path
) -> None:
    register_psc(psc, adapter="vidaas")  # a PSC with push: "Receber notificação no celular" on the choice page
    browser = launch_browser(None)
    page = browser.page
    problems = []

    goto(browser, f"{e2e_stack.portal}/")
    problems += look_at(page, "inicio", tmp_path)
    goto(browser, f"{e2e_stack.portal}/entrar/senha/")
    problems += look_at(page, "senha", tmp_path)
    goto(browser, f"{e2e_stack.portal}/cronograma/")
    problems += look_at(page, "cronograma", tmp_path, tables=("#cronograma",))
    problems += axe(page, e2e_stack.portal, "cronograma")

    page.set_viewport_size({"width": 1280, "height": 800})
    goto(browser, f"{e2e_stack.portal}/entrar/nuvem/")
    page.get_by_label("CPF").fill(LAWYER.cpf)
    with page.expect_navigation(url=re.compile(re.escape(e2e_stack.portal) + r"/entrar/nuvem/[\w-]+/$")):
        page.click("#continuar")
    assert page.get_by_role("button", name="Receber notificação no celular").count() == 1
    problems += look_at(page, "nuvem-escolha", tmp_path)

    assert not problems, "\n".join(problems)


def test_status_pages_show_every_column_and_readable_charts_on_a_phone_and_a_computer(
    e2e_stack: E2EStack, launch_browser: Any, lawyer_token: Any, staff_factory: Any, entity_factory: Any, tmp_path: Path
) -> None:
    staff_factory(LAWYER.cpf, superuser=True)  # INSS staff entering with their own A3 token
    status_data(entity_factory)
    browser = launch_browser(lawyer_token)
    page = browser.page
    problems = []

    goto(browser, f"{e2e_stack.portal}/acompanhamento/")  # → the certificate login → back here
    assert page.url == f"{e2e_stack.portal}/acompanhamento/", page.url
    problems += look_at(page, "acompanhamento", tmp_path, tables=("#superintendencias",), charts=True)
    problems += axe(page, e2e_stack.portal, "acompanhamento")
    goto(browser, f"{e2e_stack.portal}/acompanhamento/sudeste-1/")
    problems += look_at(page, "acompanhamento-sudeste-1", tmp_path, tables=("#gerencias", "#entidades"), charts=True)
    problems += axe(page, e2e_stack.portal, "acompanhamento-sudeste-1")
    goto(browser, f"{e2e_stack.portal}/acompanhamento/gex/gex-sao-paulo-centro/")
    problems += look_at(page, "acompanhamento-gex", tmp_path, tables=("#entidades",))
    problems += axe(page, e2e_stack.portal, "acompanhamento-gex")
    goto(browser, f"{e2e_stack.portal}/acompanhamento/entidade/OAB-SP-0001/")
    problems += look_at(page, "acompanhamento-entidade", tmp_path, tables=("#tabela-membros", "#tabela-recusas"))
    problems += axe(page, e2e_stack.portal, "acompanhamento-entidade")

    assert not problems, "\n".join(problems)


def test_admin_entity_and_schedule_lists_show_every_column_on_a_computer(
    e2e_stack: E2EStack, launch_browser: Any, lawyer_token: Any, staff_factory: Any, entity_factory: Any, tmp_path: Path
) -> None:
    staff_factory(LAWYER.cpf, superuser=True)
    status_data(entity_factory)
    browser = launch_browser(lawyer_token)
    page = browser.page
    page.set_viewport_size({"width": COMPUTER[0], "height": COMPUTER[1]})
    problems = []

    goto(browser, f"{e2e_stack.login_url}?next=/admin/")  # the admin is entered with the staff member's token
    for label, path in (("admin-entidades", "/admin/portal/partnerentity/"), ("admin-etapas", "/admin/rollout/wave/")):
        goto(browser, f"{e2e_stack.portal}{path}")
        assert page.url == f"{e2e_stack.portal}{path}", page.url
        shot = tmp_path / f"{label}-1280x800.png"
        page.screenshot(path=shot, full_page=True)
        problems += [f"{label} ({shot.name}): {p}" for p in page.evaluate(COLUMNS_JS, "#result_list")]

    assert not problems, "\n".join(problems)
