"""``{{ code|breakable_code }}``: an error code that a narrow screen may wrap only after its underscores.

``CLOUD_RATE_LIMITED`` → ``CLOUD_<wbr>RATE_<wbr>LIMITED``: each line of a wrapped code ends at an ``_``, so a
screenshot never splits a word of it (``LIMI`` / ``TED``); copying the code copies no extra character."""

from __future__ import annotations

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def breakable_code(code: str) -> SafeString:
    escaped = str(conditional_escape(code))
    return mark_safe(escaped.replace("_", "_<wbr>"))  # noqa: S308  escaped above; only <wbr> is added
