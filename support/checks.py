"""System checks of the support app's settings (stable ids)."""

from __future__ import annotations

from typing import Any

from django.core import checks

from support.conf import settings


@checks.register()
def check_recent_attempts(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    value = settings.RECENT_ATTEMPTS
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100:
        return [
            checks.Error(
                f"SUPPORT_RECENT_ATTEMPTS must be an integer from 1 to 100 (got {value!r}).",
                id="support.E001",
                hint="How many of the member's latest attempts the lookup lists (default 10).",
            )
        ]
    return []
