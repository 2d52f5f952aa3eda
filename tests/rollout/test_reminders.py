"""``manage.py rollout remind``: reminders about losing access and about expiring certificates, each sent once."""

from __future__ import annotations

import datetime as dt
import io
import smtplib
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.urls import reverse

from portal.models import EntityStatus, Member
from rollout.models import EntityOverride, Reminder

BRT = ZoneInfo("America/Sao_Paulo")
#: The entity's date (an override): A3 mandatory from 01/03/2027 00:00, Brasília time.
CUTOVER = dt.date(2027, 3, 1)
CONTACTS = ["secretaria@oabrs.org.br", "presidencia@oabrs.org.br"]
MARIA = "maria@exemplo.com.br"
JOAO = "joao@exemplo.com.br"

pytestmark = pytest.mark.django_db


class FailingBackend(BaseEmailBackend):
    """A mail server that refuses everything (or only the addresses in ``refused``)."""

    refused: set[str] | None = None

    def send_messages(self, email_messages):
        for message in email_messages:
            if self.refused is None or set(message.to) & self.refused:
                raise smtplib.SMTPException("421 serviço indisponível")
        mail.outbox.extend(email_messages)
        return len(email_messages)


class RefusesJoao(FailingBackend):
    refused = {JOAO}


class CountingFailingBackend(FailingBackend):
    attempts = 0

    def send_messages(self, email_messages):
        CountingFailingBackend.attempts += 1
        return super().send_messages(email_messages)


def days_before(days: int, time: str = "12:00:00", cutover: dt.date = CUTOVER) -> str:
    return f"{cutover - dt.timedelta(days=days):%Y-%m-%d}T{time}"


def remind(*args: str) -> str:
    out = io.StringIO()
    call_command("rollout", "remind", *args, stdout=out)
    return out.getvalue()


def sent() -> list[tuple[str, str]]:
    """(recipient, subject) of each message sent, in order; empties the outbox."""
    found = [(m.to[0], m.subject) for m in mail.outbox]
    mail.outbox.clear()
    return found


def recipients() -> set[str]:
    return {to for to, _ in sent()}


def steps() -> set[int]:
    return set(Reminder.objects.values_list("step_days", flat=True))


@pytest.fixture
def entity(entity_factory):
    """An OAB section with its own date (RS's wave has none) and two contact addresses."""
    entity = entity_factory(
        code="OAB-RS", name="OAB Rio Grande do Sul", uf="RS", contact_email=CONTACTS[0], other_emails=CONTACTS[1]
    )
    EntityOverride.objects.create(entity=entity, cutover_on=CUTOVER, reason="data definida pelo INSS")
    return entity


@pytest.fixture
def make_member(entity, member_factory):
    def make(cpf: str, email: str, *, name: str = "Maria da Silva", **fields) -> Member:
        member = member_factory(cpf, name=name, entity=fields.pop("entity", entity), **fields)
        member.email = email
        member.save()
        return member

    return make


@pytest.fixture
def maria(make_member):
    return make_member("52601815906", MARIA, name="Maria da Silva")


@pytest.fixture
def joao(make_member):
    return make_member("08301661305", JOAO, name="João Souza")


# ------------------------------------------------------------------ steps before the cutover


def test_31_days_before_nothing_is_sent(maria):
    assert "0 lembrete(s) enviado(s), 0 falha(s)" in remind("--at", days_before(31))
    assert sent() == []


def test_30_days_before_the_members_and_contacts_get_the_30_day_reminder(maria):
    remind("--at", days_before(30))

    assert recipients() == {MARIA, *CONTACTS}
    assert steps() == {30}


def test_8_days_before_nothing_new_is_sent(maria):
    remind("--at", days_before(30))
    sent()

    remind("--at", days_before(8))

    assert sent() == []


def test_7_and_1_days_before_the_next_steps_are_sent(maria):
    remind("--at", days_before(30))
    remind("--at", days_before(7))
    assert steps() == {30, 7}
    remind("--at", days_before(1))
    assert steps() == {30, 7, 1}
    assert Reminder.objects.filter(member=maria).count() == 3


