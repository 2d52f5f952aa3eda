"""The provider's clients in the admin: superusers only (pages, history, actions), exact URIs, the secret made by
the portal, shown once and stored hashed, a new one on demand; django-oauth-toolkit's own admins gone. (The
permission matrix, ``tests/portal/test_admin_matrix.py``, covers every URL for every group; these are the
behaviours one by one.)"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.hashers import check_password
from django.contrib.auth.models import Permission
from django.test import Client as HttpClient
from oauth2_provider.models import AccessToken, Grant, IDToken, RefreshToken

from oidc import clients
from oidc.models import Client
from portal.permissions import MANAGEMENT_GROUP

SUPERUSER_CPF = "11144477735"
ADD_URL, LIST_URL = "/admin/oidc/client/add/", "/admin/oidc/client/"
FORM = {
    "name": "Portal de Atendimento",
    "redirect_uris": "https://pat.exemplo.gov.br/retorno\r\nhttp://localhost:8450/retorno",
    "post_logout_redirect_uris": "https://pat.exemplo.gov.br/",
    "backchannel_logout_uri": "https://pat.exemplo.gov.br/backchannel-logout",
    "allowed_scopes": ["openid", "profile", "entidade"],
    "a3_only": "on",
}


@pytest.fixture
def root(staff_factory: Any, staff_login: Any) -> HttpClient:
    return staff_login(staff_factory(SUPERUSER_CPF, superuser=True))  # type: ignore[no-any-return]


@pytest.fixture
def manager_with_every_client_permission(staff_factory: Any, staff_login: Any) -> HttpClient:
    """The management group's account, given every permission on clients too: still not a superuser."""
    user = staff_factory(groups=(MANAGEMENT_GROUP,))
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="oidc", codename__endswith="client"))
    return staff_login(user)  # type: ignore[no-any-return]


@pytest.fixture
def pat(db: None) -> Client:
    client = clients.register(
        clients.ClientSpec(name="PAT (antes)", redirect_uris=("https://pat.exemplo.gov.br/retorno",))
    ).client
    client.name = "PAT"
    client.save()
    return client


def shown_secret(page: str) -> str:
    found = re.search(r'<textarea id="oidc-client-secret"[^>]*>([^<]+)</textarea>', page)
    assert found, "no secret on the page"
    return found.group(1)


def version_ids(client: Client) -> list[int]:
    return list(client.history.order_by("history_date", "history_id").values_list("history_id", flat=True))


# --- superusers only -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_django_oauth_toolkits_own_admins_are_off_the_site() -> None:
    for model in (AccessToken, RefreshToken, Grant, IDToken):
        assert not admin.site.is_registered(model), model
    assert type(admin.site.get_model_admin(Client)).__module__ == "oidc.admin"


def test_staff_other_than_superusers_see_no_client_page_no_history_and_no_version(
    manager_with_every_client_permission: HttpClient, pat: Client
) -> None:
    staff = manager_with_every_client_permission
    first = version_ids(pat)[0]
    for url in (
        LIST_URL,
        ADD_URL,
        f"{LIST_URL}{pat.pk}/change/",
        f"{LIST_URL}{pat.pk}/delete/",
        f"{LIST_URL}{pat.pk}/history/",
        f"{LIST_URL}{pat.pk}/history/{first}/",
    ):
        assert staff.get(url, secure=True).status_code == 403, url
    assert "oidc/client" not in staff.get("/admin/", secure=True).content.decode()
    refused = staff.post(
        LIST_URL, {"action": "regenerate_secret", "_selected_action": [pat.pk], "confirmar": "sim"}, secure=True
    )
    assert refused.status_code == 403
    before = Client.objects.get(pk=pat.pk).client_secret
    assert staff.post(f"{LIST_URL}{pat.pk}/history/{first}/", {**FORM, "name": "Outro"}, secure=True).status_code == 403
    assert Client.objects.get(pk=pat.pk).client_secret == before and Client.objects.get(pk=pat.pk).name == "PAT"


# --- adding: the secret shown once ------------------------------------------------------------------------------


def test_adding_a_client_shows_its_secret_once_and_stores_only_its_hash(root: HttpClient) -> None:
    response = root.post(ADD_URL, FORM, secure=True)
    assert response.status_code == 200
    page = response.content.decode()
    secret = shown_secret(page)
    client = Client.objects.get()
    assert client.client_id in page
    assert "no-store" in response["Cache-Control"]
    assert client.client_secret != secret and check_password(secret, client.client_secret)
    for url in (f"{LIST_URL}{client.pk}/change/", f"{LIST_URL}{client.pk}/history/", LIST_URL):
        later = root.get(url, secure=True).content.decode()
        assert secret not in later and client.client_secret not in later, url
    assert not hasattr(client.history.get(), "client_secret")


def test_a_client_added_in_the_admin_is_what_every_client_is_with_its_uris_exact(root: HttpClient) -> None:
    root.post(ADD_URL, {**FORM, "allowed_scopes": ["profile"]}, secure=True)
    client = Client.objects.get()
    assert client.redirect_uris == "https://pat.exemplo.gov.br/retorno http://localhost:8450/retorno"
    assert client.post_logout_redirect_uris == "https://pat.exemplo.gov.br/"
    assert client.backchannel_logout_uri == "https://pat.exemplo.gov.br/backchannel-logout"
    assert client.a3_only is True
    assert clients.allowed_scopes(client) == {"openid", "profile"}  # openid always
    assert (client.client_type, client.authorization_grant_type, client.algorithm, client.skip_authorization) == (
        Client.CLIENT_CONFIDENTIAL,
        Client.GRANT_AUTHORIZATION_CODE,
        Client.RS256_ALGORITHM,
        True,
    )


