"""The stand-in's settings, from the environment (``manage.py serve`` sets them from the portal's)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

#: What the PAT asks the portal for: identity, name, e-mail, the entity acted for, the certificate used.
SCOPES = "openid profile email entidade certificado"
DEFAULT_PORT = 8450
DEFAULT_VAR_DIR = Path(__file__).resolve().parents[1] / "var"


class ConfigurationError(RuntimeError):
    """A setting is missing or unusable (said in Portuguese: it is printed to whoever starts the demo)."""


@dataclass(frozen=True)
class Settings:
    issuer: str  #: the portal's base URL, exactly as its discovery document names the issuer (no trailing slash)
    client_id: str
    client_secret: str
    #: CA file that verifies the portal's TLS certificate (the demo PKI's TLS root); None: the system's roots.
    ca_file: str | None
    base_url: str  #: where the browser reaches the stand-in: redirect and post-logout URIs are built on it
    state_dir: Path  #: the server-side session store (SQLite)
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    #: Seconds between refreshes of the signed-in page: a newcomer watches the session end without touching it.
    refresh_seconds: int = 3
    #: Seconds the portal may take to answer (discovery, token, userinfo, JWKS).
    timeout: float = 10.0
    #: A logout token issued longer ago than this is refused (it has its own ``exp`` too).
    logout_token_max_age: int = 300

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    @property
    def redirect_uri(self) -> str:
        return f"{self.base_url}/retorno"

    @property
    def post_logout_redirect_uri(self) -> str:
        return f"{self.base_url}/"


def from_env(environ: Mapping[str, str] | None = None) -> Settings:
    """``PATDEMO_ISSUER`` (default ``PORTAL_BASE_URL``), ``PATDEMO_CLIENT_ID`` (``pat-demo``),
    ``PATDEMO_CLIENT_SECRET_FILE`` (``$PORTAL_VAR_DIR/oidc/pat-demo-secret``), ``PATDEMO_CA_FILE`` (default: the demo
    PKI's TLS root when it exists), ``OIDC_DEMO_RP_PORT`` (8450), ``PATDEMO_BASE_URL``
    (``http://localhost:<port>``), ``PATDEMO_STATE_DIR`` (``$PORTAL_VAR_DIR/patdemo``)."""
    env = os.environ if environ is None else environ
    var_dir = Path(env.get("PORTAL_VAR_DIR") or DEFAULT_VAR_DIR)
    issuer = (env.get("PATDEMO_ISSUER") or env.get("PORTAL_BASE_URL") or "https://localhost:8443").rstrip("/")
    try:
        port = int(env.get("OIDC_DEMO_RP_PORT") or DEFAULT_PORT)
    except ValueError:
        raise ConfigurationError(f"OIDC_DEMO_RP_PORT inválida: {env.get('OIDC_DEMO_RP_PORT')!r}") from None
    secret_file = Path(env.get("PATDEMO_CLIENT_SECRET_FILE") or var_dir / "oidc" / "pat-demo-secret")
    try:
        secret = secret_file.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        secret = ""
    if not secret:
        raise ConfigurationError(
            f"Segredo do cliente pat-demo ausente em {secret_file}: rode `python manage.py load_demo` (ou `make demo`)."
        )
    ca_file = env.get("PATDEMO_CA_FILE")
    if not ca_file:
        demo_ca = Path(env.get("PORTAL_DEMO_PKI_DIR") or var_dir / "demo-pki") / "ac" / "ac-tls-demo.pem"
        ca_file = str(demo_ca) if demo_ca.exists() else None
    return Settings(
        issuer=issuer,
        client_id=env.get("PATDEMO_CLIENT_ID") or "pat-demo",
        client_secret=secret,
        ca_file=ca_file,
        base_url=(env.get("PATDEMO_BASE_URL") or f"http://localhost:{port}").rstrip("/"),
        state_dir=Path(env.get("PATDEMO_STATE_DIR") or var_dir / "patdemo"),
        port=port,
    )
