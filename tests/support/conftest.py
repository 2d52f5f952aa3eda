"""A small world for the lookup: two entities in two superintendências, members, and attempts made by real logins."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from certauth.icp.builder import A1_POLICY, PersonSpec
from certauth.models import LoginAttempt, LoginMethod, Outcome
from portal.models import Member, Membership, PartnerEntity, User
from tests.conftest import PROXY_SECRET

#: A lawyer of SP whose A1 certificate was refused (the ticket's screenshot).
HOLDER = PersonSpec("MARIA DA SILVA", "52601815906", policy_oid=A1_POLICY)
HOLDER_CPF_SHOWN = ("52601815906", "526.018.159-06")
#: A member of SP who logs in (the "member" actor).
MEMBER = PersonSpec("JOAO DA COSTA", "08301661305")
PR_CPF = "27182818205"
STRANGER_CPF = "75749118606"  # a valid certificate's CPF that is nobody's


@dataclass
class World:
    sp: PartnerEntity
    pr: PartnerEntity
    a1_reference: str  #: CERT_NOT_A3 of HOLDER (SP member): Sudeste I's
    pr_reference: str  #: an attempt of a PR member: Sul's
    stranger_reference: str  #: MEMBER_UNKNOWN: no region's
    a1_serial: int


@pytest.fixture
def world(entity_factory: Any, member_factory: Any, login_with: Any, pki: Any) -> World:
    sp = entity_factory(code="SP-A", name="OAB São Paulo", uf="SP")
    pr = entity_factory(code="PR-A", name="OAB Paraná", uf="PR")
    member_factory(HOLDER.cpf, name="Maria da Silva", entity=sp)
    member_factory(MEMBER.cpf, name="João da Costa", entity=sp)
    pr_member = Member.objects.create(cpf=PR_CPF, name="Fábio Nunes")
    Membership.objects.create(member=pr_member, entity=pr)
    a1 = pki.issue(HOLDER, pki.final)
    refused = login_with(a1)
    assert refused.get("X-Error-Code") == "CERT_NOT_A3"
    stranger = login_with(PersonSpec("LUCAS FERREIRA", STRANGER_CPF), pki.final)
    assert stranger.get("X-Error-Code") == "MEMBER_UNKNOWN"
    pr_attempt = LoginAttempt.objects.create(
        reference="PR000-00001",
        method=LoginMethod.PASSWORD,
        outcome=Outcome.REJECTED,
        code="PASSWORD_INVALID",
        cpf=PR_CPF,
        organization_code="PR-A",
        organization_name="OAB Paraná",
    )
    return World(
        sp, pr, refused["X-Reference"], pr_attempt.reference, stranger["X-Reference"], a1.certificate.serial_number
    )


def _group(name: str) -> Group:
    return Group.objects.get(name=name)


@pytest.fixture
def member_client(certauth_settings: Any, crls: None, pki: Any, world: World) -> Client:
    client = Client(HTTP_X_PROXY_SECRET=PROXY_SECRET, HTTP_HOST="localhost")
    from tests.pki import escaped

    response = client.get(
        "/entrar/certificado/", HTTP_X_SSL_CLIENT_CERT=escaped(pki.issue(MEMBER, pki.final).certificate), secure=True
    )
    assert response.status_code == 302, response.get("X-Error-Code")
    return client


def staff_user(cpf: str, *groups: str, superuser: bool = False) -> User:
    user = User.objects.create_user(
        username=f"servidor-{cpf}", cpf=cpf, is_staff=True, is_superuser=superuser, first_name="Servidor"
    )
    user.groups.set([_group(name) for name in groups])
    return user


__all__ = ["HOLDER", "HOLDER_CPF_SHOWN", "MEMBER", "World", "dt", "staff_user"]
