"""The PSC registry in the admin: secrets are write-only, addresses must be https, deviations are an adapter."""

from __future__ import annotations

import pytest

from cloudauth.models import Provider

pytestmark = pytest.mark.django_db

SECRET = "segredo-muito-secreto-do-psc"


@pytest.fixture
def admin(staff_factory, staff_login):
    return staff_login(staff_factory(superuser=True))


def form(**changes):
    data = {
        "name": "NeoID (Serpro)",
        "slug": "neoid",
        "adapter": "neoid",
        "base_url": "https://psc-neoid.estaleiro.serpro.gov.br",
        "path_prefix": "",
        "client_id": "portal-a3",
        "client_secret": SECRET,
        "enabled": "on",
        "position": "0",
    }
    return {**data, **changes}


def test_staff_registers_a_psc_and_its_secret_is_never_shown_back(admin):
    response = admin.post("/admin/cloudauth/provider/add/", form(), secure=True)
    assert response.status_code == 302, response.content[:2000]
    provider = Provider.objects.get(slug="neoid")
    assert provider.client_secret == SECRET
    assert provider.config().adapter.default_prefix == "/psc"
    page = admin.get(f"/admin/cloudauth/provider/{provider.pk}/change/", secure=True)
    assert page.status_code == 200
    assert SECRET not in page.content.decode()
    assert "x509_neoid" in page.content.decode()
    assert SECRET not in admin.get("/admin/cloudauth/provider/", secure=True).content.decode()


def test_leaving_the_secret_blank_keeps_it(admin):
    admin.post("/admin/cloudauth/provider/add/", form(), secure=True)
    provider = Provider.objects.get()
    response = admin.post(
        f"/admin/cloudauth/provider/{provider.pk}/change/", form(client_secret="", name="NeoID"), secure=True
    )
    assert response.status_code == 302
    provider.refresh_from_db()
    assert (provider.name, provider.client_secret) == ("NeoID", SECRET)


def test_a_new_psc_needs_a_secret(admin):
    response = admin.post("/admin/cloudauth/provider/add/", form(client_secret=""), secure=True)
    assert response.status_code == 200
    assert "Informe o client_secret" in response.content.decode()


def test_plain_http_addresses_are_refused(admin, settings):
    settings.CLOUDAUTH_ALLOW_HTTP = False
    response = admin.post("/admin/cloudauth/provider/add/", form(base_url="http://psc.example"), secure=True)
    assert response.status_code == 200
    assert "deve usar https://" in response.content.decode()
    assert not Provider.objects.exists()


def test_management_staff_without_permission_cannot_see_the_registry(staff_factory, staff_login):
    from portal.permissions import MANAGEMENT_GROUP

    client = staff_login(staff_factory(groups=(MANAGEMENT_GROUP,)))
    assert client.get("/admin/cloudauth/provider/", secure=True).status_code == 403
