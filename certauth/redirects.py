"""Where a ``next`` parameter may send the browser after a login or a choice: a path on this site, or (when the
caller names them) an absolute URL of one of a few origins; nothing else.

Every view that reads a redirect target from the request goes through ``same_site_path`` or ``allowed_target``. The
judgement is Django's (``url_has_allowed_host_and_scheme``: no foreign host, no ``user@host``, no backslash or
control-character tricks that browsers read as a host), plus "a path": it starts with ``/``; and for an absolute URL,
its scheme and host with port (its origin) exactly one of those named.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from django.utils.http import url_has_allowed_host_and_scheme


def same_site_path(target: str | None) -> str | None:
    """``target`` if it is a path on this site (``/painel/``, ``/admin/portal/member/?q=1``); None otherwise
    (``https://evil.example``, ``//evil.example/x``, ``/\\evil.example``, ``javascript:…``, an absolute URL to this
    very host, a relative path, empty)."""
    if not target or not target.startswith("/"):
        return None
    if not url_has_allowed_host_and_scheme(target, allowed_hosts=None, require_https=True):
        return None
    return target


def allowed_target(target: str | None, *, origins: Iterable[str]) -> str | None:
    """``target`` if it is a path on this site (:func:`same_site_path`) or an absolute URL whose origin
    (``https://host:port``) is one of ``origins``; None otherwise."""
    if same_site_path(target) is not None:
        return target
    allowed = {_origin(origin) for origin in origins if origin}
    if not target or not allowed or target != target.strip():
        return None
    hosts = {urlsplit(origin).netloc for origin in allowed}
    if not url_has_allowed_host_and_scheme(target, allowed_hosts=hosts, require_https=False):
        return None
    parts = urlsplit(target)
    if not parts.netloc or _origin(target) not in allowed:  # an allowed host under another scheme, a relative path
        return None
    return target


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
