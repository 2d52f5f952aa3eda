"""The page of a CPF locked out of the password login says in plain Portuguese what happened."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client

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
