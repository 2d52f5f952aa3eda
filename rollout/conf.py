"""rollout settings: ``ROLLOUT_<NAME>`` in Django settings, read when used."""

from __future__ import annotations

from typing import Any

from django.conf import settings as django_settings

#: Whole numbers ≥ 0 (``rollout.checks`` verifies each).
DEFAULTS: dict[str, Any] = {
    # A password session re-reads the schedule at least this often (seconds), and at once when its cutover is due.
    "RECHECK_SECONDS": 60,
    # The banner warns password users this many days before their cutover.
    "BANNER_DAYS": 120,
    # `rollout remind`: the "access ended" message goes out only this many days after the cutover (0: that day only).
    "REMINDER_AFTER_DAYS": 7,
    # `rollout remind`: members are told to renew a certificate expiring within this many days.
    "CERTIFICATE_EXPIRY_DAYS": 30,
}

#: Settings that are lists (not checked by ``rollout.checks``; their users validate them).
LIST_DEFAULTS: dict[str, Any] = {
    # `rollout remind`: reminders before the cutover, this many days before it (the most urgent one due is sent).
    "REMINDER_DAYS": [30, 7, 1],
}


class RolloutSettings:
    prefix = "ROLLOUT_"

    def __getattr__(self, name: str) -> Any:
        defaults = {**DEFAULTS, **LIST_DEFAULTS}
        if name not in defaults:
            raise AttributeError(f"unknown rollout setting {name!r}")
        return getattr(django_settings, self.prefix + name, defaults[name])


settings = RolloutSettings()
