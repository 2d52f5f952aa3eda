"""The cloud login's steps on the server: start (the rate limits of ``cloudauth.ratelimit``, discovery), choice of
PSC (the challenge), the approval (redirect back, or push polled), and the single use of the challenge. Views call
these; they stay thin."""

from __future__ import annotations

import datetime as dt
import logging
import math
import secrets
from dataclasses import dataclass

from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.db.models import Q

from certauth.icp.errors import Reason
from certauth.icp.numbers import mask_cpf
from cloudauth import ratelimit
from cloudauth.conf import settings
from cloudauth.durations import spoken_duration
from cloudauth.models import CloudLogin, Provider
from cloudauth.psc.adapters import PUSH_REDIRECT, PushState
from cloudauth.psc.challenge import ChallengeState, LoginChallenge, binding_digest, check_usable, new_nonce
from cloudauth.psc.client import PscClient
from cloudauth.psc.discovery import DiscoveryResult, Holding, discover
from cloudauth.psc.errors import PscError
from cloudauth.psc.pkce import new_verifier, s256_challenge
from cloudauth.psc.proof import PossessionProof, prove_possession
from cloudauth.sealing import UnreadableSecret

logger = logging.getLogger("cloudauth")

SESSION_BINDING = "_cloudauth_binding"
KEEP_FLOWS = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Offer:
    provider: Provider
    holding: Holding

    @property
    def found(self) -> bool:
        return self.holding is Holding.FOUND


def client_for(provider: Provider) -> PscClient:
    try:
        config = provider.config()
    except UnreadableSecret as exc:
        logger.error("PSC %s: %s", provider.slug, exc)
        raise PscError(
            Reason.CLOUD_PSC_UNAVAILABLE, f"{provider.name}: credencial do portal ilegível ({exc})."
        ) from None
    return PscClient(config, timeout=float(settings.HTTP_TIMEOUT))


def enabled_providers() -> list[Provider]:
    return list(Provider.objects.filter(enabled=True))


def session_binding(session: SessionBase, *, create: bool = False) -> str | None:
    value = session.get(SESSION_BINDING)
    if not isinstance(value, str) and create:
        value = secrets.token_urlsafe(32)
        session[SESSION_BINDING] = value
    return value if isinstance(value, str) else None


# ---------------------------------------------------------------------------------------------- start


def begin(
    session: SessionBase,
    *,
    cpf: str,
    ip: str | None,
    now: dt.datetime,
    browser: str | None = None,
    next_url: str = "",
) -> CloudLogin:
    """Check the limits, ask every enabled PSC whether it holds this CPF, and remember the answer for this session.

    ``browser``: the id of a browser known for this CPF (``cloudauth.known_browsers``), counted apart from strangers.
    ``next_url``: where the login brings the user back (a safe ``next``), kept in the flow's row through the PSC's
    round trip (never in a cookie, never sent to the PSC).
    The limits (``cloudauth.ratelimit``) are decided and the flow row written in one transaction, one start at a time
    for each CPF and address; the PSCs are asked after it (seconds, at worst), the row counting at once.

    Nothing here looks at the portal's own members: whether a CPF is registered with us is never revealed before a
    certificate has been proven and validated.
    """
    CloudLogin.objects.filter(created_at__lt=now - KEEP_FLOWS).delete()
    ratelimit.forget_old_locks(now=now)
    binding = session_binding(session, create=True)
    assert binding is not None
    with transaction.atomic():
        source = ratelimit.admit(cpf=cpf, ip=ip, browser=browser, now=now)
        flow = CloudLogin.objects.create(
            public_id=secrets.token_urlsafe(16),
            binding_digest=binding_digest(binding),
            cpf=cpf,
            ip=ip,
            source=source,
            created_at=now,
            expires_at=now + dt.timedelta(seconds=int(settings.CHALLENGE_SECONDS)),
            next_url=next_url,
        )
    clients, unreadable = [], []
    for provider in enabled_providers():
        try:
            clients.append(client_for(provider))
        except PscError as exc:
            unreadable.append(DiscoveryResult(provider.slug, Holding.UNAVAILABLE, exc.detail))
    results = discover(clients, cpf, timeout=float(settings.DISCOVERY_TIMEOUT)) + unreadable
    flow.offered = [{"slug": r.slug, "holding": r.holding.value} for r in results]
    flow.save(update_fields=["offered"])
    return flow


