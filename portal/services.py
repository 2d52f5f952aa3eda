"""Use-cases that write: keyword-only, typed, no rules hidden in views or admin."""

from __future__ import annotations

import datetime as dt

from django.db import router, transaction
from django.db.models import QuerySet

from certauth.statements import Update
from portal.models import Member, PartnerEntity, User


def member_user(member: Member) -> User:
    """The member's login account, created on first use (username = CPF, no usable password).

    Safe when the member's first logins arrive at the same time (several tabs, a retry, two app hosts): the member
    row is locked while its account is created, so the second login finds the first one's account.
    """
    if member.user is not None:
        return member.user
    with transaction.atomic():
        locked = Member.objects.select_for_update().get(pk=member.pk)
        if locked.user_id is None:
            user, created = User.objects.get_or_create(username=locked.cpf, defaults={"email": locked.email})
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
            locked.user = user
            locked.save(update_fields=["user"])  # also copies the member's name and e-mail to the account
        account = User.objects.get(member=locked)
    member.user = account
    return account


def record_member_login(
    *, user: User, method: str, at: dt.datetime, certificate_not_after: dt.datetime | None = None
) -> None:
    """Keep the member's login dates (first A3 login, last login per method) and the expiry of the certificate used,
    for the status pages and the reminders: one UPDATE (no signals, as ``QuerySet.update``)."""
    members = Member.objects.filter(user=user)
    if method in ("certificate", "cloud"):
        _certificate_login_dates(user_id=user.pk, at=at, not_after=certificate_not_after)
    elif method == "password":
        members.update(last_password_login_at=at)


def _certificate_login_dates(*, user_id: int, at: dt.datetime, not_after: dt.datetime | None) -> None:
    """The certificate login's UPDATE, on every login, through a prepared statement (the ORM compiling this UPDATE
    with its COALESCE cost twice its execution): the last login and the certificate's expiry move, the first A3
    login is written once."""
    values = {"last_certificate_login_at": at, "certificate_not_after": not_after, "first_a3_login_at": at}
    _LOGIN_DATES.execute(values, where={"user_id": user_id}, using=router.db_for_write(Member))


_LOGIN_DATES = Update(
    Member,
    fields=("last_certificate_login_at", "certificate_not_after"),
    keep_first=("first_a3_login_at",),
    where=("user",),
)


def set_entity_status(entities: QuerySet[PartnerEntity], status: str, *, reason: str) -> int:
    """Suspend or reactivate entities one by one, so each change is in their history with its reason."""
    changed = 0
    for entity in entities.exclude(status=status):
        entity.status = status
        entity._change_reason = reason  # type: ignore[attr-defined]  # django-simple-history's documented hook
        entity.save(update_fields=["status", "updated_at"])
        changed += 1
    return changed
