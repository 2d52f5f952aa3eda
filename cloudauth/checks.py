"""System checks: the cloud login backend is installed, and no enabled PSC is reached over plain http."""

from __future__ import annotations

from typing import Any

from django.conf import settings as django_settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from cloudauth.backends import BACKEND
from cloudauth.conf import settings


@register(Tags.security)
def check_backend(**kwargs: Any) -> list[CheckMessage]:
    if BACKEND not in django_settings.AUTHENTICATION_BACKENDS:
        return [
            Error(
                f"{BACKEND} is not in AUTHENTICATION_BACKENDS: cloud A3 logins cannot succeed.",
                id="cloudauth.E001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_plain_http(**kwargs: Any) -> list[CheckMessage]:
    if settings.ALLOW_HTTP:
        return [
            Warning(
                "CLOUDAUTH_ALLOW_HTTP is on: PSC addresses may use plain http (only for tests and the demo).",
                id="cloudauth.W001",
            )
        ]
    return []
