"""Relying parties for the end-to-end tests of the OpenID provider, built with two real OpenID Connect client
libraries (so the provider is not tuned to one): Authlib (``OAuth2Session`` + ``joserfc`` and Authlib's own ID
token claims checks, exactly as Authlib's OpenID integrations do) and pyoidc (``oic.oic.Client``: discovery, PKCE,
``parse_response`` verifying the ID token against the provider's JWKS).

Both trust the stack's TLS root (the test CA); both register their client with ``manage.py oidc_client add --format
json`` run in the stack's environment. Their redirect URI is a loopback address nothing serves: the code is read
from the ``Location`` the portal answers (the test's browser never follows it).
"""

from __future__ import annotations

import dataclasses
import json
import secrets
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from authlib.oidc.discovery import OpenIDProviderMetadata
from joserfc import jwt
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry
from oic.oauth2.message import ErrorResponse
from oic.oic import Client as PyoidcClient
from oic.oic.message import (
    AccessTokenResponse,
    AuthorizationRequest,
    AuthorizationResponse,
    BackChannelLogoutRequest,
    ProviderConfigurationResponse,
)
from oic.utils.authn.client import CLIENT_AUTHN_METHOD
from oic.utils.keyio import KeyJar
from oic.utils.settings import OicClientSettings

from portal.serving.processes import BASE_DIR
from tests.e2e.conftest import Browser, E2EStack

#: Discard port on loopback: a URI the client registers and the test never needs to serve.
REDIRECT_URI = "http://127.0.0.1:9/retorno"
SCOPES = "openid profile email entidade certificado"
BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"


# ---------------------------------------------------------------------------------------------- registration


@dataclass(frozen=True)
class Registration:
    client_id: str
    client_secret: str
    redirect_uri: str = REDIRECT_URI


