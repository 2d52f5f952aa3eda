"""PKCE (RFC 7636) with the S256 method, the only one the PSC API accepts."""

from __future__ import annotations

import base64
import hashlib
import secrets


def new_verifier() -> str:
    """A code verifier of 64 characters from the unreserved set (RFC 7636 §4.1 asks for 43 to 128): 384 bits."""
    return secrets.token_urlsafe(48)


def s256_challenge(verifier: str) -> str:
    """``BASE64URL(SHA256(verifier))`` without padding (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
