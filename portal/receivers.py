"""Bookkeeping that follows a login, and telling open sessions that their access data changed (never deciding
anything: the middlewares decide, and re-check every minute anyway)."""

from __future__ import annotations

import time
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth.models import update_last_login
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from certauth.sessions import SESSION_KEY as CERTIFICATE_SESSION_KEY
from certauth.signals import crl_loaded
from portal import session_keys
from portal.models import Member, Membership, OabRegistration, PartnerEntity, User
from portal.services import record_member_login
from portal.session_access import members_users, request_path_recheck, request_recheck


@receiver(user_logged_in, dispatch_uid="portal.record_member_login")
def _record_member_login(sender: Any, *, request: Any, user: User, **kwargs: Any) -> None:
    """Members' login dates live on the member (first A3 login, last login per method); Django's own
    ``update_last_login`` — disconnected in ``PortalConfig.ready`` — still runs for every other login."""
    login = getattr(user, "certificate_login", None)
    if login is not None:
        certificate = login.certificate
        record_member_login(
            user=user,
            method=login.method,
            at=certificate.validated_at,
            certificate_not_after=certificate.facts.not_after,
        )
        return
    update_last_login(sender, user)
    if isinstance(user, User):
        record_member_login(user=user, method="password", at=timezone.now())


@receiver(user_logged_in, dispatch_uid="portal.password_lockout_reset")
def _password_lockout_reset(sender: Any, *, request: Any, user: User, **kwargs: Any) -> None:
    """django-axes' own ``user_logged_in`` handler (disconnected in ``PortalConfig.ready``), for the logins it
    guards: those without a certificate (a successful password login resets the CPF's failure count)."""
    if getattr(user, "certificate_login", None) is None:
        AxesProxyHandler.user_logged_in(sender, request=request, user=user, **kwargs)


#: What a session keeps of how it logged in (the method's own keys): a new login replaces all of it.
_LOGIN_KEYS = (
    CERTIFICATE_SESSION_KEY,
    session_keys.METHOD,
    session_keys.PASSWORD_ENTITIES,
    session_keys.SCHEDULE_CHECKED_AT,
    session_keys.SCHEDULE_CHECKED_GENERATION,
    session_keys.CUTOVER_AT,
    session_keys.CUTOVER_OWN_DATE,
    session_keys.ENTITY,
    session_keys.ACCESS_CHECKED_GENERATION,
)


@receiver(user_logged_in, dispatch_uid="portal.forget_previous_login")
def _forget_previous_login(sender: Any, *, request: Any, user: User, **kwargs: Any) -> None:
    """Django keeps a session's data when the same account logs in again: a certificate login after a password
    login would stay a password session (ended at the cutover, sent back by an "A3 only" client). Sent inside
    ``auth.login``, before the login writes its own keys."""
    if request is not None and hasattr(request, "session"):
        for key in _LOGIN_KEYS:
            request.session.pop(key, None)


@receiver(user_logged_in, dispatch_uid="portal.start_session_clock")
def _start_session_clock(sender: Any, *, request: Any, user: User, **kwargs: Any) -> None:
    """The instant every session limit counts from (``portal.middleware``): the login just decided access, so the
    next re-check is due a full interval later. A session without it is ended at its next request."""
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[session_keys.LOGGED_IN_AT] = now
        request.session[session_keys.LAST_SEEN] = now
        request.session[session_keys.ACCESS_CHECKED_AT] = now


# --- open sessions re-evaluated when what they depend on changes ---------------------------------------------------

#: Saves that only record a login (the account linked on the first login) change nobody's access.
_BOOKKEEPING = frozenset({"user", "first_a3_login_at", "last_certificate_login_at", "last_password_login_at"})


def _bookkeeping(kwargs: dict[str, Any]) -> bool:
    fields = kwargs.get("update_fields")
    return fields is not None and set(fields) <= _BOOKKEEPING


@receiver(post_save, sender=Member, dispatch_uid="portal.recheck_member")
@receiver(post_delete, sender=Member, dispatch_uid="portal.recheck_member_deleted")
def _member_changed(sender: Any, instance: Member, **kwargs: Any) -> None:
    if instance.user_id is not None and not _bookkeeping(kwargs):
        request_recheck(user_ids=[instance.user_id])


@receiver(post_save, sender=Membership, dispatch_uid="portal.recheck_membership")
@receiver(post_delete, sender=Membership, dispatch_uid="portal.recheck_membership_deleted")
@receiver(post_save, sender=OabRegistration, dispatch_uid="portal.recheck_oab")
@receiver(post_delete, sender=OabRegistration, dispatch_uid="portal.recheck_oab_deleted")
def _member_detail_changed(sender: Any, instance: Membership | OabRegistration, **kwargs: Any) -> None:
    request_recheck(user_ids=members_users(Member.objects.filter(pk=instance.member_id)))


@receiver(post_save, sender=PartnerEntity, dispatch_uid="portal.recheck_entity")
@receiver(post_delete, sender=PartnerEntity, dispatch_uid="portal.recheck_entity_deleted")
def _entity_changed(sender: Any, instance: PartnerEntity, **kwargs: Any) -> None:
    if kwargs.get("created"):
        return  # nobody acts for an entity yet
    request_recheck(user_ids=members_users(Member.objects.filter(memberships__entity_id=instance.pk)))


@receiver(crl_loaded, dispatch_uid="portal.recheck_after_crl")
def _crl_loaded(sender: Any, *, issuer_key_id: str, **kwargs: Any) -> None:
    """A new CRL of an AC may list a certificate of an open session's path: those sessions (only those) re-check
    their path at their next request — the lookup the periodic re-check would make a minute later."""
    request_path_recheck(issuer_key_id=issuer_key_id)


@receiver(post_save, sender=User, dispatch_uid="portal.recheck_user")
def _user_changed(sender: Any, instance: User, **kwargs: Any) -> None:
    fields = kwargs.get("update_fields")
    if not kwargs.get("created") and not (fields is not None and set(fields) <= {"last_login", "password"}):
        request_recheck(user_ids=[instance.pk])
