"""The export of who has not logged in with A3 yet: CSV for Excel in Portuguese, name and e-mail to chase them, the
CPF masked, only the association's entities."""

from __future__ import annotations

import pytest

from portal.models import Membership
from tests.associations.conftest import member, valid_cpf
from tests.conftest import LAWYER

pytestmark = pytest.mark.django_db


def _rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff"), "Excel reads UTF-8 only with the BOM"
    return [line.split(";") for line in text.lstrip("\ufeff").strip("\r\n").split("\r\n")]


def test_the_export_lists_the_members_without_a3_with_name_email_and_masked_cpf(world, certificate_client):
    pending = member("Paula Pendente", valid_cpf(440000001), world.manaus)
    member("Rita Pronta", valid_cpf(440000002), world.manaus, a3=True)
    member("Sergio Do Sul", valid_cpf(440000003), world.pelotas)
    response = certificate_client(LAWYER).get("/associacao/AAM/sem-a3.csv", secure=True)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="sem-a3-AAM-' in response["Content-Disposition"]
    header, *rows = _rows(response)
    assert header == ["Entidade", "Código da entidade", "Nome", "CPF", "E-mail", "Último login com senha"]
    assert rows == [["Município de Manaus", "MUN-MANAUS-T", "Paula Pendente", pending.masked_cpf, pending.email, ""]]
    assert pending.cpf not in response.content.decode()


def test_a_deactivated_membership_is_not_chased(world, certificate_client):
    gone = member("Tiago Saiu", valid_cpf(440000004), world.parintins)
    Membership.objects.filter(member=gone).update(active=False)
    _, *rows = _rows(certificate_client(LAWYER).get("/associacao/AAM/sem-a3.csv", secure=True))
    assert rows == []


def test_a_name_that_looks_like_a_formula_stays_text(world, certificate_client):
    member('=HYPERLINK("http://x","clique")', valid_cpf(440000005), world.manaus)
    _, *rows = _rows(certificate_client(LAWYER).get("/associacao/AAM/sem-a3.csv", secure=True))
    assert rows[0][2].startswith("\"'=")