def test_a_daily_run_sends_each_step_once_on_the_day_it_is_reached(maria):
    by_day = {}
    for days in range(40, 0, -1):
        remind("--at", days_before(days, "06:00:00"))
        by_day[days] = len(sent())

    assert {days: n for days, n in by_day.items() if n} == {30: 3, 7: 3, 1: 3}


def test_missed_cron_days_send_only_the_most_urgent_step(maria):
    remind("--at", days_before(5))  # cron was down since before the 30-day step

    assert recipients() == {MARIA, *CONTACTS}  # once each, not 30 + 7
    assert steps() == {7}


def test_running_twice_the_same_day_sends_nothing_the_second_time(maria):
    remind("--at", days_before(7, "06:00:00"))
    assert len(sent()) == 3

    output = remind("--at", days_before(7, "18:00:00"))

    assert sent() == []
    assert "0 lembrete(s) enviado(s)" in output


def test_the_day_the_step_is_reached_starts_at_midnight_brasilia_time(maria):
    remind("--at", days_before(30))
    sent()

    remind("--at", days_before(8, "23:59:59"))
    assert sent() == []
    remind("--at", days_before(7, "00:00:00"))
    assert recipients() == {MARIA, *CONTACTS}


def test_the_default_instant_is_now_in_brasilia_time(maria, time_machine):
    remind("--at", days_before(30))
    sent()
    # 02:59:59 UTC of the 7-days-before date is still 23:59:59 of the day before in Brasília
    seven_days_before = CUTOVER - dt.timedelta(days=7)
    time_machine.move_to(dt.datetime.combine(seven_days_before, dt.time(2, 59, 59), tzinfo=dt.UTC), tick=False)
    remind()
    assert sent() == []

    time_machine.move_to(dt.datetime.combine(seven_days_before, dt.time(3, 0), tzinfo=dt.UTC), tick=False)
    remind()
    assert recipients() == {MARIA, *CONTACTS}


# ------------------------------------------------------------------ who gets a reminder


def test_members_who_already_logged_in_with_a3_get_nothing(maria, joao):
    maria.first_a3_login_at = dt.datetime(2026, 12, 1, tzinfo=BRT)
    maria.save()

    remind("--at", days_before(30))

    assert recipients() == {JOAO, *CONTACTS}


@pytest.mark.parametrize(
    "how",
    ["member inactive", "membership inactive"],
)
def test_inactive_members_and_memberships_get_nothing(make_member, joao, how):
    make_member(
        "78778932807",
        MARIA,
        active=how != "member inactive",
        membership_active=how != "membership inactive",
    )

    remind("--at", days_before(30))

    assert recipients() == {JOAO, *CONTACTS}


@pytest.mark.parametrize("status", [EntityStatus.SUSPENDED, EntityStatus.ENDED])
def test_inactive_entities_and_their_members_get_nothing(entity, maria, status):
    entity.status = status
    entity.save()

    remind("--at", days_before(30))

    assert sent() == []
    # Positive control: the same entity, active again, gets its reminder that day (a mute reminder run would not).
    entity.status = EntityStatus.ACTIVE
    entity.save()
    remind("--at", days_before(30))
    assert recipients() == {MARIA, *CONTACTS}


def test_members_without_email_are_skipped_but_named_to_the_contacts(make_member, joao):
    make_member("78778932807", "", name="Ana Sem Email")

    remind("--at", days_before(30))

    summary = next(m for m in mail.outbox if m.to == [CONTACTS[0]])
    assert "Ana Sem Email (CPF ***.789.328-**) — sem e-mail cadastrado" in summary.body
    assert recipients() == {JOAO, *CONTACTS}


