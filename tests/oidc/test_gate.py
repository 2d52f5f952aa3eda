"""The Portaria at the provider: which sessions get a code, and how sessions nobody visits end their clients' access
(the worker's sweep)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client as WebClient

from oidc.models import Client, LogoutDelivery, SessionClient
from oidc.session_check import check_session, sweep
from portal import session_keys
from portal.models import PortalSession
from portal.session_access import end_sessions
from rollout.models import EntityOverride
from tests.conftest import LAWYER, MEMBER_PASSWORD, STAFF
from tests.oidc.test_provider import authorize, code_of, exchange, id_token_claims

BRT = ZoneInfo("America/Sao_Paulo")
JUNE = dt.datetime(2024, 6, 1, 10, 0, tzinfo=BRT)


@pytest.fixture
def browser() -> WebClient:
    return WebClient(HTTP_HOST=settings.PORTAL_HOSTNAME)


def password_login(browser: WebClient) -> None:
    response = browser.post("/entrar/senha/", {"cpf": LAWYER.cpf, "password": MEMBER_PASSWORD}, secure=True)
    assert response.status_code == 302, response.content[:300]


def test_a_password_session_gets_passwd_and_the_instant_password_access_ends(
    rp: Client, password_member: Callable[..., Any], browser: WebClient, time_machine: Any
) -> None:
    time_machine.move_to(JUNE, tick=False)
    member = password_member(uf="RS", name="OAB RS")  # Anexo I: RS has no date
    EntityOverride.objects.create(entity=member.entities.get(), cutover_on=dt.date(2024, 7, 1), reason="teste")
    password_login(browser)
    claims = id_token_claims(json.loads(exchange(code_of(authorize(browser))).content)["id_token"])
    assert claims["amr"] == ["passwd"]
    assert claims["acr"] == "urn:inss:a3:acr:senha"
    assert claims["password_access_until"] == dt.datetime(2024, 7, 1, tzinfo=BRT).isoformat()
    assert "certificate" not in claims


def test_an_a3_only_client_sends_a_password_session_to_the_certificate_login(
    rp: Client, password_member: Callable[..., Any], browser: WebClient, time_machine: Any
) -> None:
    time_machine.move_to(JUNE, tick=False)
    password_member(uf="RS", name="OAB RS")
    rp.a3_only = True
    rp.save()
    password_login(browser)
    response = authorize(browser)
    assert response.status_code == 302
    target = urlparse(response["Location"])
    assert f"{target.scheme}://{target.netloc}" == settings.CERT_LOGIN_BASE_URL
    assert target.path == "/entrar/certificado/"
    assert urlparse(parse_qs(target.query)["next"][0]).path == "/oidc/authorize/"
    assert not SessionClient.objects.exists()


def test_a_password_session_past_its_cutover_gets_no_code_but_the_password_retired_page(
    rp: Client, password_member: Callable[..., Any], browser: WebClient, time_machine: Any
) -> None:
    time_machine.move_to(JUNE, tick=False)
    member = password_member(uf="RS", name="OAB RS")
    password_login(browser)
    EntityOverride.objects.create(entity=member.entities.get(), cutover_on=dt.date(2024, 6, 1), reason="teste")
    response = authorize(browser)
    assert response.status_code == 403
    assert response["X-Error-Code"] == "PASSWORD_RETIRED"
    assert not SessionClient.objects.exists()
    assert session_keys.LOGGED_IN_AT not in browser.session


def test_a_staff_session_without_a_member_record_gets_no_code(
    rp: Client, staff_factory: Callable[..., Any], staff_login: Callable[..., WebClient]
) -> None:
    staff = staff_login(staff_factory(STAFF.cpf))
    response = authorize(staff)
    assert response.status_code == 403
    assert response["X-Error-Code"] == "MEMBER_UNKNOWN"
    assert not SessionClient.objects.exists()


def test_a_member_of_several_entities_chooses_one_before_the_code(
    rp: Client,
    login_with: Callable[..., Any],
    member_factory: Callable[..., Any],
    entity_factory: Callable[..., Any],
    proxy_client: WebClient,
) -> None:
    member = member_factory(LAWYER.cpf)
    member.memberships.create(entity=entity_factory(name="Outra entidade"))
    login_with(LAWYER)
    response = authorize(proxy_client)
    target = urlparse(response["Location"])
    assert target.path == "/entidade/"
    assert parse_qs(target.query)["next"][0].startswith("/oidc/authorize/?")


def linked_session(
    rp: Client, login_with: Callable[..., Any], member_factory: Callable[..., Any], browser: WebClient
) -> Any:
    member = member_factory(LAWYER.cpf)
    login_with(LAWYER)
    exchange(code_of(authorize(browser)))
    member.refresh_from_db()
    return member


def test_staff_ending_the_sessions_ends_the_client_link_at_the_next_sweep(
    rp: Client, login_with: Callable[..., Any], member_factory: Callable[..., Any], proxy_client: WebClient
) -> None:
    member = linked_session(rp, login_with, member_factory, proxy_client)
    assert sweep() == 0, "checked at the authorization: nothing due yet"
    end_sessions(user_ids=[member.user_id])
    assert sweep() == 1
    link = SessionClient.objects.get()
    assert link.ended_at is not None and link.end_reason == "SESSION_ENDED"
    assert LogoutDelivery.objects.filter(session_client=link).exists()
    assert not PortalSession.objects.exists()


def test_a_session_whose_row_expired_ends_its_links(
    rp: Client, login_with: Callable[..., Any], member_factory: Callable[..., Any], proxy_client: WebClient
) -> None:
    linked_session(rp, login_with, member_factory, proxy_client)
    PortalSession.objects.all().delete()
    sweep()
    assert SessionClient.objects.get().end_reason == "SESSION_GONE"
    assert LogoutDelivery.objects.count() == 1


def test_the_background_check_is_not_the_users_activity(
    rp: Client, login_with: Callable[..., Any], member_factory: Callable[..., Any], proxy_client: WebClient
) -> None:
    linked_session(rp, login_with, member_factory, proxy_client)
    key = proxy_client.session.session_key
    store = proxy_client.session
    store[session_keys.LAST_SEEN] = int(store[session_keys.LAST_SEEN]) - 600
    store.save()
    before = proxy_client.session[session_keys.LAST_SEEN]
    assert check_session(key).open
    assert proxy_client.session[session_keys.LAST_SEEN] == before
    assert check_session(key, touch=True).open
    assert proxy_client.session[session_keys.LAST_SEEN] > before


def test_an_idle_session_ends_its_links_naming_the_idle_limit(
    rp: Client, login_with: Callable[..., Any], member_factory: Callable[..., Any], proxy_client: WebClient
) -> None:
    linked_session(rp, login_with, member_factory, proxy_client)
    store = proxy_client.session
    store[session_keys.LAST_SEEN] = int(store[session_keys.LAST_SEEN]) - settings.SESSION_IDLE_MINUTES * 60 - 5
    store.save()
    proxy_client.get("/painel/", secure=True)
    assert SessionClient.objects.get().end_reason == "SESSION_IDLE"
    assert LogoutDelivery.objects.count() == 1
