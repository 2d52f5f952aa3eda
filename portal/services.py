"""Use-cases that write: keyword-only, typed, no rules hidden in views or admin."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import DateTimeField, Value
from django.db.models.functions import Coalesce

from portal.models import Member, User


def member_user(member: Member) -> User:
    """The member's login account, created on first use (username = CPF, no usable password)."""
    user = member.user
    if user is None:
        with transaction.atomic():
            user = User.objects.filter(username=member.cpf).first()
            if user is None:
                user = User(username=member.cpf, email=member.email)
                user.set_unusable_password()
                user.save()
            member.user = user
            member.save(update_fields=["user"])  # also copies the member's name and e-mail to the account
            user.refresh_from_db(fields=["first_name", "last_name", "email"])
    return user


def record_member_login(*, user: User, method: str, at: dt.datetime) -> None:
    """Keep the member's login dates (first A3 login, last login per method) for the status pages: one UPDATE."""
    members = Member.objects.filter(user=user)
    if method in ("certificate", "cloud"):
        members.update(
            last_certificate_login_at=at,
            first_a3_login_at=Coalesce("first_a3_login_at", Value(at, output_field=DateTimeField())),
        )
    elif method == "password":
        members.update(last_password_login_at=at)
