"""Scope matrix: every coordinator address × another association → 404, nothing of it leaked; and × their own → 200."""

from __future__ import annotations

import pytest

from tests.conftest import LAWYER

pytestmark = pytest.mark.django_db

ADDRESSES = ("/associacao/{code}/", "/associacao/{code}/sem-a3.csv")


@pytest.mark.parametrize("address", ADDRESSES)
@pytest.mark.parametrize("code", ["ASSOC-SUL", "NAO-EXISTE"])
def test_another_associations_addresses_answer_404_and_leak_nothing(world, certificate_client, address, code):
    response = certificate_client(LAWYER).get(address.format(code=code), secure=True)
    assert response.status_code == 404
    text = response.content.decode()
    for secret in ("Pelotas", "Otavio", "Associação do Sul"):
        assert secret not in text


@pytest.mark.parametrize("address", ADDRESSES)
def test_their_own_associations_addresses_answer(world, certificate_client, address):
    assert certificate_client(LAWYER).get(address.format(code="AAM"), secure=True).status_code == 200
