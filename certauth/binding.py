"""The contract between certauth and the site: turning a validated certificate into a user.

certauth knows nothing about partner entities; ``CERTAUTH_BINDER`` names a callable that does, and that either
returns a :class:`Binding` or raises :class:`~certauth.exceptions.LoginRejected` (``MEMBER_UNKNOWN`` …).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from django.utils.module_loading import import_string

from certauth.conf import settings
from certauth.icp.validation import ValidatedCertificate

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser
    from django.http import HttpRequest


@dataclass(frozen=True)
class Binding:
    """Whom the certificate logs in, and on whose behalf (opaque to certauth, recorded in session and audit)."""

    user: AbstractBaseUser
    organization_code: str = ""
    organization_name: str = ""
    #: Extra values the binder wants in the session (e.g. the chosen entity's id).
    session_data: Mapping[str, str | int] = field(default_factory=dict)


class Binder(Protocol):
    def __call__(self, certificate: ValidatedCertificate, *, request: HttpRequest | None) -> Binding: ...


def get_binder() -> Binder:
    return _import(settings.BINDER)


@functools.lru_cache(maxsize=4)
def _import(path: str) -> Binder:
    return import_string(path)  # type: ignore[no-any-return]
