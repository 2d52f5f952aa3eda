"""The django-oauth-toolkit settings of the provider, built from the portal's own (imported by the settings module:
no Django here). Keys are read from their files once, at start; a missing file leaves the provider without a
signing key, which the system check ``oidc.E001`` reports."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

#: Scopes a client may ask for (descriptions are what staff read in the admin).
SCOPES = {
    "openid": "Identificação OpenID Connect (CPF)",
    "profile": "Nome",
    "email": "E-mail",
    "entidade": "Entidade parceira pela qual atua, todas as suas entidades e registros na OAB",
    "certificado": "Dados do certificado digital usado (tipo, série, emissor, validade, CNPJ)",
}


def read_key(path: str) -> str:
    """The PEM text of a key file, or "" when the file is missing or unreadable."""
    try:
        return Path(path).read_text(encoding="ascii") if path else ""
    except (OSError, UnicodeDecodeError):
        return ""


def provider_settings(
    *,
    issuer: str,
    signing_key_file: str,
    inactive_key_files: Iterable[str],
    access_token_seconds: int,
    session_seconds: int,
    allow_http_redirects: bool = False,
) -> dict[str, Any]:
    """``allow_http_redirects``: the demo's stand-in and the tests' clients on loopback (production: https only)."""
    return {
        "OIDC_ENABLED": True,
        "CLIENT_SECRET_HASHER": "client_secret_sha256",  # oidc.hashers: the secrets are random, not passwords
        "OIDC_ISS_ENDPOINT": issuer,
        "OIDC_RSA_PRIVATE_KEY": read_key(signing_key_file),
        "OIDC_RSA_PRIVATE_KEYS_INACTIVE": [k for k in (read_key(p) for p in inactive_key_files) if k],
        "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
        "OIDC_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": ["client_secret_basic", "client_secret_post"],
        "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
        "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
        "OIDC_RP_INITIATED_LOGOUT_STRICT_REDIRECT_URIS": True,
        "OIDC_RP_INITIATED_LOGOUT_ACCEPT_EXPIRED_TOKENS": True,
        "OIDC_RP_INITIATED_LOGOUT_DELETE_TOKENS": True,
        "OAUTH2_VALIDATOR_CLASS": "oidc.validator.PortalValidator",
        "SCOPES": SCOPES,
        "DEFAULT_SCOPES": ["openid"],
        "PKCE_REQUIRED": True,
        "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,  # S256 only: a "plain" challenge is refused
        "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
        "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
        "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
        "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
        "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
        "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
        "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": not allow_http_redirects,
        "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
        "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
        "ACCESS_TOKEN_EXPIRE_SECONDS": access_token_seconds,
        "ID_TOKEN_EXPIRE_SECONDS": access_token_seconds,
        "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
        "REFRESH_TOKEN_EXPIRE_SECONDS": session_seconds,
        "ROTATE_REFRESH_TOKEN": True,
        "REFRESH_TOKEN_REUSE_PROTECTION": True,
        "REQUEST_APPROVAL_PROMPT": "auto",
        "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"] if allow_http_redirects else ["https"],
    }
