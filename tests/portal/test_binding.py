"""Binding a validated certificate to a member of an active partner entity."""

from __future__ import annotations

import pytest
from django.utils import timezone

from certauth.backends import ClientCertificateBackend
from certauth.models import LoginAttempt
from portal.binding import SESSION_ENTITY_KEY
from portal.models import EntitySelection, Member
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


def test_member_of_one_entity_acts_for_it_at_once(certauth_settings, member_factory, pki):
    member = member_factory()
    binding = login(pki).certificate_login.binding
    assert binding.organization_code == member.entities.get().code
    assert binding.session_data[SESSION_ENTITY_KEY] == member.entities.get().pk


def test_member_of_several_entities_chooses_after_login(proxy_client, login_with, member_factory, entity_factory):
    member = member_factory(entity=entity_factory(name="Zeta", status="suspended"))
    member.memberships.create(entity=entity_factory(name="Beta", code="BETA"))
    member.memberships.create(entity=entity_factory(name="Alfa", code="ALFA"))
    response = login_with(LAWYER)
    assert LoginAttempt.objects.get().organization_code == "", "not chosen yet"
    dashboard = proxy_client.get("/painel/", secure=True)
    assert dashboard.status_code == 302 and dashboard["Location"].startswith("/entidade/?next=/painel/")
    page = proxy_client.get("/entidade/", secure=True).content.decode()
    assert "Alfa" in page and "Beta" in page and "Zeta" not in page, "only active entities are offered"

    alfa = member.entities.get(code="ALFA")
    chosen = proxy_client.post("/entidade/", {"entity": alfa.pk, "next": "/painel/"}, secure=True)
    assert chosen.status_code == 302 and chosen["Location"] == "/painel/"
    assert proxy_client.session[SESSION_ENTITY_KEY] == alfa.pk
    attempt = LoginAttempt.objects.get()
    assert (attempt.organization_code, attempt.organization_name) == ("ALFA", "Alfa"), "the audit carries the choice"
    assert "Alfa" in proxy_client.get("/painel/", secure=True).content.decode()

    beta = member.entities.get(code="BETA")
    proxy_client.post("/entidade/", {"entity": beta.pk}, secure=True)  # switching
    assert proxy_client.session[SESSION_ENTITY_KEY] == beta.pk
    assert list(EntitySelection.objects.values_list("entity__code", "login_reference")) == [
        ("BETA", attempt.reference),
        ("ALFA", attempt.reference),
    ]
    assert LoginAttempt.objects.get().organization_code == "ALFA", "the login's row keeps its first choice"
    assert response.status_code == 302


def test_an_entity_outside_the_members_active_ones_cannot_be_chosen(
    proxy_client, login_with, member_factory, entity_factory
):
    member = member_factory(entity=entity_factory(code="A"))
    member.memberships.create(entity=entity_factory(code="B"))
    foreign = entity_factory(code="C")
    login_with(LAWYER)
    assert proxy_client.post("/entidade/", {"entity": foreign.pk}, secure=True).status_code == 400
    assert SESSION_ENTITY_KEY not in proxy_client.session


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


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
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
