"""Registering the provider's clients (relying parties): the one place that knows what a client must look like, used
by ``manage.py oidc_client`` and by the admin.

Every client is a confidential, authorization-code client with RS256 ID tokens and no consent screen (first-party
INSS systems). Its redirect, post-logout and back-channel URIs are exact: absolute, ``https`` (``http`` only on a
loopback host), with no fragment and no wildcard. Its secret is made here, shown once to whoever registered it, and
stored hashed (django-oauth-toolkit hashes it when the client is saved). A client asks only for the scopes staff
allowed it (:func:`allowed_scopes`; the validator refuses any other).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import AbstractApplication, get_access_token_model, get_refresh_token_model

from oidc.models import Client
from oidc.provider_settings import SCOPES

#: Always allowed: without it a request is not OpenID Connect at all.
REQUIRED_SCOPE = "openid"
BACKCHANNEL_MAX_LENGTH = 200  # the model's URLField


class ClientError(ValueError):
    """A client that cannot be registered as asked; the message is what staff read."""


@dataclass(frozen=True)
class ClientSpec:
    name: str
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...] = ()
    backchannel_logout_uri: str = ""
    a3_only: bool = False
    scopes: tuple[str, ...] | None = None  # None: every scope the provider knows


@dataclass(frozen=True)
class Registered:
    client: Client
    secret: str  # in clear: shown once, never stored


# --- rules ---------------------------------------------------------------------------------------------------------


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_uri(uri: str, *, what: str = "URI de redirecionamento") -> str:
    """``uri`` if it is an exact URI a client may use (absolute, https — http only on a loopback host —, no fragment,
    no wildcard, no user or password); otherwise :class:`ClientError` naming what is wrong."""
    uri = uri.strip()
    if not uri:
        raise ClientError(f"{what}: informe um endereço.")
    if any(c.isspace() for c in uri):
        raise ClientError(f"{what} {uri!r}: o endereço não pode ter espaços.")
    if "*" in uri:
        raise ClientError(f"{what} {uri!r}: curingas (*) não são aceitos; informe o endereço exato.")
    if "#" in uri:
        raise ClientError(f"{what} {uri!r}: o endereço não pode ter fragmento (#).")
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018  (raises ValueError on a port that is not a number in range)
    except ValueError:
        raise ClientError(f"{what} {uri!r}: endereço inválido.") from None
    host = parts.hostname or ""
    if parts.scheme not in {"https", "http"} or not host:
        raise ClientError(f"{what} {uri!r}: informe um endereço absoluto, começando por https://.")
    if parts.username is not None or parts.password is not None:
        raise ClientError(f"{what} {uri!r}: o endereço não pode ter usuário ou senha.")
    if parts.scheme == "http" and not _is_loopback(host):
        raise ClientError(f"{what} {uri!r}: use https:// (http:// só é aceito em localhost, 127.0.0.1 ou [::1]).")
    return uri


def check_uris(uris: Iterable[str], *, what: str) -> tuple[str, ...]:
    """Each URI checked, duplicates dropped (first kept)."""
    checked: list[str] = []
    for uri in uris:
        value = check_uri(uri, what=what)
        if value not in checked:
            checked.append(value)
    return tuple(checked)


def check_backchannel_uri(uri: str) -> str:
    if not uri.strip():
        return ""
    value = check_uri(uri, what="URI de logout por canal de retaguarda")
    if len(value) > BACKCHANNEL_MAX_LENGTH:
        raise ClientError(f"URI de logout por canal de retaguarda: no máximo {BACKCHANNEL_MAX_LENGTH} caracteres.")
    return value


def check_scopes(scopes: Iterable[str] | None) -> tuple[str, ...]:
    """The scopes a client will be allowed, in the provider's order, ``openid`` always among them; None: all."""
    if scopes is None:
        return tuple(SCOPES)
    wanted = {s.strip() for s in scopes if s.strip()}
    unknown = sorted(wanted - set(SCOPES))
    if unknown:
        raise ClientError(f"Escopo desconhecido: {', '.join(unknown)}. Escopos possíveis: {', '.join(SCOPES)}.")
    wanted.add(REQUIRED_SCOPE)
    return tuple(s for s in SCOPES if s in wanted)


def check_name(name: str, *, exclude_pk: int | None = None) -> str:
    name = name.strip()
    if not name:
        raise ClientError("Informe o nome do cliente.")
    if len(name) > 255:
        raise ClientError("Nome do cliente: no máximo 255 caracteres.")
    others = Client.objects.filter(name__iexact=name)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if others.exists():
        raise ClientError(f"Já existe um cliente com o nome {name!r}.")
    return name


