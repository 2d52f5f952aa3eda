"""The cloud login brings the user back to ``next`` through the PSC round trip: ``next`` is kept in the flow's own
row (never in a cookie or in anything the PSC sees), honoured after the proof when it is safe, and kept by the
refusals' "Tentar novamente"."""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
from django.conf import settings

from portal.models import Member
from tests.cloudauth.conftest import CloudDriver, error_code, page_text
from tests.conftest import LAWYER
from tests.portal.test_redirect_targets import HOSTILE

AUTHORIZE = "/oidc/authorize/?" + urlencode({"client_id": "pat-demo", "response_type": "code", "state": "abc"})

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(member_factory: Any) -> Member:
    return member_factory(LAWYER.cpf)


def start(cloud: CloudDriver, target: str) -> Any:
    started = cloud.client.post(f"/entrar/nuvem/?{urlencode({'next': target})}", {"cpf": LAWYER.cpf}, secure=True)
    assert started.status_code == 302, error_code(started)
    return started


def login(cloud: CloudDriver, target: str) -> Any:
    chosen = cloud.choose(start(cloud, target)["Location"])
    assert chosen.status_code == 302, error_code(chosen)
    assert "oidc" not in chosen["Location"] and "pat-demo" not in chosen["Location"], "the PSC must not see next"
    return cloud.back_from_psc(chosen["Location"])


def retry_of(response: Any) -> str:
    found = re.search(r'href="([^"]+)"><i class="fas fa-redo"', response.content.decode())
    assert found, "no Tentar novamente"
    return html.unescape(found.group(1))


def test_the_cloud_form_keeps_next_and_its_certificate_link_too(cloud: CloudDriver) -> None:
    page = cloud.client.get("/entrar/nuvem/", {"next": AUTHORIZE}, secure=True).content.decode()
    assert f'name="next" value="{html.escape(AUTHORIZE)}"' in page
    token = re.search(r'href="([^"]+)"><i class="fas fa-id-card"', page)
    assert token and parse_qs(urlsplit(html.unescape(token.group(1))).query)["next"] == [AUTHORIZE]


def test_a_cloud_login_goes_back_to_next_after_the_psc(cloud: CloudDriver, provider: Any, member: Member) -> None:
    response = login(cloud, AUTHORIZE)
    assert response.status_code == 302, (error_code(response), page_text(response)[:500])
    assert urljoin(settings.PORTAL_BASE_URL + "/", response["Location"]) == settings.PORTAL_BASE_URL + AUTHORIZE
    assert cloud.flow().next_url == AUTHORIZE
    assert all("oidc" not in morsel.value for morsel in cloud.client.cookies.values())


def test_a_cloud_login_posted_with_next_in_the_form_keeps_it(cloud: CloudDriver, provider: Any, member: Member) -> None:
    started = cloud.client.post("/entrar/nuvem/", {"cpf": LAWYER.cpf, "next": "/cronograma/"}, secure=True)
    response = cloud.back_from_psc(cloud.choose(started["Location"])["Location"])
    assert response["Location"].endswith("/cronograma/")


@pytest.mark.parametrize("target", [*HOSTILE, "https://localhost:8443@evil.example/"])
def test_a_cloud_login_refuses_an_unsafe_next(cloud: CloudDriver, provider: Any, member: Member, target: str) -> None:
    response = login(cloud, target)
    assert response["Location"] == settings.CERTAUTH_LOGIN_REDIRECT_URL
    assert cloud.flow().next_url == ""


def test_a_push_login_goes_back_to_next(cloud: CloudDriver, provider_factory: Any, simulator: Any, member: Member):
    simulator.behaviour.push = True
    provider_factory("vidaas", adapter="vidaas")
    chosen = cloud.choose(start(cloud, AUTHORIZE)["Location"], mode="push")
    done = cloud.client.get(chosen["Location"], secure=True)
    assert done.status_code == 302, error_code(done)
    assert done["Location"].endswith(AUTHORIZE)


def test_a_refused_cloud_login_retries_with_next(cloud: CloudDriver, provider: Any) -> None:
    refused = login(cloud, AUTHORIZE)  # nobody is a member with this CPF
    assert refused.status_code == 403, refused.status_code
    retry = retry_of(refused)
    assert urlsplit(retry).path == "/entrar/nuvem/"
    assert parse_qs(urlsplit(retry).query)["next"] == [AUTHORIZE]


def test_a_replayed_callback_retries_with_next(cloud: CloudDriver, provider: Any, member: Member) -> None:
    chosen = cloud.choose(start(cloud, AUTHORIZE)["Location"])
    from tests.cloudauth.conftest import follow_psc

    back = urlsplit(follow_psc(chosen["Location"]))
    assert cloud.client.get(f"{back.path}?{back.query}", secure=True).status_code == 302
    replayed = cloud.client.get(f"{back.path}?{back.query}", secure=True)
    assert replayed.status_code in (400, 403), replayed.status_code
    assert parse_qs(urlsplit(retry_of(replayed)).query)["next"] == [AUTHORIZE]
