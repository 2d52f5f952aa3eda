"""associations settings: ``ASSOCIATIONS_<NAME>`` in Django settings, read when used."""

from __future__ import annotations

from typing import Any

from django.conf import settings as django_settings

#: Whole numbers ≥ 1 (``associations.checks`` verifies each).
DEFAULTS: dict[str, Any] = {
    # The summary e-mail lists an entity when its cutover is at most this many days away (and not past).
    "DIGEST_DAYS": 30,
    # The export holds at most this many rows (an association of hundreds of municipalities stays well below).
    "EXPORT_MAX_ROWS": 50000,
}


class AssociationsSettings:
    prefix = "ASSOCIATIONS_"

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"unknown associations setting {name!r}")
        return getattr(django_settings, self.prefix + name, DEFAULTS[name])


settings = AssociationsSettings()