# --- what a client is ---------------------------------------------------------------------------------------------


def apply_fixed_settings(client: Client) -> None:
    """What every client of the portal is, whatever was asked: confidential, authorization code with PKCE (the
    provider requires it), RS256 ID tokens, no consent screen, a hashed secret, registered by staff."""
    client.client_type = AbstractApplication.CLIENT_CONFIDENTIAL
    client.authorization_grant_type = AbstractApplication.GRANT_AUTHORIZATION_CODE
    client.skip_authorization = True
    client.algorithm = AbstractApplication.RS256_ALGORITHM
    client.hash_client_secret = True
    client.allowed_origins = ""
    client.user = None


def allowed_scopes(client: Client) -> set[str]:
    """The scopes ``client`` may ask for (what staff allowed it, among those the provider knows)."""
    return set(str(client.allowed_scopes or "").split()) & set(SCOPES)


def uri_list(value: str) -> list[str]:
    """DOT's space-separated URI fields as a list."""
    return str(value or "").split()


def describe(client: Client) -> dict[str, Any]:
    """What ``oidc_client list`` shows of a client: everything but its secret."""
    return {
        "client_id": client.client_id,
        "name": client.name,
        "redirect_uris": uri_list(client.redirect_uris),
        "post_logout_redirect_uris": uri_list(client.post_logout_redirect_uris),
        "backchannel_logout_uri": client.backchannel_logout_uri,
        "a3_only": client.a3_only,
        "allowed_scopes": [s for s in SCOPES if s in allowed_scopes(client)],
        "created": client.created.isoformat() if client.created else None,
    }


# --- operations ---------------------------------------------------------------------------------------------------


def register(spec: ClientSpec, *, client_id: str | None = None, secret: str | None = None) -> Registered:
    """A new client as ``spec`` asks; its secret (made here unless given, e.g. the demo's from a file) is returned in
    clear once and stored hashed."""
    redirect_uris = check_uris(spec.redirect_uris, what="URI de redirecionamento")
    if not redirect_uris:
        raise ClientError("Informe ao menos uma URI de redirecionamento (--redirect-uri).")
    post_logout = check_uris(spec.post_logout_redirect_uris, what="URI de retorno após logout")
    backchannel = check_backchannel_uri(spec.backchannel_logout_uri)
    scopes = check_scopes(spec.scopes)
    name = check_name(spec.name)  # (the checks above need no database)
    if client_id is not None:
        client_id = client_id.strip()
        if not client_id or any(c.isspace() for c in client_id) or len(client_id) > 255:
            raise ClientError("client_id inválido: até 255 caracteres, sem espaços.")
        if Client.objects.filter(client_id=client_id).exists():
            raise ClientError(f"Já existe um cliente com o client_id {client_id!r}.")
    client = Client(
        name=name,
        redirect_uris=" ".join(redirect_uris),
        post_logout_redirect_uris=" ".join(post_logout),
        backchannel_logout_uri=backchannel,
        a3_only=spec.a3_only,
        allowed_scopes=" ".join(scopes),
    )
    if client_id is not None:
        client.client_id = client_id
    apply_fixed_settings(client)
    plain = assign_secret(client)
    if secret:
        client.client_secret = plain = secret
    client.save()  # DOT's ClientSecretField hashes the secret here
    return Registered(client, plain)


def assign_secret(client: Client) -> str:
    """Give ``client`` a new secret (hashed when it is saved); returns it in clear, to be shown once."""
    plain: str = generate_client_secret()
    client.client_secret = plain
    client.hash_client_secret = True
    return plain


def new_secret(client: Client) -> str:
    """Replace ``client``'s secret: the new one is returned in clear (shown once), the old one stops working."""
    plain = assign_secret(client)
    client._change_reason = "novo segredo"  # django-simple-history's reason for the version
    client.save()
    return plain


def find(client_id: str) -> Client:
    try:
        client: Client = Client.objects.get(client_id=client_id)
    except Client.DoesNotExist:
        raise ClientError(f"Nenhum cliente com o client_id {client_id!r}.") from None
    return client


@dataclass(frozen=True)
class Removed:
    name: str
    access_tokens: int
    refresh_tokens: int


def remove(client_id: str) -> Removed:
    """Remove a client; its codes, tokens and session links go with it (foreign keys cascade)."""
    with transaction.atomic():
        client = find(client_id)
        access = get_access_token_model().objects.filter(application=client).count()
        refresh = get_refresh_token_model().objects.filter(application=client).count()
        name = str(client)
        client.delete()
    return Removed(name, access, refresh)
