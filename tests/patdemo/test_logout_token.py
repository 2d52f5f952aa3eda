"""The stand-in accepts a logout token only when Back-Channel Logout 1.0 § 2.6 says it may: signed by a key of the
provider's JWKS, from the issuer, for this client, recent, with the back-channel event, no nonce, a sid or a sub."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

import pytest

from patdemo.logout_token import InvalidLogoutToken, LogoutClaims, verify
from tests.patdemo.conftest import CLIENT_ID, CPF, ISSUER, logout_claims, new_key, sign


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def check(token: str, keys: list[Any], *, refetched: list[Any] | None = None, now: int | None = None) -> LogoutClaims:
    calls: list[bool] = []

    def jwks(force: bool) -> dict[str, Any]:
        calls.append(force)
        chosen = refetched if (force and refetched is not None) else keys
        return {"keys": [k.as_dict(private=False) for k in chosen]}

    return verify(
        token,
        jwks=jwks,
        issuer=ISSUER,
        client_id=CLIENT_ID,
        now=int(time.time()) if now is None else now,
        max_age=300,
    )


def test_a_valid_logout_token_gives_its_sid_and_sub(signing_key, logout_token):
    claims = check(logout_token(), [signing_key])
    assert (claims.sid, claims.sub) == ("sid-da-sessao", CPF)


def test_a_token_with_only_a_sid_or_only_a_sub_is_valid(signing_key, logout_token):
    assert check(logout_token(sub=None), [signing_key]).sub is None
    assert check(logout_token(sid=None), [signing_key]).sid is None


def test_an_audience_list_naming_this_client_is_valid(signing_key, logout_token):
    assert check(logout_token(aud=["outro-cliente", CLIENT_ID]), [signing_key]).sid == "sid-da-sessao"


def test_a_token_signed_by_a_key_outside_the_jwks_is_refused(signing_key):
    impostor = new_key(signing_key.kid)  # same kid, another key
    with pytest.raises(InvalidLogoutToken, match="signature"):
        check(sign(impostor, logout_claims()), [signing_key])


def test_a_tampered_payload_is_refused(signing_key, logout_token):
    header, payload, signature = logout_token().split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sid"] = "a-sessao-de-outra-pessoa"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(InvalidLogoutToken, match="signature"):
        check(f"{header}.{forged}.{signature}", [signing_key])


def test_an_unsigned_token_is_refused(signing_key):
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"logout+jwt"}').rstrip(b"=").decode()
    payload = base64.urlsafe_b64encode(json.dumps(logout_claims()).encode()).rstrip(b"=").decode()
    with pytest.raises(InvalidLogoutToken):
        check(f"{header}.{payload}.", [signing_key])


def test_an_hmac_token_keyed_with_the_public_key_is_refused(signing_key):
    """The algorithm-confusion attack: HS256 with the provider's public key as the secret."""
    public_pem = signing_key.as_pem(private=False)
    header = b64(json.dumps({"alg": "HS256", "kid": signing_key.kid, "typ": "logout+jwt"}).encode())
    payload = b64(json.dumps(logout_claims()).encode())
    signature = hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    token = f"{header}.{payload}.{b64(signature)}"
    with pytest.raises(InvalidLogoutToken):
        check(token, [signing_key])


def test_garbage_is_refused(signing_key):
    for value in ("", "abc", "a.b.c", "ey.ey.ey"):
        with pytest.raises(InvalidLogoutToken):
            check(value, [signing_key])


@dataclass(frozen=True)
class FromNow:
    """An instant this many seconds from when the test runs."""

    seconds: int


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"iss": "https://outro-provedor.teste"}, "iss"),
        ({"iss": None}, "iss"),
        ({"aud": "outro-cliente"}, "aud"),
        ({"aud": None}, "aud"),
        ({"iat": None}, "iat"),
        ({"iat": FromNow(3600)}, "iat"),
        ({"iat": FromNow(-3600), "exp": FromNow(60)}, "issued"),
        ({"exp": FromNow(-3600)}, "exp"),
        ({"jti": None}, "jti"),
        ({"events": None}, "events"),
        ({"events": {}}, "events"),
        ({"events": {"http://schemas.openid.net/event/outro": {}}}, "back-channel"),
        ({"events": {"http://schemas.openid.net/event/backchannel-logout": "sim"}}, "back-channel"),
        ({"nonce": "n-0S6_WzA2Mj"}, "nonce"),
        ({"sid": None, "sub": None}, "neither"),
        ({"sid": 42}, "sid"),
    ],
)
def test_a_token_breaking_a_rule_of_the_specification_is_refused(signing_key, logout_token, changes, why):
    now = int(time.time())  # instants relative to the test's own run, not to the collection minutes before
    changes = {k: now + v.seconds if isinstance(v, FromNow) else v for k, v in changes.items()}
    with pytest.raises(InvalidLogoutToken, match=why):
        check(logout_token(**changes), [signing_key])


def test_a_token_typed_as_something_else_is_refused(signing_key):
    token = sign(signing_key, logout_claims(), typ="JWT+id")
    with pytest.raises(InvalidLogoutToken, match="typ"):
        check(token, [signing_key])


def test_a_key_rotation_fetches_the_jwks_again_once(signing_key):
    """A token signed by a key the cached JWKS does not have yet (the provider rotated): fetched again, accepted."""
    rotated = new_key("chave-2")
    claims = check(sign(rotated, logout_claims()), [signing_key], refetched=[signing_key, rotated])
    assert claims.sid == "sid-da-sessao"


def test_a_key_unknown_even_after_fetching_again_is_refused(signing_key):
    stranger = new_key("chave-desconhecida")
    with pytest.raises(InvalidLogoutToken):
        check(sign(stranger, logout_claims()), [signing_key], refetched=[signing_key])
