"""How client secrets are stored: salted HMAC-SHA256 (PBKDF2, one iteration).

A client secret is 128 random characters made by the provider, never chosen by a person: nothing can be guessed
from a fast hash of it, and a slow password hash (Argon2id, ~1 s here) on every token request would make the token
endpoint a denial-of-service target. People's passwords keep the slow hashers (first in ``PASSWORD_HASHERS``); this
one is only identified by its prefix, for the secrets it stored.
"""

from __future__ import annotations

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class ClientSecretHasher(PBKDF2PasswordHasher):
    algorithm = "client_secret_sha256"
    iterations = 1
