"""Gathering what the lookup page shows about one attempt: its facts, the certificate as recorded, the revocation
then and now, the member and entities now, the member's recent attempts, the schedule then, and the diagnosis."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings as django_settings
from django.db.models import Q, QuerySet

from certauth import crl_store
from certauth.icp.crl import key_id
from certauth.icp.errors import Reason
from certauth.messages import TEXTS
from certauth.models import LoginAttempt, Outcome
from certauth.validator import get_trust_store
from portal.models import Member, Membership, PartnerEntity
from rollout import schedule
from rollout.regions import region_for_uf
from rollout.selectors import decisions_for
from support import certificate, diagnosis, masking, schedule_then
from support.conf import settings

_REVOCATION_THEN = {
    "good": "não revogado (LCR vigente consultada)",
    "soft_fail": "não verificada; aceito porque o portal tolera LCR indisponível",
    "not_checked": "não verificada (verificação desligada)",
    "revoked": "revogado",
    "unknown": "não foi possível verificar (LCR indisponível)",
}


def scope(attempts: QuerySet[LoginAttempt], ufs: set[str] | None) -> QuerySet[LoginAttempt]:
    """The attempts a user who sees ``ufs`` may look up (None: all): those of entities of those UFs, or whose CPF is
    a member's of such an entity — the rule of the admin's audit (``portal.permissions.scope_audit``)."""
    if ufs is None:
        return attempts
    codes = PartnerEntity.objects.filter(uf__in=ufs).values("code")
    cpfs = Member.objects.filter(memberships__entity__uf__in=ufs).values("cpf")
    return attempts.filter(Q(organization_code__in=codes) | Q(cpf__in=cpfs))


@dataclass(frozen=True)
class Revocation:
    then: str
    then_detail: str
    now: str


@dataclass(frozen=True)
class EntityNow:
    code: str
    name: str
    uf: str
    region: str
    status: str
    active: bool
    membership_active: bool
    decision: schedule.Decision


@dataclass(frozen=True)
class RecentAttempt:
    reference: str
    at: dt.datetime
    outcome: str
    code: str
    title: str
    method: str
    cpf: str
    entity: str
    current: bool


@dataclass
class Lookup:
    attempt: LoginAttempt
    code_title: str
    detail: str
    cpf: str
    subject: str
    certificate_type: str
    chain: tuple[certificate.ChainLink, ...]
    revocation: Revocation
    member: Member | None
    entities: list[EntityNow]
    recent: list[RecentAttempt]
    schedule_entity: PartnerEntity | None
    schedule_then: schedule_then.ScheduleThen | None
    diagnosis: diagnosis.Diagnosis
    notes: list[str] = field(default_factory=list)


def _title(code: str) -> str:
    try:
        return TEXTS[Reason(code)].title
    except (ValueError, KeyError):
        return ""


def _revocation(attempt: LoginAttempt) -> tuple[Revocation, bool | None]:
    then = _REVOCATION_THEN.get(attempt.revocation_status, "não registrada nesta tentativa")
    if attempt.revocation_status == "revoked" and attempt.revoked_at:
        then = f"revogado em {attempt.revoked_at.astimezone(schedule.BRASILIA):%d/%m/%Y %H:%M}"
        if attempt.revocation_reason:
            then += f" (motivo: {attempt.revocation_reason})"
    now, revoked = _revocation_now(attempt)
    return Revocation(then, masking.mask_cpfs(attempt.revocation_detail), now), revoked


def _revocation_now(attempt: LoginAttempt) -> tuple[str, bool | None]:
    if not (attempt.cert_serial and attempt.cert_issuer):
        return "sem certificado registrado", None
    trust = get_trust_store()
    issuer = next(
        (c for c in (*trust.intermediates, *trust.roots) if c.subject.rfc4514_string() == attempt.cert_issuer), None
    )
    if issuer is None:
        return "a AC emissora não está no repositório de confiança: revogação desconhecida", None
    key = key_id(issuer)
    found = crl_store.lookup([(key, attempt.cert_serial)])
    listed = found.listed.get((key, attempt.cert_serial))
    if listed is not None:
        when = "" if listed.revoked_at.year < 2 else f" em {listed.revoked_at.astimezone(schedule.BRASILIA):%d/%m/%Y}"
        reason = f" (motivo: {listed.reason})" if listed.reason else ""
        return f"revogado{when}{reason}: consta da LCR vigente", True
    held = found.held.get(key)
    if held is None:
        return "o portal não tem LCR vigente desta AC: revogação desconhecida", None
    crl = held.held
    next_update = (
        f", próxima até {crl.next_update.astimezone(schedule.BRASILIA):%d/%m/%Y %H:%M}" if crl.next_update else ""
    )
    return (
        f"não consta da LCR vigente (emitida em {crl.this_update.astimezone(schedule.BRASILIA):%d/%m/%Y %H:%M}"
        f"{next_update})",
        False,
    )


def _entities_now(
    member: Member | None, named: PartnerEntity | None, ufs: set[str] | None, now: dt.datetime
) -> list[EntityNow]:
    memberships: list[tuple[PartnerEntity, bool]] = []
    if member is not None:
        memberships = [
            (m.entity, m.active)
            for m in Membership.objects.filter(member=member).select_related("entity").order_by("entity__name")
        ]
    if named is not None and all(e.pk != named.pk for e, _ in memberships):
        memberships.insert(0, (named, False))
    memberships = [(e, a) for e, a in memberships if ufs is None or e.uf in ufs]
    decisions = decisions_for([e for e, _ in memberships], at=now)
    rows = []
    for entity, active in memberships:
        region = region_for_uf(entity.uf)
        rows.append(
            EntityNow(
                entity.code,
                entity.name,
                entity.uf,
                region.name if region else "—",
                entity.get_status_display(),
                entity.is_active,
                active,
                decisions[entity.pk],
            )
        )
    return rows


def _recent(attempt: LoginAttempt, ufs: set[str] | None) -> list[RecentAttempt]:
    if not attempt.cpf:
        return []
    rows = scope(LoginAttempt.objects.filter(cpf=attempt.cpf), ufs).order_by("-created_at")[
        : int(settings.RECENT_ATTEMPTS)
    ]
    return [
        RecentAttempt(
            a.reference,
            a.created_at,
            a.get_outcome_display(),
            a.code,
            _title(a.code),
            a.get_method_display(),
            masking.mask_cpf(a.cpf),
            a.organization_code,
            a.pk == attempt.pk,
        )
        for a in rows.only("reference", "created_at", "outcome", "code", "method", "cpf", "organization_code")
    ]


def build(attempt: LoginAttempt, *, ufs: set[str] | None, now: dt.datetime) -> Lookup:
    member = Member.objects.filter(cpf=attempt.cpf).first() if attempt.cpf else None
    named = PartnerEntity.objects.filter(code=attempt.organization_code).first() if attempt.organization_code else None
    if named is not None and ufs is not None and named.uf not in ufs:
        named = None  # the attempt is in scope through its CPF: the other region's entity stays hidden
    entities = _entities_now(member, named, ufs, now)
    revocation, revoked_now = _revocation(attempt)
    trust = get_trust_store()
    chain = certificate.issuer_chain(attempt.cert_issuer, (*trust.intermediates, *trust.roots))
    kind = certificate.certificate_type(attempt.cert_policy, attempt.detail)
    schedule_entity = named or next(
        (PartnerEntity.objects.get(code=e.code) for e in entities if e.membership_active), None
    )
    then = schedule_then.decision_at(schedule_entity, attempt.created_at) if schedule_entity else None
    decision_now = next((e.decision for e in entities if schedule_entity and e.code == schedule_entity.code), None)
    facts = diagnosis.Facts(
        code=attempt.code,
        accepted=attempt.outcome == Outcome.ACCEPTED,
        method=attempt.method,
        certificate_type=kind,
        not_after=attempt.cert_not_after,
        revoked_now=revoked_now,
        member_known_now=member is not None,
        member_active_now=bool(member and member.active),
        active_entities_now=sum(1 for e in entities if e.active and e.membership_active),
        password_allowed_now=decision_now.password_allowed if decision_now else None,
        cutover_at=decision_now.cutover_at if decision_now else None,
    )
    links = diagnosis.Links(ar_list=_host(django_settings.PORTAL_AR_LIST_URL) or diagnosis.Links().ar_list)
    notes: list[str] = []
    if attempt.fetched_issuers:
        notes.append(f"ACs obtidas pelo endereço AIA nesta tentativa: {masking.mask_cpfs(attempt.fetched_issuers)}.")
    return Lookup(
        attempt=attempt,
        code_title=_title(attempt.code),
        detail=masking.mask_cpfs(attempt.detail),
        cpf=masking.mask_cpf(attempt.cpf) if attempt.cpf else "",
        subject=masking.mask_cpfs(attempt.cert_subject),
        certificate_type=kind,
        chain=chain,
        revocation=revocation,
        member=member,
        entities=entities,
        recent=_recent(attempt, ufs),
        schedule_entity=schedule_entity,
        schedule_then=then,
        diagnosis=diagnosis.diagnose(facts, now=now, links=links),
        notes=notes,
    )


def _host(url: Any) -> str:
    text = str(url or "")
    return text.split("://", 1)[-1].rstrip("/")
