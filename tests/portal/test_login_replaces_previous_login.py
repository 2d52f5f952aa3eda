"""A login on a browser whose session already belongs to the same account (Django keeps that session's data) replaces
how the session logged in: a certificate login after a password login is a certificate session, never still a
password session (which the cutover would end, and which an "A3 only" OpenID client would send back to the
certificate login, in a loop)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client

from certauth.models import LoginMethod
from certauth.sessions import SESSION_KEY as CERTIFICATE_KEY
from portal import session_keys
from tests.conftest import LAWYER, MEMBER_PASSWORD


def password_login(client: Client) -> None:
    response = client.post("/entrar/senha/", {"cpf": LAWYER.cpf, "password": MEMBER_PASSWORD}, secure=True)
    assert response.status_code == 302, response.content[:500]


def test_a_certificate_login_after_a_password_login_is_a_certificate_session(
    password_member: Callable[..., Any], login_with: Callable[..., Any], proxy_client: Client
) -> None:
    password_member(LAWYER.cpf, code="OAB-RS", uf="RS")
    password_login(proxy_client)
    assert proxy_client.session[session_keys.METHOD] == LoginMethod.PASSWORD

    assert login_with(LAWYER).status_code == 302

    session = proxy_client.session
    assert CERTIFICATE_KEY in session
    assert session.get(session_keys.METHOD) is None
    assert session_keys.PASSWORD_ENTITIES not in session
    assert session_keys.CUTOVER_AT not in session


def test_a_password_login_after_a_certificate_login_is_a_password_session(
    password_member: Callable[..., Any], login_with: Callable[..., Any], proxy_client: Client
) -> None:
    password_member(LAWYER.cpf, code="OAB-RS", uf="RS")
    assert login_with(LAWYER).status_code == 302
    assert CERTIFICATE_KEY in proxy_client.session

    password_login(proxy_client)

    session = proxy_client.session
    assert session[session_keys.METHOD] == LoginMethod.PASSWORD
    assert CERTIFICATE_KEY not in session
