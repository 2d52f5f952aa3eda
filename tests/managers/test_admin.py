"""Staff and managers in the admin: naming a manager records who; what a manager changed is in the membership's
history with the manager's account, and staff undo it there; the groups hold the permissions; the session machinery
(and so the OpenID provider's back-channel logout) hears of a manager's change at once."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from managers.groups import grant_permissions
from managers.models import EntityManager
from portal.models import Member, Membership, PortalSession
from portal.permissions import MANAGEMENT_GROUP, NATIONAL_VIEW_GROUP, regional_group_name
from rollout.regions import region_for_uf
from tests.conftest import LAWYER, STAFF
from tests.managers.conftest import MEMBER_A, World, valid_cpf

pytestmark = pytest.mark.django_db


def test_staff_name_a_manager_and_the_admin_records_who(world: World, staff_factory, staff_login):
    staff = staff_factory(STAFF.cpf, groups=(MANAGEMENT_GROUP,))
    client = staff_login(staff)
    response = client.post(
        "/admin/managers/entitymanager/add/",
        {"member": world.member_a.pk, "entity": world.entity_a.pk, "active": "on", "notes": "ofício 12/2026"},
        secure=True,
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    appointment = EntityManager.objects.get(member=world.member_a)
    assert appointment.appointed_by == staff
    assert appointment.history.get().history_user == staff


def test_staff_see_a_managers_change_in_the_history_and_undo_it(
    world: World, certificate_client, staff_factory, staff_login
):
    certificate_client(LAWYER).post(f"/gestao/OAB-A/membros/{world.member_a.pk}/desativar/", secure=True)
    membership = Membership.objects.get(member=world.member_a, entity=world.entity_a)
    assert not membership.active
    staff = staff_login(staff_factory(STAFF.cpf, groups=(MANAGEMENT_GROUP,)))
    history = staff.get(f"/admin/portal/membership/{membership.pk}/history/", secure=True).content.decode()
    manager_account = str(Member.objects.get(pk=world.manager_a.pk).user)
    assert "gestor de OAB-A: desativação" in history and manager_account in history
    previous = membership.history.order_by("-history_date")[1]
    assert previous.active
    response = staff.post(
        f"/admin/portal/membership/{membership.pk}/history/{previous.history_id}/", {"active": "on"}, secure=True
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.active, "the undo brought the member back"
    assert certificate_client(MEMBER_A).get("/painel/", secure=True).status_code == 200


def test_a_regional_office_reads_only_its_regions_managers(world: World, staff_factory, staff_login):
    region = region_for_uf("SP")
    assert region is not None and "RJ" not in region.ufs
    staff = staff_login(staff_factory(valid_cpf(350000001), groups=(regional_group_name(region.name),)))
    listing = staff.get("/admin/managers/entitymanager/", secure=True).content.decode()
    assert world.manager_a.name in listing and world.manager_b.name not in listing
    appointment = EntityManager.objects.get(member=world.manager_a)
    page = staff.post(f"/admin/managers/entitymanager/{appointment.pk}/change/", {"active": ""}, secure=True)
    assert page.status_code == 403
    assert EntityManager.objects.get(pk=appointment.pk).active


def test_the_groups_hold_the_managers_permissions(db: None):
    grant_permissions()
    management = set(Group.objects.get(name=MANAGEMENT_GROUP).permissions.values_list("codename", flat=True))
    assert {"add_entitymanager", "change_entitymanager", "view_entitymanager"} <= management
    assert "delete_entitymanager" not in management
    national = set(Group.objects.get(name=NATIONAL_VIEW_GROUP).permissions.values_list("codename", flat=True))
    assert "view_entitymanager" in national and "change_entitymanager" not in national


def test_a_deactivation_marks_the_members_open_sessions_at_once(world: World, certificate_client):
    """What the OpenID provider's worker and every host watch: the session row's count of access changes."""
    certificate_client(MEMBER_A)
    user_id = Member.objects.get(pk=world.member_a.pk).user_id
    before = PortalSession.objects.get(user_id=user_id).access_generation
    certificate_client(LAWYER).post(f"/gestao/OAB-A/membros/{world.member_a.pk}/desativar/", secure=True)
    assert PortalSession.objects.get(user_id=user_id).access_generation > before


def test_a_deactivated_members_open_session_at_the_pat_is_owed_a_back_channel_logout(world: World, certificate_client):
    """The OpenID provider's machinery, unchanged: the member's next request (or the worker's) ends the session, and
    the client that received a token for it is owed a logout."""
    from oidc import clients
    from oidc.models import LogoutDelivery, SessionClient

    member_session = certificate_client(MEMBER_A)
    client = clients.register(
        clients.ClientSpec(
            name="PAT",
            redirect_uris=("https://pat.exemplo.gov.br/retorno",),
            backchannel_logout_uri="https://pat.exemplo.gov.br/logout",
        )
    ).client
    user_id = Member.objects.get(pk=world.member_a.pk).user_id
    link = SessionClient.objects.create(session_key=member_session.session.session_key, client=client, user_id=user_id)
    certificate_client(LAWYER).post(f"/gestao/OAB-A/membros/{world.member_a.pk}/desativar/", secure=True)
    assert member_session.get("/painel/", secure=True)["X-Error-Code"] == "ENTITY_INACTIVE"
    link.refresh_from_db()
    assert link.ended_at is not None
    assert LogoutDelivery.objects.filter(session_client=link).exists()
