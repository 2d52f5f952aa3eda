"""The awareness stage's pages: the schedule (``/cronograma/``), the guidance (``/orientacoes/``), the banner."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from rollout.conf import settings as rollout_settings
from rollout.models import EntityOverride, Superintendencia, Wave
from tests.conftest import LAWYER

BRT = ZoneInfo("America/Sao_Paulo")
PASSWORD = "senha-antiga-do-portal-123"  # noqa: S105
COLLEAGUE_CPF = "11144477735"
JUNE = dt.datetime(2024, 6, 1, 10, 0, tzinfo=BRT)
BANNER = 'id="aviso-migracao"'

pytestmark = pytest.mark.django_db


def browser() -> Client:
    return Client(HTTP_HOST=settings.PORTAL_HOSTNAME)


def schedule_rows(at: dt.datetime, time_machine) -> list[tuple[str, ...]]:
    """(status class, etapa, superintendência, UFs, entidades, janela, situação) of each row of the table."""
    time_machine.move_to(at, tick=False)
    response = browser().get("/cronograma/", secure=True)
    assert response.status_code == 200
    page = response.content.decode()
    rows = []
    for css, body in re.findall(r'<tr class="etapa etapa--([a-z-]+)">(.*?)</tr>', page, flags=re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", body, flags=re.S)
        rows.append((css, *(re.sub(r"<[^>]+>", "", cell).strip() for cell in cells)))
    return rows


def test_schedule_lists_every_anexo_i_wave_with_its_status_on_1_june_2024(time_machine):
    assert schedule_rows(JUNE, time_machine) == [
        (
            "concluida",
            "1",
            "Sudeste I",
            "SP",
            "Seccionais da OAB",
            "16/05/2024",
            "Concluída: certificado A3 obrigatório",
        ),
        (
            "em-andamento",
            "2",
            "Norte/Centro-Oeste",
            "DF, GO, MS, MT, TO, PA, AM, RO, AC, AP, RR",
            "Seccionais da OAB",
            "27/05/2024 a 07/06/2024",
            "Em andamento",
        ),
        ("prevista", "3", "Sudeste III", "RJ", "Seccionais da OAB", "10/06/2024 a 21/06/2024", "Prevista"),
        ("prevista", "4", "Sudeste II", "MG, ES", "Seccionais da OAB", "24/06/2024 a 05/07/2024", "Prevista"),
        (
            "prevista",
            "5",
            "Nordeste",
            "BA, SE, AL, PE, PB, RN, CE, PI, MA",
            "Seccionais da OAB",
            "08/07/2024 a 19/07/2024",
            "Prevista",
        ),
        ("prevista", "6", "Sul", "PR, SC", "Seccionais da OAB", "22/07/2024 a 02/08/2024", "Prevista"),
        (
            "a-definir",
            "6",
            "Sul",
            "RS",
            "Seccionais da OAB",
            "a definir",
            "A definir (emergência climática no Rio Grande do Sul)",
        ),
    ]


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        # SP: window 16/05/2024 only; A3 from 17/05 00:00.
        (dt.datetime(2024, 5, 15, 23, 59, 59, tzinfo=BRT), "Prevista"),
        (dt.datetime(2024, 5, 16, 0, 0, tzinfo=BRT), "Em andamento"),
        (dt.datetime(2024, 5, 16, 23, 59, 59, tzinfo=BRT), "Em andamento"),
        (dt.datetime(2024, 5, 17, 0, 0, tzinfo=BRT), "Concluída: certificado A3 obrigatório"),
    ],
)
def test_a_waves_status_changes_at_midnight_in_brasilia(at, expected, time_machine):
    assert schedule_rows(at, time_machine)[0][-1] == expected


def test_the_window_end_day_is_still_in_progress(time_machine):
    norte = 1
    assert schedule_rows(dt.datetime(2024, 6, 7, 23, 59, tzinfo=BRT), time_machine)[norte][-1] == "Em andamento"
    assert schedule_rows(dt.datetime(2024, 6, 8, 0, 0, tzinfo=BRT), time_machine)[norte][-1] == (
        "Concluída: certificado A3 obrigatório"
    )


def test_rs_stays_undefined_whatever_the_date(time_machine):
    rows = schedule_rows(dt.datetime(2025, 1, 1, tzinfo=BRT), time_machine)
    assert rows[-1][-1] == "A definir (emergência climática no Rio Grande do Sul)"
    assert [row[0] for row in rows] == ["concluida"] * 6 + ["a-definir"]


def test_a_wave_added_by_staff_is_listed(time_machine):
    Wave.objects.create(
        number=7,
        name="Etapa 7 — municípios de SP",
        superintendencia=Superintendencia.objects.get(code="sudeste-1"),
        kinds=["municipio"],
        ufs=["SP"],
        window_start=dt.date(2024, 9, 2),
        window_end=dt.date(2024, 9, 13),
    )
    assert schedule_rows(JUNE, time_machine)[-1] == (
        "prevista",
        "7",
        "Sudeste I",
        "SP",
        "Municípios",
        "02/09/2024 a 13/09/2024",
        "Prevista",
    )


def test_schedule_page_links_to_the_guidance_and_cites_the_portaria(time_machine):
    time_machine.move_to(JUNE, tick=False)
    page = browser().get("/cronograma/", secure=True).content.decode()
    assert "Portaria Conjunta DIRBEN/DTI/INSS nº 96/2024" in page
    assert '<a href="/orientacoes/">Orientações sobre o certificado digital A3</a>' in page


def test_guidance_page_has_the_required_content():
    response = browser().get("/orientacoes/", secure=True)
    assert response.status_code == 200
    page = re.sub(r"\s+", " ", response.content.decode())
    # The three forms of an A3 certificate.
    assert "<strong>Token USB</strong>" in page
    assert "<strong>cartão inteligente com leitora</strong>" in page
    assert "<strong>certificado em nuvem</strong>" in page
    assert "A validade do certificado A3 é de 1 a 5 anos" in page
    # Where to get it and who supports it.
    assert "<strong>Autoridade de Registro (AR) credenciada pelo ITI</strong>" in page
    assert "prestado pelo <strong>fornecedor do certificado</strong>" in page
    # The three steps, in order.
    steps = re.search(r'<ol class="passos">(.*?)</ol>', page).group(1)
    items = re.findall(r"<li>(.*?)</li>", steps)
    assert len(items) == 3
    assert items[0].startswith("Conecte o token")
    assert items[1].startswith("Abra o portal")
    assert "PIN do certificado" in items[2]
    # How to report a problem.
    assert "categoria <strong>“Certificado Digital ACT”</strong>" in page
    assert "captura da tela do erro em que apareçam a <strong>data, a hora e a mensagem de erro</strong>" in page
    assert '<a href="/cronograma/">Cronograma de migração</a>' in page


@pytest.mark.parametrize("path", ["/cronograma/", "/orientacoes/"])
def test_the_pages_are_public_and_read_only(path):
    client = browser()
    assert client.get(path, secure=True).status_code == 200
    assert client.head(path, secure=True).status_code == 200
    assert client.post(path, secure=True).status_code == 405


# ---------------------------------------------------------------- the banner


def password_session(cpf: str = LAWYER.cpf) -> Client:
    client = browser()
    response = client.post("/entrar/senha/", {"cpf": cpf, "password": PASSWORD}, secure=True)
    assert response.status_code == 302, response.get("X-Error-Code")
    return client


def banner(client: Client, path: str = "/painel/") -> str | None:
    """The banner's text (whitespace collapsed), or None without a banner."""
    response = client.get(path, secure=True)
    assert response.status_code == 200
    found = re.search(
        r'<div class="aviso-migracao" role="status" id="aviso-migracao">(.*?)</div>', response.content.decode(), re.S
    )
    return re.sub(r"\s+", " ", found.group(1)).strip() if found else None


