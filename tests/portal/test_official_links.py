"""Help leads somewhere: the official addresses (support, the ITI's list of ARs, the Portal de Atendimento) are
settings with the INSS guidance's defaults, and every page that sends the user there links them."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.utils import timezone

from certauth.icp.errors import Reason
from certauth.messages import TEXTS
from certauth.responses import audit_unavailable_response, rejection_response
from portal import checks, official_links
from portal.official_links import with_links

SUPPORT = "https://suporte.inss.gov.br/act"
AR_LIST = "https://listaars.iti.gov.br"
PAT = "https://atendimento.inss.gov.br"
OTHER_SUPPORT = "https://suporte.exemplo.gov.br/chamados?categoria=ACT&origem=portal"
OTHER_AR_LIST = "https://ars.exemplo.gov.br/lista"
OTHER_PAT = "https://pat.exemplo.gov.br/"

AR_PHRASE = "Autoridade de Registro (AR) credenciada pelo ITI"
SUPPORT_PHRASE = "canal de atendimento do INSS às entidades parceiras"


def link(url: str, text: str) -> str:
    return f'<a href="{url.replace("&", "&amp;")}">{text}</a>'


def browser() -> Client:
    return Client(HTTP_HOST=settings.PORTAL_HOSTNAME)


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def other_addresses(settings):
    settings.PORTAL_SUPPORT_URL = OTHER_SUPPORT
    settings.PORTAL_AR_LIST_URL = OTHER_AR_LIST
    settings.PORTAL_PAT_URL = OTHER_PAT


# ---------------------------------------------------------------------------------------------- the settings


def test_the_settings_default_to_the_addresses_of_the_inss_guidance():
    assert (settings.PORTAL_SUPPORT_URL, settings.PORTAL_AR_LIST_URL, settings.PORTAL_PAT_URL) == (
        SUPPORT,
        AR_LIST,
        PAT,
    )
    assert official_links.addresses() == {
        "support_url": SUPPORT,
        "ar_list_url": AR_LIST,
        "pat_url": PAT,
        "support_category": "Certificado Digital ACT",
    }


def test_the_default_addresses_pass_the_check():
    assert checks.check_official_addresses() == []


@pytest.mark.parametrize("name", ["PORTAL_SUPPORT_URL", "PORTAL_AR_LIST_URL", "PORTAL_PAT_URL"])
@pytest.mark.parametrize(
    "value", ["javascript:alert(1)", "http://suporte.inss.gov.br/act", "suporte.inss.gov.br", 'https://x.gov.br/"a']
)
def test_an_address_that_is_not_https_is_a_configuration_error(name, value, settings):
    setattr(settings, name, value)
    assert [m.id for m in checks.check_official_addresses()] == ["portal.E003"]


def test_an_empty_address_is_allowed(settings):
    settings.PORTAL_SUPPORT_URL = settings.PORTAL_AR_LIST_URL = settings.PORTAL_PAT_URL = ""
    assert checks.check_official_addresses() == []


# ---------------------------------------------------------------------------------------------- with_links


def test_with_links_turns_each_known_phrase_into_a_link_to_its_address():
    html = with_links(f"Adquira com uma {AR_PHRASE}; ou abra um chamado no suporte.", official_links.addresses())
    assert html == (f"Adquira com uma {link(AR_LIST, AR_PHRASE)}; ou {link(SUPPORT, 'abra um chamado no suporte')}.")


def test_with_links_escapes_the_text_and_the_address():
    html = with_links(f'<script>alert("x")</script> {AR_PHRASE} & mais', {"ar_list_url": 'https://x.gov.br/?a=1&b="2"'})
    assert html == (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; "
        f'<a href="https://x.gov.br/?a=1&amp;b=&quot;2&quot;">{AR_PHRASE}</a> &amp; mais'
    )


def test_with_links_leaves_a_phrase_as_text_when_its_address_is_not_set():
    assert with_links(f"Uma {AR_PHRASE}.", {"ar_list_url": ""}) == f"Uma {AR_PHRASE}."


# ---------------------------------------------------------------------------------------------- error pages


def rejection_page(reason: Reason, method: str = "") -> str:
    request = RequestFactory().get("/entrar/certificado/", secure=True)
    response = rejection_response(request, reason, reference="ABCDE-FGHIJ", at=timezone.now(), method=method)
    return text_of(response)


STEPS_WITH_AR = [reason for reason, text in TEXTS.items() if any("credenciada pelo ITI" in s for s in text.next_steps)]


def test_some_refusals_send_the_user_to_an_ar():
    assert {Reason.CERT_EXPIRED, Reason.CERT_REVOKED, Reason.CERT_NOT_A3, Reason.PASSWORD_RETIRED} <= set(STEPS_WITH_AR)


@pytest.mark.parametrize("reason", STEPS_WITH_AR, ids=str)
def test_every_refusal_that_sends_the_user_to_an_ar_links_the_itis_list(reason, db):
    page = rejection_page(reason)
    assert link(AR_LIST, AR_PHRASE) in page, f"{reason}: the step naming an AR does not link the ITI's list"


@pytest.mark.parametrize("reason", STEPS_WITH_AR, ids=str)
def test_the_ar_link_of_the_steps_follows_the_setting(reason, db, other_addresses):
    page = rejection_page(reason)
    assert link(OTHER_AR_LIST, AR_PHRASE) in page and AR_LIST not in page


def test_a_step_that_says_to_open_a_ticket_links_the_support_channel(db):
    page = rejection_page(Reason.CERT_REVOCATION_UNKNOWN)
    assert f"Se o problema continuar, {link(SUPPORT, 'abra um chamado no suporte')}." in page


@pytest.mark.parametrize("reason", [Reason.CERT_EXPIRED, Reason.MEMBER_UNKNOWN, Reason.PASSWORD_RETIRED], ids=str)
def test_refusal_pages_link_the_support_channel(reason, db):
    assert f"Abra um chamado no {link(SUPPORT, SUPPORT_PHRASE)}." in rejection_page(reason)


def test_refusal_pages_link_the_support_channel_of_the_setting(db, other_addresses):
    page = rejection_page(Reason.CERT_EXPIRED)
    assert f"Abra um chamado no {link(OTHER_SUPPORT, SUPPORT_PHRASE)}." in page
    assert SUPPORT not in page


def test_without_a_support_address_the_pages_name_the_channel_without_a_link(db, settings):
    settings.PORTAL_SUPPORT_URL = ""
    page = rejection_page(Reason.CERT_EXPIRED)
    assert f"Abra um chamado no {SUPPORT_PHRASE}." in page and SUPPORT not in page


@pytest.mark.parametrize("method", ["", "password"])
def test_the_audit_unavailable_page_links_the_support_channel(method, db, settings):
    request = RequestFactory().get("/entrar/certificado/", secure=True)
    page = text_of(audit_unavailable_response(request, reference="ABCDE-FGHIJ", at=timezone.now(), method=method))
    assert f"Abra um chamado no {link(SUPPORT, SUPPORT_PHRASE)}." in page
    settings.PORTAL_SUPPORT_URL = OTHER_SUPPORT
    page = text_of(audit_unavailable_response(request, reference="ABCDE-FGHIJ", at=timezone.now(), method=method))
    assert f"Abra um chamado no {link(OTHER_SUPPORT, SUPPORT_PHRASE)}." in page


def test_the_not_found_page_links_the_support_channel(db, settings):
    assert f"Abra um chamado no {link(SUPPORT, SUPPORT_PHRASE)}." in text_of(browser().get("/nao-existe/", secure=True))
    settings.PORTAL_SUPPORT_URL = OTHER_SUPPORT
    page = text_of(browser().get("/nao-existe/", secure=True))
    assert f"Abra um chamado no {link(OTHER_SUPPORT, SUPPORT_PHRASE)}." in page


def test_the_server_error_page_links_the_support_channel(db, settings):
    """Rendered without the request (the database may be what failed): the addresses still come from the settings."""
    from portal.views import server_error

    settings.PORTAL_SUPPORT_URL = OTHER_SUPPORT
    page = text_of(server_error(RequestFactory().get("/")))
    assert f"Abra um chamado no {link(OTHER_SUPPORT, SUPPORT_PHRASE)}." in page
    assert 'href="https://atendimento.inss.gov.br" id="rodape-link-pat"' in page


# ---------------------------------------------------------------------------------------------- guidance, footer


def test_the_guidance_page_links_the_three_addresses(db):
    page = text_of(browser().get("/orientacoes/", secure=True))
    assert (
        f'Lista oficial das ARs credenciadas, publicada pelo ITI: <a href="{AR_LIST}">listaars.iti.gov.br</a>.' in page
    )
    assert f"os serviços da sua entidade continuam no {link(PAT, 'Portal de Atendimento do INSS')}" in page
    assert f'Abra um chamado no <a href="{SUPPORT}">canal de atendimento do INSS às entidades parceiras</a>' in page
    assert "(suporte.inss.gov.br/act)" in page, "the address itself is readable (printed guidance)"


def test_the_guidance_page_follows_the_settings(db, other_addresses):
    page = text_of(browser().get("/orientacoes/", secure=True))
    for url in (OTHER_SUPPORT, OTHER_AR_LIST, OTHER_PAT):
        assert f'href="{url.replace("&", "&amp;")}"' in page
    for url in (SUPPORT, AR_LIST, PAT):
        assert url not in page


@pytest.mark.parametrize("path", ["/", "/cronograma/", "/orientacoes/", "/entrar/senha/"])
def test_the_footer_links_the_three_addresses(path, db):
    page = text_of(browser().get(path, secure=True))
    footer = page[page.index('<footer class="br-footer rodape"') :]
    assert f'Suporte: <a href="{SUPPORT}" id="rodape-link-suporte">{SUPPORT_PHRASE}</a>' in footer
    assert f'<a href="{PAT}" id="rodape-link-pat">Portal de Atendimento do INSS</a>' in footer
    assert f'<a href="{AR_LIST}" id="rodape-link-ars">' in footer


def test_the_footer_follows_the_settings(db, other_addresses):
    footer = text_of(browser().get("/", secure=True)).split('<footer class="br-footer rodape"')[1]
    assert f'href="{OTHER_SUPPORT.replace("&", "&amp;")}" id="rodape-link-suporte"' in footer
    assert f'href="{OTHER_PAT}" id="rodape-link-pat"' in footer
    assert f'href="{OTHER_AR_LIST}" id="rodape-link-ars"' in footer


def test_the_home_page_links_the_itis_list_where_it_says_where_to_buy(db, settings):
    page = text_of(browser().get("/", secure=True))
    assert f'<a href="{AR_LIST}" id="link-ars">{AR_PHRASE}</a>' in page
    settings.PORTAL_AR_LIST_URL = OTHER_AR_LIST
    assert f'<a href="{OTHER_AR_LIST}" id="link-ars">' in text_of(browser().get("/", secure=True))


def test_the_admin_login_page_links_the_support_channel(db, settings):
    page = text_of(browser().get("/admin/login/", secure=True))
    assert f'Problemas de acesso: <a href="{SUPPORT}" id="link-suporte">canal de atendimento do INSS</a>' in page
    settings.PORTAL_SUPPORT_URL = OTHER_SUPPORT
    page = text_of(browser().get("/admin/login/", secure=True))
    assert f'href="{OTHER_SUPPORT.replace("&", "&amp;")}" id="link-suporte"' in page
