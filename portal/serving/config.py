"""The nginx site as the settings (and the environment of ``make run``) describe it."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings

from certauth.conf import settings as certauth_settings
from portal.serving.nginx import NginxSite


def site_from_settings(*, proxy_secret: str | None = None) -> NginxSite:
    """Environment knobs beyond Django's own settings: ``NGINX_PREFIX``, ``NGINX_LISTEN``, ``GUNICORN_BIND``,
    ``PORTAL_TLS_CERT`` / ``PORTAL_TLS_KEY`` (default: the demo PKI's server certificate), ``NGINX_WORKERS``,
    ``NGINX_RESOLVER`` (OCSP stapling, when the server certificate names a responder). The load balancers speaking
    the PROXY protocol are a Django setting (``PORTAL_PROXY_PROTOCOL_FROM``)."""
    demo_tls = Path(settings.DEMO_PKI_DIR) / "tls"
    return NginxSite(
        prefix=Path(os.environ.get("NGINX_PREFIX", Path(settings.VAR_DIR) / "nginx")),
        upstream=os.environ.get("GUNICORN_BIND", f"unix:{Path(settings.VAR_DIR) / 'run' / 'gunicorn.sock'}"),
        proxy_secret=proxy_secret if proxy_secret is not None else certauth_settings.PROXY_SECRET,
        server_certificate=Path(os.environ.get("PORTAL_TLS_CERT", demo_tls / "servidor.pem")),
        server_key=Path(os.environ.get("PORTAL_TLS_KEY", demo_tls / "servidor.key")),
        trust_roots=list(certauth_settings.TRUST_ROOTS),
        portal_base_url=settings.PORTAL_BASE_URL,
        login_base_url=settings.CERT_LOGIN_BASE_URL,
        listen=os.environ.get("NGINX_LISTEN", "127.0.0.1"),
        portal_port=settings.PORTAL_PORT,
        login_port=settings.CERT_LOGIN_PORT,
        login_tls12_port=settings.CERT_LOGIN_TLS12_PORT,
        portal_server_name=settings.PORTAL_HOSTNAME,
        login_server_name=settings.CERT_LOGIN_HOSTNAME,
        workers=int(os.environ.get("NGINX_WORKERS", "2")),
        resolver=os.environ.get("NGINX_RESOLVER", ""),
        crl_dir=Path(settings.DEMO_PKI_DIR) / "lcr" if settings.PORTAL_DEMO else None,
        crl_port=settings.PORTAL_DEMO_CRL_PORT,
        proxy_protocol_from=list(settings.PORTAL_PROXY_PROTOCOL_FROM),
        support_url=settings.PORTAL_SUPPORT_URL,
        gateway_port=settings.OIDC_GATEWAY_PORT,
        gateway_upstream=settings.OIDC_GATEWAY_UPSTREAM,
        gateway_dropped_cookies=(settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, "messages"),
    )
