"""The gateway's check (``/_a3/check``, nginx ``auth_request``): an open member session passes with signed identity
headers; no session means "log in" (401, with where to), an ended or refused one "refused" (403) — whichever
middleware ended it — and a check writes nothing to the database once its session is fresh."""

from __future__ import annotations

import time
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from certauth.icp.errors import Reason
from certauth.models import LoginAttempt
from oidc.gateway_signature import verify
from portal import session_keys
from portal.models import Member
from portal.session_access import end_sessions, request_recheck
from tests.conftest import LAWYER, MEMBER_PASSWORD, PROXY_SECRET

SECRET = "segredo-do-gateway-de-teste-0123456789"
GATEWAY = "https://localhost:8446"
URI = "/legado/beneficios?cpf=1&aba=2"


@pytest.fixture(autouse=True)
def gateway_settings(settings):
    settings.OIDC_GATEWAY_SECRET = SECRET
    settings.OIDC_GATEWAY_BASE_URL = GATEWAY
    settings.OIDC_GATEWAY_A3_ONLY = False


def check(client: Client, *, uri: str = URI, method: str = "GET", **extra):
    return client.get("/_a3/check", HTTP_X_A3_ORIGINAL_URI=uri, HTTP_X_A3_ORIGINAL_METHOD=method, secure=True, **extra)


@pytest.fixture
def lawyer(member_factory, entity_factory) -> Member:
    return member_factory(LAWYER.cpf, name="Maria da Silva Ávila", oab="123456SP")


@pytest.fixture
def certificate_client(proxy_client, login_with, lawyer) -> Client:
    response = login_with(LAWYER.but(oab="123456SP"))
    assert response.status_code == 302, response.get("X-Error-Code")
    return proxy_client


@pytest.fixture
def password_client(password_member) -> Client:
    password_member(LAWYER.cpf, uf="RS", code="OAB-RS")  # RS: no cutover date, password access stays
    client = Client(HTTP_HOST=settings.PORTAL_HOSTNAME, HTTP_X_PROXY_SECRET=PROXY_SECRET)
    response = client.post("/entrar/senha/", {"cpf": LAWYER.cpf, "password": MEMBER_PASSWORD}, secure=True)
    assert response.status_code == 302, response.get("X-Error-Code")
    return client


def identity_of(response, *, uri: str = URI, method: str = "GET"):
    assert response.status_code == 200, (response.status_code, response.get("X-Error-Code"))
    headers = {name: value for name, value in response.items() if name.lower().startswith("x-a3-")}
    return verify(SECRET, method=method, uri=uri, headers=headers)


def login_url(uri: str = URI) -> str:
    return f"{settings.PORTAL_BASE_URL}/?next={quote(GATEWAY + uri, safe='')}"


# --- who passes, with what ----------------------------------------------------------------------------------------


def test_a_certificate_session_passes_with_headers_the_upstream_verifies(certificate_client, lawyer):
    identity = identity_of(check(certificate_client))
    entity = lawyer.memberships.get().entity
    assert identity.cpf == LAWYER.cpf
    assert identity.name == "Maria da Silva Ávila"
    assert identity.method == "x509_token"
    assert identity.assurance == "urn:inss:a3:acr:a3"
    assert identity.entities == (entity.code,)
    session = certificate_client.session
    assert identity.auth_time == session[session_keys.LOGGED_IN_AT]
    assert identity.entity == (entity.code if session.get(session_keys.ENTITY) == entity.pk else "")
    assert abs(identity.timestamp - time.time()) < 5


def test_the_signature_binds_the_method_and_uri_nginx_reports(certificate_client):
    response = check(certificate_client, uri="/legado/a?b=1", method="POST")
    identity_of(response, uri="/legado/a?b=1", method="POST")
    with pytest.raises(ValueError, match="bad signature"):
        identity_of(response, uri="/legado/outra", method="POST")


def test_the_session_id_is_stable_opaque_and_never_the_key(certificate_client):
    first, second = identity_of(check(certificate_client)), identity_of(check(certificate_client))
    key = certificate_client.session.session_key
    assert first.session == second.session
    assert len(first.session) == 32 and key not in first.session and first.session not in key


