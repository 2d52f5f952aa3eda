"""The process-wide certificate validator, built once from the ``CERTAUTH_*`` settings.

Loading the trust store (two roots, 171 intermediates) takes milliseconds; it happens at the first login of
each worker, or at start-up through the system check, and again only if the settings change (tests).
"""

from __future__ import annotations

import functools
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver

from certauth.conf import settings
from certauth.icp.trust import TrustStore
from certauth.icp.validation import CertificateValidator, ValidationPolicy


def get_validator() -> CertificateValidator:
    return _build(
        tuple(settings.TRUST_ROOTS),
        tuple(settings.INTERMEDIATES),
        tuple(settings.ACCEPTED_POLICY_PREFIXES),
        bool(settings.ACCEPT_COMPANY_CERTIFICATES),
    )


def get_trust_store() -> TrustStore:
    return get_validator().trust


@functools.lru_cache(maxsize=4)
def _build(
    roots: tuple[str, ...], intermediates: tuple[str, ...], prefixes: tuple[str, ...], accept_company: bool
) -> CertificateValidator:
    return CertificateValidator(
        trust=TrustStore.from_pem_files(roots, intermediates),
        policy=ValidationPolicy(accepted_policy_prefixes=prefixes, accept_company_certificates=accept_company),
    )


@receiver(setting_changed, dispatch_uid="certauth.validator.reset")
def _reset(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith("CERTAUTH_"):
        _build.cache_clear()