def test_entity_contacts_get_a_summary_of_the_members_not_ready(maria, joao):
    maria.first_a3_login_at = dt.datetime(2026, 12, 1, tzinfo=BRT)
    maria.save()

    remind("--at", days_before(7))

    summaries = [m for m in mail.outbox if m.to[0] in CONTACTS]
    assert sorted(m.to[0] for m in summaries) == sorted(CONTACTS)
    body = summaries[0].body
    assert "01/03/2027" in body and "Faltam 7 dias" in body
    assert "1 membro ativo ainda não entrou no portal com certificado A3 e perderá o acesso" in body
    assert "João Souza (CPF ***.016.613-**)" in body
    assert "08301661305" not in body and "Maria da Silva" not in body
    assert "Autoridade de Registro (AR) credenciada pelo ITI" in body


def test_a_contact_address_repeated_in_the_entity_gets_one_summary(entity, maria):
    entity.other_emails = f"{CONTACTS[1]}, {CONTACTS[0].upper()}"
    entity.save()

    remind("--at", days_before(30))

    assert sorted(to for to, _ in sent()) == sorted([MARIA, *CONTACTS])


def test_entities_without_a_date_get_nothing(entity_factory, member_factory):
    rs = entity_factory(code="OAB-RS-SEM-DATA", uf="RS", contact_email="contato@oabrs.org.br")
    member = member_factory(entity=rs)
    member.email = MARIA
    member.save()

    remind("--at", "2027-01-01")

    assert sent() == []
    # Positive control: once the entity has a date 30 days ahead, the same run writes to the member and the contact.
    EntityOverride.objects.create(entity=rs, cutover_on=dt.date(2027, 1, 31), reason="data definida pelo INSS")
    remind("--at", "2027-01-01")
    assert recipients() == {MARIA, "contato@oabrs.org.br"}


# ------------------------------------------------------------------ after the cutover


def test_after_the_cutover_those_who_lost_access_and_the_contacts_are_told_once(maria, joao):
    joao.first_a3_login_at = dt.datetime(2027, 2, 1, tzinfo=BRT)
    joao.save()

    remind("--at", "2027-03-03T08:00:00")

    messages = sent()
    assert {to for to, _ in messages} == {MARIA, *CONTACTS}
    assert Reminder.objects.filter(kind=Reminder.Kind.AFTER_CUTOVER, step_days=0).count() == 3
    remind("--at", "2027-03-04T08:00:00")
    assert sent() == []


def test_the_after_cutover_message_goes_out_only_within_the_window(maria):
    remind("--at", "2027-03-09")  # 8 days after the cutover day

    assert sent() == []

    remind("--at", "2027-03-08T23:59:59")  # day 7: the last day of the default window
    assert recipients() == {MARIA, *CONTACTS}


def test_the_after_cutover_window_is_a_setting(maria, settings):
    settings.ROLLOUT_REMINDER_AFTER_DAYS = 10

    remind("--at", "2027-03-11")

    assert recipients() == {MARIA, *CONTACTS}


def test_a_first_deployment_does_not_write_to_those_whose_cutover_was_in_2024(entity_factory, member_factory):
    sp = entity_factory(code="OAB-SP", uf="SP", contact_email="contato@oabsp.org.br")  # Anexo I: 17/05/2024
    member = member_factory(entity=sp)
    member.email = MARIA
    member.save()
    # Positive control in the same run: an entity whose date is 30 days from today gets its reminder.
    soon = entity_factory(code="OAB-RS", uf="RS", contact_email="contato@oabrs.org.br")
    EntityOverride.objects.create(
        entity=soon, cutover_on=dt.datetime.now(BRT).date() + dt.timedelta(days=30), reason="data definida pelo INSS"
    )
    other = member_factory("08301661305", entity=soon)
    other.email = JOAO
    other.save()

    remind()

    assert recipients() == {JOAO, "contato@oabrs.org.br"}


def test_entities_a3_only_from_the_start_never_lost_a_password_access(entity_factory, member_factory, maria):
    new = entity_factory(code="MUN-NOVA", uf="AM", kind="municipio", act_signed_on=dt.date(2027, 3, 1))
    new.contact_email = "prefeitura@manaus.example"
    new.save()
    member = member_factory("08301661305", entity=new)
    member.email = JOAO
    member.save()

    remind("--at", "2027-03-02")

    # Positive control in the same run: Maria's entity lost its password access on 01/03/2027 and is told.
    assert recipients() == {MARIA, *CONTACTS}


