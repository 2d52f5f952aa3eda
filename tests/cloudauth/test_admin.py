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
    assert SECRET not in provider.client_secret  # sealed at rest
    assert provider.config().client_secret == SECRET
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
    assert (provider.name, provider.config().client_secret) == ("NeoID", SECRET)


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


def test_sealed_secret_survives_a_secret_key_rotation_with_fallback(settings):
    from cloudauth import sealing

    sealed = sealing.seal(SECRET)
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "uma-chave-nova-" + "x" * 40, [settings.SECRET_KEY]
    assert sealing.unseal(sealed) == SECRET
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(sealing.UnreadableSecret):
        sealing.unseal(sealed)


def test_psc_whose_secret_cannot_be_opened_is_unavailable_not_a_crash(cloud, provider_factory, simulator, settings):
    from tests.cloudauth.conftest import page_text

    provider_factory("vidaas")
    settings.SECRET_KEY = "outra-chave-" + "y" * 40  # rotated without keeping the old one as a fallback
    started = cloud.start()
    assert started.status_code == 302
    assert "não respondeu à consulta" in page_text(cloud.client.get(started["Location"], secure=True))
    chosen = cloud.choose(started["Location"])
    assert (chosen.status_code, chosen["X-Error-Code"]) == (503, "CLOUD_PSC_UNAVAILABLE")
