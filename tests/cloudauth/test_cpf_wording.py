"""The cloud login's CPF field says what is wrong with what was typed, and the choice page shows the CPF masked."""

from __future__ import annotations

from certauth.icp.numbers import mask_cpf
from tests.cloudauth.conftest import page_text
from tests.conftest import LAWYER


def test_eleven_digits_with_wrong_check_digits_are_called_an_invalid_cpf_not_a_short_one(cloud, provider, simulator):
    response = cloud.start("526.018.159-07")  # LAWYER's CPF with its last digit changed
    assert response.status_code == 400
    text = page_text(response)
    assert "CPF inválido: os dígitos verificadores (os dois últimos) não conferem. Confira o número digitado." in text
    assert "11 dígitos" not in text
    assert not simulator.requests


def test_too_few_digits_and_repeated_digits_are_each_told_as_such(cloud, provider, simulator):
    short = page_text(cloud.start("526.018.159"))
    assert "Informe os 11 dígitos do CPF." in short
    repeated = page_text(cloud.start("111.111.111-11"))
    assert "CPF inválido: nenhum CPF tem todos os dígitos iguais." in repeated
    assert not simulator.requests


def test_the_choice_page_shows_the_cpf_typed_masked(cloud, provider, simulator):
    started = cloud.start(LAWYER.cpf)
    assert started.status_code == 302
    text = page_text(cloud.client.get(started["Location"], secure=True))
    assert f'CPF informado: <strong id="cpf-informado">{mask_cpf(LAWYER.cpf)}</strong>' in text
    assert LAWYER.cpf not in text and "526.018.159-06" not in text