def test_a_changed_date_starts_a_new_series(entity, maria):
    remind("--at", days_before(30))
    sent()
    later = dt.date(2027, 3, 10)
    EntityOverride.objects.filter(entity=entity).update(cutover_on=later)

    remind("--at", days_before(30))  # now 39 days before the new date
    assert sent() == []
    remind("--at", days_before(30, cutover=later))

    assert recipients() == {MARIA, *CONTACTS}
    assert set(Reminder.objects.filter(member=maria).values_list("target_date", flat=True)) == {CUTOVER, later}


# ------------------------------------------------------------------ certificate expiry


def test_a_certificate_expiring_soon_gets_one_reminder_per_expiry(maria):
    maria.first_a3_login_at = dt.datetime(2026, 1, 10, tzinfo=BRT)
    maria.certificate_not_after = dt.datetime(2026, 6, 20, 15, 30, tzinfo=dt.UTC)
    maria.save()

    remind("--at", "2026-05-21T12:00:00")  # 30 days before
    assert sent() == [(MARIA, "Portal A3: seu certificado digital vence em 20/06/2026 — renove-o antes")]
    record = Reminder.objects.get(member=maria)
    assert record.kind == Reminder.Kind.CERTIFICATE_EXPIRY and record.entity is None
    assert record.target_date == dt.date(2026, 6, 20)

    remind("--at", "2026-06-19")
    assert sent() == []

    maria.certificate_not_after = dt.datetime(2029, 6, 1, tzinfo=BRT)  # renewed: a new series, later
    maria.save()
    remind("--at", "2029-05-15")
    assert recipients() == {MARIA}


def test_the_certificate_reminder_tells_the_expiry_in_brasilia_time(maria):
    maria.certificate_not_after = dt.datetime(2026, 6, 21, 2, 30, tzinfo=dt.UTC)  # 20/06 23:30 in Brasília
    maria.save()

    remind("--at", "2026-06-01")

    message = mail.outbox[0]
    assert "20/06/2026 às 23:30 (horário de Brasília)" in message.body
    assert "AR" in message.body and "credenciada pelo ITI" in message.body
    assert "20/06/2026" in message.alternatives[0][0]


@pytest.mark.parametrize(
    "not_after",
    [dt.datetime(2026, 7, 2, tzinfo=BRT), dt.datetime(2026, 5, 31, tzinfo=BRT), None],
    ids=["31 days away", "expired", "never logged in with a certificate"],
)
def test_certificates_far_from_expiry_or_expired_get_nothing(maria, not_after):
    maria.certificate_not_after = not_after
    maria.first_a3_login_at = dt.datetime(2026, 1, 10, tzinfo=BRT)
    maria.save()

    remind("--at", "2026-06-01")

    assert sent() == []


def test_inactive_members_get_no_certificate_reminder(maria, entity):
    maria.certificate_not_after = dt.datetime(2026, 6, 20, tzinfo=BRT)
    maria.save()
    entity.status = EntityStatus.SUSPENDED
    entity.save()

    remind("--at", "2026-06-01")

    assert sent() == []


# ------------------------------------------------------------------ the messages


