"""support settings: ``SUPPORT_<NAME>`` in Django settings, read when used (so ``override_settings`` works)."""

from __future__ import annotations

from typing import Any

from django.conf import settings as django_settings

DEFAULTS: dict[str, Any] = {
    # How many of the member's latest attempts the lookup lists.
    "RECENT_ATTEMPTS": 10,
}


class _Settings:
    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(name)
        return getattr(django_settings, f"SUPPORT_{name}", DEFAULTS[name])


settings = _Settings()
