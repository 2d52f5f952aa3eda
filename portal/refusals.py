"""The one refusal page: what happened, what to do, and the facts a support screenshot needs (the code, a reference,
the date and time in Brasília). The portal's own error pages (400, 403, 404) and every app's refusals (the managers'
and the associations' pages) are a :class:`Refusal` drawn by :func:`render_refusal`; each app keeps its own texts.

Nothing is written to the database here: an app that wants its refusals in the log passes its logger.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from certauth import audit
from certauth.icp.clock import format_brasilia
from portal.next_url import login_links

TEMPLATE = "portal/error.html"


@dataclass(frozen=True)
class Refusal:
    """A refusal as the user reads it (texts in Portuguese) and the status it answers with."""

    code: str
    title: str
    explanation: str
    status: int = 403
    #: Offer the certificate logins (token or card, and cloud), each coming back to the refused address; the user is
    #: signed in (with a password), so the way back is the dashboard.
    show_certificate_login: bool = False
    #: The way back is the dashboard (a signed-in user's refusal), not the home page.
    back_to_dashboard: bool = False


def render_refusal(request: HttpRequest, refusal: Refusal, *, logger: logging.Logger | None = None) -> HttpResponse:
    """The page of ``refusal``, with a new reference (also in ``X-Reference``, the code in ``X-Error-Code``). With a
    ``logger``, one line says whom it refused, prefixed with the logger's top name (``managers: …``)."""
    reference = audit.new_reference()
    context: dict[str, Any] = {
        "status": refusal.status,
        "code": refusal.code,
        "title": refusal.title,
        "explanation": refusal.explanation,
        "reference": reference,
        "when": format_brasilia(timezone.now()),
        "certificate_login": refusal.show_certificate_login,
        "back_to_dashboard": refusal.back_to_dashboard or refusal.show_certificate_login,
    }
    if refusal.show_certificate_login:
        context.update(login_links(request.get_full_path()))
    response = render(request, TEMPLATE, context, status=refusal.status)
    response["X-Error-Code"] = refusal.code
    response["X-Reference"] = reference
    if logger is not None:
        user = getattr(request, "user", None)
        logger.info(
            "%s: %s refused to user %s (reference %s)",
            logger.name.split(".")[0],
            refusal.code,
            getattr(user, "pk", None),
            reference,
        )
    return response