@pytest.mark.parametrize(
    ("at", "recipient", "subject"),
    [
        (days_before(7), MARIA, "Portal A3: a partir de 01/03/2027 o acesso exigirá certificado digital A3 "),
        (
            days_before(7),
            CONTACTS[0],
            "Portal A3: OAB Rio Grande do Sul — certificado A3 obrigatório a partir de 01/03/2027 (1 membro ",
        ),
        ("2027-03-01", MARIA, "Portal A3: desde 01/03/2027 o acesso exige certificado digital A3"),
        ("2027-03-01", CONTACTS[0], "Portal A3: OAB Rio Grande do Sul — acesso somente com certificado A3 desde "),
    ],
    ids=["member before", "contacts before", "member after", "contacts after"],
)
def test_text_and_html_parts_carry_the_date_and_the_guidance_url(maria, settings, at, recipient, subject):
    guidance = settings.PORTAL_BASE_URL + reverse("portal:guidance")

    remind("--at", at)

    message = next(m for m in mail.outbox if m.to == [recipient])
    assert message.subject.startswith(subject)
    assert "\n" not in message.subject
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    for part in (message.body, html):
        assert "01/03/2027" in part
        assert guidance in part
        assert "Certificado Digital ACT" in part
    assert message.from_email == settings.DEFAULT_FROM_EMAIL


def test_the_member_reminder_says_what_to_do(maria):
    remind("--at", days_before(1))

    body = next(m for m in mail.outbox if m.to == [MARIA]).body
    assert "Hoje, 28/02/2027, é o último dia de acesso com senha." in body
    assert "Autoridade de Registro (AR) credenciada pelo ITI" in body
    assert "adquirido pela entidade parceira" in body
    assert "suporte do fornecedor do certificado" in body
    assert "Conecte o token" in body and "PIN" in body
    assert "&" not in body  # plain text is not HTML-escaped


def test_names_are_escaped_in_html_but_not_in_text(make_member):
    make_member("78778932807", MARIA, name="Ana <b>& Cia</b>")

    remind("--at", days_before(30))

    message = next(m for m in mail.outbox if m.to == [MARIA])
    assert "Olá, Ana <b>& Cia</b>." in message.body
    assert "Ana &lt;b&gt;&amp; Cia&lt;/b&gt;" in message.alternatives[0][0]


def test_the_output_has_one_line_per_message_with_masked_recipients_and_a_summary(maria):
    output = remind("--at", days_before(30))

    lines = output.splitlines()
    assert any(line.split() == ["enviado", "before_cutover", "30d", "OAB-RS", "m***@exemplo.com.br"] for line in lines)
    assert any("s***@oabrs.org.br" in line for line in lines)
    assert MARIA not in output and CONTACTS[0] not in output
    assert "3 lembrete(s) enviado(s), 0 falha(s)" in lines[-1]


# ------------------------------------------------------------------ dry run, failures, records


def test_dry_run_sends_and_records_nothing(maria):
    output = remind("--at", days_before(30), "--dry-run")

    assert sent() == [] and not Reminder.objects.exists()
    assert "simulado" in output and "m***@exemplo.com.br" in output
    assert "3 lembrete(s) seriam enviados" in output
    assert output.rstrip().endswith("simulação: nada foi enviado nem registrado.")
    remind("--at", days_before(30))
    assert len(sent()) == 3  # the real run afterwards still sends them


def test_a_failing_mail_server_is_reported_exits_non_zero_and_the_next_run_sends(maria, settings):
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"
    out = io.StringIO()

    with pytest.raises(CommandError) as failure:
        call_command("rollout", "remind", "--at", days_before(30), stdout=out)

    assert failure.value.returncode == 2
    assert "serão tentados de novo" in str(failure.value)
    assert "FALHA" in out.getvalue() and "421 serviço indisponível" in out.getvalue()
    assert "0 lembrete(s) enviado(s), 3 falha(s)" in out.getvalue()
    assert not Reminder.objects.exists()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    remind("--at", days_before(29))
    assert recipients() == {MARIA, *CONTACTS}
    assert Reminder.objects.count() == 3