def manage(env: Mapping[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``manage.py ARGS`` with the stack's environment (its settings, its database)."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def register_client(
    stack: E2EStack,
    *,
    name: str = "PAT (teste de ponta a ponta)",
    backchannel_logout_uri: str = "",
    a3_only: bool = False,
    redirect_uri: str = REDIRECT_URI,
) -> Registration:
    """The client as automation registers it: ``manage.py oidc_client add … --format json``."""
    args = ["oidc_client", "add", "--name", name, "--redirect-uri", redirect_uri, "--format", "json"]
    if backchannel_logout_uri:
        args += ["--backchannel-logout-uri", backchannel_logout_uri]
    if a3_only:
        args.append("--a3-only")
    result = manage(stack.stack.env, *args)
    assert result.returncode == 0, result.stdout + result.stderr
    printed = json.loads(result.stdout)
    return Registration(printed["client_id"], printed["client_secret"], redirect_uri)


def run_worker_once(stack: E2EStack) -> str:
    """One round of ``manage.py oidc_worker --once`` in the stack's environment (sweep + due deliveries)."""
    result = manage(stack.stack.env, "oidc_worker", "--once", "--host-id", "e2e")
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


# ---------------------------------------------------------------------------------------------- the browser's part


def code_redirect(browser: Browser, authorization_url: str, redirect_uri: str = REDIRECT_URI) -> str:
    """The browser opens the authorization URL on the portal; returns the redirect back to the client (with the
    code), which the browser would follow."""
    response = browser.get(authorization_url)
    location = response.header("Location") or ""
    assert response.status == 302 and location.startswith(f"{redirect_uri}?"), response
    return location


@dataclass(frozen=True)
class Pending:
    """An authorization request the client sent and keeps until the user comes back."""

    url: str
    state: str
    nonce: str
    verifier: str

    def but(self, **changes: str) -> Pending:
        """The same request as the client would remember it wrongly (a test of the client's own checks)."""
        return dataclasses.replace(self, **changes)


class TokenRefused(AssertionError):
    """The token endpoint answered an OAuth error (``error`` is its code)."""

    def __init__(self, status: int, body: Mapping[str, Any]) -> None:
        super().__init__(f"token endpoint refused: HTTP {status} {dict(body)}")
        self.status = status
        self.error = str(body.get("error", ""))


# ---------------------------------------------------------------------------------------------- Authlib


class AuthlibRP:
    """A confidential client built with Authlib: PKCE S256, state and nonce checked by the library."""

    def __init__(self, stack: E2EStack, registration: Registration, *, scope: str = SCOPES) -> None:
        self.stack = stack
        self.registration = registration
        self.issuer = stack.portal
        self.verify = str(stack.tls_root)
        answer = requests.get(f"{self.issuer}/.well-known/openid-configuration", verify=self.verify, timeout=20)
        answer.raise_for_status()
        self.metadata = OpenIDProviderMetadata(answer.json())
        self.metadata.validate()  # Authlib's own checks of an OpenID provider's metadata (RFC 8414 + OIDC Discovery)
        self.session = OAuth2Session(
            registration.client_id,
            registration.client_secret,
            scope=scope,
            redirect_uri=registration.redirect_uri,
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_basic",  # noqa: S106  (a method's name)
        )
        self.session.verify = self.verify
        self.session.trust_env = False  # REQUESTS_CA_BUNDLE in the environment would override ``verify``

    def jwks(self) -> dict[str, Any]:
        answer = requests.get(str(self.metadata["jwks_uri"]), verify=self.verify, timeout=20)
        answer.raise_for_status()
        return dict(answer.json())

    def start(self, **extra: str) -> Pending:
        verifier = secrets.token_urlsafe(48)
        nonce = secrets.token_urlsafe(16)
        url, state = self.session.create_authorization_url(
            self.metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce, **extra
        )
        return Pending(url=url, state=state, nonce=nonce, verifier=verifier)

    def finish(self, pending: Pending, location: str) -> dict[str, Any]:
        """Exchange the code of ``location`` (Authlib compares its state with ``pending``'s) and validate the ID
        token (signature against the JWKS, iss, aud, exp, nonce, at_hash). Returns the token response, with the
        validated claims under ``"claims"``."""
        token = self.session.fetch_token(
            self.metadata["token_endpoint"],
            authorization_response=location,
            state=pending.state,
            code_verifier=pending.verifier,
        )
        return {**token, "claims": self.id_token_claims(token, pending.nonce)}

    def login(self, browser: Browser, **extra: str) -> dict[str, Any]:
        pending = self.start(**extra)
        return self.finish(pending, code_redirect(browser, pending.url, self.registration.redirect_uri))

    def id_token_claims(
        self, token: Mapping[str, Any], nonce: str, *, jwks: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """What ``authlib.integrations`` ``parse_id_token`` does: joserfc verifies the signature with the key the
        JWKS names (``kid``), Authlib's ``CodeIDToken`` the claims."""
        decoded = jwt.decode(
            token["id_token"],
            key=KeySet.import_key_set(dict(jwks or self.jwks())),  # type: ignore[arg-type]
            registry=JWSRegistry(algorithms=list(self.metadata["id_token_signing_alg_values_supported"])),
        )
        claims = CodeIDToken(
            decoded.claims,
            decoded.header,
            {"iss": {"essential": True, "values": [self.issuer]}},
            {"nonce": nonce, "client_id": self.registration.client_id, "access_token": token["access_token"]},
        )
        claims.validate(leeway=5)
        return {**dict(claims), "_header": dict(decoded.header)}

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        """A refresh (client_secret_basic); :class:`TokenRefused` with the OAuth error if refused."""
        answer = requests.post(
            str(self.metadata["token_endpoint"]),
            data={"grant_type": "refresh_token", "refresh_token": refresh_token},
            auth=(self.registration.client_id, self.registration.client_secret),
            verify=self.verify,
            timeout=20,
        )
        body = answer.json()
        if answer.status_code != 200:
            raise TokenRefused(answer.status_code, body)
        return dict(body)

    def userinfo(self, access_token: str) -> requests.Response:
        return requests.get(
            str(self.metadata["userinfo_endpoint"]),
            headers={"Authorization": f"Bearer {access_token}"},
            verify=self.verify,
            timeout=20,
        )


# ---------------------------------------------------------------------------------------------- pyoidc


class VerifyingKeyJar(KeyJar):  # type: ignore[misc]  # pyoidc is untyped
    """pyoidc's key jar fetches a JWKS on ``localhost`` WITHOUT checking TLS (``KeyJar.add``); this one checks it
    against the CA it is given, like every other request of the client."""

    def add(self, issuer: str, url: str, **kwargs: Any) -> Any:
        bundle = self.keybundle_cls(source=url, verify_ssl=self.verify_ssl, timeout=self.timeout, **kwargs)
        self.issuer_keys.setdefault(issuer, []).append(bundle)
        return bundle


class PyoidcRP:
    """A confidential client built with pyoidc (``oic``): discovery with its issuer check, the JWKS in its key jar,
    PKCE from its own helper, the ID token verified by ``parse_response`` (signature, iss, aud, at_hash) and the
    nonce by ``do_access_token_request`` (kept per state)."""

    def __init__(self, stack: E2EStack, registration: Registration, *, scope: str = SCOPES) -> None:
        self.stack = stack
        self.registration = registration
        verify = str(stack.tls_root)
        settings = OicClientSettings(verify_ssl=verify, timeout=20)
        self.client = PyoidcClient(
            client_authn_method=CLIENT_AUTHN_METHOD, keyjar=VerifyingKeyJar(verify_ssl=verify), settings=settings
        )
        self.configuration: ProviderConfigurationResponse = self.client.provider_config(stack.portal)
        self.client.client_id = registration.client_id
        self.client.client_secret = registration.client_secret
        self.client.redirect_uris = [registration.redirect_uri]
        self.scope = scope.split()
        self.verifiers: dict[str, str] = {}

    def start(self, **extra: str) -> Pending:
        pkce, verifier = self.client.add_code_challenge()
        state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        # request_info: how pyoidc's own do_authorization_request builds it (and remembers the nonce by state)
        url, _, _, _ = self.client.request_info(
            AuthorizationRequest,
            method="GET",
            request_args={
                "response_type": "code",
                "scope": self.scope,
                "redirect_uri": self.registration.redirect_uri,
                "state": state,
                "nonce": nonce,
                **pkce,
                **extra,
            },
        )
        self.verifiers[state] = verifier
        return Pending(url=url, state=state, nonce=nonce, verifier=verifier)

    def finish(self, pending: Pending, location: str) -> dict[str, Any]:
        query = urlsplit(location).query
        response = self.client.parse_response(AuthorizationResponse, info=query, sformat="urlencoded")
        assert isinstance(response, AuthorizationResponse), response
        # pyoidc's Client keeps what it sent by state (its nonce, our verifier): a state it never sent is refused
        assert response["state"] in self.client.state2nonce, "state unknown to the client"
        state = str(response["state"])
        token = self.client.do_access_token_request(
            state=state,
            request_args={"code": response["code"], "code_verifier": self.verifiers.pop(state)},
            authn_method="client_secret_basic",
        )
        if isinstance(token, ErrorResponse):
            raise TokenRefused(400, token.to_dict())
        assert isinstance(token, AccessTokenResponse), token
        id_token = token["id_token"]  # verified by parse_response: an IdToken message
        self.client.verify_id_token(id_token, {"nonce": pending.nonce})
        result = token.to_dict()
        result["claims"] = {**id_token.to_dict(), "_header": dict(id_token.jws_header)}
        return result

    def login(self, browser: Browser, **extra: str) -> dict[str, Any]:
        pending = self.start(**extra)
        return self.finish(pending, code_redirect(browser, pending.url, self.registration.redirect_uri))

    def verify_logout_token(self, token: str) -> dict[str, Any]:
        """A back-channel logout request as pyoidc's RP checks it: signature against the provider's JWKS, ``iss``,
        ``aud``, one ``events`` member (the back-channel logout event, ``{}``), ``sub`` or ``sid``, no ``nonce``."""
        request = BackChannelLogoutRequest(logout_token=token)
        request.verify(keyjar=self.client.keyjar, iss=self.configuration["issuer"], aud=self.registration.client_id)
        return dict(request["logout_token"].to_dict())
