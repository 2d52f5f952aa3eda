"""Use-cases that write: keyword-only, typed, no rules hidden in views or admin."""

from __future__ import annotations

import datetime as dt
import functools

from django.db import connections, router, transaction
from django.db.models import QuerySet

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
    """The certificate login's UPDATE, on every login: SQL built once (the ORM compiling this UPDATE with its
    COALESCE cost twice its execution); values converted by the fields themselves."""
    alias = router.db_for_write(Member)
    connection = connections[alias]
    field = Member._meta.get_field
    params = [
        field("last_certificate_login_at").get_db_prep_save(at, connection),  # type: ignore[union-attr]
        field("certificate_not_after").get_db_prep_save(not_after, connection),  # type: ignore[union-attr]
        field("first_a3_login_at").get_db_prep_save(at, connection),  # type: ignore[union-attr]
        user_id,
    ]
    with connection.cursor() as cursor:
        cursor.execute(_certificate_login_sql(alias), params)


@functools.cache
def _certificate_login_sql(alias: str) -> str:
    quote = connections[alias].ops.quote_name
    column = {name: quote(str(Member._meta.get_field(name).column)) for name in _LOGIN_DATE_FIELDS}  # type: ignore[union-attr]
    # Identifiers from the model's metadata, quoted by the backend; values are parameters.
    return (
        f"UPDATE {quote(Member._meta.db_table)} SET {column['last_certificate_login_at']} = %s, "  # noqa: S608
        f"{column['certificate_not_after']} = %s, "
        f"{column['first_a3_login_at']} = COALESCE({column['first_a3_login_at']}, %s) "
        f"WHERE {column['user']} = %s"
    )


_LOGIN_DATE_FIELDS = ("last_certificate_login_at", "certificate_not_after", "first_a3_login_at", "user")


def set_entity_status(entities: QuerySet[PartnerEntity], status: str, *, reason: str) -> int:
    """Suspend or reactivate entities one by one, so each change is in their history with its reason."""
    changed = 0
    for entity in entities.exclude(status=status):
        entity.status = status
        entity._change_reason = reason  # type: ignore[attr-defined]  # django-simple-history's documented hook
        entity.save(update_fields=["status", "updated_at"])
        changed += 1
    return changed
