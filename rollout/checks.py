"""System checks of the rollout app's configuration."""

from __future__ import annotations

from typing import Any

from django.conf import settings as django_settings
from django.core import checks

from rollout.conf import DEFAULTS, LIST_DEFAULTS, settings

_MIDDLEWARE = "rollout.middleware.CutoverMiddleware"
_AUTH_MIDDLEWARE = "django.contrib.auth.middleware.AuthenticationMiddleware"


@checks.register()
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    for name in DEFAULTS:
        value = getattr(settings, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            errors.append(
                checks.Error(f"ROLLOUT_{name} must be a whole number ≥ 0 (got {value!r}).", id="rollout.E001")
            )
    for name in LIST_DEFAULTS:
        value = getattr(settings, name)
        if not isinstance(value, list | tuple) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value
        ):
            errors.append(
                checks.Error(f"ROLLOUT_{name} must be a list of whole numbers ≥ 0 (got {value!r}).", id="rollout.E001")
            )
    return errors


@checks.register(checks.Tags.security)
def check_cutover_middleware(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Without the middleware, password sessions opened before a cutover would outlive it."""
    middleware = list(getattr(django_settings, "MIDDLEWARE", []))
    if _MIDDLEWARE not in middleware:
        return [
            checks.Error(
                f"{_MIDDLEWARE} is not in MIDDLEWARE: password sessions would outlive their entity's cutover.",
                id="rollout.E002",
            )
        ]
    if _AUTH_MIDDLEWARE in middleware and middleware.index(_MIDDLEWARE) < middleware.index(_AUTH_MIDDLEWARE):
        return [checks.Error(f"{_MIDDLEWARE} must come after {_AUTH_MIDDLEWARE}.", id="rollout.E003")]
    return []
