"""System checks of the associations app's configuration."""

from __future__ import annotations

from typing import Any

from django.core import checks

from associations.conf import DEFAULTS, settings


@checks.register()
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    for name in DEFAULTS:
        value = getattr(settings, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            errors.append(
                checks.Error(f"ASSOCIATIONS_{name} must be a whole number ≥ 1 (got {value!r}).", id="associations.E001")
            )
    return errors
