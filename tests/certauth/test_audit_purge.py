"""``manage.py audit purge``: attempts older than the retention period go, newer ones stay."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from certauth.audit import new_reference
from certauth.models import LoginAttempt

pytestmark = pytest.mark.django_db


def attempt(days_ago: int) -> LoginAttempt:
    return LoginAttempt.objects.create(
        reference=new_reference(),
        created_at=timezone.now() - dt.timedelta(days=days_ago),
        method="certificate",
        outcome="rejected",
        code="CERT_EXPIRED",
        cpf="52601815906",
    )


def purge(*args: str) -> str:
    out = io.StringIO()
    call_command("audit", "purge", *args, stdout=out)
    return out.getvalue()


def test_purge_removes_only_attempts_older_than_the_retention(settings):
    settings.CERTAUTH_AUDIT_RETENTION_DAYS = 365
    old, recent = attempt(400), attempt(10)
    assert purge().startswith("1 tentativa(s)")
    assert list(LoginAttempt.objects.all()) == [recent]
    assert not LoginAttempt.objects.filter(pk=old.pk).exists()


def test_dry_run_counts_without_removing_and_days_override_the_setting():
    for days in (40, 50, 5):
        attempt(days)
    assert "2 tentativa(s)" in purge("--days", "30", "--dry-run") and "seriam removidas" in purge(
        "--days", "30", "--dry-run"
    )
    assert LoginAttempt.objects.count() == 3
    purge("--days", "30")
    assert LoginAttempt.objects.count() == 1


def test_purge_works_in_batches():
    from certauth.audit import purge_before

    for _ in range(25):
        attempt(100)
    keep = attempt(1)
    assert purge_before(timezone.now() - dt.timedelta(days=30), batch=7) == 25
    assert list(LoginAttempt.objects.all()) == [keep]


def test_retention_must_be_positive():
    with pytest.raises(CommandError):
        purge("--days", "0")
