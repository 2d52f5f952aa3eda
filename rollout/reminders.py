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

This module sends; the others have one job each: ``reminder_recipients`` (whom), ``reminder_messages`` and
``reminder_copies`` (what, and the GEX's copy), ``reminder_due`` (what is due and not sent yet), ``reminder_email``
(the e-mail), ``reminder_record`` (what was sent), ``reminder_outgoing`` (a message due). Their public names stay
importable from here.
"""

from __future__ import annotations

import datetime as dt
import smtplib
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from enum import StrEnum

from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend

from rollout.reminder_due import certificate_reminders, cutover_reminders, due_reminders
from rollout.reminder_email import render
from rollout.reminder_messages import MAX_LISTED_MEMBERS
from rollout.reminder_outgoing import Key, Outgoing, mask_email
from rollout.reminder_record import record

__all__ = [
    "MAX_FAILURES_IN_A_ROW",
    "MAX_LISTED_MEMBERS",
    "NOT_TRIED",
    "Key",
    "Outcome",
    "Outgoing",
    "Status",
    "certificate_reminders",
    "cutover_reminders",
    "due_reminders",
    "mask_email",
    "render",
    "send_due",
]

#: After this many failed sends in a row the mail server is taken to be down: the rest wait for the next run (each
#: attempt could otherwise wait EMAIL_TIMEOUT seconds).
MAX_FAILURES_IN_A_ROW = 5
NOT_TRIED = "não tentado: o servidor de e-mail falhou nas últimas tentativas"


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
            record(outgoing)
            yield Outcome(outgoing, Status.SENT)
    finally:
        if connection is not None:
            _close_quietly(connection)


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
