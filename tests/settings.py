"""Test settings: the real settings, made faster; the certificate trust comes from the test PKI (conftest)."""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("CERTAUTH_PROXY_SECRET", "test-proxy-secret-0123456789abcdef")
# `make test` runs with PORTAL_DEMO=1 (the Makefile exports it), whose PAT is the demo's stand-in: the tests check the
# official address, the production default.
os.environ.setdefault("PORTAL_PAT_URL", "https://atendimento.inss.gov.br")
# The test relying parties (and the demo stand-in the tests register) run on loopback over http, with or without
# PORTAL_DEMO in the environment.
os.environ.setdefault("OIDC_LOOPBACK_HTTP_REDIRECTS", "1")


def _test_signing_key() -> str:
    """The OpenID provider's signing key for this test run: made at run time, never committed."""
    from pathlib import Path

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    var = Path(os.environ.get("PORTAL_VAR_DIR", Path(__file__).resolve().parent.parent / "var"))
    path = var / "test-oidc-signing-key.pem"
    if not path.exists():
        var.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(pem)
        partial.replace(path)
    return str(path)


os.environ.setdefault("OIDC_SIGNING_KEY_FILE", _test_signing_key())

from portal.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", "oidc.hashers.ClientSecretHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING = {"version": 1, "disable_existing_loggers": False}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file database (not :memory:) so that the end-to-end tests' gunicorn can share it with the test process.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}  # noqa: F405
VAR_DIR.mkdir(parents=True, exist_ok=True)  # noqa: F405
(VAR_DIR / "static").mkdir(exist_ok=True)  # noqa: F405  (WhiteNoise warns when STATIC_ROOT is missing)
