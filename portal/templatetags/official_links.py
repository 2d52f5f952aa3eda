"""``{% with_official_links text %}``: a plain-text message with links to the official addresses it names."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from portal import official_links

register = template.Library()


@register.simple_tag(takes_context=True)
def with_official_links(context: template.Context, text: str) -> SafeString:
    """The addresses come from the context (the ``portal`` context processor), else from the settings."""
    urls = official_links.addresses()
    urls.update({name: context[name] for name in urls if name in context})
    return official_links.with_links(text, urls)
