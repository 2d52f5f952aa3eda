"""The process-wide certificate validator, built once from the ``CERTAUTH_*`` settings.

Loading the trust store (two roots, 171 intermediates) takes milliseconds; it happens at the first login of
each worker, or at start-up through the system check, and again only if the settings change (tests).
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver

from certauth.conf import settings
from certauth.icp.revocation import RevocationPolicy
from certauth.icp.trust import TrustStore
from certauth.icp.validation import CertificateValidator, ValidationPolicy
from certauth.revocation_check import StoreRevocationChecker


def get_validator() -> CertificateValidator:
    return _build(
        tuple(settings.TRUST_ROOTS),
        tuple(settings.INTERMEDIATES),
        tuple(settings.ACCEPTED_POLICY_PREFIXES),
        bool(settings.ACCEPT_COMPANY_CERTIFICATES),
        _revocation_settings(),
    )


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
        trust=TrustStore.from_pem_files(roots, intermediates),
        policy=ValidationPolicy(accepted_policy_prefixes=prefixes, accept_company_certificates=accept_company),
        revocation=checker,
    )


@receiver(setting_changed, dispatch_uid="certauth.validator.reset")
def _reset(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith("CERTAUTH_"):
        _build.cache_clear()
