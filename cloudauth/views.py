"""“Entrar com certificado em nuvem”, on the portal host: CPF → PSCs holding it → approval on the phone (redirect
back, or a push with a countdown) → proof of possession → the certificate login's own validation and binding."""

from __future__ import annotations

import logging
import urllib.parse

from django import forms
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from certauth import audit, proxy
from certauth.conf import settings as certauth_settings
from certauth.exceptions import LoginRejected
from certauth.icp.errors import Reason
from certauth.icp.numbers import cpf_refusal, is_valid_cpf, mask_cpf, normalize_cpf
from certauth.login import accept_login, authenticate_or_reject
from certauth.models import LoginMethod
from certauth.responses import audit_unavailable_response, audited_rejection
from cloudauth import flow as flows
from cloudauth import known_browsers
from cloudauth.backends import BACKEND
from cloudauth.conf import settings
from cloudauth.durations import countdown_text, spoken_duration
from cloudauth.models import CloudLogin
from cloudauth.psc.errors import PscError
from cloudauth.psc.proof import PossessionProof
from portal.entity_choice import after_login
from portal.next_url import login_links, safe_next, with_next

logger = logging.getLogger("cloudauth")


class CpfForm(forms.Form):
    cpf = forms.CharField(
        label="CPF",
        max_length=14,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "inputmode": "numeric", "placeholder": "000.000.000-00"}
        ),
    )

    def clean_cpf(self) -> str:
        cpf = normalize_cpf(self.cleaned_data["cpf"])
        if len(cpf) != 11:
            raise forms.ValidationError("Informe os 11 dígitos do CPF.")
        if not is_valid_cpf(cpf):
            raise forms.ValidationError(cpf_refusal(cpf))
        return cpf


@never_cache
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    form = CpfForm(request.POST or None)
    target = safe_next(request.POST.get("next") or request.GET.get("next"))  # where the login brings the user back
    if request.method == "GET" or not form.is_valid():
        context = {"form": form, **login_links(target)}
        return render(request, "cloudauth/start.html", context, status=400 if form.errors else 200)
    cpf = form.cleaned_data["cpf"]
    now = timezone.now()
    browser = known_browsers.browser_for(request, cpf)
    try:
        flow = flows.begin(
            request.session, cpf=cpf, ip=proxy.client_ip(request), browser=browser, now=now, next_url=target or ""
        )
    except PscError as exc:
        return _refuse(request, _attempt(request), exc, cpf=cpf, target=target)
    except DatabaseError:
        attempt = _attempt(request)
        logger.exception("cloud login %s: database unavailable at the start", attempt.reference)
        return audit_unavailable_response(
            request, reference=attempt.reference, at=attempt.at, retry_url=_start_url(target)
        )
    return HttpResponseRedirect(reverse("cloudauth:choose", args=[flow.public_id]))


@never_cache
@require_http_methods(["GET", "POST"])
def choose(request: HttpRequest, public_id: str) -> HttpResponse:
    now = timezone.now()
    found = CloudLogin.objects.filter(public_id=public_id).first()
    try:
        flow = flows.usable_flow(request.session, found, now=now)
    except PscError as exc:
        return _refuse(request, _attempt(request), exc, cpf=found.cpf if found else "", target=_next_of(found))
    offers = flows.offers(flow)
    error = ""
    if request.method == "POST":
        offer = next((o for o in offers if o.provider.slug == request.POST.get("provider")), None)
        if offer is None:
            error = "Escolha um dos prestadores da lista."
        else:
            push = request.POST.get("mode") == "push" and offer.provider.offers_push
            attempt = _attempt(request, offer.provider.slug)
            try:
                target = flows.issue_challenge(
                    flow, offer.provider, push=push, redirect_uri=_redirect_uri(request), now=now
                )
            except PscError as exc:
                return _refuse(request, attempt, exc, cpf=flow.cpf, target=_next_of(flow))
            if push:
                return HttpResponseRedirect(reverse("cloudauth:waiting", args=[flow.public_id]))
            return HttpResponseRedirect(target)
    approval = min((flows.approval_seconds(push=o.provider.offers_push) for o in offers), default=None)
    context = {
        "flow": flow,
        "cpf": mask_cpf(flow.cpf),  # as on every page: enough to recognise it, not to reuse it
        "offers": offers,
        "any_found": any(o.found for o in offers),
        "error": error,
        "approval_time": spoken_duration(approval or flows.approval_seconds(push=False)),
    }
    response = render(request, "cloudauth/choose.html", context, status=400 if error else 200)
    # The form posts here and is redirected to the PSC: browsers apply form-action to that redirect too.
    response._csp_update = {"form-action": sorted({_origin(o.provider.base_url) for o in offers})}  # type: ignore[attr-defined]
    return response


