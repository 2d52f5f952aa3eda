"""Session inactivity timeout that does not write the session on every request."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import auth, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

LAST_SEEN_KEY = "_portal_last_seen"
#: The last-seen time is written at most this often (seconds): a page view is otherwise a read-only request.
RESOLUTION = 60


class IdleSessionMiddleware:
    """Ends an authenticated session after ``SESSION_IDLE_MINUTES`` without requests.

    Place after ``AuthenticationMiddleware``. Django's ``SESSION_SAVE_EVERY_REQUEST`` would do this by writing the
    session on every request; here the session is written only when the recorded last-seen time is more than a
    minute old. (``SESSION_COOKIE_AGE`` stays the absolute limit after login.)
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_KEY)
            if isinstance(last_seen, int) and now - last_seen > settings.SESSION_IDLE_MINUTES * 60:
                auth.logout(request)
                messages.info(request, "Sua sessão foi encerrada por inatividade. Entre novamente.")
                return HttpResponseRedirect(reverse("portal:home"))
            if not isinstance(last_seen, int) or now - last_seen >= RESOLUTION:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)
