"""Delivering the back-channel logouts owed to clients (the ``LogoutDelivery`` outbox): ``deliver_due`` is one round of
``manage.py oidc_worker``, which may run on every portal host at once.

A row is delivered by the host that claims it: a conditional UPDATE (``claimed_until`` set only where it is empty or
past) that one host wins and the others see change nothing, on SQLite and PostgreSQL alike. The claim lasts longer
than the POSTs of its batch may take; a host that dies holding it leaves the row to be claimed again when it lapses.
Outcomes are written only under the claim they were made under.

Each logout token is POSTed form-encoded to the client's ``backchannel_logout_uri`` (no redirect followed); 200 or 204
delivers it; anything else, or no answer, is tried again with backoff (``oidc.backoff``) until the give-up period.
"""

from __future__ import annotations

import datetime as dt
import logging
import socket
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q
from oauth2_provider.settings import oauth2_settings

from certauth import metrics
from oidc import logout_token
from oidc.backoff import retry_at
from oidc.conf import settings
from oidc.models import LogoutDelivery, SessionClient

logger = logging.getLogger(__name__)

#: POSTs made at once (a client that times out does not hold the others back).
PARALLEL = 8
#: Rows one round handles at most; the worker's next round takes the rest (and a stop request is honoured between).
ROUND_LIMIT = 64
#: A claim lasts the batch's POSTs (connect and read timeouts) plus this.
CLAIM_MARGIN = dt.timedelta(seconds=30)
DELIVERED_STATUSES = frozenset({200, 204})
NO_URI = "sem URI de logout"
USER_AGENT = "Portal-A3-INSS/backchannel-logout"


@dataclass(frozen=True)
class Attempt:
    """One row handled in a round: what staff and the worker's log read."""

    delivery_id: int
    client: str
    sid: str
    outcome: str  #: "delivered", "failed", "gave_up", "no_uri" or "lost_claim" (another host took it meanwhile)
    status: str  #: "HTTP 204", "conexão recusada", "tempo esgotado", …
    attempts: int
    next_attempt_at: dt.datetime | None = None


@dataclass
class DeliveryRound:
    host_id: str
    attempts: list[Attempt] = field(default_factory=list)
    #: Due rows another host claimed before this one could.
    claimed_elsewhere: int = 0
    #: Logouts neither delivered nor given up when the round ended.
    pending: int = 0

    def count(self, outcome: str) -> int:
        return sum(1 for a in self.attempts if a.outcome == outcome)


def deliver_due(
    now: dt.datetime, *, host_id: str, limit: int = ROUND_LIMIT, stop: Callable[[], bool] | None = None
) -> DeliveryRound:
    """Claim the due logouts, POST them, record each outcome, batch by batch until none is due, ``limit`` rows were
    seen or ``stop()`` is true. ``now`` is the round's start; later instants in the round (claims, outcomes, retries)
    advance from it with the monotonic clock."""
    result = DeliveryRound(host_id=host_id)
    started = time.monotonic()

    def clock() -> dt.datetime:
        return now + dt.timedelta(seconds=time.monotonic() - started)

    seen: set[int] = set()
    with ThreadPoolExecutor(max_workers=PARALLEL, thread_name_prefix="backchannel-logout") as pool:
        while len(seen) < limit and not (stop and stop()):
            candidates = due_ids(clock(), limit=min(PARALLEL, limit - len(seen)), exclude=seen)
            if not candidates:
                break
            seen.update(candidates)
            at = clock()
            until = at + claim_duration()
            claimed = [pk for pk in candidates if claim(pk, at=at, until=until)]
            result.claimed_elsewhere += len(candidates) - len(claimed)
            # Not joined to the account (an inner join would drop a link whose account row is gone: its claimed
            # logout would then never be sent nor recorded); ``subject`` reads it, if it is there.
            rows = list(LogoutDelivery.objects.filter(pk__in=claimed).select_related("session_client__client"))
            jobs = [(row, _token_for(row.session_client, clock())) for row in rows]
            outcomes = pool.map(lambda job: post(job[0].session_client.client.backchannel_logout_uri, job[1]), jobs)
            for (row, _), (ok, status) in zip(jobs, outcomes, strict=True):
                result.attempts.append(record(row, ok=ok, status=status, at=clock(), claim=until))
    result.pending = LogoutDelivery.objects.filter(delivered_at=None, gave_up_at=None).count()
    for attempt in result.attempts:
        metrics.LOGOUT_DELIVERIES.labels(outcome=attempt.outcome).inc()
    metrics.LOGOUT_PENDING.set(result.pending)
    return result


def _unclaimed(at: dt.datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=at)


