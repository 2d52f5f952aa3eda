"""The revocation checker certauth's validator uses: the CRL store, filled on demand, plus optional OCSP.

For every certificate of the path but the root (or only the leaf, ``CERTAUTH_REVOCATION = "leaf"``), the issuer's
current CRL is looked up in the store — one query for the CRLs, one for the serials. An issuer whose CRL is not
held yet has it fetched at once from the certificate's own distribution points (both URLs, short timeout, size
limit), so the first user of a new AC is not refused. The rule itself (revoked / fresh / stale / soft-fail) is the
pure :func:`certauth.icp.revocation.decide`.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass, field

from cryptography import x509

from certauth import crl_store
from certauth.crl_fetch import FetchError, download
from certauth.icp.clock import format_brasilia
from certauth.icp.crl import CrlError, distribution_points, key_id, ocsp_urls, serial_hex
from certauth.icp.errors import CertificateError, Reason
from certauth.icp.names import display_name
from certauth.icp.ocsp import OcspError, OcspStatus, build_request, evaluate_response
from certauth.icp.revocation import RevocationOutcome, RevocationPolicy, RevocationStatus, decide
from certauth.icp.trust import VerifiedPath

logger = logging.getLogger("certauth.revocation")

#: After a failed on-demand fetch, logins of that issuer do not wait on the network again for this long.
RETRY_AFTER = 60.0


@dataclass
class StoreRevocationChecker:
    policy: RevocationPolicy
    whole_chain: bool = True
    fetch_on_login: bool = True
    fetch_timeout: float = 5.0
    max_bytes: int = 128 * 1024 * 1024
    ocsp: bool = False
    ocsp_timeout: float = 3.0
    _key_ids: dict[int, tuple[x509.Certificate, str]] = field(default_factory=dict, repr=False)
    _learned: set[tuple[str, str]] = field(default_factory=set, repr=False)
    _failures: dict[str, float] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def check_path(self, path: VerifiedPath, *, at: dt.datetime) -> RevocationOutcome:
        certificates = path.certificates
        pairs = list(zip(certificates[:-1], certificates[1:], strict=True))
        if not self.whole_chain:
            pairs = pairs[:1]
        keys = [self._key_id(issuer) for _, issuer in pairs]
        self._learn(pairs, keys)
        serials = [serial_hex(certificate.serial_number) for certificate, _ in pairs]
        found = crl_store.lookup(list(zip(keys, serials, strict=True)))
        missing = [(pair, key) for pair, key in zip(pairs, keys, strict=True) if key not in found.held]
        if missing and any([self._fetch_now(certificate, issuer, key) for (certificate, issuer), key in missing]):
            found = crl_store.lookup(list(zip(keys, serials, strict=True)))
        # OCSP, when enabled, is asked first: a "revoked" answer wins, a "good" one stands in for a missing CRL.
        leaf_ocsp = self._ocsp(certificates[0], certificates[1], at) if self.ocsp else None
        outcomes = []
        for index, ((certificate, _), key, serial) in enumerate(zip(pairs, keys, serials, strict=True)):
            entry = found.held.get(key)
            revocation = found.listed.get((key, serial))
            subject = (
                "O certificado"
                if index == 0
                else f"O certificado da autoridade certificadora {display_name(certificate.subject)}"
            )
            try:
                outcomes.append(
                    decide(
                        subject=subject,
                        held=entry.held if entry else None,
                        revocation=revocation,
                        at=at,
                        policy=self.policy,
                    )
                )
            except CertificateError as exc:
                if index == 0 and leaf_ocsp is not None and exc.reason is Reason.CERT_REVOCATION_UNKNOWN:
                    outcomes.append(leaf_ocsp)
                    continue
                raise
        if leaf_ocsp is not None and outcomes[0].status is RevocationStatus.GOOD and outcomes[0] is not leaf_ocsp:
            outcomes[0] = RevocationOutcome(RevocationStatus.GOOD, f"{outcomes[0].detail}; {leaf_ocsp.detail}")
        return next((o for o in outcomes if o.status is RevocationStatus.SOFT_FAIL), outcomes[0])

    def _key_id(self, certificate: x509.Certificate) -> str:
        """Key ids of CA certificates, computed once: paths come back with the trust store's own objects."""
        cached = self._key_ids.get(id(certificate))
        if cached is not None and cached[0] is certificate:
            return cached[1]
        value = key_id(certificate)
        if len(self._key_ids) < 10_000:
            self._key_ids[id(certificate)] = (certificate, value)
        return value

    def _learn(self, pairs: list[tuple[x509.Certificate, x509.Certificate]], keys: list[str]) -> None:
        for (certificate, issuer), key in zip(pairs, keys, strict=True):
            urls = [u for u in distribution_points(certificate) if (key, u) not in self._learned]
            if urls:
                crl_store.learn_urls(issuer, urls)
                self._learned.update((key, u) for u in urls)

    def _fetch_now(self, certificate: x509.Certificate, issuer: x509.Certificate, key: str) -> bool:
        """Fetch the issuer's CRL during the login; False if it cannot be had (the rule then decides)."""
        urls = distribution_points(certificate)
        if not self.fetch_on_login or not urls:
            return False
        with self._lock:
            failed_at = self._failures.get(key)
            if failed_at is not None and time.monotonic() - failed_at < RETRY_AFTER:
                return False
            errors = []
            for url in urls:
                try:
                    data = download(url, timeout=self.fetch_timeout, max_bytes=self.max_bytes)
                    crl_store.ingest(data, source=url, issuer=issuer, max_bytes=self.max_bytes)
                    self._failures.pop(key, None)
                    return True
                except (FetchError, CrlError) as exc:
                    errors.append(str(exc))
            self._failures[key] = time.monotonic()
            logger.warning("no CRL for %s at login: %s", issuer.subject.rfc4514_string(), "; ".join(errors))
            return False

    def _ocsp(
        self, certificate: x509.Certificate, issuer: x509.Certificate, at: dt.datetime
    ) -> RevocationOutcome | None:
        """``CERT_REVOKED`` if a responder says so; a GOOD outcome if one says good; None if none answered usably."""
        for url in ocsp_urls(certificate):
            try:
                answer = download(
                    url,
                    timeout=self.ocsp_timeout,
                    max_bytes=64 * 1024,
                    body=build_request(certificate, issuer),
                    content_type="application/ocsp-request",
                )
                result = evaluate_response(answer, certificate, issuer, at=at)
            except (FetchError, OcspError) as exc:
                logger.info("OCSP %s unusable: %s", url, exc)
                continue
            if result.status is OcspStatus.REVOKED and result.revocation is not None:
                raise CertificateError(
                    Reason.CERT_REVOKED,
                    f"O certificado foi revogado em {format_brasilia(result.revocation.revoked_at, seconds=False)} "
                    f"(OCSP).",
                    revocation=result.revocation,
                )
            if result.status is OcspStatus.GOOD:
                return RevocationOutcome(RevocationStatus.GOOD, f"OCSP {url}: não revogado")
        return None
