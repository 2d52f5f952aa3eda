"""Two associations: AAM (coordinating two municipalities of AM) and ASSOC-SUL (one of RS). The OAB lawyer of the
tests' PKI (LAWYER) coordinates AAM; the coordinator of ASSOC-SUL is another member. Clients log in the way the
portal really logs people in (a certificate through the proxy, or CPF + password)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.text import slugify

from associations.models import AssociatedEntity, Association, Coordinator
from certauth.icp.builder import PersonSpec
from portal.models import EntityKind, Member, Membership, OabRegistration, PartnerEntity, User
from tests.conftest import LAWYER, MEMBER_PASSWORD, PROXY_SECRET
from tests.pki import TestPki, escaped


def valid_cpf(n: int) -> str:
    digits = [int(c) for c in f"{n:09d}"]
    for _ in range(2):
        total = sum(d * w for d, w in zip(digits, range(len(digits) + 1, 1, -1), strict=True))
        digits.append(total * 10 % 11 % 10)
    return "".join(map(str, digits))


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


@pytest.fixture
def certificate_client(certauth_settings: Any, crls: None, pki: TestPki) -> Callable[[PersonSpec], Client]:
    """``certificate_client(spec)`` → a client whose session came from that person's A3 certificate."""

    def login(spec: PersonSpec) -> Client:
        client = Client(HTTP_X_PROXY_SECRET=PROXY_SECRET, HTTP_HOST="localhost")
        issuer = pki.oab if spec.oab else pki.final
        certificate = pki.issue(spec, issuer)
        response = client.get(
            "/entrar/certificado/", HTTP_X_SSL_CLIENT_CERT=escaped(certificate.certificate), secure=True
        )
        assert response.status_code == 302, response.get("X-Error-Code")
        return client

    return login


@pytest.fixture
def password_client(certauth_settings: Any) -> Callable[[Member], Client]:
    """``password_client(member)`` → a client logged in with CPF + password (the member's entities move to RS,
    "a definir" in Anexo I: the password still opens a session)."""

    def login(found: Member) -> Client:
        user = found.user or User.objects.create_user(username=found.cpf)
        user.set_password(MEMBER_PASSWORD)
        user.save()
        if found.user_id != user.pk:
            found.user = user
            found.save()
        found.entities.update(uf="RS")
        client = Client(HTTP_HOST="localhost")
        response = client.post("/entrar/senha/", {"cpf": found.cpf, "password": MEMBER_PASSWORD}, secure=True)
        assert response.status_code == 302, response.get("X-Error-Code")
        return client

    return login
