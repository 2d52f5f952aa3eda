"""PSC client secrets at rest: sealed with a key derived from Django's ``SECRET_KEY`` (Fernet: AES-128-CBC +
HMAC-SHA256), so a copy of the database alone does not let anyone query the PSCs in the portal's name.

``SECRET_KEY_FALLBACKS`` still open secrets sealed before a key rotation; a secret that no key opens is reported
(the PSC then counts as unavailable) and must be typed again in the admin.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PREFIX = "fernet:"
_INFO = b"portal-a3 cloudauth client_secret v1"


class UnreadableSecret(Exception):
    """No current or fallback key opens this sealed secret."""


def _fernet(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _keys() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ())]
    return MultiFernet([_fernet(k) for k in keys])


def seal(value: str) -> str:
    return PREFIX + _keys().encrypt(value.encode()).decode("ascii")


def unseal(value: str) -> str:
    if not value.startswith(PREFIX):
        return value  # typed before sealing existed (or by a data migration): used as is, sealed at the next save
    try:
        return _keys().decrypt(value[len(PREFIX) :].encode("ascii")).decode()
    except (InvalidToken, UnicodeError) as exc:
        raise UnreadableSecret("client_secret selado com outra SECRET_KEY: cadastre-o de novo") from exc
