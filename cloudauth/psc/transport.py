"""HTTP for the PSC API: one request, a deadline, a size limit, no redirects followed, errors as answers.

The client takes any :class:`Transport` (tests may pass their own); :func:`urllib_transport` is the real one.
A transport raises :class:`OSError` only when no HTTP answer came (refused, reset, timed out, TLS failure).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

USER_AGENT = "portal-a3-inss/1.0 (+cloudauth)"
MAX_BYTES = 1024 * 1024  # a certificate list or a signature: far below this


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        """The body as JSON (``ValueError`` if it is not)."""
        return json.loads(self.body.decode("utf-8"))


class Transport(Protocol):
    def __call__(
        self, method: str, url: str, *, body: bytes | None, headers: Mapping[str, str], timeout: float
    ) -> HttpAnswer: ...


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the 3xx comes back as an answer


_OPENER = urllib.request.build_opener(_NoRedirects)


def urllib_transport(
    method: str, url: str, *, body: bytes | None, headers: Mapping[str, str], timeout: float
) -> HttpAnswer:
    if not url.lower().startswith(("http://", "https://")):
        raise ValueError(f"{url}: somente http e https são aceitos")
    request = urllib.request.Request(  # noqa: S310  (scheme checked above)
        url, data=body, headers={"User-Agent": USER_AGENT, **headers}, method=method
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return HttpAnswer(response.status, _read(response), dict(response.headers.items()))
    except urllib.error.HTTPError as exc:
        with exc:
            return HttpAnswer(exc.code, _read(exc), dict(exc.headers.items()) if exc.headers else {})
    except urllib.error.URLError as exc:
        reason = exc.reason
        raise OSError(str(reason)) from (reason if isinstance(reason, BaseException) else None)


def _read(response: Any) -> bytes:
    data: bytes = response.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise OSError(f"resposta maior que {MAX_BYTES} bytes")
    return data
