"""Where a ``next`` parameter may send the browser after a login or a choice: a path on this site, nothing else.

Every view that reads a redirect target from the request goes through ``same_site_path``. The judgement is
Django's (``url_has_allowed_host_and_scheme`` with no allowed host: no scheme, no host, no ``user@host``, no
backslash or control-character tricks that browsers read as a host), plus "a path": it starts with ``/``.
"""

from __future__ import annotations

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
