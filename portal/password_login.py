"""Legacy login with CPF + password, on the portal host, for members of entities whose cutover has not come.

django-axes counts failures and locks a CPF out (``LOCKED_OUT``); Django's ModelBackend runs the password hasher
even for an unknown CPF, so timing does not tell whether a CPF is registered. The schedule is asked only after the
password checked out, so a wrong guess learns nothing about the CPF's entity. From its cutover on, an entity's
members get ``PASSWORD_RETIRED`` with the date and how to get a certificate.
"""

from __future__ import annotations

import contextlib
import logging
import time
from typing import Any

from django import forms
from django.contrib import auth
from django.db import DatabaseError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from certauth import audit
from certauth.exceptions import AuditUnavailable, LoginRejected
from certauth.icp.clock import format_brasilia
from certauth.icp.errors import Reason
from certauth.icp.numbers import normalize_cpf
from certauth.models import LoginMethod
from certauth.responses import audit_unavailable_response, audited_rejection
from portal import session_keys
from portal.entity_choice import after_login
from portal.models import Member, User
from portal.next_url import login_links, safe_next, with_next
from portal.selectors import entities_of
from rollout.schedule import earliest_cutover
from rollout.selectors import decisions_for
from rollout.session_cutover import remember_cutover

BACKEND = "django.contrib.auth.backends.ModelBackend"
LOCKED_OUT_DETAIL = "Limite de tentativas com senha incorreta atingido."

logger = logging.getLogger("portal.password_login")


class PasswordLoginForm(forms.Form):
    cpf = forms.CharField(
        label="CPF",
        max_length=14,
        widget=forms.TextInput(
            # Digits on a phone's keyboard; the dots and the dash of the mask are accepted too.
            attrs={"autocomplete": "username", "inputmode": "numeric", "placeholder": "000.000.000-00"}
        ),
    )
    password = forms.CharField(
        label="Senha",
        max_length=256,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


@require_http_methods(["GET", "POST"])
def password_login(request: HttpRequest) -> HttpResponse:
    form = PasswordLoginForm(request.POST or None)
    target = safe_next(request.POST.get("next") or request.GET.get("next"))  # where the login brings the user back
    if request.method == "GET" or not form.is_valid():
        return render(request, "portal/password_login.html", {"form": form, **login_links(target)})
    attempt = audit.AttemptContext.from_request(request, method=LoginMethod.PASSWORD)
    try:
        return _log_in(request, form, attempt, target)
    except (AuditUnavailable, DatabaseError):
        # The database failed while the password was checked, the member or the schedule read, or the login recorded:
        # refused (never a 500, never an unaudited login), and the user may try again shortly.
        logger.exception("password login %s: database unavailable, refused", attempt.reference)
        with contextlib.suppress(DatabaseError):  # a session the login may have filled: emptied, not saved
            request.session.flush()
        retry = with_next(reverse("portal:password_login"), target)
        return audit_unavailable_response(
            request, reference=attempt.reference, at=attempt.at, method=LoginMethod.PASSWORD.value, retry_url=retry
        )


def _log_in(
    request: HttpRequest, form: PasswordLoginForm, attempt: audit.AttemptContext, target: str | None
) -> HttpResponse:
    cpf = normalize_cpf(form.cleaned_data["cpf"])
    user = _check_password_serialised(request, cpf, form.cleaned_data["password"])
    if getattr(request, "axes_locked_out", False):
        return _refuse(request, attempt, LoginRejected(Reason.LOCKED_OUT, LOCKED_OUT_DETAIL), cpf)
    member = Member.objects.filter(user=user).first() if isinstance(user, User) else None
    if member is None:  # wrong password, unknown CPF, or an account that is not a member's: all look the same
        recorded = audit.record_rejection(
            attempt, LoginRejected(Reason.PASSWORD_INVALID, "CPF ou senha incorretos."), cpf=cpf
        )
        form.add_error(None, "CPF ou senha incorretos.")
        context = {
            "form": form,
            "reference": recorded or attempt.reference,
            "when": format_brasilia(attempt.at),
            **login_links(target),
        }
        return render(request, "portal/password_login.html", context, status=401)
    if not member.active:
        return _refuse(
            request, attempt, LoginRejected(Reason.MEMBER_INACTIVE, "O cadastro do membro está inativo."), cpf, user
        )
    entities = entities_of(member)
    if not entities:
        return _refuse(
            request, attempt, LoginRejected(Reason.ENTITY_INACTIVE, "Nenhuma entidade parceira ativa."), cpf, user
        )
    decisions = decisions_for(entities, at=attempt.at)
    allowed = [e for e in entities if decisions[e.pk].password_allowed]
    if not allowed:
        since = earliest_cutover(decisions.values()) or attempt.at
        detail = (
            f"Certificado digital A3 obrigatório para a sua entidade desde {format_brasilia(since, seconds=False)}."
        )
        return _refuse(request, attempt, LoginRejected(Reason.PASSWORD_RETIRED, detail), cpf, user)

    only = allowed[0] if len(allowed) == 1 else None
    with transaction.atomic():  # a failure here (the audit row included) is answered by password_login
        audit.record_acceptance(
            attempt,
            None,
            user=user,
            cpf=cpf,
            organization_code=only.code if only else "",
            organization_name=only.name if only else "",
        )
        auth.login(request, user, backend=BACKEND)  # first: it empties a session another user left open
        request.session[session_keys.METHOD] = LoginMethod.PASSWORD.value
        request.session[session_keys.PASSWORD_ENTITIES] = [e.pk for e in allowed]
        request.session[session_keys.SCHEDULE_CHECKED_AT] = int(time.time())
        remember_cutover(request.session, (decisions[e.pk] for e in allowed))
        if only is not None:
            request.session[session_keys.ENTITY] = only.pk
        request.session.save()  # the session's row in the same transaction as the audit row
    return HttpResponseRedirect(after_login(request, target) if target else reverse("portal:dashboard"))


def _check_password_serialised(request: HttpRequest, cpf: str, password: str) -> Any:
    """django-axes checks the lockout before the password and counts a failure after it: parallel guesses for one
    CPF would each get their password checked. The account's row is locked for the check (PostgreSQL: a row lock;
    SQLite: its single writer), so the next guess for that CPF sees the previous failure counted. An unknown CPF
    locks nothing (there is no account to guess) and costs the same one query."""
    with transaction.atomic():
        User.objects.select_for_update().filter(username=cpf).values_list("pk", flat=True).first()
        return auth.authenticate(request, username=cpf, password=password)


def _refuse(
    request: HttpRequest, attempt: audit.AttemptContext, rejection: LoginRejected, cpf: str, user: Any = None
) -> HttpResponse:
    return audited_rejection(request, attempt, rejection, cpf=cpf, user=user)


def is_password_session(request: HttpRequest) -> bool:
    return request.session.get(session_keys.METHOD) == LoginMethod.PASSWORD.value


def lockout_response(request: HttpRequest, original_response: HttpResponse | None, credentials: Any) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: the password view renders (and audits) ``LOCKED_OUT`` itself; keep its page."""
    if original_response is not None:
        return original_response
    attempt = audit.AttemptContext.from_request(request, method=LoginMethod.PASSWORD)
    return _refuse(request, attempt, LoginRejected(Reason.LOCKED_OUT, LOCKED_OUT_DETAIL), "")
