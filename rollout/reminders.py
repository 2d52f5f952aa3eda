"""``manage.py rollout remind``: the e-mails of the Portaria's monitoring stage, each sent once.

- Before an entity's cutover, at the most urgent step reached (``rollout.reminder_rule``): its contacts get a
  summary (copied to the contact e-mail of its Gerência-Executiva, if it has one), and each active member who never
  logged in with an A3 certificate gets a personal reminder.
- Once after the cutover (only within ``ROLLOUT_REMINDER_AFTER_DAYS``): the members who lost access, and the
  contacts.
- Members whose certificate expires within ``ROLLOUT_CERTIFICATE_EXPIRY_DAYS``: a reminder to renew it.

A message is recorded (``Reminder``) right after the backend accepted it, one by one: a crash between the two can
repeat only that message at the next run, and a message the backend refused is not recorded, so the next run
tries it again.
"""

from __future__ import annotations

import datetime as dt
import smtplib
from collections import defaultdict
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.conf import settings as django_settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from certauth.icp.numbers import mask_cpfs
from portal import official_links
from portal.models import EntityStatus, Member, Membership, PartnerEntity
from rollout import webinars
from rollout.conf import settings
from rollout.models import Reminder, Webinar
from rollout.reminder_rule import after_cutover_due, certificate_expiry_due, step_for, validated_steps
from rollout.schedule import BRASILIA, Decision, Phase
from rollout.selectors import decisions_for

SUPPORT_CATEGORY = official_links.SUPPORT_CATEGORY
#: The contacts' summary names at most this many members (and counts the others).
MAX_LISTED_MEMBERS = 50
#: After this many failed sends in a row the mail server is taken to be down: the rest wait for the next run (each
#: attempt could otherwise wait EMAIL_TIMEOUT seconds).
MAX_FAILURES_IN_A_ROW = 5
NOT_TRIED = "não tentado: o servidor de e-mail falhou nas últimas tentativas"

Key = tuple[str, int, int | None, int | None, str, dt.date]


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message due: who, about what, and what its template needs."""

    kind: Reminder.Kind
    step_days: int
    entity: PartnerEntity | None
    member: Member | None
    recipient: str
    target_date: dt.date
    template: str  #: base name under ``templates/rollout/email/``
    context: dict[str, Any] = field(compare=False, repr=False)

    @property
    def key(self) -> Key:
        return (
            self.kind.value,
            self.step_days,
            self.entity.pk if self.entity else None,
            self.member.pk if self.member else None,
            self.recipient,
            self.target_date,
        )


class Status(StrEnum):
    SENT = "enviado"
    DRY_RUN = "simulado"
    FAILED = "FALHA"


@dataclass(frozen=True, slots=True)
class Outcome:
    outgoing: Outgoing
    status: Status
    error: str = ""


def send_due(at: dt.datetime, *, dry_run: bool = False) -> Iterator[Outcome]:
    """Send (or, in a dry run, only render) every reminder due at ``at`` that was not sent before."""
    connection = None if dry_run else get_connection()
    failures_in_a_row = 0
    try:
        for outgoing in due_reminders(at):
            message = render(outgoing)
            if connection is None:
                yield Outcome(outgoing, Status.DRY_RUN)
                continue
            if failures_in_a_row >= MAX_FAILURES_IN_A_ROW:
                yield Outcome(outgoing, Status.FAILED, NOT_TRIED)
                continue
            error = _send(connection, message)
            if error:
                failures_in_a_row += 1
                yield Outcome(outgoing, Status.FAILED, error)
                continue
            failures_in_a_row = 0
            _record(outgoing)
            yield Outcome(outgoing, Status.SENT)
    finally:
        if connection is not None:
            _close_quietly(connection)


def due_reminders(at: dt.datetime) -> list[Outgoing]:
    """The messages due at ``at``, minus those already sent."""
    candidates = _dedupe([*cutover_reminders(at), *certificate_reminders(at)])
    sent = _sent_keys({o.target_date for o in candidates})
    return [o for o in candidates if o.key not in sent]


# ------------------------------------------------------------------ who gets what


def cutover_reminders(at: dt.datetime) -> list[Outgoing]:
    """Before the cutover (at the step reached) and once after it, to contacts and members not ready."""
    steps = validated_steps(settings.REMINDER_DAYS)
    after_days = int(settings.REMINDER_AFTER_DAYS)
    today = at.astimezone(BRASILIA).date()
    entities = list(PartnerEntity.objects.filter(status=EntityStatus.ACTIVE).select_related("gex").order_by("code"))
    decisions = decisions_for(entities, at=at)
    due: list[tuple[PartnerEntity, Decision, Reminder.Kind, int]] = []
    for entity in entities:
        decision = decisions[entity.pk]
        if decision.cutover_at is None:
            continue
        if decision.password_allowed:
            step = step_for(decision.days_left(at) or 0, steps)
            if step is not None:
                due.append((entity, decision, Reminder.Kind.BEFORE_CUTOVER, step))
        elif decision.phase == Phase.A3_MANDATORY and after_cutover_due(_day(decision.cutover_at), today, after_days):
            # Only entities that had password access lose it (A3_ONLY entities never had it).
            due.append((entity, decision, Reminder.Kind.AFTER_CUTOVER, 0))
    not_ready = _members_not_ready([entity.pk for entity, *_ in due])
    upcoming = webinars.upcoming(at) if any(kind == Reminder.Kind.BEFORE_CUTOVER for _, _, kind, _ in due) else []
    messages: list[Outgoing] = []
    for entity, decision, kind, step in due:
        webinar = _next_webinar(upcoming, entity, at) if kind == Reminder.Kind.BEFORE_CUTOVER else None
        messages.extend(_entity_messages(entity, decision, kind, step, not_ready.get(entity.pk, []), at, webinar))
    return messages


def _next_webinar(upcoming: list[Webinar], entity: PartnerEntity, at: dt.datetime) -> webinars.Mention | None:
    """The next webinar of the entity's superintendência, else the next national one."""
    chosen = webinars.next_for(upcoming, webinars.regions_of_ufs([entity.uf]), at)
    return webinars.mention(chosen, absolute=True) if chosen else None


