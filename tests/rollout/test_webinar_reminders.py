"""The reminders before the cutover mention the next webinar for the entity's region (national if none regional)."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command

from rollout.models import EntityOverride

BRT = ZoneInfo("America/Sao_Paulo")
CUTOVER = dt.date(2027, 3, 1)  # the entity's own date: A3 from 01/03/2027
THIRTY_DAYS_BEFORE = dt.datetime(2027, 1, 30, 12, 0, tzinfo=BRT)
CONTACT = "secretaria@oabrs.org.br"
MARIA = "maria@exemplo.com.br"

pytestmark = pytest.mark.django_db


@pytest.fixture
def maria(entity_factory, member_factory):
    """A member of OAB-RS (Superintendência Sul) who never logged in with A3, and the section's contact."""
    entity = entity_factory(code="OAB-RS", name="OAB Rio Grande do Sul", uf="RS", contact_email=CONTACT)
    EntityOverride.objects.create(entity=entity, cutover_on=CUTOVER, reason="data definida pelo INSS")
    member = member_factory("52601815906", name="Maria da Silva", entity=entity)
    member.email = MARIA
    member.save()
    return member


def remind(at: dt.datetime) -> dict[str, tuple[str, str]]:
    """recipient → (text, HTML) of each message sent at ``at``."""
    call_command("rollout", "remind", "--at", at.strftime("%Y-%m-%dT%H:%M:%S"), stdout=io.StringIO())
    found = {m.to[0]: (m.body, m.alternatives[0][0]) for m in mail.outbox}
    mail.outbox.clear()
    return found


def test_both_reminders_mention_the_next_webinar_of_the_entitys_region(maria, webinar_factory):
    webinar_factory(dt.datetime(2027, 2, 1, 10, 0, tzinfo=BRT), title="Nacional antes")
    webinar_factory(dt.datetime(2027, 2, 2, 10, 0, tzinfo=BRT), "nordeste", title="Nordeste antes")
    webinar_factory(dt.datetime(2027, 2, 20, 14, 0, tzinfo=BRT), "sul", title="Sul depois")
    sul = webinar_factory(
        dt.datetime(2027, 2, 10, 14, 0, tzinfo=BRT),
        "sul",
        title="Sul: A3 passo a passo",
        link="https://exemplo.gov.br/sul",
    )

    messages = remind(THIRTY_DAYS_BEFORE)

    assert set(messages) == {CONTACT, MARIA}
    ics_url = f"{settings.PORTAL_BASE_URL.rstrip('/')}/cronograma/webinars/{sul.uid}.ics"
    for text, html in messages.values():
        assert (
            "Próximo webinar de orientação sobre o certificado A3: Sul: A3 passo a passo — "
            "10/02/2027, 14h00 (horário de Brasília).\n"
            "Link da transmissão: https://exemplo.gov.br/sul\n"
            f"Adicionar à agenda (.ics): {ics_url}\n"
        ) in text
        assert "<strong>Sul: A3 passo a passo</strong> — 10/02/2027, 14h00 (horário de Brasília)" in html
        assert f'<a href="{ics_url}">Adicionar à agenda (.ics)</a>' in html
        assert "Nacional antes" not in text + html and "Nordeste antes" not in text + html


def test_without_a_regional_webinar_the_next_national_one_is_mentioned(maria, webinar_factory):
    webinar_factory(dt.datetime(2027, 2, 2, 10, 0, tzinfo=BRT), "nordeste", title="Nordeste")
    webinar_factory(dt.datetime(2027, 2, 15, 9, 0, tzinfo=BRT), title="Nacional depois")
    webinar_factory(dt.datetime(2027, 2, 5, 9, 0, tzinfo=BRT), title="Nacional primeiro")

    for text, html in remind(THIRTY_DAYS_BEFORE).values():
        assert (
            "Próximo webinar nacional de orientação sobre o certificado A3: Nacional primeiro — 05/02/2027, 09h00"
            in text
        )
        assert "Nacional primeiro" in html and "Nacional depois" not in text + html


def test_past_and_cancelled_webinars_are_never_mentioned(maria, webinar_factory):
    webinar_factory(THIRTY_DAYS_BEFORE - dt.timedelta(hours=2), "sul", title="Já passou")
    webinar_factory(dt.datetime(2027, 2, 5, 9, 0, tzinfo=BRT), "sul", title="Cancelado", cancelled=True)
    webinar_factory(dt.datetime(2027, 2, 6, 9, 0, tzinfo=BRT), title="Nacional cancelado", cancelled=True)

    messages = remind(THIRTY_DAYS_BEFORE)

    assert set(messages) == {CONTACT, MARIA}
    for text, html in messages.values():
        assert "webinar" not in text.lower() + html.lower()


def test_without_webinars_the_reminders_read_as_before(maria):
    for text, html in remind(THIRTY_DAYS_BEFORE).values():
        assert "webinar" not in text.lower() + html.lower()
        assert "\n\n\n" not in text  # no empty paragraph left where the webinar would be


def test_the_access_ended_messages_mention_no_webinar(maria, webinar_factory):
    webinar_factory(dt.datetime(2027, 3, 5, 9, 0, tzinfo=BRT), "sul", title="Depois do prazo")

    messages = remind(dt.datetime(2027, 3, 2, 12, 0, tzinfo=BRT))  # the day after the cutover

    assert set(messages) == {CONTACT, MARIA}
    for text, html in messages.values():
        assert "Depois do prazo" not in text + html


def test_the_webinars_are_read_once_whatever_the_number_of_entities(
    entity_factory, member_factory, webinar_factory, django_assert_max_num_queries
):
    from rollout.reminders import due_reminders

    webinar_factory(dt.datetime(2027, 2, 5, 9, 0, tzinfo=BRT), "sul")

    def entities(n: int) -> None:
        for _ in range(n):
            entity = entity_factory(uf="RS", contact_email="contato@exemplo.org.br")
            EntityOverride.objects.create(entity=entity, cutover_on=CUTOVER, reason="teste")

    entities(1)
    with django_assert_max_num_queries(10) as one:
        due_reminders(THIRTY_DAYS_BEFORE)
    entities(5)
    with django_assert_max_num_queries(10) as six:
        due_reminders(THIRTY_DAYS_BEFORE)
    assert len(six.captured_queries) == len(one.captured_queries)
