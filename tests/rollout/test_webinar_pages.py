"""Webinars where the public reads them: the schedule page, the ``.ics`` files, the banner of password users."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client

from rollout.regions import SUPERINTENDENCIAS

BRT = ZoneInfo("America/Sao_Paulo")
PASSWORD = "senha-antiga-do-portal-123"  # noqa: S105
#: Anexo I: RJ (Sudeste III) has its window until 21/06/2024, A3 from 22/06: a password user there sees the banner.
JUNE = dt.datetime(2024, 6, 1, 10, 0, tzinfo=BRT)
DAY = dt.timedelta(days=1)

pytestmark = pytest.mark.django_db


def browser() -> Client:
    return Client(HTTP_HOST=settings.PORTAL_HOSTNAME)


def schedule_page(at: dt.datetime, time_machine) -> str:
    time_machine.move_to(at, tick=False)
    response = browser().get("/cronograma/", secure=True)
    assert response.status_code == 200
    return response.content.decode()


def listed(page: str, region: str) -> list[str]:
    """Each webinar listed under a superintendência: "title [marks] | when", text only."""
    found = re.search(rf'aria-labelledby="webinars-{region}">(.*?)</section>', page, re.S)
    assert found, f"no section for {region}"
    items = []
    for item in re.findall(r'<li class="webinar[^"]*">(.*?)</li>', found.group(1), re.S):
        title = re.search(r'class="webinar__titulo">(.*?)</p>', item, re.S).group(1)
        when = re.search(r'class="webinar__data">(.*?)</span>', item, re.S).group(1)
        items.append(f"{' '.join(re.sub(r'<[^>]+>', ' ', title).split())} | {when}")
    return items


def item_of(page: str, title: str) -> str:
    pattern = rf'<li class="webinar[^"]*">\s*<p class="webinar__titulo"><strong>{title}</strong>(.*?)</li>'
    found = re.search(pattern, page, re.S)
    assert found, f"{title} not listed"
    return found.group(0)


# ---------------------------------------------------------------- the schedule page


def test_each_region_lists_its_webinars_and_the_national_ones_under_every_region(webinar_factory, time_machine):
    webinar_factory(dt.datetime(2024, 6, 10, 14, 0, tzinfo=BRT), title="Nacional A3")
    webinar_factory(dt.datetime(2024, 6, 5, 9, 30, tzinfo=BRT), "sul", title="Sul A3")
    webinar_factory(dt.datetime(2024, 6, 20, 15, 0, tzinfo=BRT), "nordeste", title="Nordeste A3")

    page = schedule_page(JUNE, time_machine)

    assert listed(page, "sul") == [
        "Sul A3 | 05/06/2024, 09h30 (horário de Brasília)",
        "Nacional A3 Nacional | 10/06/2024, 14h00 (horário de Brasília)",
    ]
    assert listed(page, "nordeste") == [
        "Nacional A3 Nacional | 10/06/2024, 14h00 (horário de Brasília)",
        "Nordeste A3 | 20/06/2024, 15h00 (horário de Brasília)",
    ]
    for region in SUPERINTENDENCIAS:
        assert "Nacional A3 Nacional | 10/06/2024, 14h00 (horário de Brasília)" in listed(page, region.code)


def test_past_webinars_are_not_listed(webinar_factory, time_machine):
    webinar_factory(JUNE - DAY, title="Ontem")
    webinar_factory(JUNE - dt.timedelta(minutes=61), title="Acabou há um minuto")
    webinar_factory(JUNE - dt.timedelta(minutes=30), title="Em andamento")

    page = schedule_page(JUNE, time_machine)

    assert [item.split(" |")[0] for item in listed(page, "sul")] == ["Em andamento Nacional"]
    assert "Ontem" not in page and "Acabou há um minuto" not in page


def test_a_cancelled_webinar_is_marked_without_its_link_and_keeps_its_calendar_file(webinar_factory, time_machine):
    live = webinar_factory(JUNE + DAY, "sul", title="Confirmado", link="https://exemplo.gov.br/confirmado")
    gone = webinar_factory(JUNE + 2 * DAY, "sul", title="Cancelado", link="https://exemplo.gov.br/cancelado")
    gone.cancelled = True
    gone.save()

    page = schedule_page(JUNE, time_machine)

    assert listed(page, "sul") == [
        "Confirmado | 02/06/2024, 10h00 (horário de Brasília)",
        "Cancelado Cancelado | 03/06/2024, 10h00 (horário de Brasília)",
    ]
    confirmed, cancelled = item_of(page, "Confirmado"), item_of(page, "Cancelado")
    assert 'href="https://exemplo.gov.br/confirmado"' in confirmed
    assert f'href="/cronograma/webinars/{live.uid}.ics"' in confirmed and "Adicionar à agenda (.ics)" in confirmed
    assert "https://exemplo.gov.br/cancelado" not in page
    assert f'href="/cronograma/webinars/{gone.uid}.ics"' in cancelled and "Atualizar a agenda (.ics)" in cancelled


def test_without_webinars_the_page_says_none_is_scheduled(time_machine):
    assert "Nenhum webinar agendado no momento." in schedule_page(JUNE, time_machine)


def test_the_webinars_description_is_escaped(webinar_factory, time_machine):
    webinar_factory(JUNE + DAY, title="Com descrição", description="<script>alert(1)</script>\nSegunda linha")
    page = schedule_page(JUNE, time_machine)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>Segunda linha" in page


# ---------------------------------------------------------------- the .ics files


def calendar(uid: object) -> tuple[object, dict[str, str]]:
    response = browser().get(f"/cronograma/webinars/{uid}.ics", secure=True)
    lines = response.content.decode().replace("\r\n ", "").split("\r\n") if response.status_code == 200 else []
    return response, dict(line.split(":", 1) for line in lines if ":" in line)


def test_each_webinar_has_an_ics_file_in_utc(webinar_factory):
    webinar = webinar_factory(
        dt.datetime(2027, 3, 10, 14, 0, tzinfo=BRT), "sul", title="A3, passo a passo", duration_minutes=90
    )

    response, found = calendar(webinar.uid)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="webinar-2027-03-10-14h00.ics"'
    assert response.content.endswith(b"END:VCALENDAR\r\n")
    assert found["UID"] == str(webinar.uid)
    assert (found["DTSTART"], found["DTEND"]) == ("20270310T170000Z", "20270310T183000Z")
    assert found["SUMMARY"] == "A3\\, passo a passo"
    assert found["URL"] == found["LOCATION"] == "https://webinar.inss.gov.br/sala"
    assert found["STATUS"] == "CONFIRMED"
    assert "Superintendência Sul" in found["DESCRIPTION"]


def test_a_cancelled_webinars_ics_has_the_same_uid_a_higher_sequence_and_status_cancelled(webinar_factory):
    webinar = webinar_factory(dt.datetime(2027, 3, 10, 14, 0, tzinfo=BRT))
    _, before = calendar(webinar.uid)

    webinar.cancelled = True
    webinar.save()
    _, after = calendar(webinar.uid)

    assert after["UID"] == before["UID"] == str(webinar.uid)
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after["STATUS"] == "CANCELLED"
    assert after["SUMMARY"].startswith("Cancelada: ")


@pytest.mark.parametrize("uid", ["0b6c5f0e-8a55-4a8e-9a51-3d1f7c3c2a10", "1"])
def test_an_unknown_webinar_has_no_ics_file(uid):
    response = browser().get(f"/cronograma/webinars/{uid}.ics", secure=True)
    assert response.status_code == 404


# ---------------------------------------------------------------- the banner


def password_session() -> Client:
    from tests.conftest import LAWYER

    client = browser()
    response = client.post("/entrar/senha/", {"cpf": LAWYER.cpf, "password": PASSWORD}, secure=True)
    assert response.status_code == 302, response.get("X-Error-Code")
    return client


def banner_webinar(client: Client) -> str | None:
    page = client.get("/painel/", secure=True).content.decode()
    assert 'id="aviso-migracao"' in page, "the banner shows"
    found = re.search(r'<p class="aviso-webinar" id="aviso-webinar">(.*?)</p>', page, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split()) if found else None


def test_the_banner_mentions_the_next_webinar_of_the_readers_region(password_member, webinar_factory, time_machine):
    password_member(uf="RJ")  # Sudeste III
    webinar_factory(JUNE + DAY, title="Nacional antes")
    webinar_factory(JUNE + 3 * DAY, "nordeste", title="Outra região antes")
    webinar_factory(JUNE + 9 * DAY, "sudeste-3", title="RJ depois")
    regional = webinar_factory(JUNE + 5 * DAY, "sudeste-3", title="RJ primeiro")
    time_machine.move_to(JUNE, tick=False)

    client = password_session()

    assert banner_webinar(client) == (
        "Próximo webinar sobre o certificado A3: RJ primeiro , 06/06/2024, 10h00 (horário de Brasília). "
        "Link da transmissão · Adicionar à agenda (.ics)"
    )
    assert f'href="/cronograma/webinars/{regional.uid}.ics"' in client.get("/painel/", secure=True).content.decode()


def test_without_a_regional_webinar_the_banner_mentions_the_next_national_one(
    password_member, webinar_factory, time_machine
):
    password_member(uf="RJ")
    webinar_factory(JUNE + DAY, "sul", title="Sul")
    webinar_factory(JUNE + 4 * DAY, title="Nacional depois")
    webinar_factory(JUNE + 2 * DAY, title="Nacional primeiro")
    time_machine.move_to(JUNE, tick=False)

    assert banner_webinar(password_session()).startswith(
        "Próximo webinar nacional sobre o certificado A3: Nacional primeiro , 03/06/2024, 10h00"
    )


def test_the_banner_never_mentions_a_past_or_cancelled_webinar(password_member, webinar_factory, time_machine):
    password_member(uf="RJ")
    webinar_factory(JUNE - DAY, "sudeste-3", title="Passado")
    webinar_factory(JUNE + DAY, "sudeste-3", title="Cancelado", cancelled=True)
    webinar_factory(JUNE + DAY, title="Nacional cancelado", cancelled=True)
    time_machine.move_to(JUNE, tick=False)
    client = password_session()

    assert banner_webinar(client) is None

    webinar_factory(JUNE + 8 * DAY, title="Nacional")
    assert "Nacional ," in banner_webinar(client)