def test_each_message_is_recorded_as_soon_as_it_is_sent(maria, joao, settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusesJoao"

    with pytest.raises(CommandError):
        remind("--at", days_before(30))

    assert recipients() == {MARIA, *CONTACTS}
    assert set(Reminder.objects.values_list("recipient", flat=True)) == {MARIA, *CONTACTS}

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    remind("--at", days_before(30))
    assert recipients() == {JOAO}  # only the one that failed


def test_after_five_failures_in_a_row_the_rest_waits_for_the_next_run(make_member, settings):
    for n, cpf in enumerate(["52601815906", "08301661305", "78778932807", "11144477735", "39053344705", "22233366638"]):
        make_member(cpf, f"membro{n}@exemplo.com.br")
    settings.EMAIL_BACKEND = f"{__name__}.CountingFailingBackend"
    CountingFailingBackend.attempts = 0
    out = io.StringIO()

    with pytest.raises(CommandError):
        call_command("rollout", "remind", "--at", days_before(30), stdout=out)

    assert CountingFailingBackend.attempts == 5  # an unreachable server is not waited for 8 times
    assert out.getvalue().count("não tentado") == 3
    assert "0 lembrete(s) enviado(s), 8 falha(s)" in out.getvalue()


def test_the_database_refuses_the_same_reminder_twice(entity, maria):
    fields = dict(kind=Reminder.Kind.CERTIFICATE_EXPIRY, member=maria, recipient=MARIA, target_date=CUTOVER)
    Reminder.objects.create(sent_at=dt.datetime(2027, 1, 1, tzinfo=BRT), **fields)

    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(sent_at=dt.datetime(2027, 1, 2, tzinfo=BRT), **fields)  # entity is NULL in both


def test_malformed_reminder_days_are_a_clear_error(maria, settings):
    settings.ROLLOUT_REMINDER_DAYS = [30, 0]

    with pytest.raises(CommandError, match="ROLLOUT_REMINDER_DAYS"):
        remind("--at", days_before(30))


def test_other_reminder_days_are_honoured(maria, settings):
    settings.ROLLOUT_REMINDER_DAYS = [14, 3]

    remind("--at", days_before(20))
    assert sent() == []
    remind("--at", days_before(14))
    assert steps() == {14}


# ------------------------------------------------------------------ admin


def test_staff_read_the_sent_reminders_in_the_admin_but_cannot_change_them(maria, staff_factory, staff_login):
    remind("--at", days_before(30))
    record = Reminder.objects.get(member=maria)
    admin = staff_login(staff_factory(superuser=True))

    listing = admin.get("/admin/rollout/reminder/", {"kind__exact": "before_cutover"}, secure=True)
    certificates = admin.get("/admin/rollout/reminder/", {"kind__exact": "certificate_expiry"}, secure=True)

    assert listing.status_code == 200
    assert MARIA in listing.content.decode() and CONTACTS[0] in listing.content.decode()
    assert MARIA not in certificates.content.decode()
    assert admin.get("/admin/rollout/reminder/add/", secure=True).status_code == 403
    assert (
        admin.post(f"/admin/rollout/reminder/{record.pk}/change/", {"recipient": "x@y.z"}, secure=True).status_code
        == 403
    )
    assert admin.post(f"/admin/rollout/reminder/{record.pk}/delete/", {"post": "yes"}, secure=True).status_code == 403
    assert Reminder.objects.get(pk=record.pk).recipient == MARIA


def test_the_contacts_summary_agrees_in_number_with_how_many_members_are_not_ready(maria, joao):
    """'2 membros ativos ainda não entraram', '1 membro ativo ainda não entrou': never 'membro(s)'."""
    remind("--at", days_before(7))
    summary = next(m for m in mail.outbox if m.to == [CONTACTS[0]])
    html = str(summary.alternatives[0][0])
    assert "2 membros ativos ainda não entraram no portal com certificado A3 e perderão o acesso" in summary.body
    assert "<strong>2 membros ativos</strong> ainda não entraram" in html
    assert summary.subject.endswith("(2 membros ainda sem acesso com A3)")
    assert "(s)" not in summary.subject + summary.body.replace("Prezados(as)", "").replace("avise-o(a)", "")
    member = next(m for m in mail.outbox if m.to == [MARIA])
    # the entity's agreement with the INSS is an Acordo de Cooperação Técnica, not a "convênio"
    assert "fale com o responsável pelo Acordo de Cooperação Técnica na entidade" in member.body
    assert "convênio" not in member.body + str(member.alternatives[0][0])
