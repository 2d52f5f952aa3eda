"""The logout token of OpenID Connect Back-Channel Logout 1.0: a JWT signed RS256 with the provider's active key (the
one that signs ID tokens), with the ``kid`` django-oauth-toolkit publishes for it in the JWKS, so a client verifies
it exactly as it verifies an ID token, across key rotations."""

from __future__ import annotations

import datetime as dt
import secrets

from django.core.exceptions import ImproperlyConfigured
from jwcrypto import jwk, jwt
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.utils import jwk_from_pem

from oidc.conf import settings

BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"


def signing_key() -> jwk.JWK:
    """The active key (``OIDC_RSA_PRIVATE_KEY``), parsed by DOT's own cached helper: the same object its JWKS view
    and its ID tokens use, so the ``kid`` (the key's RFC 7638 thumbprint) is the one published."""
    pem = oauth2_settings.OIDC_RSA_PRIVATE_KEY
    if not pem:
        raise ImproperlyConfigured("O provedor OpenID não tem chave de assinatura (OIDC_SIGNING_KEY_FILE).")
    return jwk_from_pem(pem)


def build(*, client_id: str, sid: str, sub: str, issuer: str, now: dt.datetime) -> str:
    """The signed logout token for one (portal session, client) link. ``sub`` may be "" (a user since removed): the
    token then identifies the session by ``sid`` alone, which the specification allows. Never a ``nonce``."""
    key = signing_key()
    issued_at = int(now.timestamp())
    claims: dict[str, object] = {
        "iss": issuer,
        "aud": client_id,
        "iat": issued_at,
        "exp": issued_at + int(settings.LOGOUT_TOKEN_SECONDS),
        "jti": secrets.token_urlsafe(24),
        "sid": sid,
        "events": {BACKCHANNEL_LOGOUT_EVENT: {}},
    }
    if sub:
        claims["sub"] = sub
    token = jwt.JWT(header={"alg": "RS256", "typ": "logout+jwt", "kid": key.thumbprint()}, claims=claims)
    token.make_signed_token(key)
    return str(token.serialize())
