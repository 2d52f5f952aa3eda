"""``manage.py oidc_client add|list|remove``: the contract in DESIGN.md, and the rules of ``oidc.clients``."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher
from django.core.management import CommandError, call_command
from django.utils import timezone
from oauth2_provider.models import AccessToken, Grant, RefreshToken

from oidc import clients
from oidc.models import Client, LogoutDelivery, SessionClient
from oidc.provider_settings import SCOPES
from oidc.validator import PortalValidator
from portal.models import User
from tests.conftest import LAWYER

ROOT = Path(__file__).resolve().parents[2]
PAT = ["--name", "PAT", "--redirect-uri", "https://pat.exemplo.gov.br/retorno"]


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("oidc_client", *args, stdout=out)
    return out.getvalue()


def text_fields(output: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in output.strip().splitlines())


# --- add -------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_add_prints_the_client_id_and_a_secret_that_is_stored_only_as_a_hash() -> None:
    printed = text_fields(run("add", *PAT))
    assert set(printed) == {"client_id", "client_secret"}
    client = Client.objects.get(client_id=printed["client_id"])
    assert client.client_secret != printed["client_secret"]
    identify_hasher(client.client_secret)  # a Django password hash, not the secret
    assert check_password(printed["client_secret"], client.client_secret)
    assert printed["client_secret"] not in json.dumps(list(Client.history.values()), default=str)


@pytest.mark.django_db
def test_add_with_format_json_prints_one_json_object() -> None:
    printed = json.loads(run("add", *PAT, "--format", "json"))
    assert set(printed) == {"client_id", "client_secret"}
    assert check_password(printed["client_secret"], Client.objects.get(client_id=printed["client_id"]).client_secret)


@pytest.mark.django_db
def test_every_client_is_confidential_authorization_code_rs256_without_consent() -> None:
    client = Client.objects.get(client_id=json.loads(run("add", *PAT, "--format", "json"))["client_id"])
    assert client.client_type == Client.CLIENT_CONFIDENTIAL
    assert client.authorization_grant_type == Client.GRANT_AUTHORIZATION_CODE
    assert client.skip_authorization is True
    assert client.algorithm == Client.RS256_ALGORITHM
    assert client.hash_client_secret is True


@pytest.mark.django_db
def test_add_keeps_every_uri_exactly_the_a3_only_mark_and_the_scopes_with_openid() -> None:
    printed = json.loads(
        run(
            "add",
            "--name",
            "PAT",
            "--redirect-uri",
            "https://pat.exemplo.gov.br/retorno?origem=a3",
            "--redirect-uri",
            "http://localhost:8450/retorno",
            "--post-logout-redirect-uri",
            "https://pat.exemplo.gov.br/",
            "--backchannel-logout-uri",
            "http://127.0.0.1:8450/backchannel-logout",
            "--a3-only",
            "--scope",
            "profile",
            "--scope",
            "entidade",
            "--format",
            "json",
        )
    )
    client = Client.objects.get(client_id=printed["client_id"])
    assert client.redirect_uris == "https://pat.exemplo.gov.br/retorno?origem=a3 http://localhost:8450/retorno"
    assert client.post_logout_redirect_uris == "https://pat.exemplo.gov.br/"
    assert client.backchannel_logout_uri == "http://127.0.0.1:8450/backchannel-logout"
    assert client.a3_only is True
    assert clients.allowed_scopes(client) == {"openid", "profile", "entidade"}


@pytest.mark.django_db
def test_a_client_registered_without_scopes_may_ask_for_every_scope_and_nothing_else() -> None:
    client = Client.objects.get(client_id=json.loads(run("add", *PAT, "--format", "json"))["client_id"])
    assert clients.allowed_scopes(client) == set(SCOPES)
    client.allowed_scopes = "openid profile inventado"
    assert clients.allowed_scopes(client) == {"openid", "profile"}


@pytest.mark.django_db
def test_the_validator_refuses_a_scope_the_client_is_not_allowed() -> None:
    client = clients.register(clients.ClientSpec(name="PAT", redirect_uris=(PAT[3],), scopes=("profile",))).client
    validator = PortalValidator()
    assert validator.validate_scopes(client.client_id, ["openid", "profile"], client, request=None)
    assert not validator.validate_scopes(client.client_id, ["openid", "certificado"], client, request=None)


BAD_URIS = [
    ("pat.exemplo.gov.br/retorno", "absoluto"),
    ("/retorno", "absoluto"),
    ("ftp://pat.exemplo.gov.br/retorno", "absoluto"),
    ("http://pat.exemplo.gov.br/retorno", "use https://"),
    ("http://localhost.exemplo.gov.br/retorno", "use https://"),
    ("http://10.0.0.1/retorno", "use https://"),
    ("https://pat.exemplo.gov.br/retorno#x", "fragmento"),
    ("https://pat.exemplo.gov.br/retorno#", "fragmento"),
    ("https://*.exemplo.gov.br/retorno", "curinga"),
    ("https://pat.exemplo.gov.br/*", "curinga"),
    ("https://usuario:senha@pat.exemplo.gov.br/retorno", "usuário ou senha"),
    ("https://pat.exemplo.gov.br:99999/retorno", "inválido"),
    ("https:///retorno", "absoluto"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("uri", "reason"), BAD_URIS)
@pytest.mark.parametrize("option", ["--redirect-uri", "--post-logout-redirect-uri", "--backchannel-logout-uri"])
def test_a_uri_that_is_not_exact_https_is_refused_with_its_reason_and_nothing_is_registered(
    option: str, uri: str, reason: str
) -> None:
    args = ["add", "--name", "PAT", "--redirect-uri", "https://pat.exemplo.gov.br/ok", option, uri]
    if option == "--redirect-uri":
        args = ["add", "--name", "PAT", option, uri]
    with pytest.raises(CommandError) as refused:
        run(*args)
    assert reason in str(refused.value)
    assert uri in str(refused.value)
    assert not Client.objects.exists()


@pytest.mark.parametrize("uri", ["http://localhost:8450/retorno", "http://127.0.0.1/r", "http://[::1]:9000/r"])
def test_plain_http_is_accepted_on_a_loopback_host(uri: str) -> None:
    assert clients.check_uri(uri) == uri


@pytest.mark.django_db
def test_an_unknown_scope_a_name_taken_and_a_client_id_taken_are_refused() -> None:
    with pytest.raises(CommandError, match="Escopo desconhecido: inventado"):
        run("add", *PAT, "--scope", "inventado")
    run("add", *PAT, "--client-id", "pat-demo")
    with pytest.raises(CommandError, match="Já existe um cliente com o nome"):
        run("add", *PAT)
    with pytest.raises(CommandError, match="client_id 'pat-demo'"):
        run("add", "--name", "Outro", "--redirect-uri", PAT[3], "--client-id", "pat-demo")
    assert Client.objects.count() == 1


def test_a_refused_add_exits_non_zero_with_the_reason_on_stderr() -> None:
    # PORTAL_DEMO: `make test` exports 1, whose trust store is a demo PKI a clean checkout has not made
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PORTAL_DEMO": "0"}
    bad = "http://pat.exemplo.gov.br/retorno"
    done = subprocess.run(
        [sys.executable, "manage.py", "oidc_client", "add", "--name", "PAT", "--redirect-uri", bad],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "use https://" in done.stderr and bad in done.stderr
    assert "client_secret" not in done.stdout


# --- list ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_list_shows_every_client_without_its_secret_or_its_hash() -> None:
    first = json.loads(run("add", *PAT, "--a3-only", "--format", "json"))
    second = json.loads(
        run("add", "--name", "Outro sistema", "--redirect-uri", "https://outro.inss.gov.br/cb", "--format", "json")
    )
    hashes = list(Client.objects.values_list("client_secret", flat=True))
    as_json, as_text = run("list", "--format", "json"), run("list")
    listed = json.loads(as_json)
    assert [c["client_id"] for c in listed] == [second["client_id"], first["client_id"]]  # by name
    assert listed[1]["a3_only"] is True and listed[1]["redirect_uris"] == [PAT[3]]
    for output in (as_json, as_text):
        assert first["client_id"] in output and second["client_id"] in output
        for secret in (first["client_secret"], second["client_secret"], *hashes):
            assert secret not in output


@pytest.mark.django_db
def test_list_says_so_when_there_is_no_client() -> None:
    assert run("list") == "Nenhum cliente registrado.\n"
    assert json.loads(run("list", "--format", "json")) == []


# --- remove ----------------------------------------------------------------------------------------------------


def _tokens_of(client: Client, user: Any) -> None:
    later = timezone.now() + dt.timedelta(minutes=5)
    access = AccessToken.objects.create(user=user, application=client, token="acesso-" + client.name, expires=later)
    RefreshToken.objects.create(user=user, application=client, token="renovacao-" + client.name, access_token=access)
    Grant.objects.create(
        user=user,
        application=client,
        code="codigo-" + client.name,
        expires=later,
        redirect_uri=client.redirect_uris,
        code_challenge="x" * 43,
        code_challenge_method="S256",
    )
    link = SessionClient.objects.create(session_key="sessao-" + client.name, client=client, user=user)
    LogoutDelivery.objects.create(session_client=link, next_attempt_at=timezone.now())


@pytest.mark.django_db
def test_remove_takes_the_clients_codes_tokens_and_session_links_with_it_and_no_other_clients() -> None:
    user = User.objects.create_user(username=LAWYER.cpf)
    gone = clients.register(clients.ClientSpec(name="PAT", redirect_uris=(PAT[3],))).client
    kept = clients.register(clients.ClientSpec(name="Outro", redirect_uris=("https://outro.inss.gov.br/cb",))).client
    _tokens_of(gone, user)
    _tokens_of(kept, user)
    said = run("remove", gone.client_id)
    assert said == "Cliente PAT removido, com 1 token de acesso e 1 token de atualização.\n"
    assert not Client.objects.filter(pk=gone.pk).exists()
    for model in (AccessToken, RefreshToken, Grant):
        assert list(model.objects.values_list("application", flat=True)) == [kept.pk]
    assert list(SessionClient.objects.values_list("client", flat=True)) == [kept.pk]
    assert list(LogoutDelivery.objects.values_list("session_client__client", flat=True)) == [kept.pk]


@pytest.mark.django_db
def test_removing_an_unknown_client_is_refused() -> None:
    with pytest.raises(CommandError, match="Nenhum cliente com o client_id 'nao-existe'"):
        run("remove", "nao-existe")
