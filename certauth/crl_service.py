"""The use-cases behind ``manage.py crl``: learn CRL addresses, refresh every known CRL, import files, report."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from django.utils import timezone

from certauth import crl_store
from certauth.conf import settings
from certauth.crl_fetch import FetchError, download
from certauth.icp.crl import CrlError, distribution_points, key_id
from certauth.icp.errors import CertificateError
from certauth.models import CrlIssuer
from certauth.validator import get_trust_store

logger = logging.getLogger("certauth.crl")


@dataclass(frozen=True)
class Report:
    """One line of a refresh or import: what happened to one issuer's CRL (or one file)."""

    subject: str
    ok: bool
    message: str


def trusted_authorities() -> dict[str, x509.Certificate]:
    """Every CA certificate of the trust store, by key id (the only keys a CRL may be verified with)."""
    trust = get_trust_store()
    return {key_id(c): c for c in (*trust.roots, *trust.intermediates)}


def learn_from_trust_store(*, now: dt.datetime) -> int:
    """A CA certificate's distribution points name the CRL of the CA *above* it: record them for that CA."""
    trust = get_trust_store()
    learned = 0
    for certificate in trust.intermediates:
        urls = distribution_points(certificate)
        if not urls:
            continue
        try:
            path = trust.verify(certificate, at=now)
        except CertificateError:
            continue  # an AC that chains to no trusted root (e.g. ICP-Brasil's INMETRO branch): nothing to learn
        crl_store.learn_urls(path.issuer, urls)
        learned += 1
    return learned


def refresh(*, now: dt.datetime | None = None, workers: int = 4) -> list[Report]:
    """Download every known CRL again and load what is new. Each issuer's URLs are tried in turn until one gives a
    CRL that verifies and is not older than the one held. Downloads run in parallel threads (network only); loading
    happens here, one CRL at a time, in this thread's database connection."""
    now = now or timezone.now()
    crl_store.purge_incomplete()
    learn_from_trust_store(now=now)
    authorities = trusted_authorities()
    reports = _refresh_configured(authorities)
    issuers = [i for i in CrlIssuer.objects.exclude(urls=[]).order_by("name") if i.key_id in authorities]
    with ThreadPoolExecutor(max_workers=max(workers, 1)) as pool:
        for issuer, prefetched in zip(issuers, pool.map(_prefetch, issuers), strict=True):
            reports.append(refresh_issuer(issuer, authorities[issuer.key_id], now=now, prefetched=prefetched))
    return reports


def refresh_issuer(
    issuer: CrlIssuer,
    certificate: x509.Certificate,
    *,
    now: dt.datetime,
    prefetched: dict[str, bytes | FetchError] | None = None,
) -> Report:
    timeout, max_bytes = float(settings.CRL_REFRESH_TIMEOUT), int(settings.CRL_MAX_BYTES)
    prefetched = prefetched or {}
    errors: list[str] = []
    for url in issuer.urls:
        try:
            got = prefetched.get(url)
            if isinstance(got, FetchError):
                raise got
            data = got if got is not None else download(url, timeout=timeout, max_bytes=max_bytes)
            result = crl_store.ingest(data, source=url, issuer=certificate, max_bytes=max_bytes, now=now)
        except (FetchError, CrlError) as exc:
            errors.append(str(exc) if isinstance(exc, FetchError) else f"{url}: {exc}")
            continue
        CrlIssuer.objects.filter(pk=issuer.pk).update(last_attempt_at=now, last_error="")
        return Report(issuer.name, True, _describe(result))
    message = "; ".join(errors)
    CrlIssuer.objects.filter(pk=issuer.pk).update(last_attempt_at=now, last_error=message[:2000])
    logger.warning("CRL of %s not refreshed: %s", issuer.name, message)
    return Report(issuer.name, False, message)


def _prefetch(issuer: CrlIssuer) -> dict[str, bytes | FetchError]:
    """Download the issuer's URLs in order until one answers (a later URL is fetched only if needed)."""
    timeout, max_bytes = float(settings.CRL_REFRESH_TIMEOUT), int(settings.CRL_MAX_BYTES)
    results: dict[str, bytes | FetchError] = {}
    for url in issuer.urls:
        try:
            results[url] = download(url, timeout=timeout, max_bytes=max_bytes)
            break
        except FetchError as exc:
            results[url] = exc
    return results


def import_files(paths: Iterable[Path]) -> list[Report]:
    authorities = list(trusted_authorities().values())
    reports = []
    for path in paths:
        try:
            result = crl_store.ingest(
                path.read_bytes(), source=str(path), candidates=authorities, max_bytes=int(settings.CRL_MAX_BYTES)
            )
            reports.append(Report(result.issuer.name, True, _describe(result)))
        except (OSError, CrlError) as exc:
            reports.append(Report(str(path), False, str(exc)))
    return reports


def _refresh_configured(authorities: dict[str, x509.Certificate]) -> list[Report]:
    """``CERTAUTH_CRL_URLS``: addresses whose issuer is only known once the CRL is read."""
    reports = []
    for url in settings.CRL_URLS:
        try:
            data = download(url, timeout=float(settings.CRL_REFRESH_TIMEOUT), max_bytes=int(settings.CRL_MAX_BYTES))
            result = crl_store.ingest(
                data, source=url, candidates=list(authorities.values()), max_bytes=int(settings.CRL_MAX_BYTES)
            )
        except (FetchError, CrlError) as exc:
            reports.append(Report(url, False, str(exc)))
            continue
        crl_store.learn_urls(authorities[result.info.issuer_key_id], [url])
        reports.append(Report(result.issuer.name, True, _describe(result)))
    return reports


def _describe(result: crl_store.IngestResult) -> str:
    info = result.info
    verb = "carregada" if result.outcome is crl_store.IngestOutcome.LOADED else "já vigente"
    return f"LCR nº {info.number} {verb}: {info.entries} revogados, próxima em {_brasilia(info.next_update)}"


def _brasilia(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if value else "—"


@dataclass(frozen=True)
class StatusRow:
    issuer: str
    entries: int | None
    number: str
    this_update: dt.datetime | None
    next_update: dt.datetime | None
    freshness: str
    urls: int
    last_error: str


def status(*, now: dt.datetime | None = None) -> list[StatusRow]:
    now = now or timezone.now()
    grace = dt.timedelta(seconds=int(settings.CRL_GRACE_SECONDS))
    rows = []
    for issuer in CrlIssuer.objects.select_related("current").order_by("name"):
        crl = issuer.current
        if crl is None:
            freshness = "sem LCR"
        elif crl.next_update is None or now <= crl.next_update:
            freshness = "válida"
        elif now <= crl.next_update + grace:
            freshness = "na tolerância"
        else:
            freshness = f"vencida há {_age(now - crl.next_update)}"
        rows.append(
            StatusRow(
                issuer=issuer.name,
                entries=crl.entries if crl else None,
                number=crl.number if crl else "",
                this_update=crl.this_update if crl else None,
                next_update=crl.next_update if crl else None,
                freshness=freshness,
                urls=len(issuer.urls),
                last_error=issuer.last_error,
            )
        )
    return rows


def _age(delta: dt.timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    return (
        f"{hours // 24} d {hours % 24} h" if hours >= 24 else f"{hours} h {int(delta.total_seconds() // 60) % 60} min"
    )