def due_ids(at: dt.datetime, *, limit: int, exclude: set[int]) -> list[int]:
    """Oldest due first: rows neither delivered nor given up, whose time has come and that no host holds."""
    rows = (
        LogoutDelivery.objects.filter(delivered_at=None, gave_up_at=None, next_attempt_at__lte=at)
        .filter(_unclaimed(at))
        .exclude(pk__in=exclude)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return list(rows)


def claim(pk: int, *, at: dt.datetime, until: dt.datetime) -> bool:
    """Take the row until ``until`` if it is still undelivered and nobody holds it: one UPDATE, which only one host
    can win (PostgreSQL re-checks the WHERE on the row a concurrent winner updated; SQLite serializes writers)."""
    updated = (
        LogoutDelivery.objects.filter(pk=pk, delivered_at=None, gave_up_at=None)
        .filter(_unclaimed(at))
        .update(claimed_until=until)
    )
    return updated == 1


def claim_duration() -> dt.timedelta:
    """Connect and read timeouts of one POST (a batch's POSTs run side by side), plus a margin."""
    return dt.timedelta(seconds=2 * float(settings.LOGOUT_TIMEOUT)) + CLAIM_MARGIN


def subject(link: SessionClient) -> str:
    """The ``sub`` the client knows (the CPF, as in the ID token): the session's recorded one, else the member's CPF,
    else the account's; "" when the account is gone (the logout token then names the session by ``sid`` only)."""
    recorded = link.facts.get("sub") if isinstance(link.facts, dict) else None
    if isinstance(recorded, str) and recorded:
        return recorded
    try:
        user = link.user
    except ObjectDoesNotExist:
        return ""
    try:
        return str(user.member.cpf)
    except ObjectDoesNotExist:
        return str(user.cpf or "")


def _token_for(link: SessionClient, at: dt.datetime) -> str | None:
    if not link.client.backchannel_logout_uri:
        return None
    return logout_token.build(
        client_id=link.client.client_id,
        sid=link.sid,
        sub=subject(link),
        issuer=str(oauth2_settings.OIDC_ISS_ENDPOINT),
        now=at,
    )


def post(uri: str, token: str | None) -> tuple[bool | None, str]:
    """POST one logout token: (True, "HTTP 200") delivered, (False, why) to be retried, (None, NO_URI) nothing to
    deliver. Runs in a pool thread: no database here."""
    if token is None or not uri:
        return None, NO_URI
    timeout = float(settings.LOGOUT_TIMEOUT)
    try:
        with requests.post(
            uri,
            data={"logout_token": token},
            headers={"User-Agent": USER_AGENT},
            timeout=(timeout, timeout),
            allow_redirects=False,
            stream=True,  # the status is the answer; the body is never read
        ) as response:
            return response.status_code in DELIVERED_STATUSES, f"HTTP {response.status_code}"
    except requests.RequestException as error:
        return False, describe_failure(error)


def describe_failure(error: BaseException) -> str:
    """A short text staff read for a POST that got no HTTP answer."""
    if isinstance(error, requests.Timeout):
        return "tempo esgotado"
    if isinstance(error, requests.exceptions.SSLError):
        return "erro de TLS"
    if isinstance(error, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema):
        return "URI inválida"
    causes = list(_causes(error))
    if any(isinstance(c, ConnectionRefusedError) for c in causes):
        return "conexão recusada"
    if any(isinstance(c, socket.gaierror) for c in causes) or "Name or service not known" in str(error):
        return "nome não resolvido"
    if any(isinstance(c, ConnectionResetError | BrokenPipeError) for c in causes):
        return "conexão interrompida"
    if isinstance(error, requests.ConnectionError):
        return "falha de conexão"
    return f"erro: {type(error).__name__}"


def _causes(error: BaseException) -> Iterator[BaseException]:
    """The error and what it wraps (``__cause__``, ``__context__``, urllib3's ``reason``, exception arguments)."""
    pending: list[BaseException] = [error]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        wrapped: list[object] = [current.__cause__, current.__context__, getattr(current, "reason", None)]
        wrapped += list(current.args)
        pending += [w for w in wrapped if isinstance(w, BaseException)]


def record(row: LogoutDelivery, *, ok: bool | None, status: str, at: dt.datetime, claim: dt.datetime) -> Attempt:
    """Write the outcome, only if this host still holds the claim it POSTed under."""
    link = row.session_client
    attempts = row.attempts + 1
    changes: dict[str, object] = {"claimed_until": None, "attempts": attempts, "last_status": status[:200]}
    next_at: dt.datetime | None = None
    if ok is None or ok:
        outcome = "no_uri" if ok is None else "delivered"
        changes["delivered_at"] = at
    else:
        next_at = retry_at(
            failures=attempts,
            failed_at=at,
            created_at=row.created_at,
            first=float(settings.LOGOUT_RETRY_FIRST_SECONDS),
            cap=float(settings.LOGOUT_RETRY_MAX_SECONDS),
            give_up=float(settings.LOGOUT_GIVE_UP_SECONDS),
        )
        if next_at is None:
            outcome = "gave_up"
            changes["gave_up_at"] = at
        else:
            outcome = "failed"
            changes["next_attempt_at"] = next_at
    if not LogoutDelivery.objects.filter(pk=row.pk, claimed_until=claim).update(**changes):
        logger.warning("Logout %s: a reserva expirou durante a entrega; outro host pode tê-lo reenviado.", row.pk)
        outcome = "lost_claim"
    return Attempt(
        delivery_id=row.pk,
        client=str(link.client),
        sid=link.sid,
        outcome=outcome,
        status=status,
        attempts=attempts,
        next_attempt_at=next_at,
    )
