"""The status page of one entity: its members a page at a time (an OAB section has tens of thousands), every member
in the downloads, the certificates seen read for the members shown, and the same queries whatever its size."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from certauth.models import LoginAttempt
from portal.models import Member, Membership, PartnerEntity, User
from portal.permissions import NATIONAL_VIEW_GROUP
from portal.status import entity_page

NOW = timezone.now()


@pytest.fixture
def national(staff_factory: Callable[..., User], staff_login: Callable[[User], Client]) -> Client:
    return staff_login(staff_factory("20365418870", groups=(NATIONAL_VIEW_GROUP,)))


def add_members(entity: PartnerEntity, count: int, start: int = 0) -> list[Member]:
    members = Member.objects.bulk_create(
        Member(cpf=f"{start + n:011d}", name=f"Membro {start + n:05d}") for n in range(count)
    )
    Membership.objects.bulk_create(Membership(member=m, entity=entity) for m in members)
    return members


def rows(html: str) -> list[str]:
    table = re.search(r'<table id="tabela-membros".*?</table>', html, re.S)
    assert table
    return re.findall(r'<td data-label="Nome"[^>]*><span>([^<]*)', table.group(0))


def test_members_are_listed_a_page_at_a_time_by_name_and_downloads_carry_all(
    national: Client, entity_factory: Callable[..., PartnerEntity]
) -> None:
    entity = entity_factory(code="OAB-GRANDE", uf="SP")
    add_members(entity, entity_page_size() + 5)
    url = f"/acompanhamento/entidade/{entity.code}/"

    first = national.get(url, secure=True).content.decode()
    second = national.get(url, {"pagina": "2"}, secure=True).content.decode()

    assert rows(first) == [f"Membro {n:05d}" for n in range(entity_page_size())]
    assert rows(second) == [f"Membro {n:05d}" for n in range(entity_page_size(), entity_page_size() + 5)]
    assert f"{entity_page_size() + 5} membro(s), 1 a {entity_page_size()} nesta página" in first
    assert 'href="?pagina=2#membros"' in first
    download = national.get(url, {"tabela": "membros", "exportar": "csv"}, secure=True)
    lines = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig")), delimiter=";"))
    assert len(lines) == 1 + entity_page_size() + 5


def entity_page_size() -> int:
    from portal.status import views

    return views.PAGE_SIZE


def test_certificates_seen_are_read_for_the_members_shown(
    national: Client, entity_factory: Callable[..., PartnerEntity]
) -> None:
    entity = entity_factory(code="OAB-GRANDE", uf="SP")
    members = add_members(entity, entity_page_size() + 1)
    last = members[-1]  # on page 2
    LoginAttempt.objects.create(
        reference="CERT1-00001",
        method="certificate",
        outcome="accepted",
        cpf=last.cpf,
        organization_code=entity.code,
        cert_not_after=NOW + dt.timedelta(days=200),
    )
    seen = f"{(NOW + dt.timedelta(days=200)).astimezone(dt.timezone(dt.timedelta(hours=-3))):%d/%m/%Y} (1 login)"
    url = f"/acompanhamento/entidade/{entity.code}/"
    assert seen not in national.get(url, secure=True).content.decode()
    assert seen in national.get(url, {"pagina": "2"}, secure=True).content.decode()
    assert entity_page.certificates_seen([last.cpf]) == {last.cpf: [(last_attempt_expiry(last.cpf), 1)]}


def last_attempt_expiry(cpf: str) -> Any:
    return LoginAttempt.objects.get(cpf=cpf).cert_not_after


def test_entity_page_queries_do_not_grow_with_its_members(
    national: Client, entity_factory: Callable[..., PartnerEntity]
) -> None:
    entity = entity_factory(code="OAB-GRANDE", uf="SP")
    add_members(entity, 3)
    url = f"/acompanhamento/entidade/{entity.code}/"

    def queries(**params: str) -> int:
        national.get(url, params, secure=True)
        with CaptureQueriesContext(connection) as captured:
            assert national.get(url, params, secure=True).status_code == 200
        return len(captured)

    small = (queries(), queries(tabela="membros", exportar="csv"), queries(tabela="recusas", exportar="csv"))
    add_members(entity, 1200, start=1000)
    assert (queries(), queries(tabela="membros", exportar="csv"), queries(tabela="recusas", exportar="csv")) == small
