"""What a manager changes, through the ORM (so the history records who — ``HistoryRequestMiddleware`` — and why, and
``portal.receivers`` marks the member's open sessions for re-evaluation at their next request, which ends them when
the member may no longer act), and the e-mails the changes send.

A manager acts on the member's **membership** in their own entity: a member who also acts for another entity keeps
that one, and their name and e-mail (which the other entity sees too) are changed only by a manager of an entity that
is the member's only one. A member INSS staff deactivated (``Member.active``) stays so: only staff undo that.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from certauth.icp.numbers import mask_cpf
from managers import rules
from managers.conf import settings as managers_settings
from managers.models import MemberReminder
from portal.models import EntityKind, Member, Membership, OabRegistration, PartnerEntity, User

logger = logging.getLogger(__name__)


class Outcome(enum.Enum):
    ADDED = "added"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REFUSED = "refused"

    @property
    def label(self) -> str:
        return {"added": "Incluído", "updated": "Atualizado", "unchanged": "Sem mudança", "refused": "Recusado"}[
            self.value
        ]


@dataclass(frozen=True)
class MemberData:
    cpf: str  # 11 digits, valid
    name: str
    email: str
    oab_number: str = ""  # without leading zeros
    oab_uf: str = ""


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    message: str
    member: Member | None = None


def _reason(entity: PartnerEntity, what: str) -> str:
    return f"gestor de {entity.code}: {what}"[:100]  # history_change_reason is 100 characters


def _save(instance: Member | Membership | OabRegistration, reason: str) -> None:
    instance._change_reason = reason  # type: ignore[union-attr]  # django-simple-history's documented hook
    instance.save()


def add_member(entity: PartnerEntity, data: MemberData) -> Result:
    """Add (or bring back) a member to the entity; each change in its own transaction, e-mailed once committed."""
    if entity.kind == EntityKind.OAB and not (data.oab_number and data.oab_uf):
        return Result(Outcome.REFUSED, "Inscrição na OAB obrigatória para membros de seccional da OAB.")
    with transaction.atomic():
        member = Member.objects.select_for_update().filter(cpf=data.cpf).first()
        if data.oab_number:
            holder = OabRegistration.objects.filter(number__iexact=data.oab_number, uf=data.oab_uf).first()
            if holder is not None and (member is None or holder.member_id != member.pk):
                return Result(
                    Outcome.REFUSED,
                    f"A inscrição OAB {data.oab_number}/{data.oab_uf} já está cadastrada para outro CPF.",
                )
        if member is not None and not member.active:
            return Result(
                Outcome.REFUSED,
                f"O CPF {mask_cpf(data.cpf)} foi desativado pelo INSS: só a Superintendência pode reativá-lo.",
                member,
            )
        outcome, changes = _apply(entity, member, data)
        member = Member.objects.get(cpf=data.cpf)
    if outcome is Outcome.ADDED:
        transaction.on_commit(lambda: send_welcome(entity, member))
    return Result(outcome, changes, member)


def _apply(entity: PartnerEntity, member: Member | None, data: MemberData) -> tuple[Outcome, str]:
    if member is None:
        member = Member(cpf=data.cpf, name=data.name, email=data.email)
        _save(member, _reason(entity, "inclusão"))
        _save(Membership(member=member, entity=entity), _reason(entity, "inclusão"))
        if data.oab_number:
            _save(OabRegistration(member=member, number=data.oab_number, uf=data.oab_uf), _reason(entity, "inclusão"))
        return Outcome.ADDED, "Membro incluído."
    notes: list[str] = []
    outcome = Outcome.UNCHANGED
    membership = Membership.objects.filter(member=member, entity=entity).first()
    if membership is None or not membership.active:
        notes.append("vínculo com a entidade incluído" if membership is None else "vínculo com a entidade reativado")
        membership = membership or Membership(member=member, entity=entity)
        membership.active = True
        _save(membership, _reason(entity, "inclusão"))
        outcome = Outcome.ADDED
    only_here = not Membership.objects.filter(member=member).exclude(entity=entity).exists()
    if (member.name, member.email) != (data.name, data.email):
        if only_here:
            member.name, member.email = data.name, data.email
            _save(member, _reason(entity, "dados cadastrais"))
            outcome = outcome if outcome is Outcome.ADDED else Outcome.UPDATED
            notes.append("nome e e-mail atualizados")
        else:
            notes.append("nome e e-mail mantidos (o membro atua também por outra entidade)")
    if data.oab_number and not member.oab_registrations.filter(number__iexact=data.oab_number, uf=data.oab_uf).exists():
        main = not member.oab_registrations.exists()
        _save(
            OabRegistration(member=member, number=data.oab_number, uf=data.oab_uf, main=main),
            _reason(entity, "inscrição OAB"),
        )
        outcome = outcome if outcome is Outcome.ADDED else Outcome.UPDATED
        notes.append(f"inscrição OAB {data.oab_number}/{data.oab_uf} incluída")
    if outcome is Outcome.UNCHANGED:
        return outcome, "Já é membro ativo da entidade, com os mesmos dados."
    sentence = "; ".join(notes)
    return outcome, sentence[0].upper() + sentence[1:] + "."


def set_active(entity: PartnerEntity, membership: Membership, active: bool, *, by: User) -> str | None:
    """Deactivate or reactivate the member in the entity; the refusal's sentence, or None when done."""
    if membership.entity_id != entity.pk:
        raise ValueError("membership of another entity")
    member = membership.member
    if not active and member.user_id is not None and member.user_id == by.pk:
        return "Você não pode desativar o seu próprio cadastro: peça a outro gestor ou à Superintendência."
    if active and not member.active:
        return f"O CPF {member.masked_cpf} foi desativado pelo INSS: só a Superintendência pode reativá-lo."
    if membership.active == active:
        return None
    membership.active = active
    _save(membership, _reason(entity, "reativação" if active else "desativação"))
    return None


