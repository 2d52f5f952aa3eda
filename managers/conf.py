"""managers settings: ``MANAGERS_<NAME>`` in Django settings, read when used."""

from __future__ import annotations

from typing import Any

from django.conf import settings as django_settings

#: Whole numbers ≥ 1 (``managers.checks`` verifies each).
DEFAULTS: dict[str, Any] = {
    # The member list shows a certificate as "vence em breve" this many days before it expires.
    "EXPIRY_WARNING_DAYS": 30,
    # Members per page of the manager's list.
    "PAGE_SIZE": 25,
    # A bulk file may have at most this many data rows (a larger list goes to INSS staff's import).
    "BULK_MAX_ROWS": 2000,
    # A bulk file may have at most this many bytes.
    "BULK_MAX_BYTES": 2 * 1024 * 1024,
}


class ManagersSettings:
    prefix = "MANAGERS_"

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"unknown managers setting {name!r}")
        return getattr(django_settings, self.prefix + name, DEFAULTS[name])


settings = ManagersSettings()
