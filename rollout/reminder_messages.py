"""Composing the reminders: for an entity, its contacts' summary and each not-ready member's message (the GEX's copy
is ``rollout.reminder_copies``'); for a member, the certificate renewal reminder; the links every message carries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings as django_settings
from django.urls import reverse

from portal import official_links
from portal.models import Member, PartnerEntity
from rollout import webinars
from rollout.models import Reminder, Webinar
from rollout.reminder_copies import SUMMARY_TEMPLATE, gex_copy
from rollout.reminder_outgoing import Outgoing, recipient_address
from rollout.reminder_recipients import EntityDue
from rollout.schedule import BRASILIA

#: The contacts' summary names at most this many members (and counts the others).
MAX_LISTED_MEMBERS = 50


def entity_messages(
    due: EntityDue, not_ready: list[Member], at: dt.datetime, webinar: webinars.Mention | None = None
) -> list[Outgoing]:
    """The summary for each contact of the entity (and its GEX's copy), and a message to each member not ready who
    has an e-mail."""
    entity, decision, kind, step = due.entity, due.decision, due.kind, due.step
    assert decision.cutover_at is not None  # only decisions with a cutover come here
    cutover_on = decision.cutover_at.astimezone(BRASILIA).date()
    before = kind == Reminder.Kind.BEFORE_CUTOVER
    context = {
        **common_context(),
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
            SUMMARY_TEMPLATE if before else "acesso_encerrado_entidade",
            summary,
        )
        for address in dict.fromkeys(recipient_address(e) for e in entity.contact_emails)
    ]
    copy = gex_copy(entity, kind, step, cutover_on, summary, {m.recipient for m in messages})
    if copy is not None:
        messages.append(copy)
    messages.extend(
        Outgoing(
            kind,
            step,
            entity,
            member,
            recipient_address(member.email),
            cutover_on,
            "lembrete_membro" if before else "acesso_encerrado",
            {**context, "member_name": member.name},
        )
        for member in not_ready
        if member.email.strip()
    )
    return messages


def certificate_message(member: Member, at: dt.datetime) -> Outgoing:
    """The reminder to renew a certificate that expires soon."""
    assert member.certificate_not_after is not None  # only members whose certificate expires come here
    local = member.certificate_not_after.astimezone(BRASILIA)
    context = {
        **common_context(),
        "member_name": member.name,
        "expiry_date": f"{local:%d/%m/%Y}",
        "expiry_time": f"{local:%H:%M}",
        "days_left": (local.date() - at.astimezone(BRASILIA).date()).days,
    }
    return Outgoing(
        Reminder.Kind.CERTIFICATE_EXPIRY,
        0,
        None,
        member,
        recipient_address(member.email),
        local.date(),
        "certificado_vencendo",
        context,
    )


def webinar_for(upcoming: list[Webinar], entity: PartnerEntity, at: dt.datetime) -> webinars.Mention | None:
    """The next webinar of the entity's superintendência, else the next national one."""
    chosen = webinars.next_for(upcoming, webinars.regions_of_ufs([entity.uf]), at)
    return webinars.mention(chosen, absolute=True) if chosen else None


def common_context() -> dict[str, Any]:
    """The portal's address, the guidance page and the official links (support, the ITI's ARs, the Portal de
    Atendimento)."""
    base = str(django_settings.PORTAL_BASE_URL).rstrip("/")
    return {
        "portal_url": f"{base}/",
        "guidance_url": base + reverse("portal:guidance"),
        **official_links.addresses(),  # support, the ITI's list of ARs, the Portal de Atendimento
    }
