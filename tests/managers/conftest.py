"""Two entities (A: an OAB section in SP, B: a municipality in RJ), a manager of each and members of each. The
clients log in the way the portal really logs people in: tests/conftest.py's ``certificate_client`` (a certificate
through the proxy) and ``password_client`` (CPF + password)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from certauth.icp.builder import PersonSpec
from managers.models import EntityManager
from portal.models import EntityKind, Member, Membership, OabRegistration, PartnerEntity
from tests.conftest import LAWYER, valid_cpf

MANAGER_B = PersonSpec("JOAO GESTOR MUNICIPAL", valid_cpf(310000001))
MEMBER_A = PersonSpec("ANA MEMBRO DA SECCIONAL", valid_cpf(310000002), oab="0222222SP")
MEMBER_B = PersonSpec("BRUNO MEMBRO DO MUNICIPIO", valid_cpf(310000003))


@dataclass
class World:
    entity_a: PartnerEntity
    entity_b: PartnerEntity
    manager_a: Member
    manager_b: Member
    member_a: Member
    member_b: Member


def _member(spec: PersonSpec, entity: PartnerEntity, *, oab: str | None = None) -> Member:
    member = Member.objects.create(cpf=spec.cpf, name=spec.name.title(), email=f"{spec.cpf}@exemplo.org.br")
    Membership.objects.create(member=member, entity=entity)
    if oab:
        OabRegistration.objects.create(member=member, number=oab[:-2].lstrip("0"), uf=oab[-2:])
    return member


@pytest.fixture
def world(db: None) -> World:
    a = PartnerEntity.objects.create(code="OAB-A", name="OAB — Seção A", kind=EntityKind.OAB, uf="SP")
    b = PartnerEntity.objects.create(code="MUN-B", name="Município B", kind=EntityKind.MUNICIPIO, uf="RJ")
    manager_a = _member(LAWYER, a, oab=LAWYER.oab)
    manager_b = _member(MANAGER_B, b)
    EntityManager.objects.create(member=manager_a, entity=a)
    EntityManager.objects.create(member=manager_b, entity=b)
    return World(a, b, manager_a, manager_b, _member(MEMBER_A, a, oab=MEMBER_A.oab), _member(MEMBER_B, b))
