"""Where a login brings the user back to (``next``), the one rule every login method and the entity choice use.

Safe: a path on the portal host, or an absolute URL whose origin is one of ``settings.PORTAL_NEXT_ORIGINS`` (the
portal's own base URL and the gateway's); the judgement is Django's (``certauth.redirects.allowed_target``). Anything
else is ignored: the login then ends on its usual page (the dashboard). The login choices (home page, password and
cloud pages) carry a safe ``next`` on to each method; the certificate login, on the login host, sends the user back to
the portal host.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

from django.conf import settings
from django.urls import reverse

from certauth.redirects import allowed_target

#: Longer targets are refused (no real page of ours, or of an OpenID client's authorization request, is that long).
MAX_LENGTH = 2048
#: The OpenID provider's authorization endpoint: a ``next`` there is a service asking who the user is.
AUTHORIZE_PATH = "/oidc/authorize/"


def safe_next(target: str | None) -> str | None:
    """``target`` if a login may send the user there, else None."""
    if target is None or len(target) > MAX_LENGTH:
        return None
    return allowed_target(target, origins=settings.PORTAL_NEXT_ORIGINS)


def with_next(url: str, target: str | None) -> str:
    """``url`` with ``next=target`` added to its query (``url`` itself when there is no target)."""
    if not target:
        return url
    return f"{url}{'&' if '?' in url else '?'}{urlencode({'next': target})}"


def login_links(target: str | None) -> dict[str, str]:
    """The login choices' addresses, each carrying ``target`` (the names the templates use; the certificate ones
    replace the ``portal`` context processor's)."""
    certificate = reverse("certauth:login")
    tls12 = settings.CERT_LOGIN_TLS12_BASE_URL
    return {
        "next": target or "",
        "cert_login_url": with_next(settings.CERT_LOGIN_BASE_URL + certificate, target),
        "cert_login_tls12_url": with_next(tls12 + certificate, target) if tls12 else "",
        "cloud_login_url": with_next(reverse("cloudauth:start"), target),
        "password_login_url": with_next(reverse("portal:password_login"), target),
    }


def authorization_client_id(target: str) -> str | None:
    """None unless ``target`` is an OpenID authorization request on the portal; then its ``client_id`` ("" if it
    names none)."""
    parts = urlsplit(target)
    if parts.netloc and f"{parts.scheme}://{parts.netloc}" != str(settings.PORTAL_BASE_URL).rstrip("/"):
        return None
    if not parts.path.startswith(AUTHORIZE_PATH):
        return None
    return parse_qs(parts.query).get("client_id", [""])[0][:100]
