"""certauth settings: ``CERTAUTH_<NAME>`` in Django settings, read when used (so ``override_settings`` works).

Trust-related settings default to the safe value: with no ``CERTAUTH_PROXY_SECRET`` no forwarded certificate is
ever accepted.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings as django_settings

from certauth import defaults
from certauth.icp.aia import DEFAULT_ALLOWED_HOSTS as DEFAULT_AIA_ALLOWED_HOSTS
from certauth.icp.forwarded import DEFAULT_MAX_LENGTH
from certauth.icp.policy import DEFAULT_ACCEPTED_POLICY_PREFIXES

DEFAULTS: dict[str, Any] = {
    # PEM files of trusted roots / of intermediates for path building. Setting either replaces the default.
    "TRUST_ROOTS": defaults.ICP_BRASIL_ROOTS,
    "INTERMEDIATES": defaults.ICP_BRASIL_INTERMEDIATES,
    "ACCEPTED_POLICY_PREFIXES": DEFAULT_ACCEPTED_POLICY_PREFIXES,
    "ACCEPT_COMPANY_CERTIFICATES": False,
    # The proxy boundary: the shared secret nginx sends, and optionally the addresses it connects from.
    "PROXY_SECRET": "",
    "TRUSTED_PROXIES": (),
    # WSGI names of the headers nginx sets (it always overwrites client-sent ones).
    "CERTIFICATE_HEADER": "HTTP_X_SSL_CLIENT_CERT",
    "SECRET_HEADER": "HTTP_X_PROXY_SECRET",
    "CLIENT_IP_HEADER": "HTTP_X_REAL_IP",
    "VERIFY_HEADER": "HTTP_X_SSL_CLIENT_VERIFY",
    "REQUEST_ID_HEADER": "HTTP_X_REQUEST_ID",
    "MAX_HEADER_LENGTH": DEFAULT_MAX_LENGTH,
    # Callable (dotted path) turning a validated certificate into a Binding; see certauth.binding.
    "BINDER": "portal.binding.bind_certificate",
    # Where a successful login lands (absolute URL on the portal host, or a path).
    "LOGIN_REDIRECT_URL": "/painel/",
    # Revocation: "chain" (every certificate but the root), "leaf", or "off".
    "REVOCATION": "chain",
    # Accept certificates whose revocation status cannot be established (recorded in the audit). Off: fail closed.
    "REVOCATION_SOFT_FAIL": False,
    # How long a CRL stays usable after its nextUpdate.
    "CRL_GRACE_SECONDS": 3600,
    # Fetch a missing issuer's CRL during the login, from the certificate's distribution points.
    "CRL_FETCH_ON_LOGIN": True,
    "CRL_FETCH_TIMEOUT": 5.0,  # seconds, per URL, during a login
    "CRL_REFRESH_TIMEOUT": 120.0,  # seconds, per URL, in `crl refresh`
    "CRL_MAX_BYTES": 128 * 1024 * 1024,
    # Extra CRL URLs to keep refreshed (their issuer is found among the trusted CAs).
    "CRL_URLS": (),
    # A certificate session's whole path is re-checked against the CRL store at least this often (seconds).
    "SESSION_RECHECK_SECONDS": 60,
    # Audit: callable (dotted path) narrowing what an admin user sees, ``f(request, queryset) -> queryset``; and
    # how long attempts are kept (``manage.py audit purge``).
    "AUDIT_SCOPE": None,
    "AUDIT_RETENTION_DAYS": 5 * 365,
    # Optional OCSP check, where the certificate names a responder.
    "OCSP": False,
    "OCSP_TIMEOUT": 3.0,
    # Trust store (ACs added without a release, ``manage.py trust_store``): how often each worker checks whether the
    # stored ACs changed (seconds); ITI's bundle URL for the scheduled import (empty: manual imports only); and the
    # age after which /saude/ calls a scheduled store stale (days).
    "TRUST_STORE_RECHECK_SECONDS": 30,
    "TRUST_STORE_URL": "",
    "TRUST_STORE_MAX_AGE_DAYS": 45,
    "TRUST_STORE_MAX_BYTES": 64 * 1024 * 1024,
    "TRUST_STORE_TIMEOUT": 120.0,
    # AIA: when no path can be built, fetch the missing AC from the certificate's ``caIssuers`` address (certauth.aia)
    # — only from these hosts, within this many seconds for the whole login and bytes per answer; an address that
    # failed is not contacted again for AIA_NEGATIVE_SECONDS.
    "AIA": True,
    "AIA_ALLOWED_HOSTS": DEFAULT_AIA_ALLOWED_HOSTS,
    "AIA_TIMEOUT": 2.0,
    "AIA_MAX_BYTES": 256 * 1024,
    "AIA_NEGATIVE_SECONDS": 600,
}


class CertAuthSettings:
    """``conf.settings.PROXY_SECRET`` reads ``settings.CERTAUTH_PROXY_SECRET`` or its default."""

    prefix = "CERTAUTH_"

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"unknown certauth setting {name!r}")
        return getattr(django_settings, self.prefix + name, DEFAULTS[name])


settings = CertAuthSettings()