def test_banner_warns_a_password_user_before_the_cutover(password_member, time_machine):
    password_member(uf="RJ")  # Anexo I: RJ's window ends 21/06/2024, A3 from 22/06
    time_machine.move_to(JUNE, tick=False)
    client = password_session()
    assert banner(client) == (
        "Seu acesso exigirá certificado digital A3 a partir de <strong>22/06/2024</strong> — faltam 21 dias. "
        '<a href="/orientacoes/">Saiba como obter o certificado</a>.'
    )
    assert banner(client, "/cronograma/") is not None, "on every page"


def test_banner_on_the_last_day_with_password(password_member, time_machine):
    password_member(uf="SP")
    time_machine.move_to(dt.datetime(2024, 5, 16, 23, 59, tzinfo=BRT), tick=False)
    text = banner(password_session())
    assert text.startswith("Seu acesso exigirá certificado digital A3 a partir de <strong>17/05/2024</strong> — ")


def test_banner_says_today_is_the_last_day_with_password(password_member, time_machine):
    password_member(uf="SP")
    time_machine.move_to(dt.datetime(2024, 5, 16, 12, 0, tzinfo=BRT), tick=False)
    assert "hoje é o último dia de acesso com senha" in banner(password_session())


def test_banner_shows_at_most_rollout_banner_days_before(password_member, time_machine):
    password_member(uf="RJ")
    days = int(rollout_settings.BANNER_DAYS)  # 120 unless ROLLOUT_BANNER_DAYS is set
    first_day = dt.datetime(2024, 6, 22, 9, 0, tzinfo=BRT) - dt.timedelta(days=days)  # 23/02/2024 by default
    time_machine.move_to(first_day, tick=False)
    assert f"faltam {days} dias" in banner(password_session())
    time_machine.move_to(first_day - dt.timedelta(hours=10), tick=False)  # the day before, 23:00
    assert banner(password_session()) is None


def test_banner_days_follow_the_setting(password_member, settings, time_machine):
    password_member(uf="RJ")
    time_machine.move_to(JUNE, tick=False)  # 21 days before 22/06/2024
    client = password_session()
    settings.ROLLOUT_BANNER_DAYS = 20
    assert banner(client) is None
    settings.ROLLOUT_BANNER_DAYS = 21
    assert "faltam 21 dias" in banner(client)


def test_no_banner_without_a_date(password_member, time_machine):
    password_member(uf="RS")
    time_machine.move_to(JUNE, tick=False)
    assert banner(password_session()) is None


def test_no_banner_for_visitors(time_machine):
    time_machine.move_to(JUNE, tick=False)
    assert banner(browser(), "/cronograma/") is None


def test_no_banner_for_a_certificate_session(
    login_with, proxy_client, member_factory, password_member, entity_factory, time_machine
):
    entity = entity_factory(uf="RS")
    in_ten_days = timezone.now().astimezone(BRT).date() + dt.timedelta(days=10)
    EntityOverride.objects.create(entity=entity, cutover_on=in_ten_days, reason="teste")
    member_factory(entity=entity)  # LAWYER, with a certificate
    password_member(COLLEAGUE_CPF, entity=entity)  # a colleague with a password
    time_machine.move_to(timezone.now(), tick=False)  # not across midnight

    assert "<strong>" + f"{in_ten_days:%d/%m/%Y}" + "</strong>" in banner(password_session(COLLEAGUE_CPF))
    assert login_with(LAWYER).status_code == 302
    assert banner(proxy_client) is None
    assert banner(proxy_client, "/cronograma/") is None
    assert BANNER not in proxy_client.get("/orientacoes/", secure=True).content.decode()
