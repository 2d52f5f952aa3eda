"""certauth settings: ``CERTAUTH_<NAME>`` in Django settings, read when used (so ``override_settings`` works).

Trust-related settings default to the safe value: with no ``CERTAUTH_PROXY_SECRET`` no forwarded certificate is
ever accepted.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings as django_settings

from certauth import defaults
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
}


class CertAuthSettings:
    """``conf.settings.PROXY_SECRET`` reads ``settings.CERTAUTH_PROXY_SECRET`` or its default."""

    prefix = "CERTAUTH_"

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"unknown certauth setting {name!r}")
        return getattr(django_settings, self.prefix + name, DEFAULTS[name])


settings = CertAuthSettings()
