"""The PAT stand-in under test: a Flask test client, its provider's metadata and JWKS given (a key made at run time),
and logout tokens and ID tokens signed with that key as the portal signs them."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from joserfc import jwt
from joserfc.jwk import RSAKey

from patdemo.app import create_app
from patdemo.config import Settings
from patdemo.logout_token import BACKCHANNEL_LOGOUT_EVENT

ISSUER = "https://portal.teste:8443"
CLIENT_ID = "pat-demo"
BASE_URL = "http://localhost:8450"
CPF = "12345678909"


def new_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})


@pytest.fixture(scope="session")
def signing_key() -> RSAKey:
    return new_key("chave-1")


def metadata(keys: list[RSAKey]) -> dict[str, Any]:
    return {
        "issuer": ISSUER,
        "authorization_endpoint": f"{ISSUER}/oidc/authorize/",
        "token_endpoint": f"{ISSUER}/oidc/token/",
        "userinfo_endpoint": f"{ISSUER}/oidc/userinfo/",
        "jwks_uri": f"{ISSUER}/oidc/jwks/",
        "end_session_endpoint": f"{ISSUER}/oidc/logout/",
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
        "jwks": {"keys": [k.as_dict(private=False) for k in keys]},
        "_loaded_at": time.time(),  # Authlib's mark: the discovery document is not fetched again
    }


@pytest.fixture
def settings_(tmp_path: Path) -> Settings:
    return Settings(
        issuer=ISSUER,
        client_id=CLIENT_ID,
        client_secret="segredo-de-teste",
        ca_file=None,
        base_url=BASE_URL,
        state_dir=tmp_path / "patdemo",
    )


@pytest.fixture
def app(settings_: Settings, signing_key: RSAKey) -> Flask:
    application = create_app(settings_)
    application.config["TESTING"] = True
    application.extensions["patdemo.portal"].server_metadata.update(metadata([signing_key]))
    return application


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def sign(key: RSAKey, claims: dict[str, Any], *, typ: str | None = "logout+jwt", alg: str = "RS256") -> str:
    header: dict[str, Any] = {"alg": alg, "kid": key.kid}
    if typ:
        header["typ"] = typ
    return jwt.encode(header, claims, key)


def logout_claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "iat": now,
        "exp": now + 120,
        "jti": f"jti-{time.monotonic_ns()}",
        "sid": "sid-da-sessao",
        "sub": CPF,
        "events": {BACKCHANNEL_LOGOUT_EVENT: {}},
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


@pytest.fixture
def logout_token(signing_key: RSAKey) -> Callable[..., str]:
    """``logout_token(**claim_changes)``: a logout token signed with the provider's key (a change to None drops
    the claim)."""

    def make(**changes: Any) -> str:
        return sign(signing_key, logout_claims(**changes))

    return make
