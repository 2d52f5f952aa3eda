from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from portal import official_links


def portal(request: HttpRequest | None) -> dict[str, Any]:
    """Links between the two hosts and the official addresses (support, ITI's list of ARs, Portal de Atendimento),
    for every template."""
    return {
        "portal_base_url": settings.PORTAL_BASE_URL,
        "cert_login_url": settings.CERT_LOGIN_BASE_URL + reverse("certauth:login"),
        # The TLS 1.2 login host (tokens without RSA-PSS), or "" when there is none.
        "cert_login_tls12_url": (
            settings.CERT_LOGIN_TLS12_BASE_URL + reverse("certauth:login") if settings.CERT_LOGIN_TLS12_BASE_URL else ""
        ),
        **official_links.addresses(),
    }