def test_a_password_session_passes_as_password_with_its_entities(password_client):
    identity = identity_of(check(password_client))
    assert (identity.cpf, identity.method, identity.assurance) == (LAWYER.cpf, "passwd", "urn:inss:a3:acr:senha")
    assert identity.entities == ("OAB-RS",)


def test_an_a3_only_gateway_sends_a_password_session_to_the_certificate_login(password_client, settings):
    settings.OIDC_GATEWAY_A3_ONLY = True
    response = check(password_client)
    assert response.status_code == 403
    assert response["X-A3-Login"] == (
        f"{settings.CERT_LOGIN_BASE_URL}/entrar/certificado/?next={quote(GATEWAY + URI, safe='')}"
    )
    assert "X-A3-CPF" not in response


def test_a_certificate_session_passes_an_a3_only_gateway(certificate_client, settings):
    settings.OIDC_GATEWAY_A3_ONLY = True
    assert identity_of(check(certificate_client)).method == "x509_token"


def test_staff_without_a_member_record_are_refused(staff_factory, staff_login):
    response = check(staff_login(staff_factory()))
    assert response.status_code == 403
    assert response["X-Error-Code"] == Reason.MEMBER_UNKNOWN
    assert "X-A3-CPF" not in response


# --- no session, ended sessions ------------------------------------------------------------------------------------


def test_without_a_session_the_answer_is_log_in_coming_back_to_the_gateway_url(proxy_client):
    response = check(proxy_client)
    assert response.status_code == 401
    assert response["X-A3-Login"] == login_url()
    assert "X-A3-CPF" not in response


def test_a_request_not_from_nginx_is_refused(certificate_client):
    response = check(certificate_client, HTTP_X_PROXY_SECRET="outro")
    assert response.status_code == 403
    assert "X-A3-CPF" not in response


def test_an_idle_session_ended_by_the_middleware_is_log_in_not_a_redirect(certificate_client):
    session = certificate_client.session
    session[session_keys.LAST_SEEN] = int(time.time()) - settings.SESSION_IDLE_MINUTES * 60 - 5
    session.save()
    response = check(certificate_client)
    assert response.status_code == 401, response.status_code
    assert response["X-A3-Login"] == login_url()
    assert check(certificate_client).status_code == 401  # and it stays ended


def test_a_session_staff_ended_is_refused_with_its_code_and_audit_reference(certificate_client, lawyer):
    lawyer.refresh_from_db()
    assert end_sessions(user_ids=[lawyer.user_id]) == 1
    response = check(certificate_client)
    assert response.status_code == 403
    assert response["X-Error-Code"] == Reason.SESSION_ENDED
    assert LoginAttempt.objects.get(reference=response["X-Reference"]).code == Reason.SESSION_ENDED
    assert response.content == b"", "nginx shows its own page; the portal's refusal page is not sent"
    assert check(certificate_client).status_code == 401


def test_a_member_deactivated_is_refused_at_the_next_check(certificate_client, lawyer):
    assert check(certificate_client).status_code == 200
    Member.objects.filter(pk=lawyer.pk).update(active=False)
    lawyer.refresh_from_db()
    request_recheck(user_ids=[lawyer.user_id])
    response = check(certificate_client)
    assert response.status_code == 403
    assert response["X-Error-Code"] == Reason.MEMBER_INACTIVE


def test_an_entity_past_its_cutover_ends_a_password_session_at_the_check(password_client):
    from django.utils import timezone

    from portal.models import PartnerEntity
    from rollout.models import EntityOverride

    assert check(password_client).status_code == 200
    entity = PartnerEntity.objects.get(code="OAB-RS")
    EntityOverride.objects.create(entity=entity, cutover_on=timezone.localdate(), reason="teste")
    request_recheck(user_ids=[int(password_client.session["_auth_user_id"])])
    response = check(password_client)
    assert response.status_code == 403
    assert response["X-Error-Code"] == Reason.PASSWORD_RETIRED


# --- the hot path ---------------------------------------------------------------------------------------------------


def test_a_repeated_check_within_a_minute_writes_nothing(certificate_client):
    assert check(certificate_client).status_code == 200  # the first may note the time it saw the session
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            assert check(certificate_client).status_code == 200
    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []
    assert len(queries) <= 3 * 4, [q["sql"] for q in queries]
