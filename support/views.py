"""The support desk's lookup by reference: a form, and the page of one attempt (every lookup logged)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from certauth import proxy
from certauth.icp.clock import format_brasilia
from certauth.models import LoginAttempt
from portal.models import User
from support import lookup
from support import reference as references
from support.access import support_view
from support.models import LookupResult, ReferenceLookup

#: Stable codes of this page's own answers (quoted back by staff if they report a problem with the lookup).
REFERENCE_UNKNOWN = "SUPPORT_REFERENCE_UNKNOWN"
REFERENCE_INVALID = "SUPPORT_REFERENCE_INVALID"
PARAMETER = "referencia"


def _log(request: HttpRequest, typed: str, found: str, result: LookupResult) -> None:
    user = request.user
    ReferenceLookup.objects.create(
        user=user if isinstance(user, User) else None,
        username=getattr(user, "username", "")[:150],
        typed=references.shown(typed),
        reference=found,
        result=result,
        ip=proxy.client_ip(request),
    )


def _refused(request: HttpRequest, typed: str, code: str, status: int) -> HttpResponse:
    regional = request.lookup_ufs is not None  # type: ignore[attr-defined]
    context = {
        "code": code,
        "typed": references.shown(typed),
        "reference": references.normalize(typed) or references.shown(typed),
        "when": format_brasilia(timezone.now()),
        "regional": regional,
        "invalid": code == REFERENCE_INVALID,
        "parameter": PARAMETER,
    }
    response = render(request, "support/not_found.html", context, status=status)
    response["X-Error-Code"] = code
    return response


@require_safe
@support_view
def lookup_form(request: HttpRequest) -> HttpResponse:
    typed = request.GET.get(PARAMETER)
    if typed is None:
        return render(request, "support/lookup.html", {"parameter": PARAMETER})
    normalized = references.normalize(typed)
    if normalized is None:
        _log(request, typed, "", LookupResult.INVALID)
        return _refused(request, typed, REFERENCE_INVALID, 400)
    return HttpResponseRedirect(reverse("support:lookup_result", args=[normalized]))


@require_safe
@support_view
def lookup_result(request: HttpRequest, reference: str) -> HttpResponse:
    typed = reference
    normalized = references.normalize(typed)
    if normalized is None:
        _log(request, typed, "", LookupResult.INVALID)
        return _refused(request, typed, REFERENCE_INVALID, 400)
    if normalized != typed:  # one address per attempt (bookmarks, the browser's history)
        return HttpResponseRedirect(reverse("support:lookup_result", args=[normalized]))
    ufs: set[str] | None = request.lookup_ufs  # type: ignore[attr-defined]
    attempt = LoginAttempt.objects.filter(reference=normalized).first()
    if attempt is None or not lookup.scope(LoginAttempt.objects.filter(pk=attempt.pk), ufs).exists():
        result = LookupResult.UNKNOWN if attempt is None else LookupResult.OUT_OF_SCOPE
        _log(request, typed, normalized, result)
        return _refused(request, typed, REFERENCE_UNKNOWN, 404)
    _log(request, typed, normalized, LookupResult.FOUND)
    now = timezone.now()
    context = {
        "found": lookup.build(attempt, ufs=ufs, now=now),
        "now": now,
        "regional": ufs is not None,
        "parameter": PARAMETER,
    }
    return render(request, "support/result.html", context)
