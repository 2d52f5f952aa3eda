"""Two associations: AAM (coordinating two municipalities of AM) and ASSOC-SUL (one of RS). The OAB lawyer of the
tests' PKI (LAWYER) coordinates AAM; the coordinator of ASSOC-SUL is another member. The clients log in the way the
portal really logs people in: tests/conftest.py's ``certificate_client`` (a certificate through the proxy) and
``password_client`` (CPF + password)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.utils import timezone
from django.utils.text import slugify

from associations.models import AssociatedEntity, Association, Coordinator
from certauth.icp.builder import PersonSpec
from portal.models import EntityKind, Member, Membership, OabRegistration, PartnerEntity
from tests.conftest import LAWYER, valid_cpf

OTHER_COORDINATOR = PersonSpec("OTAVIO COORDENADOR DO SUL", valid_cpf(410000001))
OUTSIDER = PersonSpec("OLGA SEM ASSOCIACAO", valid_cpf(410000002))


@dataclass
class World:
    aam: Association
    sul: Association
    manaus: PartnerEntity
    parintins: PartnerEntity
    pelotas: PartnerEntity
    coordinator: Member
    other_coordinator: Member
    outsider: Member


def member(name: str, cpf: str, entity: PartnerEntity, *, a3: bool = False) -> Member:
    found = Member.objects.create(
        cpf=cpf,
        name=name,
        email=f"{slugify(name)[:30]}@exemplo.org.br",
        first_a3_login_at=timezone.now() if a3 else None,
    )
    Membership.objects.create(member=found, entity=entity)
    return found


def municipality(code: str, name: str, uf: str) -> PartnerEntity:
    return PartnerEntity.objects.create(code=code, name=name, kind=EntityKind.MUNICIPIO, uf=uf)


@pytest.fixture
def world(db: None) -> World:
    oab = PartnerEntity.objects.create(code="OAB-SP", name="OAB — Seção SP", kind=EntityKind.OAB, uf="SP")
    manaus = municipality("MUN-MANAUS-T", "Município de Manaus", "AM")
    parintins = municipality("MUN-PARINTINS-T", "Município de Parintins", "AM")
    pelotas = municipality("MUN-PELOTAS-T", "Município de Pelotas", "RS")
    aam = Association.objects.create(code="AAM", name="AAM — Associação Amazonense de Municípios", uf="AM")
    sul = Association.objects.create(code="ASSOC-SUL", name="Associação do Sul", uf="RS")
    for association, entity in ((aam, manaus), (aam, parintins), (sul, pelotas)):
        AssociatedEntity.objects.create(association=association, entity=entity)
    coordinator = member(LAWYER.name.title(), LAWYER.cpf, oab, a3=True)
    OabRegistration.objects.create(member=coordinator, number=LAWYER.oab[:-2].lstrip("0"), uf=LAWYER.oab[-2:])
    other = member(OTHER_COORDINATOR.name.title(), OTHER_COORDINATOR.cpf, pelotas, a3=True)
    outsider = member(OUTSIDER.name.title(), OUTSIDER.cpf, parintins, a3=True)
    Coordinator.objects.create(member=coordinator, association=aam)
    Coordinator.objects.create(member=other, association=sul)
    return World(aam, sul, manaus, parintins, pelotas, coordinator, other, outsider)