@never_cache
@require_safe
def callback(request: HttpRequest) -> HttpResponse:
    """The PSC sends the browser back here with ``code`` and ``state`` (or ``error``)."""
    now = timezone.now()
    state = request.GET.get("state", "")
    found = CloudLogin.objects.select_related("provider").filter(state=state).first() if state else None
    attempt = _attempt(request, found.provider.slug if found and found.provider else "")
    try:
        flow = flows.consume(request.session, found, now=now)
        error = request.GET.get("error", "")
        if error:
            raise _authorization_error(flow, error, request.GET.get("error_description", ""))
        code = request.GET.get("code", "")
        if not code:
            raise PscError(Reason.CLOUD_PSC_UNAVAILABLE, "O prestador voltou sem código de autorização.")
        proof = flows.prove(flow, code=code, redirect_uri=_redirect_uri(request))
    except PscError as exc:
        return _refuse(request, attempt, exc, cpf=found.cpf if found else "", target=_next_of(found))
    return _login(request, attempt, proof, target=_next_of(flow))


@never_cache
@require_safe
def waiting(request: HttpRequest, public_id: str) -> HttpResponse:
    """Push approval: the page refreshes itself every few seconds (and counts down with a small script); each
    refresh asks the PSC once whether the holder approved on the phone."""
    now = timezone.now()
    found = CloudLogin.objects.select_related("provider").filter(public_id=public_id).first()
    attempt = _attempt(request, found.provider.slug if found and found.provider else "")
    try:
        progress = flows.poll(request.session, found, now=now)
    except PscError as exc:
        return _refuse(request, attempt, exc, cpf=found.cpf if found else "", target=_next_of(found))
    if progress.proof is not None:
        return _login(request, attempt, progress.proof, target=_next_of(found))
    assert found is not None and found.provider is not None
    context = {
        "flow": found,
        "provider": found.provider,
        "seconds_left": progress.seconds_left,
        "time_left": countdown_text(progress.seconds_left),
        "refresh_seconds": max(2, int(float(settings.POLL_INTERVAL_SECONDS))),
        "confirmation_code": flows.challenge_of(found).confirmation_code,
    }
    return render(request, "cloudauth/waiting.html", context)


def _login(
    request: HttpRequest, attempt: audit.AttemptContext, proof: PossessionProof, *, target: str | None
) -> HttpResponse:
    try:
        user = authenticate_or_reject(request, BACKEND, cloud_proof=proof, at=attempt.at)
    except LoginRejected as rejection:
        return audited_rejection(request, attempt, rejection, cpf=proof.cpf, retry_url=_start_url(target))
    except DatabaseError:
        logger.exception("cloud login %s: database unavailable", attempt.reference)
        return audit_unavailable_response(
            request, reference=attempt.reference, at=attempt.at, retry_url=_start_url(target)
        )
    failed = accept_login(request, attempt, user, backend=BACKEND)
    if failed is not None:
        return failed
    request.session.pop(flows.SESSION_BINDING, None)
    destination = after_login(request, target) if target else str(certauth_settings.LOGIN_REDIRECT_URL)
    response = HttpResponseRedirect(destination)
    known_browsers.remember(request, response, proof.cpf)
    return response


def _attempt(request: HttpRequest, provider: str = "") -> audit.AttemptContext:
    return audit.AttemptContext.from_request(request, method=LoginMethod.CLOUD, provider=provider)


def _refuse(
    request: HttpRequest, attempt: audit.AttemptContext, error: PscError, *, cpf: str, target: str | None
) -> HttpResponse:
    logger.info("cloud login %s refused: %s %s", attempt.reference, error.reason, error.detail)
    rejection = LoginRejected(error.reason, error.detail)
    return audited_rejection(
        request, attempt, rejection, cpf=cpf, retry_url=_start_url(target), retry_at=error.retry_at
    )


def _next_of(flow: CloudLogin | None) -> str | None:
    """The flow's ``next``, judged again now (the allowed origins may have changed since it began)."""
    return safe_next(flow.next_url) if flow is not None and flow.next_url else None


def _start_url(target: str | None) -> str:
    """ "Tentar novamente": a new cloud login, keeping ``next``."""
    return with_next(reverse("cloudauth:start"), target)


def _authorization_error(flow: CloudLogin, error: str, description: str) -> PscError:
    name = flow.provider.name if flow.provider else "O prestador"
    if error == "access_denied" and flow.provider is not None:
        return flows.refusal(flow, flow.provider)
    shown = f"{error}: {description}"[:200] if description else error[:60]
    return PscError(Reason.CLOUD_PSC_UNAVAILABLE, f"{name} recusou a autorização ({shown}).")


def _redirect_uri(request: HttpRequest) -> str:
    return str(settings.REDIRECT_URI) or request.build_absolute_uri(reverse("cloudauth:callback"))


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
