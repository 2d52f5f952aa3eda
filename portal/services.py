"""Use-cases that write: keyword-only, typed, no rules hidden in views or admin."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from portal.models import Member, User


@transaction.atomic
def member_user(member: Member) -> User:
    """The member's login account, created on first use (username = CPF, no usable password)."""
    user = member.user
    if user is None:
        user = User.objects.filter(username=member.cpf).first()
        if user is None:
            user = User(username=member.cpf, email=member.email)
            user.set_unusable_password()
            user.save()
        member.user = user
        member.save(update_fields=["user"])
    first, _, last = member.name.partition(" ")
    if (user.first_name, user.last_name, user.email) != (first[:150], last[:150], member.email):
        user.first_name, user.last_name, user.email = first[:150], last[:150], member.email
        user.save(update_fields=["first_name", "last_name", "email"])
    return user


def record_member_login(*, user: User, method: str, at: dt.datetime) -> None:
    """Keep the member's login dates (first A3 login, last login per method) for the status pages."""
    member = Member.objects.filter(user=user).first()
    if member is None:
        return
    fields: list[str] = []
    if method in ("certificate", "cloud"):
        member.last_certificate_login_at = at
        fields.append("last_certificate_login_at")
        if member.first_a3_login_at is None:
            member.first_a3_login_at = at
            fields.append("first_a3_login_at")
    elif method == "password":
        member.last_password_login_at = at
        fields.append("last_password_login_at")
    if fields:
        member.save(update_fields=fields)
