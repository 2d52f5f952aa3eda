"""A refusal page's buttons say what they open: after a password refusal ("Acesso com senha encerrado") they are the
certificate logins, by name, token and cloud alike — never a "Tentar novamente" that opens another method. Also the
password form's CPF field (digits keyboard, a placeholder) and the entity choice marking the entity in use."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.utils import timezone

from certauth.icp.errors import Reason
from certauth.responses import rejection_response
from tests.conftest import LAWYER
from tests.portal.test_password_login import PASSWORD

BRT = ZoneInfo("America/Sao_Paulo")
SP_CUTOVER = dt.datetime(2024, 5, 17, 0, 0, tzinfo=BRT)
JUNE = dt.datetime(2024, 6, 1, 10, 0, tzinfo=BRT)
CERT_LOGIN = f"{settings.CERT_LOGIN_BASE_URL}/entrar/certificado/"
CLOUD_LOGIN = f"{settings.PORTAL_BASE_URL}/entrar/nuvem/"

pytestmark = pytest.mark.django_db


def browser() -> Client:
    return Client(HTTP_HOST=settings.PORTAL_HOSTNAME)


def buttons(page: str) -> list[tuple[str, str]]:
    """(href, label) of the buttons under "O que fazer"."""
    actions = re.search(r'<p class="acoes">(.*?)</p>', page, re.S).group(1)
    return [
        (href, re.sub(r"<[^>]+>", "", label).strip())
        for href, label in re.findall(r'<a class="br-button [a-z]+" href="([^"]*)"[^>]*>(.*?)</a>', actions, re.S)
    ]


def test_password_retired_offers_the_certificate_logins_by_name(password_member, time_machine):
    password_member(uf="SP")
    time_machine.move_to(SP_CUTOVER, tick=False)
    response = browser().post("/entrar/senha/", {"cpf": LAWYER.cpf, "password": PASSWORD}, secure=True)
    assert response["X-Error-Code"] == "PASSWORD_RETIRED"
    assert buttons(response.content.decode()) == [
        (CERT_LOGIN, "Entrar com certificado digital"),
        (CLOUD_LOGIN, "Entrar com certificado em nuvem"),
        (f"{settings.PORTAL_BASE_URL}/", "Voltar à página inicial"),
    ]
    assert "Tentar novamente" not in response.content.decode()


def test_a_password_session_ended_at_the_cutover_offers_the_same(password_member, time_machine):
    password_member(uf="SP")
    time_machine.move_to(SP_CUTOVER - dt.timedelta(minutes=1), tick=False)
    client = browser()
    assert client.post("/entrar/senha/", {"cpf": LAWYER.cpf, "password": PASSWORD}, secure=True).status_code == 302
    time_machine.move_to(SP_CUTOVER, tick=False)
    response = client.get("/painel/", secure=True)
    assert response["X-Error-Code"] == "PASSWORD_RETIRED"
    assert [label for _, label in buttons(response.content.decode())][:2] == [
        "Entrar com certificado digital",
        "Entrar com certificado em nuvem",
    ]


def test_a_locked_out_password_user_is_not_told_to_try_again_by_a_certificate_button(password_member, time_machine):
    password_member(uf="RS")
    time_machine.move_to(JUNE, tick=False)
    client = browser()
    for _ in range(5):
        client.post("/entrar/senha/", {"cpf": LAWYER.cpf, "password": "errada"}, secure=True)
    response = client.post("/entrar/senha/", {"cpf": LAWYER.cpf, "password": PASSWORD}, secure=True)
    assert response["X-Error-Code"] == "LOCKED_OUT"
    labels = [label for _, label in buttons(response.content.decode())]
    assert "Tentar novamente" not in labels and labels[0] == "Entrar com certificado digital"


def page_for(reason: Reason, method: str, retry_url: str = "") -> str:
    request = RequestFactory().get("/", secure=True)
    response = rejection_response(
        request, reason, reference="ABCDE-FGHIJ", at=timezone.now(), method=method, retry_url=retry_url
    )
    return response.content.decode()


def test_a_password_session_that_expired_also_offers_the_password_login():
    assert [label for _, label in buttons(page_for(Reason.SESSION_EXPIRED, "password"))] == [
        "Entrar com certificado digital",
        "Entrar com certificado em nuvem",
        "Entrar com CPF e senha",
        "Voltar à página inicial",
    ]


def test_a_certificate_refusal_still_tries_the_certificate_again():
    assert buttons(page_for(Reason.CERT_EXPIRED, "certificate"))[0] == (CERT_LOGIN, "Tentar novamente")


def test_a_cloud_refusal_still_tries_the_cloud_login_again():
    assert buttons(page_for(Reason.CLOUD_EXPIRED, "cloud", "/entrar/nuvem/"))[0] == (
        "/entrar/nuvem/",
        "Tentar novamente",
    )


# ---------------------------------------------------------------------------------------------- small ones


def test_the_cpf_field_asks_for_digits_and_shows_the_format():
    page = browser().get("/entrar/senha/", secure=True).content.decode()
    field = re.search(r'<input type="text" name="cpf"[^>]*>', page).group(0)
    assert 'inputmode="numeric"' in field
    assert 'placeholder="000.000.000-00"' in field
    assert 'autocomplete="username"' in field


def test_switching_entity_marks_the_entity_in_use(member_factory, entity_factory, login_with, proxy_client):
    member = member_factory(oab="0123456SP", entity=entity_factory(name="Alfa"))
    beta = entity_factory(name="Beta")
    member.memberships.create(entity=beta)
    login_with(LAWYER)
    assert proxy_client.post("/entidade/", {"entity": beta.pk}, secure=True).status_code == 302
    page = proxy_client.get("/entidade/", secure=True).content.decode()
    labels = dict(re.findall(r'<label for="entidade-(\d+)">(.*?)</label>', page, re.S))
    assert 'id="em-uso">em uso</span>' in labels[str(beta.pk)]
    assert "em uso" not in "".join(v for k, v in labels.items() if k != str(beta.pk))
    assert re.search(rf'value="{beta.pk}" required checked', page)