def test_sending_the_add_again_registers_no_second_client(root: HttpClient) -> None:
    """A reload of the page that shows the secret posts the form again: the name is taken, nothing is added."""
    root.post(ADD_URL, FORM, secure=True)
    again = root.post(ADD_URL, FORM, secure=True)
    assert again.status_code == 200
    assert "Já existe um cliente com o nome" in again.content.decode()
    assert Client.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("redirect_uris", "http://pat.exemplo.gov.br/retorno", "use https://"),
        ("redirect_uris", "https://pat.exemplo.gov.br/*", "curingas"),
        ("redirect_uris", "https://pat.exemplo.gov.br/retorno#fim", "fragmento"),
        ("post_logout_redirect_uris", "/sair", "absoluto"),
        ("backchannel_logout_uri", "http://pat.exemplo.gov.br/logout", "use https://"),
        ("backchannel_logout_uri", "pat.exemplo.gov.br/logout", "absoluto"),
    ],
)
def test_a_uri_that_is_not_exact_is_refused_on_its_field(root: HttpClient, field: str, value: str, reason: str) -> None:
    response = root.post(ADD_URL, {**FORM, field: value}, secure=True)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == [field] and reason in errors[field][0]
    assert not Client.objects.exists()


# --- changing, history, a new secret ------------------------------------------------------------------------------


def _change_form(client: Client) -> dict[str, Any]:
    return {
        "name": client.name,
        "redirect_uris": "\n".join(client.redirect_uris.split()),
        "post_logout_redirect_uris": "",
        "backchannel_logout_uri": "",
        "allowed_scopes": client.allowed_scopes.split(),
    }


def test_changing_a_client_keeps_its_secret(root: HttpClient, pat: Client) -> None:
    hashed = pat.client_secret
    response = root.post(f"{LIST_URL}{pat.pk}/change/", {**_change_form(pat), "a3_only": "on"}, secure=True)
    assert response.status_code == 302
    pat.refresh_from_db()
    assert pat.a3_only and pat.client_secret == hashed


def test_restoring_an_old_version_keeps_the_current_secret(root: HttpClient, pat: Client) -> None:
    first = version_ids(pat)[0]
    clients.new_secret(pat)
    current = Client.objects.get(pk=pat.pk).client_secret
    form = {**_change_form(pat), "name": "PAT (antes)"}
    response = root.post(f"{LIST_URL}{pat.pk}/history/{first}/", form, secure=True)
    assert response.status_code == 302
    restored = Client.objects.get(pk=pat.pk)
    assert restored.name == "PAT (antes)" and restored.client_secret == current


def test_a_new_secret_is_asked_for_first_then_shown_once_and_the_old_one_stops_working(
    root: HttpClient, pat: Client
) -> None:
    old = clients.new_secret(pat)
    data = {"action": "regenerate_secret", "_selected_action": [pat.pk], "index": "0"}
    asked = root.post(LIST_URL, data, secure=True)
    assert asked.status_code == 200 and "deixa de funcionar" in asked.content.decode()
    assert check_password(old, Client.objects.get(pk=pat.pk).client_secret)  # nothing changed yet
    done = root.post(LIST_URL, {**data, "confirmar": "sim"}, secure=True)
    assert done.status_code == 200 and "no-store" in done["Cache-Control"]
    new = shown_secret(done.content.decode())
    stored = Client.objects.get(pk=pat.pk).client_secret
    assert check_password(new, stored) and not check_password(old, stored)
    assert pat.history.order_by("-history_id").first().history_change_reason == "novo segredo"  # type: ignore[union-attr]
    assert new not in root.get(f"{LIST_URL}{pat.pk}/history/", secure=True).content.decode()


def test_the_change_page_offers_a_new_secret_from_a_form_of_its_own(root: HttpClient, pat: Client) -> None:
    page = root.get(f"{LIST_URL}{pat.pk}/change/", secure=True).content.decode()
    assert 'form="oidc-new-secret"' in page
    own = re.search(r'<form method="post" id="oidc-new-secret"[^>]*>(.*?)</form>', page, re.S)
    assert own and 'value="regenerate_secret"' in own.group(1) and f'value="{pat.pk}"' in own.group(1)
    assert page.index('id="client_form"') < page.index('id="oidc-new-secret"')  # the change form comes first


def test_a_new_secret_for_several_clients_at_once_is_refused(root: HttpClient, pat: Client) -> None:
    other = clients.register(clients.ClientSpec(name="Outro", redirect_uris=("https://o.inss.gov.br/cb",))).client
    hashes = set(Client.objects.values_list("client_secret", flat=True))
    data = {"action": "regenerate_secret", "_selected_action": [pat.pk, other.pk], "index": "0", "confirmar": "sim"}
    response = root.post(LIST_URL, data, secure=True, follow=True)
    assert "Selecione um único cliente" in response.content.decode()
    assert set(Client.objects.values_list("client_secret", flat=True)) == hashes


def test_deleting_a_client_in_the_admin_takes_its_session_links(root: HttpClient, pat: Client) -> None:
    from oidc.models import SessionClient
    from portal.models import User

    user = User.objects.create_user(username="52601815906")
    SessionClient.objects.create(session_key="s", client=pat, user=user)
    response = root.post(f"{LIST_URL}{pat.pk}/delete/", {"post": "yes"}, secure=True)
    assert response.status_code == 302
    assert not Client.objects.exists() and not SessionClient.objects.exists()
