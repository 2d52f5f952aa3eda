"""``manage.py associations remind``: one summary of all of the association's due entities, to its contact and its
coordinators; at most once a day, and only with news."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from associations.models import DigestSent
from rollout.models import EntityOverride

pytestmark = pytest.mark.django_db

DAY = dt.date(2030, 3, 1)


def remind(day: dt.date, *extra: str) -> str:
    out = StringIO()
    call_command("associations", "remind", "--at", f"{day:%Y-%m-%d}T09:00:00", *extra, stdout=out)
    return out.getvalue()


@pytest.fixture
def due(world):
    """Manaus 7 days before its cutover, Parintins 20 (both have a reminder due); Pelotas (another association) 7."""
    world.aam.contact_email = "contato@aam.org.br"
    world.aam.save()
    for entity, days in ((world.manaus, 7), (world.parintins, 20), (world.pelotas, 7)):
        EntityOverride.objects.create(entity=entity, cutover_on=DAY + dt.timedelta(days=days), reason="teste")
    return world


def test_one_summary_of_all_its_entities_goes_to_the_contact_and_each_coordinator(due):
    output = remind(DAY)
    to_aam = [m for m in mail.outbox if "AAM" in m.subject]
    assert sorted(m.to[0] for m in to_aam) == ["contato@aam.org.br", due.coordinator.email.lower()]
    body = to_aam[0].body
    assert "Município de Manaus" in body and "Município de Parintins" in body and "Pelotas" not in body
    assert "08/03/2030" in body and "faltam 7 dias" in body
    assert "/associacao/AAM/sem-a3.csv" in body
    assert "2 entidades" in to_aam[0].subject
    assert "enviado" in output


def test_a_second_run_the_same_day_sends_nothing(due):
    remind(DAY)
    sent = len(mail.outbox)
    remind(DAY)
    assert len(mail.outbox) == sent
    assert DigestSent.objects.filter(association=due.aam).count() == 2


def test_the_next_day_without_a_new_step_sends_nothing_and_a_new_step_sends_again(due):
    remind(DAY)
    mail.outbox.clear()
    remind(DAY + dt.timedelta(days=1))  # Manaus 6 days (step 7 still), Parintins 19 (step 30 still)
    assert not [m for m in mail.outbox if "AAM" in m.subject]
    remind(DAY + dt.timedelta(days=6))  # Manaus 1 day left: the step of 1 day
    assert len([m for m in mail.outbox if "AAM" in m.subject]) == 2


def test_a_dry_run_sends_and_records_nothing(due):
    output = remind(DAY, "--dry-run")
    assert mail.outbox == [] and not DigestSent.objects.exists()
    assert "simulado" in output and "AAM" in output


def test_an_association_without_a_due_entity_gets_nothing(world):
    remind(DAY)
    assert mail.outbox == []


def test_an_ended_coordinator_gets_no_summary(due):
    due.aam.coordinators.update(active=False)
    remind(DAY)
    assert [m.to[0] for m in mail.outbox if "AAM" in m.subject] == ["contato@aam.org.br"]
