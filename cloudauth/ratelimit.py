"""The cloud login's rate limits: who may start a cloud login now, decided one start at a time.

**What is limited, and why.** A start asks every PSC about the CPF (discovery) and allows one request to the holder's
phone (a push, or the PSC's authorization page): the limits bound the PSCs' load and the notifications a holder can
receive, without letting anyone lock a holder out. Each start has a *source*: the browser, when it completed a cloud
login for this CPF before (``cloudauth.known_browsers``: a signed cookie nobody else can make), else its address
(an IPv6 address counts as its /64, which one subscriber usually holds whole). In ``RATE_WINDOW_SECONDS``:

1. ``RATE_PER_CPF`` starts per (CPF, source): someone hammering one CPF from one place is stopped there, and only
   there — the holder elsewhere, or in a known browser, keeps a budget of their own.
2. ``RATE_PER_IP`` starts per address by browsers not known for the CPF, whatever the CPF: typing CPF after CPF
   (discovery as an oracle, the PSCs' load).
3. ``RATE_PER_CPF_ANONYMOUS`` starts per CPF by browsers not known for it, all addresses together: a crowd of
   addresses cannot flood the holder's phone. The holder's known browsers are not counted here, so this cap —
   the only one a crowd can reach — never locks them out.

So the requests that can reach one holder's phone in a window are at most ``RATE_PER_CPF_ANONYMOUS`` from strangers
plus ``RATE_PER_CPF`` per browser where the holder completed a cloud login. What remains: during a flood from many
addresses (3), a holder on a browser never used for a cloud login waits for the window to pass, or uses a known
browser, or the token; their known browsers go on working.

**Under concurrency.** Counting and then inserting would let simultaneous starts all pass the count. ``admit`` runs
inside the transaction that inserts the new flow, and first takes a lock row (``RateLimitLock``) for every key whose
count it reads — the CPF, and the address for browsers not known — in one fixed order (no deadlock). An UPDATE
holds a PostgreSQL row lock until the transaction ends, and the next start's count (READ COMMITTED: a fresh snapshot
per statement) then sees the flow just inserted; SQLite's transactions here begin IMMEDIATE, so writers are
serialised already. Each of the three counts is thus read and extended by one start at a time.
"""

from __future__ import annotations

import datetime as dt
import ipaddress

from django.db import DatabaseError, transaction
from django.db.models import QuerySet
from django.utils.crypto import salted_hmac

from certauth.icp.errors import Reason
from cloudauth.conf import settings
from cloudauth.models import CloudLogin, RateLimitLock
from cloudauth.psc.errors import PscError

NETWORK = "net:"
BROWSER = "browser:"
KEEP_LOCKS = dt.timedelta(days=1)


def network_of(ip: str | None) -> str:
    """The address a limit counts: an IPv4 address as is, an IPv6 one as its /64; "desconhecido" without one."""
    if not ip:
        return "desconhecido"
    address = ipaddress.ip_address(ip)
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def source_of(ip: str | None, browser: str | None) -> str:
    return f"{BROWSER}{browser}" if browser else f"{NETWORK}{network_of(ip)}"


def admit(*, cpf: str, ip: str | None, browser: str | None, now: dt.datetime) -> str:
    """The start's source if it may go on; ``PscError(CLOUD_RATE_LIMITED)`` if not, naming the first limit reached
    and, as ``retry_at``, the instant from which every limit reached has room again (a start leaves a window when
    it is older than the window; refused starts are not counted). Call it inside the transaction that then inserts
    the flow with that source (the locks it takes are held until that transaction ends)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ratelimit.admit must run inside the transaction that inserts the flow")
    source = source_of(ip, browser)
    keys = [f"cpf:{cpf}"]
    if not browser and ip:
        keys.append(source)
    _lock(keys, now=now)

    window = dt.timedelta(seconds=int(settings.RATE_WINDOW_SECONDS))
    recent = CloudLogin.objects.filter(created_at__gte=now - window)
    where = "neste navegador" if browser else "a partir deste endereço"
    limits = [
        (
            recent.filter(cpf=cpf, source=source),
            int(settings.RATE_PER_CPF),
            f"Limite de tentativas de login em nuvem para este CPF {where}.",
        )
    ]
    if not browser:
        if ip:
            limits.append(
                (
                    recent.filter(source=source),
                    int(settings.RATE_PER_IP),
                    "Limite de tentativas de login em nuvem desta rede atingido.",
                )
            )
        limits.append(
            (
                recent.filter(cpf=cpf, source__startswith=NETWORK),
                int(settings.RATE_PER_CPF_ANONYMOUS),
                "Muitas tentativas recentes de login em nuvem para este CPF, de vários endereços: por segurança, agora "
                "só um navegador em que você já entrou com o certificado em nuvem pode tentar.",
            )
        )
    reached = [(free, detail) for rows, limit, detail in limits if (free := _room_from(rows, limit, window, now))]
    if reached:
        raise PscError(Reason.CLOUD_RATE_LIMITED, reached[0][1], retry_at=max(free for free, _ in reached))
    return source


def _room_from(rows: QuerySet[CloudLogin], limit: int, window: dt.timedelta, now: dt.datetime) -> dt.datetime | None:
    """None if ``rows`` (the starts in the window) leave room for one more; else when they will: when the
    ``limit``-th most recent of them leaves the window."""
    if limit <= 0:
        return now + window
    oldest_counted = rows.order_by("-created_at").values_list("created_at", flat=True)[limit - 1 : limit]
    found = list(oldest_counted)
    return found[0] + window if found else None


def lock_digest(key: str) -> str:
    """A lock row's key: keyed by the site's secret (a plain SHA-256 of "cpf:…" is reversed by trying every CPF)."""
    return salted_hmac("cloudauth.ratelimit.lock", key, algorithm="sha256").hexdigest()


def _lock(keys: list[str], *, now: dt.datetime) -> None:
    """Lock each key's row (created if missing) until the transaction ends, in the digests' order."""
    for digest in sorted({lock_digest(key) for key in keys}):
        for _ in range(3):
            if RateLimitLock.objects.filter(key=digest).update(touched_at=now):
                break
            # Missing (first use, or deleted as old just now): create it, then lock it with the UPDATE above.
            RateLimitLock.objects.bulk_create([RateLimitLock(key=digest, touched_at=now)], ignore_conflicts=True)
        else:
            raise DatabaseError("rate limit: the lock row could not be taken")


def forget_old_locks(*, now: dt.datetime) -> None:
    RateLimitLock.objects.filter(touched_at__lt=now - KEEP_LOCKS).delete()
