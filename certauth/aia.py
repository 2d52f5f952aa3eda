"""Fetching a missing AC during a login (Authority Information Access ``caIssuers``).

When the trust store cannot build the holder's path (``CERT_UNTRUSTED``), :class:`AiaIssuers` follows the
certificate's ``caIssuers`` addresses (and each fetched AC's own, up to three levels) — only to hosts on
``CERTAUTH_AIA_ALLOWED_HOSTS``, without following redirects, within ``CERTAUTH_AIA_TIMEOUT`` seconds for the whole
login and ``CERTAUTH_AIA_MAX_BYTES`` per answer. A fetched AC is used only if the holder's certificate then verifies
up to a configured root with it (:func:`certauth.icp.aia.complete_path`); it is then stored
(:func:`certauth.trust_store.remember`, source ``aia``), so every worker has it and the next login fetches nothing.

An address that failed (down, slow, too big, an AC that does not chain) is not contacted again for
``CERTAUTH_AIA_NEGATIVE_SECONDS``: remembered in this process (bounded) and in Django's cache (shared by the workers
when the cache is), so a repository that is down costs one budget, not one per login.
"""

from __future__ import annotations

import collections
import datetime as dt
import hashlib
import http.client
import logging
import threading
import time
import urllib.error
import urllib.request
from typing import Any

from cryptography import x509
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import DatabaseError
from django.dispatch import receiver

from certauth.conf import settings
from certauth.crl_fetch import USER_AGENT
from certauth.icp.aia import Completion, FetchFailed, complete_path, untrusted_with_notes
from certauth.icp.errors import CertificateError
from certauth.icp.trust import TrustStore, VerifiedPath

logger = logging.getLogger("certauth.aia")

_CACHE_PREFIX = "certauth:aia:failed:"
_LOCAL_MAX = 512  # addresses remembered as failed in this process


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an error: the address asked is the only one contacted (the allowlist cannot be walked
    around)."""

    def redirect_request(
        self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> urllib.request.Request | None:
        raise FetchFailed(f"{req.full_url}: redirecionado para {newurl} (redirecionamentos não são seguidos)")


_opener = urllib.request.build_opener(_NoRedirects())


def download(url: str, *, timeout: float, max_bytes: int) -> bytes:
    """GET ``url`` (http or https, checked by the caller against the allowlist): the body, or :class:`FetchFailed`
    for anything but a 200 of at most ``max_bytes`` bytes within ``timeout`` seconds in total."""
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})  # noqa: S310  allowlisted http(s)
    try:
        with _opener.open(request, timeout=timeout) as response:
            if response.status != 200:
                raise FetchFailed(f"{url}: HTTP {response.status}")
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise FetchFailed(f"{url}: {int(declared):,} bytes, acima do limite de {max_bytes:,}")
            chunks: list[bytes] = []
            size = 0
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                sock = getattr(getattr(getattr(response, "fp", None), "raw", None), "_sock", None)
                if sock is not None:
                    sock.settimeout(max(left, 0.001))
                chunk = response.read1(64 * 1024)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise FetchFailed(f"{url}: mais de {max_bytes:,} bytes")
                chunks.append(chunk)
            return b"".join(chunks)
    except FetchFailed:
        raise
    except TimeoutError:
        raise FetchFailed(f"{url}: tempo esgotado") from None
    except urllib.error.HTTPError as exc:
        raise FetchFailed(f"{url}: HTTP {exc.code}") from None
    except http.client.HTTPException as exc:
        raise FetchFailed(f"{url}: resposta HTTP inválida ({type(exc).__name__})") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError):
            raise FetchFailed(f"{url}: tempo esgotado") from None
        raise FetchFailed(f"{url}: {str(reason) or type(reason).__name__}") from None


class _FailedAddresses:
    """Addresses that failed recently: this process's bounded memory, backed by Django's cache."""

    def __init__(self) -> None:
        self._local: collections.OrderedDict[str, tuple[float, str]] = collections.OrderedDict()
        self._lock = threading.Lock()

    def get(self, url: str) -> str | None:
        with self._lock:
            entry = self._local.get(url)
            if entry is not None:
                if entry[0] > time.monotonic():
                    return entry[1]
                del self._local[url]
        try:
            shared = cache.get(_cache_key(url))
        except Exception:  # noqa: BLE001  a cache that is down must not refuse a login
            return None
        return str(shared) if shared else None

    def add(self, url: str, why: str, seconds: float) -> None:
        with self._lock:
            self._local[url] = (time.monotonic() + seconds, why)
            self._local.move_to_end(url)
            while len(self._local) > _LOCAL_MAX:
                self._local.popitem(last=False)
        try:
            cache.set(_cache_key(url), why[:500], timeout=max(int(seconds), 1))
        except Exception:  # noqa: BLE001
            logger.warning("AIA: could not share the failure of %s through the cache", url)

    def clear(self) -> None:
        with self._lock:
            self._local.clear()


def _cache_key(url: str) -> str:
    return _CACHE_PREFIX + hashlib.sha256(url.encode()).hexdigest()


failed_addresses = _FailedAddresses()


class AiaIssuers:
    """The validator's :class:`~certauth.icp.validation.MissingIssuers`: settings are read at each use."""

    def complete(
        self, leaf: x509.Certificate, trust: TrustStore, *, at: dt.datetime, error: CertificateError
    ) -> tuple[VerifiedPath, tuple[x509.Certificate, ...]]:
        if not settings.AIA:
            raise error
        result = self._search(leaf, trust, at)
        if result.path is None:
            raise untrusted_with_notes(error, result.notes)
        self._remember(result.fetched, at)
        return result.path, result.fetched

    def _search(self, leaf: x509.Certificate, trust: TrustStore, at: dt.datetime) -> Completion:
        deadline = time.monotonic() + float(settings.AIA_TIMEOUT)
        max_bytes = int(settings.AIA_MAX_BYTES)
        negative = float(settings.AIA_NEGATIVE_SECONDS)
        fetched_from: list[str] = []

        def fetch(url: str) -> bytes:
            earlier = failed_addresses.get(url)
            if earlier is not None:
                raise FetchFailed(f"{earlier} (falha recente: não consultado de novo)")
            try:
                data = download(url, timeout=max(deadline - time.monotonic(), 0.001), max_bytes=max_bytes)
            except FetchFailed as exc:
                failed_addresses.add(url, str(exc), negative)
                logger.warning("AIA fetch failed: %s", exc)
                raise
            fetched_from.append(url)
            return data

        result = complete_path(
            leaf,
            trust,
            at=at,
            fetch=fetch,
            allowed_hosts=tuple(settings.AIA_ALLOWED_HOSTS),
            out_of_time=lambda: time.monotonic() >= deadline,
        )
        if result.path is None:
            # An address that answered with an AC that does not complete the path: not asked again for a while.
            for url in fetched_from:
                failed_addresses.add(url, f"{url}: a AC obtida não completa a cadeia", negative)
        return result

    @staticmethod
    def _remember(fetched: tuple[x509.Certificate, ...], at: dt.datetime) -> None:
        from certauth import trust_store  # imports the models: not at module import

        try:
            trust_store.remember(fetched, source="aia", now=at)
        except DatabaseError:  # the path is verified: this login goes on, the next one fetches again
            logger.exception("AIA: fetched AC not stored")


@receiver(setting_changed, dispatch_uid="certauth.aia.reset")
def _reset(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith("CERTAUTH_AIA"):
        failed_addresses.clear()
