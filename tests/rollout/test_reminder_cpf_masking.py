"""No CPF in full in any reminder e-mail: the members listed to the contacts are masked, and so is a CPF that a
member's name carries (a name copied from a certificate, ``NOME:12345678909``)."""

from __future__ import annotations

import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command

from certauth.icp.numbers import mask_cpf
from rollout.models import EntityOverride

BRT = ZoneInfo("America/Sao_Paulo")
CUTOVER = dt.date(2027, 3, 1)
CPF_IN_NAME, LISTED = "52601815906", "08301661305"
UNMASKED_CPF = re.compile(r"(?<![0-9A-Za-z])\d{3}\.?\d{3}\.?\d{3}-?\d{2}(?![0-9A-Za-z])")

pytestmark = pytest.mark.django_db


def every_part(message: mail.EmailMultiAlternatives) -> list[str]:
    return [message.subject, str(message.body), *(str(content) for content, _ in message.alternatives)]


def test_no_reminder_of_any_kind_carries_a_cpf_in_full(entity_factory, member_factory) -> None:
    entity = entity_factory(code="OAB-RS", name="OAB Rio Grande do Sul", uf="RS", contact_email="sec@oabrs.org.br")
    EntityOverride.objects.create(entity=entity, cutover_on=CUTOVER, reason="data definida pelo INSS")
    named = member_factory(CPF_IN_NAME, name=f"MARIA DA SILVA:{CPF_IN_NAME}", entity=entity)
    listed = member_factory(LISTED, name="João Souza", entity=entity)
    for member, email in ((named, "maria@exemplo.com.br"), (listed, "joao@exemplo.com.br")):
        member.email = email
        member.certificate_not_after = dt.datetime(2027, 2, 20, 15, 0, tzinfo=dt.UTC)
        member.save()

    kinds = set()
    for at in ("2027-01-30T12:00:00", "2027-03-02T12:00:00"):  # 30 days before (and expiring), then after
        call_command("rollout", "remind", "--at", at, stdout=io.StringIO())
        for message in mail.outbox:
            kinds.add(message.subject.split(":")[1].split()[0])
            for part in every_part(message):
                assert not UNMASKED_CPF.search(part), (message.to, message.subject, UNMASKED_CPF.findall(part))
        bodies = " ".join(" ".join(every_part(m)) for m in mail.outbox)
        assert "MARIA DA SILVA" in bodies, "the member carrying a CPF in the name was written to"
        mail.outbox.clear()
    assert len(kinds) >= 2, kinds  # before, after (and the certificate's own reminder)


def test_the_contacts_summary_names_each_member_with_the_masked_cpf(entity_factory, member_factory) -> None:
    entity = entity_factory(code="OAB-RS", name="OAB Rio Grande do Sul", uf="RS", contact_email="sec@oabrs.org.br")
    EntityOverride.objects.create(entity=entity, cutover_on=CUTOVER, reason="data definida pelo INSS")
    member_factory(LISTED, name="João Souza", entity=entity)
    call_command("rollout", "remind", "--at", "2027-01-30T12:00:00", stdout=io.StringIO())
    (summary,) = [m for m in mail.outbox if m.to == ["sec@oabrs.org.br"]]
    assert f"João Souza (CPF {mask_cpf(LISTED)})" in summary.body
