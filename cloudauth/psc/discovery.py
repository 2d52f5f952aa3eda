"""``user-discovery`` at every configured PSC at once, each with a short timeout: which of them hold this CPF?

A PSC that does not answer in time is reported as unavailable, never as "not found", so the page can say so.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from cloudauth.psc.client import PscClient
from cloudauth.psc.errors import PscError


class Holding(StrEnum):
    FOUND = "found"
    NOT_FOUND = "not_found"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True, slots=True)
class DiscoveryResult:
    slug: str
    holding: Holding
    detail: str = ""


def discover(clients: Sequence[PscClient], cpf: str, *, timeout: float) -> list[DiscoveryResult]:
    """Ask every PSC in parallel; the answer is in ``clients``' order and takes at most about ``timeout`` seconds."""
    if not clients:
        return []
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=min(len(clients), 8), thread_name_prefix="psc-discovery")
    try:
        futures = [pool.submit(c.holds_certificate, cpf, timeout=timeout) for c in clients]
        concurrent.futures.wait(futures, timeout=timeout + 0.5)
        return [_result(c, f) for c, f in zip(clients, futures, strict=True)]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # a PSC that hangs past its socket timeout is not waited for


def _result(client: PscClient, future: concurrent.futures.Future[bool]) -> DiscoveryResult:
    slug = client.config.slug
    if not future.done():
        return DiscoveryResult(slug, Holding.UNAVAILABLE, "sem resposta a tempo")
    try:
        return DiscoveryResult(slug, Holding.FOUND if future.result() else Holding.NOT_FOUND)
    except PscError as exc:
        return DiscoveryResult(slug, Holding.UNAVAILABLE, exc.detail)
