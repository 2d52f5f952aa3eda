"""Binding a validated certificate to a member of an active partner entity."""

from __future__ import annotations

import pytest
from django.utils import timezone

from certauth.backends import ClientCertificateBackend
from portal.binding import SESSION_ENTITY_KEY
from portal.models import Member
from tests.conftest import LAWYER

pytestmark = pytest.mark.usefixtures("crls")  # revocation is checked: the test ACs publish CRLs


def login(pki):
    return ClientCertificateBackend().authenticate(None, client_certificate=pki.issue(LAWYER).certificate)


def test_first_login_creates_the_members_account_with_cpf_username_and_no_password(
    certauth_settings, member_factory, pki
):
    member = member_factory(name="Maria da Silva")
    user = login(pki)
    member.refresh_from_db()
    assert member.user == user
    assert user.username == LAWYER.cpf
    assert not user.has_usable_password()
    assert (user.first_name, user.last_name) == ("Maria", "da Silva")
    assert login(pki) == user, "later logins reuse the account"


def test_member_acting_for_several_entities_gets_the_first_active_one(
    certauth_settings, member_factory, entity_factory, pki
):
    member = member_factory(entity=entity_factory(name="Zeta", status="suspended"))
    member.memberships.create(entity=entity_factory(name="Beta"))
    member.memberships.create(entity=entity_factory(name="Alfa"))
    binding = login(pki).certificate_login.binding
    assert binding.organization_name == "Alfa"
    assert binding.session_data[SESSION_ENTITY_KEY] == member.entities.get(name="Alfa").pk


def test_login_records_first_a3_login_and_last_certificate_login(login_with, member_factory):
    member_factory()
    before = timezone.now()
    login_with(LAWYER)
    member = Member.objects.get()
    assert member.first_a3_login_at is not None and member.first_a3_login_at >= before - timezone.timedelta(minutes=1)
    first = member.first_a3_login_at
    login_with(LAWYER)
    member.refresh_from_db()
    assert member.first_a3_login_at == first
    assert member.last_certificate_login_at >= first


@pytest.mark.django_db(transaction=True)
def test_simultaneous_first_logins_share_one_account(certauth_settings, crls, member_factory, pki):
    """Two first logins at once (tabs, a retry, two app hosts) must not both create the account."""
    import threading

    from django.db import connection

    member = member_factory()
    certificate = pki.issue(LAWYER).certificate
    users, errors = [], []
    start = threading.Barrier(4)

    def first_login() -> None:
        try:
            start.wait()
            users.append(ClientCertificateBackend().authenticate(None, client_certificate=certificate).pk)
        except Exception as exc:  # noqa: BLE001  (collected for the assertion below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=first_login) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    member.refresh_from_db()
    assert errors == []
    assert set(users) == {member.user_id}
