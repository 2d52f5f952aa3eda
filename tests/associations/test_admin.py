"""Associations in the admin: a coordinator must be an active member; who appointed them is recorded; a
superintendência's staff read only their UFs' associations (the whole permission matrix:
tests/portal/test_admin_matrix.py)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from associations.models import Coordinator
from portal.permissions import MANAGEMENT_GROUP, regional_group_name
from rollout.regions import region_for_uf
from tests.associations.conftest import OUTSIDER
from tests.conftest import STAFF

pytestmark = pytest.mark.django_db


def test_an_inactive_member_cannot_be_appointed(world):
    world.outsider.active = False
    world.outsider.save()
    with pytest.raises(ValidationError, match="membro ativo"):
        Coordinator(member=world.outsider, association=world.aam).full_clean()


def test_staff_appointing_a_coordinator_are_recorded(world, staff_factory, staff_login):
    staff = staff_factory(STAFF.cpf, groups=(MANAGEMENT_GROUP,))
    response = staff_login(staff).post(
        "/admin/associations/coordinator/add/",
        {"member": world.outsider.pk, "association": world.aam.pk, "active": "on", "notes": ""},
        secure=True,
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    appointed = Coordinator.objects.get(member__cpf=OUTSIDER.cpf)
    assert appointed.appointed_by == staff
    assert appointed.history.get().history_user == staff


def test_a_superintendencias_staff_read_only_their_ufs_associations(world, staff_factory, staff_login):
    region = region_for_uf("AM")
    assert region is not None
    client = staff_login(staff_factory(STAFF.cpf, groups=(regional_group_name(region.name),)))
    listing = client.get("/admin/associations/association/", secure=True).content.decode()
    assert "AAM — Associação Amazonense" in listing and "Associação do Sul" not in listing
    assert client.get(f"/admin/associations/association/{world.sul.pk}/change/", secure=True).status_code == 302
    page = client.get(f"/admin/associations/association/{world.aam.pk}/change/", secure=True).content.decode()
    assert 'name="_save"' not in page, "read-only"


def test_a_bad_setting_is_reported_by_the_checks(settings):
    settings.ASSOCIATIONS_DIGEST_DAYS = 0
    with pytest.raises(Exception, match="associations.E001"):
        call_command("check")
