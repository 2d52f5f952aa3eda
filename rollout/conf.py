"""rollout settings: ``ROLLOUT_<NAME>`` in Django settings, read when used."""

from __future__ import annotations

from typing import Any

from django.conf import settings as django_settings

DEFAULTS: dict[str, Any] = {
    # A password session re-reads the schedule at least this often (seconds), and at once when its cutover is due.
    "RECHECK_SECONDS": 60,
    # The banner warns password users this many days before their cutover.
    "BANNER_DAYS": 120,
}


class RolloutSettings:
    prefix = "ROLLOUT_"

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"unknown rollout setting {name!r}")
        return getattr(django_settings, self.prefix + name, DEFAULTS[name])


settings = RolloutSettings()
