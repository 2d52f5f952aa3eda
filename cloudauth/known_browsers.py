"""Browsers known for a CPF: one that completed a cloud login for that CPF (the holder approved on the phone, the
signature and the certificate were verified) gets a signed cookie naming it, and its later starts for that CPF are
counted apart from everyone else's (``cloudauth.ratelimit``): strangers cannot use up the holder's budget.

The cookie holds a random browser id and keyed digests (HMAC with ``SECRET_KEY``) of up to ``MAX_CPFS`` CPFs — no CPF
in clear —, signed with ``SECRET_KEY`` (``SECRET_KEY_FALLBACKS`` honoured): it cannot be forged, and one taken for a
CPF says nothing about another. It is sent only to the cloud login's pages (``/entrar/nuvem/``), HTTPS only, not
readable by scripts, and renewed at each cloud login for ``KNOWN_BROWSER_DAYS``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.crypto import salted_hmac

from cloudauth.conf import settings

COOKIE = "a3_nuvem_navegador"
SALT = "cloudauth.known-browser"
MAX_CPFS = 5


@dataclass(frozen=True, slots=True)
class KnownBrowser:
    browser_id: str
    cpf_digests: tuple[str, ...]

    def knows(self, cpf: str) -> bool:
        return cpf_digest(cpf) in self.cpf_digests


def cpf_digest(cpf: str) -> str:
    return salted_hmac(f"{SALT}.cpf", cpf, algorithm="sha256").hexdigest()[:32]


def _max_age() -> int:
    return int(settings.KNOWN_BROWSER_DAYS) * 86400


def read(request: HttpRequest) -> KnownBrowser | None:
    """The browser's cookie, if present, intact and not older than ``KNOWN_BROWSER_DAYS``."""
    value = request.COOKIES.get(COOKIE)
    if not value:
        return None
    try:
        data = signing.loads(value, salt=SALT, max_age=_max_age())
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    browser_id, digests = data.get("b"), data.get("c")
    if not isinstance(browser_id, str) or not isinstance(digests, list):
        return None
    return KnownBrowser(browser_id, tuple(d for d in digests if isinstance(d, str)))


def browser_for(request: HttpRequest, cpf: str) -> str | None:
    """The browser id if this browser completed a cloud login for ``cpf``; None for everyone else."""
    known = read(request)
    return known.browser_id if known is not None and known.knows(cpf) else None


def remember(request: HttpRequest, response: HttpResponse, cpf: str) -> None:
    """After a completed cloud login: this browser is known for ``cpf`` (most recent CPFs first)."""
    if int(settings.KNOWN_BROWSER_DAYS) <= 0:
        return
    known = read(request)
    browser_id = known.browser_id if known is not None else secrets.token_urlsafe(16)
    digest = cpf_digest(cpf)
    digests = [digest, *[d for d in (known.cpf_digests if known else ()) if d != digest]][:MAX_CPFS]
    response.set_cookie(
        COOKIE,
        signing.dumps({"b": browser_id, "c": digests}, salt=SALT, compress=True),
        max_age=_max_age(),
        path=reverse("cloudauth:start"),
        secure=True,
        httponly=True,
        samesite="Lax",
    )