def offers(flow: CloudLogin) -> list[Offer]:
    """The enabled PSCs with what discovery said of each: those holding the CPF first."""
    listed = [Offer(p, discovered(flow, p)) for p in enabled_providers()]
    return sorted(listed, key=lambda o: not o.found)


def discovered(flow: CloudLogin, provider: Provider) -> Holding:
    """What ``provider`` answered at the start: holds the CPF, does not, or did not answer."""
    for result in flow.offered:
        if isinstance(result, dict) and result.get("slug") == provider.slug:
            try:
                return Holding(str(result.get("holding")))
            except ValueError:
                break
    return Holding.UNAVAILABLE


def approval_seconds(*, push: bool) -> int:
    """The time the holder has, once a PSC is chosen, to approve in the app: the challenge's lifetime, or for a push
    the wait for its approval if shorter. What the choice page promises and the waiting page counts down."""
    lifetime = int(settings.CHALLENGE_SECONDS)
    return min(lifetime, int(settings.APPROVAL_SECONDS)) if push else lifetime


# ---------------------------------------------------------------------------------------------- the challenge


def usable_flow(session: SessionBase, flow: CloudLogin | None, *, now: dt.datetime) -> CloudLogin:
    """The flow if this session may continue it now (its own, unused, unexpired); else the reason why not."""
    state = ChallengeState(flow.binding_digest, flow.expires_at, flow.used_at) if flow is not None else None
    check_usable(state, binding=session_binding(session), now=now)
    assert flow is not None
    return flow


def issue_challenge(flow: CloudLogin, provider: Provider, *, push: bool, redirect_uri: str, now: dt.datetime) -> str:
    """Bind the flow to one PSC with a fresh state, PKCE verifier and nonce; return where the browser goes next
    (the PSC's authorization page, or "" for a push: the portal's waiting page).

    Once per flow: going back to choose again means starting again, so every request that reaches a holder's phone
    counts against the per-CPF limit (no stream of notifications from one start).
    """
    flow.provider = provider
    flow.state = secrets.token_urlsafe(32)
    flow.code_verifier = new_verifier()
    flow.nonce = new_nonce()
    flow.challenge_issued_at = now
    flow.expires_at = now + dt.timedelta(seconds=int(settings.CHALLENGE_SECONDS))
    # Claimed before the PSC is asked, by one conditional UPDATE: parallel choices for one flow cannot each send a
    # request to the holder's phone (the per-CPF limits count starts, and one start sends one request at most).
    claimed = CloudLogin.objects.filter(pk=flow.pk, state__isnull=True).update(
        provider=provider,
        state=flow.state,
        code_verifier=flow.code_verifier,
        nonce=flow.nonce,
        challenge_issued_at=now,
        expires_at=flow.expires_at,
    )
    if not claimed:
        raise PscError(
            Reason.CLOUD_CHALLENGE_INVALID, "Esta solicitação já foi enviada a um prestador; comece de novo."
        )
    client = client_for(provider)
    lifetime = int(settings.TOKEN_LIFETIME)
    if not push:
        return client.authorize_url(
            cpf=flow.cpf,
            state=flow.state,
            code_challenge=s256_challenge(flow.code_verifier),
            redirect_uri=redirect_uri,
            lifetime=lifetime,
        )
    try:
        flow.push_code = client.start_push(
            cpf=flow.cpf, state=flow.state, code_challenge=s256_challenge(flow.code_verifier), lifetime=lifetime
        )
    except PscError as exc:
        if exc.reason is Reason.CLOUD_DENIED:
            raise refusal(flow, provider) from None
        # Nothing reached the phone: the holder may choose again (as before the claim).
        CloudLogin.objects.filter(pk=flow.pk, state=flow.state).update(state=None, provider=None)
        raise
    flow.push_deadline = now + dt.timedelta(seconds=approval_seconds(push=True))
    flow.save(update_fields=["push_code", "push_deadline"])
    return ""


def challenge_of(flow: CloudLogin) -> LoginChallenge:
    if flow.provider is None or flow.challenge_issued_at is None:
        raise PscError(Reason.CLOUD_CHALLENGE_INVALID, "Nenhum prestador foi escolhido para esta solicitação.")
    return LoginChallenge(flow.provider.slug, flow.cpf, flow.nonce, flow.challenge_issued_at)


