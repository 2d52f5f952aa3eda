"""The guard of an appointed role's pages (portal.appointments), on its own: a made-up role whose appointments and
login rule the test decides (the managers' and associations' scope tests check the real ones)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, HttpResponse
from django.test import RequestFactory

from portal.appointments import appointee_page
from portal.models import User
from portal.refusals import Refusal

pytestmark = pytest.mark.django_db


@dataclass
class Thing:
    code: str


NOT_APPOINTED = Refusal("ROLE_NOT_APPOINTED", "Você não tem esta função", "Peça a nomeação.", back_to_dashboard=True)
A3_REQUIRED = Refusal("ROLE_A3_REQUIRED", "Entre com o A3", "Entre com o certificado.", show_certificate_login=True)
APPOINTED: dict[int, list[Thing]] = {}
SEEN: list[dict[str, Any]] = []


@appointee_page(
    appointed=lambda user: APPOINTED.get(user.pk, []),
    may_act=lambda method: method in ("certificate", "cloud"),
    not_appointed=NOT_APPOINTED,
    a3_required=A3_REQUIRED,
    logger=logging.getLogger("roles.access"),
    names=("things", "thing"),
    not_found="Coisa não encontrada.",
)
def page(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    SEEN.append(kwargs)
    return HttpResponse("ok")


@pytest.fixture(autouse=True)
def _clean() -> None:
    APPOINTED.clear()
    SEEN.clear()


def request_by(user: Any, method: str | None = None) -> HttpRequest:
    request = RequestFactory().get("/funcao/", secure=True)
    request.user = user
    if method is not None:
        request.session_certificate = SimpleNamespace(method=method)
    return request


@pytest.fixture
def appointee() -> User:
    user = User.objects.create(username="nomeada")
    APPOINTED[user.pk] = [Thing("B"), Thing("A")]
    return user


def test_anonymous_goes_to_the_login_coming_back() -> None:
    response = page(request_by(AnonymousUser()))
    assert response.status_code == 302 and "next=/funcao/" in response["Location"]
    assert SEEN == []


def test_no_appointment_is_the_roles_refusal_logged(caplog) -> None:
    caplog.set_level(logging.INFO, logger="roles.access")
    user = User.objects.create(username="sem-funcao")
    response = page(request_by(user, "certificate"))
    assert (response.status_code, response["X-Error-Code"]) == (403, "ROLE_NOT_APPOINTED")
    assert [r.getMessage() for r in caplog.records] == [
        f"roles: ROLE_NOT_APPOINTED refused to user {user.pk} (reference {response['X-Reference']})"
    ]
    assert SEEN == []


@pytest.mark.parametrize("method", [None, "password"])
def test_an_appointee_without_an_a3_session_gets_the_a3_refusal(appointee: User, method: str | None) -> None:
    response = page(request_by(appointee, method))
    assert (response.status_code, response["X-Error-Code"]) == (403, "ROLE_A3_REQUIRED")
    assert SEEN == []


def test_an_appointee_with_an_a3_session_gets_all_their_things(appointee: User) -> None:
    assert page(request_by(appointee, "cloud")).status_code == 200
    assert SEEN == [{"things": [Thing("B"), Thing("A")]}]


def test_the_code_chooses_one_of_their_things_and_no_other(appointee: User) -> None:
    assert page(request_by(appointee, "certificate"), code="A").status_code == 200
    assert SEEN == [{"thing": Thing("A"), "things": [Thing("B"), Thing("A")]}]
    with pytest.raises(Http404, match="Coisa não encontrada."):
        page(request_by(appointee, "certificate"), code="C")
    assert len(SEEN) == 1
