"""Verifying a back-channel logout token (OpenID Connect Back-Channel Logout 1.0, § 2.6) with joserfc, Authlib's JOSE
library: the signature against the provider's JWKS (fetched again once for an unknown ``kid``: a key rotation),
then ``iss``, ``aud``, ``iat`` (recent), ``exp``, ``jti``, the back-channel event, no ``nonce``, and a ``sid`` and/or
``sub``. Pure: the JWKS comes from a callable, the time is a parameter."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet, KeySetSerialization

BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
#: The provider signs with RS256 (its discovery document says so); nothing else is accepted, never ``none``.
ALGORITHMS = ("RS256",)
#: Seconds of clock difference tolerated between the provider and the stand-in.
LEEWAY = 30


class InvalidLogoutToken(ValueError):
    """The token must be refused (the endpoint answers 400); the message says why, for the log."""


@dataclass(frozen=True)
class LogoutClaims:
    sid: str | None
    sub: str | None
    jti: str


def verify(
    token: str,
    *,
    jwks: Callable[[bool], dict[str, Any]],
    issuer: str,
    client_id: str,
    now: int,
    max_age: int,
) -> LogoutClaims:
    """The logout token's ``sid``/``sub`` once everything checks; :class:`InvalidLogoutToken` otherwise.
    ``jwks(force)`` returns the provider's key set (``force``: fetch it again)."""
    decoded = _decode(token, jwks)
    header, claims = decoded.header, decoded.claims
    typ = header.get("typ")
    if typ is not None and str(typ).lower() not in ("logout+jwt", "application/logout+jwt"):
        raise InvalidLogoutToken(f"typ {typ!r} is not logout+jwt")
    registry = jwt.JWTClaimsRegistry(
        now=now,
        leeway=LEEWAY,
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": client_id},
        iat={"essential": True},
        jti={"essential": True},
        events={"essential": True},
    )
    try:
        registry.validate(claims)
    except JoseError as exc:
        raise InvalidLogoutToken(f"claim {getattr(exc, 'claim', '?')}: {exc}") from exc
    if now - claims["iat"] > max_age + LEEWAY:
        raise InvalidLogoutToken(f"issued {now - claims['iat']} s ago (more than {max_age} s)")
    events = claims["events"]
    if not isinstance(events, dict) or not isinstance(events.get(BACKCHANNEL_LOGOUT_EVENT), dict):
        raise InvalidLogoutToken("events has no back-channel logout event")
    if "nonce" in claims:
        raise InvalidLogoutToken("a logout token never carries a nonce")
    sid, sub = claims.get("sid"), claims.get("sub")
    if sid is not None and (not isinstance(sid, str) or not sid):
        raise InvalidLogoutToken("sid is not a string")
    if sub is not None and (not isinstance(sub, str) or not sub):
        raise InvalidLogoutToken("sub is not a string")
    if not sid and not sub:
        raise InvalidLogoutToken("neither sid nor sub")
    return LogoutClaims(sid=sid, sub=sub, jti=str(claims["jti"]))


def _decode(token: str, jwks: Callable[[bool], dict[str, Any]]) -> jwt.Token:
    try:
        try:
            return jwt.decode(
                token, KeySet.import_key_set(cast(KeySetSerialization, jwks(False))), algorithms=list(ALGORITHMS)
            )
        except InvalidKeyIdError:
            return jwt.decode(
                token, KeySet.import_key_set(cast(KeySetSerialization, jwks(True))), algorithms=list(ALGORITHMS)
            )
    except (JoseError, ValueError, TypeError) as exc:
        raise InvalidLogoutToken(f"signature or format: {type(exc).__name__}: {exc}") from exc