def certificate_reminders(at: dt.datetime) -> list[Outgoing]:
    """Active members of an active entity whose certificate expires within the configured days."""
    window = int(settings.CERTIFICATE_EXPIRY_DAYS)
    members = (
        Member.objects.filter(
            active=True,
            certificate_not_after__gt=at,
            certificate_not_after__lt=at + dt.timedelta(days=window + 1),
            memberships__active=True,
            memberships__entity__status=EntityStatus.ACTIVE,
        )
        .exclude(email="")
        .distinct()
        .order_by("name", "pk")
    )
    messages = []
    for member in members:
        not_after = member.certificate_not_after
        if not_after is None or not certificate_expiry_due(not_after, at, window):
            continue
        local = not_after.astimezone(BRASILIA)
        context = {
            **_common_context(),
            "member_name": member.name,
            "expiry_date": f"{local:%d/%m/%Y}",
            "expiry_time": f"{local:%H:%M}",
            "days_left": (local.date() - at.astimezone(BRASILIA).date()).days,
        }
        messages.append(
            Outgoing(
                Reminder.Kind.CERTIFICATE_EXPIRY,
                0,
                None,
                member,
                _address(member.email),
                local.date(),
                "certificado_vencendo",
                context,
            )
        )
    return messages


def _members_not_ready(entity_ids: list[int]) -> dict[int, list[Member]]:
    """Active members (active membership) of these entities who never logged in with an A3 certificate."""
    found: dict[int, list[Member]] = defaultdict(list)
    memberships = (
        Membership.objects.filter(
            entity_id__in=entity_ids, active=True, member__active=True, member__first_a3_login_at__isnull=True
        )
        .select_related("member")
        .order_by("member__name", "member__pk")
    )
    for membership in memberships:
        found[membership.entity_id].append(membership.member)
    return found


