"""The page of a CPF locked out of the password login says in plain Portuguese what happened."""

from __future__ import annotations

import re

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client

from certauth.icp.numbers import mask_cpf
from portal.models import User
from tests.conftest import LAWYER

PASSWORD = "senha-antiga-do-portal-123"  # noqa: S105


@pytest.fixture
def member_with_password(entity_factory, member_factory):
    member = member_factory(LAWYER.cpf, entity=entity_factory(uf="RS"))  # RS: password still allowed (a definir)
    member.user = User.objects.create_user(username=LAWYER.cpf, password=PASSWORD)
    member.save()
    return member


def test_a_locked_out_cpf_reads_what_happened_in_plain_portuguese(member_with_password):
    client = Client(HTTP_HOST=settings.PORTAL_HOSTNAME)
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        response = client.post("/entrar/senha/", {"cpf": LAWYER.cpf, "password": f"errada-{attempt}"}, secure=True)
    assert response["X-Error-Code"] == "LOCKED_OUT"
    text = " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())
    assert "Foram feitas muitas tentativas seguidas de acesso com senha incorreta para este CPF." in text
    assert "Detalhe: Limite de tentativas com senha incorreta atingido." in text
    assert "demais" not in text.replace("demais entidades", "")


def test_the_lockouts_admin_shows_the_cpf_masked_and_finds_it_by_the_full_cpf(
    member_with_password, staff_factory, staff_login
):
    client = Client(HTTP_HOST=settings.PORTAL_HOSTNAME)
    for attempt in range(2):
        client.post("/entrar/senha/", {"cpf": "526.018.159-06", "password": f"errada-{attempt}"}, secure=True)
    lockout = AccessAttempt.objects.get()
    assert LAWYER.cpf in lockout.username + lockout.post_data  # what django-axes keeps
    superuser = staff_login(staff_factory("47363361886", superuser=True))
    found = superuser.get("/admin/axes/accessattempt/", {"q": LAWYER.cpf}, secure=True).content.decode()
    page = superuser.get(f"/admin/axes/accessattempt/{lockout.pk}/change/", secure=True).content.decode()
    for body in (found, page):
        body = re.sub(r"<[^>]+>", " ", body)  # the text shown (links and the search box keep what was typed)
        assert mask_cpf(LAWYER.cpf) in body
        assert LAWYER.cpf not in body and "526.018.159-06" not in body
