"""The summaries before an entity's cutover are copied to its Gerência-Executiva's contact (issue 19 §1)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import call_command

from rollout.models import EntityOverride, GerenciaExecutiva, Superintendencia

pytestmark = pytest.mark.django_db

CUTOVER = dt.date(2027, 3, 1)
GEX_CONTACT = "gex.portoalegre@inss.example"


def remind_at(days: int) -> None:
    call_command(
        "rollout", "remind", "--at", f"{CUTOVER - dt.timedelta(days=days):%Y-%m-%d}T12:00:00", stdout=io.StringIO()
    )


@pytest.fixture
def entity(entity_factory, member_factory):
    gex = GerenciaExecutiva.objects.create(
        code="gex-porto-alegre",
        name="GEX Porto Alegre",
        superintendencia=Superintendencia.objects.get(code="sul"),
        contact_email=GEX_CONTACT,
    )
    entity = entity_factory(code="OAB-RS", name="OAB Rio Grande do Sul", uf="RS", contact_email="sec@oabrs.org.br")
    entity.gex = gex
    entity.save()
    EntityOverride.objects.create(entity=entity, cutover_on=CUTOVER, reason="data definida pelo INSS")
    member = member_factory("08301661305", name="João Souza", entity=entity)
    member.email = "joao@exemplo.com.br"
    member.save()
    return entity


def test_the_gex_contact_gets_a_copy_of_the_entity_summary_once_per_step(entity):
    remind_at(30)
    copies = [m for m in mail.outbox if m.to == [GEX_CONTACT]]
    assert len(copies) == 1
    assert copies[0].body.startswith("Cópia para a GEX Porto Alegre, que acompanha esta entidade na sua área.")
    assert "OAB Rio Grande do Sul" in copies[0].body and "João Souza (CPF ***.016.613-**)" in copies[0].body
    mail.outbox.clear()
    remind_at(30)
    assert mail.outbox == []


def test_an_entity_without_gex_or_a_gex_without_contact_sends_no_copy(entity):
    GerenciaExecutiva.objects.update(contact_email="")
    remind_at(30)
    assert {m.to[0] for m in mail.outbox} == {"sec@oabrs.org.br", "joao@exemplo.com.br"}
    assert not [m for m in mail.outbox if "Cópia para" in m.body]
