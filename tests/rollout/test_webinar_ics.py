"""The iCalendar builder (RFC 5545) behind "Adicionar à agenda (.ics)": pure, no database."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from rollout import ics

BRT = ZoneInfo("America/Sao_Paulo")
STAMP = dt.datetime(2027, 2, 1, 9, 30, tzinfo=dt.UTC)


def event(**fields: object) -> ics.CalendarEvent:
    defaults: dict[str, object] = dict(
        uid="0b6c5f0e-8a55-4a8e-9a51-3d1f7c3c2a10",
        sequence=0,
        start=dt.datetime(2027, 3, 10, 14, 0, tzinfo=BRT),
        end=dt.datetime(2027, 3, 10, 15, 30, tzinfo=BRT),
        summary="Certificado A3 na prática",
        description="Como comprar e instalar o certificado.",
        url="https://webinar.inss.gov.br/sala/a3",
    )
    return ics.CalendarEvent(**{**defaults, **fields})  # type: ignore[arg-type]


def unfolded(data: bytes) -> list[str]:
    """The content lines, continuation lines joined back (RFC 5545 §3.1)."""
    text = data.decode("utf-8")
    assert text.endswith("\r\n")
    return text[:-2].replace("\r\n ", "").split("\r\n")


def properties(data: bytes) -> dict[str, str]:
    return dict(line.split(":", 1) for line in unfolded(data))


def test_the_file_is_one_vevent_in_a_vcalendar_with_crlf_line_endings():
    data = ics.calendar(event(), stamp=STAMP)
    text = data.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    assert text.endswith("END:VEVENT\r\nEND:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")  # no bare LF (nor CR)
    assert text.count("BEGIN:VEVENT") == 1


def test_times_are_utc_with_z_whatever_zone_they_come_in():
    found = properties(ics.calendar(event(), stamp=STAMP))
    # 14h00 in Brasília (UTC−3, no daylight saving time since 2019) is 17:00 UTC
    assert found["DTSTART"] == "20270310T170000Z"
    assert found["DTEND"] == "20270310T183000Z"
    assert found["DTSTAMP"] == "20270201T093000Z"


def test_the_event_carries_uid_sequence_summary_description_url_and_location():
    found = properties(ics.calendar(event(sequence=3), stamp=STAMP))
    assert found["UID"] == "0b6c5f0e-8a55-4a8e-9a51-3d1f7c3c2a10"
    assert found["SEQUENCE"] == "3"
    assert found["SUMMARY"] == "Certificado A3 na prática"
    assert found["DESCRIPTION"] == "Como comprar e instalar o certificado."
    assert found["URL"] == "https://webinar.inss.gov.br/sala/a3"
    assert found["LOCATION"] == "https://webinar.inss.gov.br/sala/a3"
    assert found["STATUS"] == "CONFIRMED"


def test_a_cancelled_event_says_status_cancelled():
    assert properties(ics.calendar(event(cancelled=True), stamp=STAMP))["STATUS"] == "CANCELLED"


def test_commas_semicolons_backslashes_and_newlines_are_escaped_in_text():
    summary = "Dúvidas; respostas, e C:\\caminho"
    description = "Linha 1\nLinha 2\r\nLinha 3"
    found = properties(ics.calendar(event(summary=summary, description=description), stamp=STAMP))
    assert found["SUMMARY"] == "Dúvidas\\; respostas\\, e C:\\\\caminho"
    assert found["DESCRIPTION"] == "Linha 1\\nLinha 2\\nLinha 3"


def test_a_url_with_a_comma_is_escaped_as_location_but_not_as_url():
    url = "https://webinar.inss.gov.br/sala?a=1,2;b"
    found = properties(ics.calendar(event(url=url), stamp=STAMP))
    assert found["URL"] == url
    assert found["LOCATION"] == "https://webinar.inss.gov.br/sala?a=1\\,2\\;b"


def test_long_lines_are_folded_at_75_octets_without_splitting_a_character():
    description = "Orientações sobre certificação digital é ação conjunta — " * 8  # many 2- and 3-octet characters
    data = ics.calendar(event(description=description), stamp=STAMP)
    physical = data.split(b"\r\n")[:-1]
    assert max(len(line) for line in physical) <= 75
    assert any(len(line) >= 73 for line in physical), "long lines are filled up, not cut early"
    for line in physical:
        line.decode("utf-8")  # each physical line is valid UTF-8 on its own: no character split
    assert properties(data)["DESCRIPTION"] == ics.escape_text(description)


def test_fold_keeps_a_line_of_exactly_75_octets_whole():
    assert ics.fold("X" * 75) == "X" * 75
    assert ics.fold("X" * 76) == "X" * 75 + "\r\n X"
    assert ics.fold("X" * 150) == "X" * 75 + "\r\n " + "X" * 74 + "\r\n X"


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError, match="naive"):
        ics.calendar(event(start=dt.datetime(2027, 3, 10, 14, 0)), stamp=STAMP)  # noqa: DTZ001


def test_an_event_ending_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="ends after"):
        ics.calendar(event(end=dt.datetime(2027, 3, 10, 13, 0, tzinfo=BRT)), stamp=STAMP)


@pytest.mark.parametrize("url", ["", "https://exemplo.gov.br/a b", "https://exemplo.gov.br/\r\nX-INJECTED:1"])
def test_a_url_that_would_break_the_file_is_refused(url):
    with pytest.raises(ValueError, match="URI"):
        ics.calendar(event(url=url), stamp=STAMP)
