"""Two hosts running the delivery job at the same moment on the same due rows: each logout is POSTed exactly once.

Each "host" is a thread with its own database connection (SQLite file in the first pass of ``make test``,
PostgreSQL in the second). A barrier holds both right after they have read the due rows, so both try to claim the
same rows at the same time — the race the conditional UPDATE must settle."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from oidc import delivery
from oidc.models import Client, LogoutDelivery
from tests.oidc.conftest import BackchannelReceiver, verified_logout_token

ROWS = 3 * delivery.PARALLEL + 2  # several batches per host


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_hosts_delivering_at_once_post_each_logout_exactly_once(
    oidc_client_factory: Callable[..., Client],
    backchannel: BackchannelReceiver,
    owed_logout: Callable[..., LogoutDelivery],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = oidc_client_factory(backchannel_logout_uri=backchannel.url())
    rows = [owed_logout(client) for _ in range(ROWS)]
    backchannel.delay = 0.02  # POSTs overlap with the other host's claims
    now = timezone.now()

    barrier = threading.Barrier(2, timeout=30)
    read_due = delivery.due_ids
    both_read: list[set[int]] = []
    first_read = threading.local()

    def due_ids_then_wait(*args: Any, **kwargs: Any) -> list[int]:
        found = read_due(*args, **kwargs)
        if not getattr(first_read, "done", False):  # each host's first batch
            first_read.done = True
            both_read.append(set(found))
            barrier.wait()  # both hosts hold the same candidates before either claims
        return found

    monkeypatch.setattr(delivery, "due_ids", due_ids_then_wait)
    rounds: dict[str, delivery.DeliveryRound] = {}
    errors: list[BaseException] = []

    def host(name: str) -> None:
        try:
            rounds[name] = delivery.deliver_due(now, host_id=name)
        except BaseException as error:  # noqa: BLE001  (reported by the test thread)
            errors.append(error)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=host, args=(name,)) for name in ("host-a", "host-b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert len(rounds) == 2

    # The race happened: both read the same first batch.
    assert both_read[0] and both_read[0] == both_read[1]
    sids = Counter(verified_logout_token(token)[1]["sid"] for token in backchannel.tokens())
    assert sids == Counter({row.session_client.sid: 1 for row in rows})
    delivered = [a for r in rounds.values() for a in r.attempts if a.outcome == "delivered"]
    assert sorted(a.delivery_id for a in delivered) == sorted(row.pk for row in rows)
    assert sum(r.claimed_elsewhere for r in rounds.values()) >= delivery.PARALLEL
    assert not LogoutDelivery.objects.filter(delivered_at=None).exists()
    assert set(LogoutDelivery.objects.values_list("attempts", flat=True)) == {1}
