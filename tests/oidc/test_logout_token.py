"""The logout token (OpenID Connect Back-Channel Logout 1.0): signed like the ID tokens, verifiable with the JWKS the
provider publishes, across a key rotation."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.utils import timezone
from jwcrypto import jwk
from oauth2_provider.settings import oauth2_settings

from oidc import logout_token
from tests.oidc.conftest import published_jwks, verified_logout_token

ISSUER = "https://portal.example"
EVENT = "http://schemas.openid.net/event/backchannel-logout"


def build(**overrides: Any) -> str:
    fields: dict[str, Any] = dict(client_id="pat", sid="sid-123", sub="52601815906", issuer=ISSUER, now=timezone.now())
    return logout_token.build(**{**fields, **overrides})


def new_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return pem.decode()


def test_logout_token_verifies_against_the_published_jwks_with_the_claims_the_specification_requires() -> None:
    now = timezone.now()
    header, claims = verified_logout_token(build(now=now))

    assert header["alg"] == "RS256"
    assert header["typ"] == "logout+jwt"
    assert header["kid"] in {key["kid"] for key in published_jwks()["keys"]}
    assert claims["iss"] == ISSUER
    assert claims["aud"] == "pat"
    assert claims["sub"] == "52601815906"
    assert claims["sid"] == "sid-123"
    assert claims["events"] == {EVENT: {}}
    assert claims["iat"] == int(now.timestamp())
    assert claims["exp"] == claims["iat"] + 120
    assert claims["jti"]
    assert "nonce" not in claims


def test_each_logout_token_has_its_own_jti() -> None:
    _, first = verified_logout_token(build())
    _, second = verified_logout_token(build())
    assert first["jti"] != second["jti"]


def test_a_link_whose_account_is_gone_gets_a_token_naming_the_session_only() -> None:
    _, claims = verified_logout_token(build(sub=""))
    assert "sub" not in claims
    assert claims["sid"] == "sid-123"


def test_lifetime_follows_the_setting(settings: Any) -> None:
    settings.OIDC_LOGOUT_TOKEN_SECONDS = 30
    _, claims = verified_logout_token(build())
    assert claims["exp"] - claims["iat"] == 30


@pytest.fixture
def rotated(settings: Any) -> tuple[str, str]:
    """A key rotation's second step: a new active key, the old one still published (inactive). Returns (old, new)."""
    old = oauth2_settings.OIDC_RSA_PRIVATE_KEY
    new = new_key_pem()
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "OIDC_RSA_PRIVATE_KEY": new,
        "OIDC_RSA_PRIVATE_KEYS_INACTIVE": [old],
    }
    return old, new


def test_after_a_key_rotation_the_new_key_signs_and_its_kid_is_published(rotated: tuple[str, str]) -> None:
    old, new = rotated
    header, _ = verified_logout_token(build())

    new_kid = jwk.JWK.from_pem(new.encode()).thumbprint()
    old_kid = jwk.JWK.from_pem(old.encode()).thumbprint()
    assert header["kid"] == new_kid
    assert {key["kid"] for key in published_jwks()["keys"]} == {new_kid, old_kid}


def test_a_token_signed_before_the_rotation_still_verifies_while_the_old_key_is_published(settings: Any) -> None:
    before = build()
    old = settings.OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"]
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "OIDC_RSA_PRIVATE_KEY": new_key_pem(),
        "OIDC_RSA_PRIVATE_KEYS_INACTIVE": [old],
    }
    header, claims = verified_logout_token(before)
    assert header["kid"] == jwk.JWK.from_pem(old.encode()).thumbprint()
    assert claims["sid"] == "sid-123"
