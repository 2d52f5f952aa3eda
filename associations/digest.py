"""``manage.py associations remind``: the before-cutover summaries of all of an association's entities in one e-mail
to its contact and to each of its coordinators.

An entity is in the summary while its before-cutover reminder is due (``rollout.reminder_rule.step_for`` with
``ROLLOUT_REMINDER_DAYS``: the same steps as the entities' own reminders). A summary goes to a recipient at most once
a day (``DigestSent``'s unique constraint) and only when an entity reached a step their last summary did not cover;
it is recorded right after the backend accepted it, so a refused one is tried again at the next run.
"""

from __future__ import annotations

import datetime as dt
import smtplib
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings as django_settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse

from associations import rules, selectors
from associations.models import Association, DigestSent
from certauth.icp.numbers import mask_cpfs
from rollout.conf import settings as rollout_settings
from rollout.reminder_rule import step_for
from rollout.schedule import BRASILIA


class Status(StrEnum):
    SENT = "enviado"
    DRY_RUN = "simulado"
    FAILED = "falhou"


@dataclass(frozen=True)
class Digest:
    association: Association
    recipient: str
    day: dt.date
    rows: list[selectors.EntityRow]
    covered: str

    def message(self) -> EmailMessage:
        base = str(django_settings.PORTAL_BASE_URL).rstrip("/")
        context = {
            "association": self.association,
            "rows": self.rows,
            "day": f"{self.day:%d/%m/%Y}",
            "page_url": base + reverse("associations:status", args=[self.association.code]),
            "export_url": base + reverse("associations:pending_export", args=[self.association.code]),
        }
        subject = " ".join(render_to_string("associations/email/digest_subject.txt", context).split())
        body = render_to_string("associations/email/digest.txt", context)
        return EmailMessage(mask_cpfs(subject), mask_cpfs(body), to=[self.recipient])


@dataclass(frozen=True)
class Outcome:
    digest: Digest
    status: Status
    error: str = ""


def recipients(association: Association) -> list[str]:
    """The association's contact and its coordinators (active appointments of active members), each once."""
    emails = [association.contact_email]
    emails += association.coordinators.filter(active=True, member__active=True).values_list("member__email", flat=True)
    return list(dict.fromkeys(e.strip().lower() for e in emails if e and e.strip()))


def due_digests(at: dt.datetime) -> list[Digest]:
    day = at.astimezone(BRASILIA).date()
    steps = rollout_settings.REMINDER_DAYS
    digests = []
    for association in Association.objects.order_by("code"):
        rows, steps_by_entity = [], {}
        for row in selectors.entity_rows(association, at=at):
            step = step_for(row.days_left or 0, steps) if row.password_allowed and row.cutover_at else None
            if step is not None:
                rows.append(row)
                steps_by_entity[row.code] = step
        if not rows:
            continue
        current = rules.step_pairs(steps_by_entity)
        for recipient in recipients(association):
            sent = DigestSent.objects.filter(association=association, recipient=recipient).order_by("-sent_on")
            last = sent.first()
            if last is not None and last.sent_on >= day:
                continue  # once a day
            if not rules.digest_has_news(current, last.covered if last else None):
                continue
            rows.sort(key=lambda r: (r.days_left or 0, r.name))
            digests.append(Digest(association, recipient, day, rows, " ".join(sorted(current))))
    return digests


def send_due(at: dt.datetime, *, dry_run: bool = False) -> Iterator[Outcome]:
    digests = due_digests(at)
    if dry_run:
        yield from (Outcome(d, Status.DRY_RUN) for d in digests)
        return
    connection = get_connection()
    for digest in digests:
        try:
            accepted = connection.send_messages([digest.message()])
        except (smtplib.SMTPException, OSError) as error:
            yield Outcome(digest, Status.FAILED, f"{type(error).__name__}: {error}")
            continue
        if not accepted:
            yield Outcome(digest, Status.FAILED, "o servidor de e-mail não aceitou a mensagem")
            continue
        try:
            with transaction.atomic():
                DigestSent.objects.create(
                    association=digest.association,
                    recipient=digest.recipient,
                    sent_on=digest.day,
                    entities=len(digest.rows),
                    covered=digest.covered,
                )
        except IntegrityError:
            pass  # another run recorded it meanwhile
        yield Outcome(digest, Status.SENT)
