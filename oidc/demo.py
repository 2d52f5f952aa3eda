"""The demo's registration of the PAT stand-in (patdemo) as a client of the provider, called by ``load_demo``.

The client secret is made at run time into ``$PORTAL_VAR_DIR/oidc/pat-demo-secret`` (mode 0600), where the stand-in
reads it; the client row keeps only its hash (django-oauth-toolkit hashes ``client_secret`` on save). Idempotent: a
second run keeps the file and the row as they are when they already agree."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.db import transaction

from certauth.demo import DemoPki
from oidc.models import Client

CLIENT_ID = "pat-demo"
NAME = "Portal de Atendimento (demonstração)"


def secret_file() -> Path:
    return Path(settings.VAR_DIR) / "oidc" / "pat-demo-secret"


def stand_in_base_url() -> str:
    return f"http://localhost:{settings.OIDC_DEMO_RP_PORT}"


@dataclass(frozen=True)
class Registration:
    client: Client
    changed: bool

    def summary(self) -> str:
        state = "registrado" if self.changed else "já registrado"
        return f"Cliente OpenID {CLIENT_ID} ({NAME}) {state}; segredo em {secret_file()}."


def read_or_create_secret(path: Path) -> str:
    """The secret in ``path``, or a new one written there (0600, atomically) when the file is missing or empty."""
    try:
        existing = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        existing = ""
    if existing:
        return existing
    secret = secrets.token_urlsafe(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as output:
        output.write(secret + "\n")
    partial.replace(path)
    return secret


def register_pat_demo() -> Registration:
    """The ``pat-demo`` client as oidc-design.md describes it: confidential, authorization code, no consent screen,
    RS256, the stand-in's exact redirect, post-logout and back-channel URIs."""
    secret = read_or_create_secret(secret_file())
    base = stand_in_base_url()
    wanted = {
        "name": NAME,
        "client_type": Client.CLIENT_CONFIDENTIAL,
        "authorization_grant_type": Client.GRANT_AUTHORIZATION_CODE,
        "skip_authorization": True,
        "algorithm": Client.RS256_ALGORITHM,
        "redirect_uris": f"{base}/retorno",
        "post_logout_redirect_uris": f"{base}/",
        "backchannel_logout_uri": f"http://127.0.0.1:{settings.OIDC_DEMO_RP_PORT}/backchannel-logout",
        "a3_only": False,
        "hash_client_secret": True,
    }
    with transaction.atomic():
        client = Client.objects.select_for_update().filter(client_id=CLIENT_ID).first()
        if client is None:
            client = Client(client_id=CLIENT_ID)
        elif all(getattr(client, k) == v for k, v in wanted.items()) and check_password(secret, client.client_secret):
            return Registration(client, changed=False)
        for name, value in wanted.items():
            setattr(client, name, value)
        client.client_secret = secret  # hashed by the field on save
        client.save()
    return Registration(client, changed=True)


def stand_in_environment(base: Mapping[str, str]) -> dict[str, str]:
    """The environment of ``python -m patdemo`` under ``manage.py serve``: the portal's issuer, the secret file, the
    demo PKI's TLS root (what signed the portal's certificate) and where the stand-in keeps its sessions. Values
    already in ``base`` win (one's own TLS certificate: ``PATDEMO_CA_FILE``)."""
    env = dict(base)
    env.setdefault("PATDEMO_ISSUER", settings.PORTAL_BASE_URL)
    env.setdefault("PATDEMO_CLIENT_ID", CLIENT_ID)
    env.setdefault("PATDEMO_CLIENT_SECRET_FILE", str(secret_file()))
    env.setdefault("PATDEMO_BASE_URL", stand_in_base_url())
    env.setdefault("PATDEMO_STATE_DIR", str(Path(settings.VAR_DIR) / "patdemo"))
    env["OIDC_DEMO_RP_PORT"] = str(settings.OIDC_DEMO_RP_PORT)
    tls_ca = DemoPki(Path(settings.DEMO_PKI_DIR)).tls_ca
    if tls_ca.exists():
        env.setdefault("PATDEMO_CA_FILE", str(tls_ca))
    return env