def _entity_messages(
    entity: PartnerEntity,
    decision: Decision,
    kind: Reminder.Kind,
    step: int,
    not_ready: list[Member],
    at: dt.datetime,
    webinar: webinars.Mention | None = None,
) -> list[Outgoing]:
    assert decision.cutover_at is not None  # only decisions with a cutover come here
    cutover_on = _day(decision.cutover_at)
    before = kind == Reminder.Kind.BEFORE_CUTOVER
    context = {
        **_common_context(),
        "entity_name": entity.name,
        "entity_code": entity.code,
        "cutover_date": f"{cutover_on:%d/%m/%Y}",
        "last_password_day": f"{cutover_on - dt.timedelta(days=1):%d/%m/%Y}",
        "days_left": decision.days_left(at) or 0,
        "webinar": webinar,
    }
    listed = [{"name": m.name, "cpf": m.masked_cpf, "has_email": bool(m.email.strip())} for m in not_ready]
    summary = {
        **context,
        "not_ready_count": len(not_ready),
        "listed": listed[:MAX_LISTED_MEMBERS],
        "not_listed_count": max(len(listed) - MAX_LISTED_MEMBERS, 0),
    }
    messages = [
        Outgoing(
            kind,
            step,
            entity,
            None,
            address,
            cutover_on,
            "lembrete_entidade" if before else "acesso_encerrado_entidade",
            summary,
        )
        for address in dict.fromkeys(_address(e) for e in entity.contact_emails)
    ]
    gex = entity.gex
    if before and gex is not None and gex.contact_email.strip():
        # Art. 4: the GEX notifies the entities of its area; it gets a copy of each of their summaries.
        address = _address(gex.contact_email)
        if address not in {m.recipient for m in messages}:
            copy = {**summary, "gex_copy": gex.name}
            messages.append(Outgoing(kind, step, entity, None, address, cutover_on, "lembrete_entidade", copy))
    messages.extend(
        Outgoing(
            kind,
            step,
            entity,
            member,
            _address(member.email),
            cutover_on,
            "lembrete_membro" if before else "acesso_encerrado",
            {**context, "member_name": member.name},
        )
        for member in not_ready
        if member.email.strip()
    )
    return messages


def _common_context() -> dict[str, Any]:
    base = str(django_settings.PORTAL_BASE_URL).rstrip("/")
    return {
        "portal_url": f"{base}/",
        "guidance_url": base + reverse("portal:guidance"),
        **official_links.addresses(),  # support, the ITI's list of ARs, the Portal de Atendimento
    }


def _day(instant: dt.datetime) -> dt.date:
    return instant.astimezone(BRASILIA).date()


def _address(email: str) -> str:
    return email.strip().lower()


def _dedupe(messages: list[Outgoing]) -> list[Outgoing]:
    return list({o.key: o for o in messages}.values())


def _sent_keys(target_dates: set[dt.date]) -> set[Key]:
    if not target_dates:
        return set()
    rows = Reminder.objects.filter(target_date__in=target_dates).values_list(
        "kind", "step_days", "entity_id", "member_id", "recipient", "target_date"
    )
    return set(rows)


# ------------------------------------------------------------------ messages and sending


def render(outgoing: Outgoing) -> EmailMultiAlternatives:
    """The message, in plain text with an HTML alternative (``DEFAULT_FROM_EMAIL`` sends it). Every CPF in it is
    masked, wherever it came from (a member's name copied from a certificate, ``NOME:12345678909``, carries one)."""
    base = f"rollout/email/{outgoing.template}"
    subject = mask_cpfs(" ".join(render_to_string(f"{base}_assunto.txt", outgoing.context).split()))
    text = mask_cpfs(render_to_string(f"{base}.txt", outgoing.context))
    message = EmailMultiAlternatives(subject, text, to=[outgoing.recipient])
    message.attach_alternative(mask_cpfs(render_to_string(f"{base}.html", outgoing.context)), "text/html")
    return message


def _send(connection: BaseEmailBackend, message: EmailMultiAlternatives) -> str:
    """'' once the backend accepted the message; otherwise why not (the connection is then closed)."""
    try:
        connection.open()  # kept open between messages (a no-op once open)
        accepted = connection.send_messages([message])
    except (smtplib.SMTPException, OSError) as error:
        _close_quietly(connection)
        return f"{type(error).__name__}: {error}"
    return "" if accepted else "o servidor de e-mail não aceitou a mensagem"


def _close_quietly(connection: BaseEmailBackend) -> None:
    with suppress(smtplib.SMTPException, OSError):
        connection.close()


def _record(outgoing: Outgoing) -> None:
    try:
        with transaction.atomic():
            Reminder.objects.create(
                kind=outgoing.kind,
                step_days=outgoing.step_days,
                entity=outgoing.entity,
                member=outgoing.member,
                recipient=outgoing.recipient,
                target_date=outgoing.target_date,
                sent_at=timezone.now(),
            )
    except IntegrityError:
        pass  # another run recorded the same reminder meanwhile


def mask_email(address: str) -> str:
    """``maria@oab.org.br`` → ``m***@oab.org.br``."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"
