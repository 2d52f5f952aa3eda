"""The process-wide certificate validator, built from the ``CERTAUTH_*`` settings and the trust store's ACs.

Roots: the ``CERTAUTH_TRUST_ROOTS`` files only (never the database). Intermediates: the shipped files plus the ACs
stored in the database (:mod:`certauth.trust_store`). Loading takes milliseconds; it happens at the first login of
each worker (or at start-up through the system check), again when the settings change (tests), and when the store's
generation moved: each worker reads that count (one tiny query) at most every
``CERTAUTH_TRUST_STORE_RECHECK_SECONDS``, and the process that changed the store rebuilds at once. The login fast
path is a monotonic clock read and a cache lookup.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import threading
import time
from typing import Any

from django.core.signals import setting_changed
from django.db import DatabaseError
from django.dispatch import receiver

from certauth import trust_store
from certauth.aia import AiaIssuers
from certauth.conf import settings
from certauth.icp.revocation import RevocationPolicy
from certauth.icp.trust import TrustStore, load_pem_files
from certauth.icp.validation import CertificateValidator, ValidationPolicy
from certauth.revocation_check import StoreRevocationChecker

logger = logging.getLogger("certauth.trust_store")

_NOT_READ = -1  # no generation read yet (or the database could not be read: shipped intermediates only)


class _Generation:
    """This process's last reading of the store's generation and when it was taken (monotonic seconds)."""

    def __init__(self) -> None:
        self.value = _NOT_READ
        self.read_at = 0.0
        self.lock = threading.Lock()

    def current(self) -> int:
        now = time.monotonic()
        if self.value != _NOT_READ and now - self.read_at < float(settings.TRUST_STORE_RECHECK_SECONDS):
            return self.value
        with self.lock:
            try:
                value = trust_store.generation()
            except DatabaseError:  # not migrated yet (system check at first start): the shipped store, as before
                logger.warning("trust store generation unreadable: using the shipped intermediates only")
                value = _NOT_READ
            self.value, self.read_at = value, time.monotonic()
            return value

    def forget(self) -> None:
        self.value = _NOT_READ


_generation = _Generation()


def get_validator() -> CertificateValidator:
    return _build(
        tuple(settings.TRUST_ROOTS),
        tuple(settings.INTERMEDIATES),
        tuple(settings.ACCEPTED_POLICY_PREFIXES),
        bool(settings.ACCEPT_COMPANY_CERTIFICATES),
        _revocation_settings(),
        _generation.current(),
    )


def get_shipped_validator() -> CertificateValidator:
    """The validator of the settings' files alone (no database read): what the system check loads."""
    return _build(
        tuple(settings.TRUST_ROOTS),
        tuple(settings.INTERMEDIATES),
        tuple(settings.ACCEPTED_POLICY_PREFIXES),
        bool(settings.ACCEPT_COMPANY_CERTIFICATES),
        _revocation_settings(),
        _NOT_READ,
    )


def invalidate() -> None:
    """The store changed in this process: read the generation again at the next login (so rebuild at once)."""
    _generation.forget()


def _revocation_settings() -> tuple[object, ...]:
    return (
        str(settings.REVOCATION),
        bool(settings.REVOCATION_SOFT_FAIL),
        int(settings.CRL_GRACE_SECONDS),
        bool(settings.CRL_FETCH_ON_LOGIN),
        float(settings.CRL_FETCH_TIMEOUT),
        int(settings.CRL_MAX_BYTES),
        bool(settings.OCSP),
        float(settings.OCSP_TIMEOUT),
    )


def get_trust_store() -> TrustStore:
    return get_validator().trust


@functools.lru_cache(maxsize=4)
def _build(
    roots: tuple[str, ...],
    intermediates: tuple[str, ...],
    prefixes: tuple[str, ...],
    accept_company: bool,
    revocation: tuple[Any, ...],
    generation: int,
) -> CertificateValidator:
    mode, soft_fail, grace, fetch_on_login, fetch_timeout, max_bytes, ocsp, ocsp_timeout = revocation
    checker = None
    if mode != "off":
        checker = StoreRevocationChecker(
            policy=RevocationPolicy(grace=dt.timedelta(seconds=grace), soft_fail=soft_fail),
            whole_chain=mode == "chain",
            fetch_on_login=fetch_on_login,
            fetch_timeout=fetch_timeout,
            max_bytes=max_bytes,
            ocsp=ocsp,
            ocsp_timeout=ocsp_timeout,
        )
    return CertificateValidator(
        trust=TrustStore(load_pem_files(roots), [*load_pem_files(intermediates), *_stored(generation)]),
        policy=ValidationPolicy(accepted_policy_prefixes=prefixes, accept_company_certificates=accept_company),
        revocation=checker,
        missing_issuers=AiaIssuers(),  # reads its settings (CERTAUTH_AIA, …) at each use
    )


def _stored(generation: int) -> list[Any]:
    """The database's ACs for a validator of ``generation`` (none when the database could not be read)."""
    if generation == _NOT_READ:
        return []
    try:
        return list(trust_store.stored_authorities())
    except DatabaseError:
        logger.warning("stored ACs unreadable: using the shipped intermediates only")
        return []


@receiver(setting_changed, dispatch_uid="certauth.validator.reset")
def _reset(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith("CERTAUTH_"):
        _build.cache_clear()
        _generation.forget()
