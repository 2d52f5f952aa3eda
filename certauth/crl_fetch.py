"""Downloading CRLs (and OCSP responses): plain HTTP as ICP-Brasil publishes them, with a total deadline and a
size limit enforced while reading, trying every URL of an issuer until one answers.

Only http(s), for the address asked and for every redirect; anything a server (or someone on the plain-HTTP path)
sends back — a broken status line, a truncated body — ends as a :class:`FetchError`, never as another exception
that would turn a login into a 500 or stop ``crl refresh`` for every other AC."""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

USER_AGENT = "portal-a3-inss/1.0 (+certauth)"


class FetchError(Exception):
    """Every URL failed; the message lists why, URL by URL."""


def _web_url(url: str) -> bool:
    return url.lower().startswith(("http://", "https://"))


class _WebRedirectsOnly(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to another http(s) address (urllib alone would also follow one to ftp://)."""

    def redirect_request(
        self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> urllib.request.Request | None:
        if not _web_url(newurl):
            raise FetchError(f"{req.full_url}: redirecionado para {newurl}: somente http e https são aceitos")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_opener = urllib.request.build_opener(_WebRedirectsOnly())


@dataclass(frozen=True)
class Fetched:
    url: str
    data: bytes


def download(url: str, *, timeout: float, max_bytes: int, body: bytes | None = None, content_type: str = "") -> bytes:
    """GET (or POST ``body``) ``url``; refuse anything but http(s), a non-200 answer, more than ``max_bytes`` or more
    than ``timeout`` seconds in total."""
    if not _web_url(url):
        raise FetchError(f"{url}: somente http e https são aceitos")
    deadline = time.monotonic() + timeout
    headers = {"User-Agent": USER_AGENT, **({"Content-Type": content_type} if content_type else {})}
    request = urllib.request.Request(url, data=body, headers=headers, method="POST" if body is not None else "GET")  # noqa: S310
    try:
        with _opener.open(request, timeout=timeout) as response:  # scheme checked above and at each redirect
            if response.status != 200:
                raise FetchError(f"{url}: HTTP {response.status}")
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(f"{url}: {int(declared):,} bytes, acima do limite de {max_bytes:,}")
            chunks: list[bytes] = []
            size = 0
            while True:
                # The whole download must end by the deadline, however slowly a server trickles its bytes: each
                # read waits at most the time left, and returns what has arrived (read1) instead of a full chunk.
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                _set_read_timeout(response, left)
                chunk = response.read1(256 * 1024)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(f"{url}: mais de {max_bytes:,} bytes")
                chunks.append(chunk)
            if declared and declared.isdigit() and size < int(declared):  # the connection closed early
                raise FetchError(f"{url}: resposta incompleta ({size:,} de {int(declared):,} bytes)")
            return b"".join(chunks)
    except FetchError:
        raise
    except TimeoutError:  # the deadline: between reads, or a read (or the connection, the headers) that outlived it
        raise FetchError(f"{url}: tempo esgotado ({timeout:g} s)") from None
    except urllib.error.HTTPError as exc:
        raise FetchError(f"{url}: HTTP {exc.code}") from None
    except http.client.HTTPException as exc:  # a broken status line or headers, a truncated chunked body…
        raise FetchError(f"{url}: resposta HTTP inválida ({type(exc).__name__})") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError):  # urllib wraps a connection that timed out
            raise FetchError(f"{url}: tempo esgotado ({timeout:g} s)") from None
        raise FetchError(f"{url}: {str(reason) or type(reason).__name__}") from None


def _set_read_timeout(response: Any, seconds: float) -> None:
    """The socket under an ``http.client`` response (absent for ``file:`` and other handlers: nothing to do)."""
    sock = getattr(getattr(getattr(response, "fp", None), "raw", None), "_sock", None)
    if sock is not None:
        sock.settimeout(max(seconds, 0.001))


def download_first(urls: Iterable[str], *, timeout: float, max_bytes: int) -> Fetched:
    """The first of ``urls`` that answers (ICP-Brasil publishes every CRL at two addresses)."""
    errors: list[str] = []
    for url in urls:
        try:
            return Fetched(url, download(url, timeout=timeout, max_bytes=max_bytes))
        except FetchError as exc:
            errors.append(str(exc))
    raise FetchError("; ".join(errors) or "nenhum endereço de LCR conhecido")
