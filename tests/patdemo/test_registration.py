"""``load_demo`` registers the stand-in as the client ``pat-demo`` (oidc.demo): its secret made at run time into
var/oidc (0600), only its hash in the database, the stand-in's exact URIs; running it again keeps it working."""

from __future__ import annotations

import io
import stat

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import call_command

from oidc.demo import CLIENT_ID, register_pat_demo, secret_file
from oidc.models import Client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.OIDC_DEMO_RP_PORT = 8450
    return tmp_path


def test_the_client_is_registered_as_the_design_says():
    registration = register_pat_demo()
    client = Client.objects.get(client_id=CLIENT_ID)
    assert registration.changed and registration.client.pk == client.pk
    assert client.client_type == Client.CLIENT_CONFIDENTIAL
    assert client.authorization_grant_type == Client.GRANT_AUTHORIZATION_CODE
    assert client.skip_authorization is True
    assert client.algorithm == Client.RS256_ALGORITHM
    assert client.redirect_uris == "http://localhost:8450/retorno"
    assert client.post_logout_redirect_uris == "http://localhost:8450/"
    assert client.backchannel_logout_uri == "http://127.0.0.1:8450/backchannel-logout"
    assert client.a3_only is False


def test_the_secret_is_in_a_0600_file_and_only_its_hash_in_the_database(var_dir):
    register_pat_demo()
    path = secret_file()
    assert path == var_dir / "oidc" / "pat-demo-secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    secret = path.read_text().strip()
    assert len(secret) >= 40
    stored = Client.objects.get(client_id=CLIENT_ID).client_secret
    assert stored != secret and check_password(secret, stored)


def test_running_it_again_keeps_the_secret_and_writes_nothing():
    register_pat_demo()
    secret = secret_file().read_text()
    history = Client.history.count()  # type: ignore[attr-defined]
    again = register_pat_demo()
    assert not again.changed
    assert secret_file().read_text() == secret
    assert Client.history.count() == history  # type: ignore[attr-defined]
    assert check_password(secret.strip(), Client.objects.get(client_id=CLIENT_ID).client_secret)


def test_a_lost_secret_file_gets_a_new_secret_that_the_client_accepts():
    register_pat_demo()
    old = secret_file().read_text().strip()
    secret_file().unlink()
    assert register_pat_demo().changed
    new = secret_file().read_text().strip()
    stored = Client.objects.get(client_id=CLIENT_ID).client_secret
    assert new != old and check_password(new, stored) and not check_password(old, stored)


def test_a_client_changed_by_hand_is_put_back():
    register_pat_demo()
    Client.objects.filter(client_id=CLIENT_ID).update(redirect_uris="https://outro.exemplo/retorno", a3_only=True)
    assert register_pat_demo().changed
    client = Client.objects.get(client_id=CLIENT_ID)
    assert (client.redirect_uris, client.a3_only) == ("http://localhost:8450/retorno", False)
    assert Client.objects.filter(client_id=CLIENT_ID).count() == 1


def test_load_demo_registers_it_and_says_where_the_secret_is():
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert Client.objects.filter(client_id=CLIENT_ID).exists()
    assert f"Cliente OpenID {CLIENT_ID}" in out.getvalue() and str(secret_file()) in out.getvalue()
