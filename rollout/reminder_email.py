"""A reminder as an e-mail: its templates rendered, every CPF masked."""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from certauth.icp.numbers import mask_cpfs
from rollout.reminder_outgoing import Outgoing


def render(outgoing: Outgoing) -> EmailMultiAlternatives:
    """The message, in plain text with an HTML alternative (``DEFAULT_FROM_EMAIL`` sends it). Every CPF in it is
    masked, wherever it came from (a member's name copied from a certificate, ``NOME:12345678909``, carries one)."""
    base = f"rollout/email/{outgoing.template}"
    subject = mask_cpfs(" ".join(render_to_string(f"{base}_assunto.txt", outgoing.context).split()))
    text = mask_cpfs(render_to_string(f"{base}.txt", outgoing.context))
    message = EmailMultiAlternatives(subject, text, to=[outgoing.recipient])
    message.attach_alternative(mask_cpfs(render_to_string(f"{base}.html", outgoing.context)), "text/html")
    return message
