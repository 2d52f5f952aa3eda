"""The official addresses of the INSS guidance to partner entities, and links to them inside plain-text messages.

Three addresses (settings ``PORTAL_SUPPORT_URL``, ``PORTAL_AR_LIST_URL``, ``PORTAL_PAT_URL``): support, where
tickets are opened in the category "Certificado Digital ACT"; the ITI's list of accredited registration authorities
(AR), where a certificate is bought; the Portal de Atendimento (PAT), where the entity's work happens.

Messages such as an error page's steps are plain text written in code (``certauth.messages``). :func:`with_links`
escapes such a text and turns each phrase of :data:`PHRASES` it contains into a link to that phrase's address: the
text is never trusted as HTML, and an address that is not set leaves the phrase as plain text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

#: The category of the support channel the INSS guidance names.
SUPPORT_CATEGORY = "Certificado Digital ACT"

#: Context names of the addresses (the ``portal`` context processor and the e-mails provide them).
SUPPORT_URL = "support_url"
AR_LIST_URL = "ar_list_url"
PAT_URL = "pat_url"

#: Phrases of the plain-text messages that name a place the user is sent to, and the address each leads to.
PHRASES: tuple[tuple[str, str], ...] = (
    ("Autoridade de Registro (AR) credenciada pelo ITI", AR_LIST_URL),
    ("canal de atendimento do INSS às entidades parceiras", SUPPORT_URL),
    ("abra um chamado no suporte", SUPPORT_URL),
    ("Portal de Atendimento do INSS", PAT_URL),
)
_PATTERN = re.compile("(" + "|".join(re.escape(phrase) for phrase, _ in PHRASES) + ")")
_ADDRESS_OF = dict(PHRASES)


def addresses() -> dict[str, Any]:
    """The addresses as the settings give them, under their context names, with the support category."""
    return {
        SUPPORT_URL: settings.PORTAL_SUPPORT_URL,
        AR_LIST_URL: settings.PORTAL_AR_LIST_URL,
        PAT_URL: settings.PORTAL_PAT_URL,
        "support_category": SUPPORT_CATEGORY,
    }


def with_links(text: str, urls: Mapping[str, Any]) -> SafeString:
    """``text`` as HTML: escaped, with each known phrase a link to its address in ``urls`` (when that is set)."""
    pieces = _PATTERN.split(str(text))
    html = []
    for index, piece in enumerate(pieces):
        url = str(urls.get(_ADDRESS_OF[piece]) or "") if index % 2 else ""
        html.append(format_html('<a href="{}">{}</a>', url, piece) if url else conditional_escape(piece))
    return mark_safe("".join(html))  # noqa: S308  # every piece was escaped above
