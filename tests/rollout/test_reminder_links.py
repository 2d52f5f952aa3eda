"""Every reminder e-mail, in text and in HTML, links the official addresses it sends people to: the support channel,
and the ITI's list of accredited ARs wherever it says to buy or renew a certificate at one."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from rollout.models import EntityOverride
from tests.rollout.test_reminders import CONTACTS, CUTOVER, MARIA, days_before, remind

BRT = ZoneInfo("America/Sao_Paulo")
SUPPORT = "https://suporte.inss.gov.br/act"
AR_LIST = "https://listaars.iti.gov.br"
AR_PHRASE = "Autoridade de Registro (AR) credenciada pelo ITI"

pytestmark = pytest.mark.django_db


@pytest.fixture
def maria(entity_factory, member_factory):
    """A member without an A3 login of an entity with its own date (01/03/2027) and two contact addresses."""
    entity = entity_factory(
        code="OAB-RS", name="OAB Rio Grande do Sul", uf="RS", contact_email=CONTACTS[0], other_emails=CONTACTS[1]
    )
    EntityOverride.objects.create(entity=entity, cutover_on=CUTOVER, reason="data definida pelo INSS")
    member = member_factory("52601815906", name="Maria da Silva", entity=entity)
    member.email = MARIA
    member.save()
    return member


def messages_of(*when: str) -> dict[str, tuple[str, str]]:
    """(text, html) of every message the runs at ``when`` sent, by template kind: the member's or the contacts'."""
    found: dict[str, tuple[str, str]] = {}
    for at in when:
        mail.outbox.clear()
        remind("--at", at)
        for message in mail.outbox:
            kind = "contatos" if message.to[0] in CONTACTS else "membro"
            found[f"{at} {kind}"] = (message.body, message.alternatives[0][0])
    return found


@pytest.fixture
def every_kind(maria) -> dict[str, tuple[str, str]]:
    """A reminder before the cutover, the access-ended notice (member and contacts) and a certificate's expiry."""
    found = messages_of(days_before(30), "2027-03-03T08:00:00")
    maria.first_a3_login_at = dt.datetime(2027, 4, 1, tzinfo=BRT)
    maria.certificate_not_after = dt.datetime(2027, 6, 20, 15, 30, tzinfo=dt.UTC)
    maria.save()
    found.update(messages_of("2027-05-21T12:00:00"))
    assert len(found) == 5, sorted(found)
    return found


def test_every_reminder_links_the_support_channel_in_text_and_html(every_kind):
    for kind, (text, html) in every_kind.items():
        assert f"canal de atendimento do INSS às entidades parceiras ({SUPPORT})" in text, kind
        assert f'<a href="{SUPPORT}">canal de atendimento do INSS às entidades parceiras</a>' in html, kind


def test_every_reminder_that_sends_people_to_an_ar_links_the_itis_list(every_kind):
    for kind, (text, html) in every_kind.items():
        assert AR_PHRASE in text, kind
        assert f"{AR_PHRASE} (lista oficial: {AR_LIST})" in text, kind
        assert f'<a href="{AR_LIST}">{AR_PHRASE}</a>' in html, kind


def test_the_contacts_are_told_where_to_ask_for_a_members_deactivation(maria):
    text, html = messages_of(days_before(30))[f"{days_before(30)} contatos"]
    assert f"peça a desativação pelo canal de atendimento do INSS ({SUPPORT})." in text
    assert f'peça a desativação pelo <a href="{SUPPORT}">canal de atendimento do INSS</a>.' in html


def test_the_reminders_follow_the_settings(maria, settings):
    settings.PORTAL_SUPPORT_URL = "https://suporte.exemplo.gov.br/act"
    settings.PORTAL_AR_LIST_URL = "https://ars.exemplo.gov.br/"
    for kind, (text, html) in messages_of(days_before(30)).items():
        assert "(https://suporte.exemplo.gov.br/act)" in text and SUPPORT not in text, kind
        assert f'<a href="https://ars.exemplo.gov.br/">{AR_PHRASE}</a>' in html and AR_LIST not in html, kind


def test_without_the_addresses_the_reminders_name_the_places_without_links(maria, settings):
    settings.PORTAL_SUPPORT_URL = ""
    settings.PORTAL_AR_LIST_URL = ""
    for kind, (text, html) in messages_of(days_before(30)).items():
        assert "canal de atendimento do INSS às entidades parceiras, escolha" in text, kind
        assert f"{AR_PHRASE} (a aquisição" in text or f"{AR_PHRASE}. O certificado" in text, kind
        assert SUPPORT not in html and AR_LIST not in html and 'href=""' not in html, kind
