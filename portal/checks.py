"""System checks of the portal's own configuration."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def check_demo_off_in_production(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if getattr(settings, "PORTAL_DEMO", False):
        return [
            checks.Warning(
                "PORTAL_DEMO is on: the demo PKI's root is trusted beside ICP-Brasil's.",
                id="portal.W001",
                hint="Never enable PORTAL_DEMO in production.",
            )
        ]
    return []
