"""Login bookkeeping: members' dates on the member, Django's last_login for everybody else."""

from __future__ import annotations

import pytest

from portal.models import Member
from tests.conftest import LAWYER


@pytest.mark.django_db
def test_password_login_of_staff_still_updates_last_login(client, django_user_model, settings):
    settings.PORTAL_STAFF_PASSWORD_LOGIN = True  # the break-glass password login to the admin
    django_user_model.objects.create_user("inss.staff", password="a-long-password-123", is_staff=True)
    response = client.post("/admin/login/", {"username": "inss.staff", "password": "a-long-password-123"}, secure=True)
    assert response.status_code == 302
    assert django_user_model.objects.get(username="inss.staff").last_login is not None


def test_certificate_login_records_the_members_dates_and_certificate_expiry(login_with, member_factory, pki):
    member_factory()
    issued = pki.issue(LAWYER)
    login_with(issued)
    member = Member.objects.get()
    assert member.first_a3_login_at is not None
    assert member.last_certificate_login_at == member.first_a3_login_at
    assert member.certificate_not_after == issued.certificate.not_valid_after_utc


def test_a_later_certificate_login_moves_the_last_login_and_keeps_the_first(
    login_with, proxy_client, member_factory, time_machine
):
    import datetime as dt

    member_factory()
    first = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(minutes=5)
    time_machine.move_to(first, tick=False)
    assert login_with(LAWYER).status_code == 302
    proxy_client.cookies.clear()  # another day's login, in a fresh browser session
    time_machine.move_to(first + dt.timedelta(hours=2), tick=False)
    assert login_with(LAWYER).status_code == 302
    member = Member.objects.get()
    assert member.first_a3_login_at == first
    assert member.last_certificate_login_at == first + dt.timedelta(hours=2)
    assert Member.objects.filter(pk=member.pk, last_certificate_login_at__gt=first).exists()  # a real datetime column
