"""Two entities (A: an OAB section in SP, B: a municipality in RJ), a manager of each, members of each, and clients
logged in the way the portal really logs people in (a certificate through the proxy, or CPF + password)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from certauth.icp.builder import PersonSpec
from managers.models import EntityManager
from portal.models import EntityKind, Member, Membership, OabRegistration, PartnerEntity, User
from tests.conftest import LAWYER, MEMBER_PASSWORD, PROXY_SECRET
from tests.pki import TestPki, escaped


def valid_cpf(n: int) -> str:
    digits = [int(c) for c in f"{n:09d}"]
    for _ in range(2):
        total = sum(d * w for d, w in zip(digits, range(len(digits) + 1, 1, -1), strict=True))
        digits.append(total * 10 % 11 % 10)
    return "".join(map(str, digits))


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
    """``password_client(member)`` → a client logged in with CPF + password (the entity must be before its cutover:
    the tests' entities in RJ/SP are past theirs, so the member's entity gets no date: RS)."""

    def login(member: Member) -> Client:
        user = member.user or User.objects.create_user(username=member.cpf)
        user.set_password(MEMBER_PASSWORD)
        user.save()
        if member.user_id != user.pk:
            member.user = user
            member.save()
        member.entities.update(uf="RS")  # Anexo I: RS "a definir": the password still opens a session
        client = Client(HTTP_HOST="localhost")
        response = client.post("/entrar/senha/", {"cpf": member.cpf, "password": MEMBER_PASSWORD}, secure=True)
        assert response.status_code == 302, response.get("X-Error-Code")
        return client

    return login