def consume(session: SessionBase, flow: CloudLogin | None, *, now: dt.datetime) -> CloudLogin:
    """Use the challenge up (whatever happens next): checked, then marked used by one conditional UPDATE, so two
    requests presenting it at once cannot both go on."""
    flow = usable_flow(session, flow, now=now)
    challenge_of(flow)
    if not CloudLogin.objects.filter(Q(pk=flow.pk) & Q(used_at__isnull=True)).update(used_at=now):
        raise PscError(Reason.CLOUD_CHALLENGE_INVALID, "Esta solicitação de login já foi utilizada.")
    flow.used_at = now
    return flow


# ---------------------------------------------------------------------------------------------- approval


def prove(flow: CloudLogin, *, code: str, redirect_uri: str) -> PossessionProof:
    assert flow.provider is not None
    return prove_possession(
        client_for(flow.provider),
        code=code,
        verifier=flow.code_verifier,
        redirect_uri=redirect_uri,
        challenge=challenge_of(flow),
    )


@dataclass(frozen=True, slots=True)
class PushProgress:
    """A push still waiting (``proof`` None, ``seconds_left`` for the countdown) or approved and proven."""

    seconds_left: int
    proof: PossessionProof | None = None


def poll(session: SessionBase, flow: CloudLogin | None, *, now: dt.datetime) -> PushProgress:
    """One step of the waiting page: ask the PSC (at most every ``POLL_INTERVAL_SECONDS``) whether the holder
    approved; a refusal, the end of the approval time or an approval each use the challenge up."""
    flow = usable_flow(session, flow, now=now)
    if flow.provider is None or not flow.push_code or flow.push_deadline is None:
        raise PscError(Reason.CLOUD_CHALLENGE_INVALID, "Esta solicitação não aguarda notificação.")
    if now >= flow.push_deadline:
        consume(session, flow, now=now)
        waited = spoken_duration(approval_seconds(push=True))
        raise PscError(Reason.CLOUD_EXPIRED, f"O pedido não foi aprovado no aplicativo em {waited}.")
    seconds_left = max(1, math.ceil((flow.push_deadline - now).total_seconds()))
    interval = dt.timedelta(seconds=float(settings.POLL_INTERVAL_SECONDS))
    if flow.polled_at is not None and now - flow.polled_at < interval:
        return PushProgress(seconds_left)
    CloudLogin.objects.filter(pk=flow.pk).update(polled_at=now)
    answer = client_for(flow.provider).poll_push(flow.push_code)
    if answer.state is PushState.PENDING:
        return PushProgress(seconds_left)
    consume(session, flow, now=now)
    if answer.state is PushState.DENIED:
        raise refusal(flow, flow.provider)
    return PushProgress(seconds_left, prove(flow, code=answer.code, redirect_uri=PUSH_REDIRECT))


# ---------------------------------------------------------------------------------------------- refusals


def refusal(flow: CloudLogin, provider: Provider) -> PscError:
    """The PSC refused the request before any approval (``access_denied``, a push rejected): say why, truthfully.

    A PSC answers so both when the holder refused in the app and when it keeps no certificate for the CPF (it has
    no app to ask). Discovery tells the two apart: what the PSC said at the start, or — if it did not answer then —
    what it says now. Only a PSC holding the CPF's certificate can have asked the holder; one that says it holds
    none is ``CLOUD_NO_CERTIFICATE``; one that will not say leaves the reason open (``CLOUD_DENIED``, with a detail
    that blames nobody).
    """
    holding = discovered(flow, provider)
    if holding is Holding.UNAVAILABLE:
        holding = _ask_again(provider, flow.cpf)
    if holding is Holding.NOT_FOUND:
        return PscError(
            Reason.CLOUD_NO_CERTIFICATE,
            f"{provider.name} informou que não tem certificado em nuvem para o CPF {mask_cpf(flow.cpf)}.",
        )
    if holding is Holding.FOUND:
        return PscError(Reason.CLOUD_DENIED, f"{provider.name}: pedido de login recusado.")
    return PscError(
        Reason.CLOUD_DENIED,
        f"{provider.name} recusou o pedido e não confirmou se tem certificado em nuvem para este CPF.",
    )


def _ask_again(provider: Provider, cpf: str) -> Holding:
    try:
        found = client_for(provider).holds_certificate(cpf, timeout=float(settings.DISCOVERY_TIMEOUT))
    except PscError as exc:
        logger.info("PSC %s: discovery after a refusal failed: %s", provider.slug, exc.detail)
        return Holding.UNAVAILABLE
    return Holding.FOUND if found else Holding.NOT_FOUND