def send_reminder(entity: PartnerEntity, member: Member, *, by: User) -> str | None:
    """E-mail the member a reminder (A3 login, certificate renewal); the refusal's sentence, or None when sent."""
    if not member.email:
        return f"{member.name} não tem e-mail cadastrado."
    now = timezone.now()
    situation = rules.situation(
        member.first_a3_login_at,
        member.certificate_not_after,
        now=now,
        warn_days=managers_settings.EXPIRY_WARNING_DAYS,
    )
    if situation is rules.Situation.OK:
        return f"{member.name} já entra com certificado A3 válido: não há lembrete a enviar."
    try:
        with transaction.atomic():
            MemberReminder.objects.create(
                member=member, entity=entity, sent_by=by, sent_on=rules.reminder_day(now), sent_at=now
            )
    except IntegrityError:
        return f"{member.name} já recebeu um lembrete hoje. Tente novamente amanhã."
    context = {
        "member": member,
        "entity": entity,
        "situation": situation.value,
        "not_after": member.certificate_not_after,
        **_links(),
    }
    subject = "Lembrete: certificado digital A3"
    transaction.on_commit(lambda: _send("managers/email/reminder.txt", subject, member, context))
    return None


def send_welcome(entity: PartnerEntity, member: Member) -> None:
    if member.email:
        context = {"member": member, "entity": entity, **_links()}
        _send("managers/email/welcome.txt", f"Seu acesso ao Portal A3 pela entidade {entity.name}", member, context)


def _links() -> dict[str, str]:
    return {
        "portal_url": str(settings.PORTAL_BASE_URL).rstrip("/") + "/",
        "ar_list_url": settings.PORTAL_AR_LIST_URL,
        "support_url": settings.PORTAL_SUPPORT_URL,
    }


def _send(template: str, subject: str, member: Member, context: dict[str, object]) -> None:
    """Send now; a failure is logged (the change itself stands: the manager can send a reminder later)."""
    try:
        EmailMessage(subject, render_to_string(template, context), to=[member.email]).send()
    except Exception:  # noqa: BLE001  (any backend failure: SMTP, DNS, TLS)
        logger.exception("managers: e-mail to member %s not sent", member.pk)
