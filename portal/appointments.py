"""The pages of an appointed role (an entity's manager, an association's coordinator), guarded the same way.

Anonymous → the login. No appointment now → the role's "not appointed" refusal (403). An appointee whose session was
not made with an A3 certificate (token, card or cloud; a password session, or staff without a certificate) → the
role's "A3 required" refusal (403, with the certificate logins coming back to the page). Then the view gets the
appointee's objects, and with a ``code`` argument the one of that code: 404 for any other (as every address of
something the user is not appointed to). Each app keeps what is its own: who is appointed to what, which login
methods may act, the refusals' texts, its logger.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from portal.refusals import Refusal, render_refusal

View = Callable[..., HttpResponse]


def certificate_method(request: HttpRequest) -> str | None:
    """The login method of the request's session: the certificate's (validated on every request by certauth's
    middleware), else None (a password session, or staff without a certificate)."""
    certificate = getattr(request, "session_certificate", None)
    return certificate.method if certificate is not None else None


def appointee_page(
    *,
    appointed: Callable[[Any], QuerySet[Any]],
    may_act: Callable[[str | None], bool],
    not_appointed: Refusal,
    a3_required: Refusal,
    logger: logging.Logger,
    names: tuple[str, str],
    not_found: str,
) -> Callable[[View], View]:
    """The decorator of a role's pages. ``appointed(user)``: what the user is appointed to now (each with a
    ``code``); ``may_act(method)``: whether a session of that login method may use the pages; ``names``: the view's
    keyword arguments for all of them and for the one of the code (``("entities", "entity")``); ``not_found``: the
    404's message for any other code."""
    every, one = names

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, code: str | None = None, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            objects = list(appointed(request.user))
            if not objects:
                return render_refusal(request, not_appointed, logger=logger)
            if not may_act(certificate_method(request)):
                return render_refusal(request, a3_required, logger=logger)
            if code is None:
                return view(request, *args, **{every: objects}, **kwargs)
            chosen = next((o for o in objects if o.code == code), None)
            if chosen is None:
                raise Http404(not_found)
            return view(request, *args, **{one: chosen, every: objects}, **kwargs)

        return wrapper

    return decorate
