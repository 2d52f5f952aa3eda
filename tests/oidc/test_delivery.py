"""Delivering the owed back-channel logouts to a real HTTP endpoint: what is sent, what counts as delivered, retries
with backoff while the client is down, giving up, and claims held by another host."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from prometheus_client import REGISTRY

from oidc import delivery
from oidc.models import Client, LogoutDelivery
from portal.models import Member, User
from tests.oidc.conftest import BackchannelReceiver, verified_logout_token

pytestmark = pytest.mark.django_db

EVENT = "http://schemas.openid.net/event/backchannel-logout"
HOST = "host-a"


@pytest.fixture
def client(oidc_client_factory: Callable[..., Client], backchannel: BackchannelReceiver) -> Client:
    return oidc_client_factory(backchannel_logout_uri=backchannel.url())


def refreshed(row: LogoutDelivery) -> LogoutDelivery:
    row.refresh_from_db()
    return row


def test_a_due_logout_is_posted_as_a_signed_logout_token_and_marked_delivered(
    client: Client, backchannel: BackchannelReceiver, owed_logout: Callable[..., LogoutDelivery], settings: Any
) -> None:
    row = owed_logout(client)
    now = timezone.now()

    result = delivery.deliver_due(now, host_id=HOST)

    assert [a.outcome for a in result.attempts] == ["delivered"]
    [received] = backchannel.received
    assert received.path == "/backchannel-logout"
    assert received.content_type == "application/x-www-form-urlencoded"
    assert list(received.form) == ["logout_token"]
    header, claims = verified_logout_token(received.logout_token)
    assert header["typ"] == "logout+jwt"
    assert claims["aud"] == client.client_id
    assert claims["iss"] == settings.PORTAL_BASE_URL
    assert claims["sid"] == row.session_client.sid
    assert claims["sub"] == row.session_client.user.member.cpf
    assert claims["events"] == {EVENT: {}}
    assert "nonce" not in claims
    row = refreshed(row)
    assert row.delivered_at is not None and row.delivered_at >= now
    assert (row.attempts, row.last_status, row.claimed_until) == (1, "HTTP 200", None)
    assert result.pending == 0


def test_a_delivered_logout_is_not_sent_again(
    client: Client, backchannel: BackchannelReceiver, owed_logout: Callable[..., LogoutDelivery]
) -> None:
    owed_logout(client)
    delivery.deliver_due(timezone.now(), host_id=HOST)
    again = delivery.deliver_due(timezone.now() + dt.timedelta(hours=1), host_id=HOST)
    assert again.attempts == []
    assert len(backchannel.received) == 1


def test_204_counts_as_delivered(
    client: Client, backchannel: BackchannelReceiver, owed_logout: Callable[..., LogoutDelivery]
) -> None:
    backchannel.status = 204
    row = owed_logout(client)
    delivery.deliver_due(timezone.now(), host_id=HOST)
    assert refreshed(row).delivered_at is not None


def test_a_logout_not_yet_due_waits(
    client: Client, backchannel: BackchannelReceiver, owed_logout: Callable[..., LogoutDelivery]
) -> None:
    now = timezone.now()
    owed_logout(client, due=now + dt.timedelta(seconds=10))
    assert delivery.deliver_due(now, host_id=HOST).attempts == []
    assert backchannel.received == []


def test_a_client_that_is_down_is_retried_with_backoff_and_gets_its_logout_once_it_is_back(
    client: Client, backchannel: BackchannelReceiver, owed_logout: Callable[..., LogoutDelivery]
) -> None:
    row = owed_logout(client)
    backchannel.down()
    start = timezone.now()

    first = delivery.deliver_due(start, host_id=HOST)
    row = refreshed(row)
    assert [a.outcome for a in first.attempts] == ["failed"]
    assert (row.attempts, row.last_status, row.delivered_at) == (1, "conexão recusada", None)
    assert dt.timedelta(seconds=2) <= row.next_attempt_at - start < dt.timedelta(seconds=3)
    assert first.pending == 1

    # Not due before its retry time.
    assert delivery.deliver_due(start + dt.timedelta(seconds=1), host_id=HOST).attempts == []

    second_at = row.next_attempt_at
    delivery.deliver_due(second_at, host_id=HOST)
    row = refreshed(row)
    assert (row.attempts, row.last_status) == (2, "conexão recusada")
    assert dt.timedelta(seconds=4) <= row.next_attempt_at - second_at < dt.timedelta(seconds=5)

    backchannel.up()
    back = delivery.deliver_due(row.next_attempt_at, host_id=HOST)
    row = refreshed(row)
    assert [a.outcome for a in back.attempts] == ["delivered"]
    assert (row.attempts, row.last_status) == (3, "HTTP 200")
    assert len(backchannel.received) == 1
    verified_logout_token(backchannel.received[0].logout_token)


def test_an_error_answer_is_retried_with_a_doubling_wait_capped_by_the_setting(
    client: Client, backchannel: BackchannelReceiver, owed_logout: Callable[..., LogoutDelivery], settings: Any
) -> None:
    settings.OIDC_LOGOUT_RETRY_MAX_SECONDS = 10
    backchannel.status = 503
    row = owed_logout(client)
    at = timezone.now()
    waits = []
    for _ in range(5):
        delivery.deliver_due(at, host_id=HOST)
        row = refreshed(row)
        waits.append(round((row.next_attempt_at - at).total_seconds()))
        at = row.next_attempt_at
    assert waits == [2, 4, 8, 10, 10]
    assert (row.attempts, row.last_status, row.delivered_at) == (5, "HTTP 503", None)
    assert len(backchannel.received) == 5


def test_a_redirect_is_not_followed_and_counts_as_a_failure(
    client: Client, backchannel: BackchannelReceiver, owed_logout: Callable[..., LogoutDelivery]
) -> None:
    backchannel.status = 302
    backchannel.headers = {"Location": backchannel.url("/elsewhere")}
    row = owed_logout(client)
    delivery.deliver_due(timezone.now(), host_id=HOST)
    assert [r.path for r in backchannel.received] == ["/backchannel-logout"]
    assert (refreshed(row).last_status, row.delivered_at) == ("HTTP 302", None)


def test_a_client_that_does_not_answer_in_time_is_a_timeout(
    client: Client, backchannel: BackchannelReceiver, owed_logout: Callable[..., LogoutDelivery], settings: Any
) -> None:
    settings.OIDC_LOGOUT_TIMEOUT = 0.2
    backchannel.delay = 1.0
    row = owed_logout(client)
    delivery.deliver_due(timezone.now(), host_id=HOST)
    assert (refreshed(row).last_status, row.delivered_at, row.attempts) == ("tempo esgotado", None, 1)


def test_a_logout_still_failing_after_the_give_up_period_is_abandoned(
    client: Client, backchannel: BackchannelReceiver, owed_logout: Callable[..., LogoutDelivery], settings: Any
) -> None:
    settings.OIDC_LOGOUT_GIVE_UP_SECONDS = 3600
    backchannel.status = 500
    row = owed_logout(client)

    delivery.deliver_due(row.created_at + dt.timedelta(minutes=59), host_id=HOST)
    assert refreshed(row).gave_up_at is None

    late = row.created_at + dt.timedelta(hours=1, seconds=1)
    result = delivery.deliver_due(late, host_id=HOST)
    row = refreshed(row)
    assert [a.outcome for a in result.attempts] == ["gave_up"]
    assert row.gave_up_at is not None and row.gave_up_at >= late
    assert (row.attempts, row.last_status, row.delivered_at) == (2, "HTTP 500", None)
    assert result.pending == 0
    # Never tried again.
    assert delivery.deliver_due(late + dt.timedelta(days=1), host_id=HOST).attempts == []
    assert len(backchannel.received) == 2


def test_a_row_another_host_holds_is_left_to_it_until_its_claim_lapses(
    client: Client, backchannel: BackchannelReceiver, owed_logout: Callable[..., LogoutDelivery]
) -> None:
    now = timezone.now()
    row = owed_logout(client)
    LogoutDelivery.objects.filter(pk=row.pk).update(claimed_until=now + dt.timedelta(seconds=40))

    assert delivery.deliver_due(now, host_id=HOST).attempts == []
    assert backchannel.received == []

    lapsed = delivery.deliver_due(now + dt.timedelta(seconds=41), host_id=HOST)
    assert [a.outcome for a in lapsed.attempts] == ["delivered"]
    assert len(backchannel.received) == 1


def test_an_outcome_is_not_written_over_a_claim_another_host_took_meanwhile(
    client: Client, backchannel: BackchannelReceiver, owed_logout: Callable[..., LogoutDelivery]
) -> None:
    row = owed_logout(client)
    now = timezone.now()
    assert delivery.claim(row.pk, at=now, until=now + dt.timedelta(seconds=1))
    # This host stalled past its claim; another took the row and delivered it.
    stolen = now + dt.timedelta(minutes=5)
    LogoutDelivery.objects.filter(pk=row.pk).update(claimed_until=stolen)

    attempt = delivery.record(refreshed(row), ok=False, status="HTTP 503", at=now, claim=now + dt.timedelta(seconds=1))
    assert attempt.outcome == "lost_claim"
    row = refreshed(row)
    assert (row.claimed_until, row.attempts, row.last_status) == (stolen, 0, "")


def test_several_due_logouts_in_one_round_each_reach_their_client(
    oidc_client_factory: Callable[..., Client],
    backchannel: BackchannelReceiver,
    owed_logout: Callable[..., LogoutDelivery],
) -> None:
    clients = [oidc_client_factory(name=f"C{i}", backchannel_logout_uri=backchannel.url(f"/c{i}")) for i in range(3)]
    rows = [owed_logout(c) for c in clients]
    rows += [owed_logout(clients[0]) for _ in range(delivery.PARALLEL)]  # more than one batch

    result = delivery.deliver_due(timezone.now(), host_id=HOST)

    assert result.count("delivered") == len(rows)
    by_path: dict[str, int] = {}
    for received in backchannel.received:
        by_path[received.path] = by_path.get(received.path, 0) + 1
    assert by_path == {"/c0": 1 + delivery.PARALLEL, "/c1": 1, "/c2": 1}
    sids = {verified_logout_token(t)[1]["sid"] for t in backchannel.tokens()}
    assert sids == {r.session_client.sid for r in rows}


def test_deliveries_are_counted_by_outcome_in_the_metrics(
    client: Client, backchannel: BackchannelReceiver, owed_logout: Callable[..., LogoutDelivery]
) -> None:
    def sample(outcome: str) -> float:
        return REGISTRY.get_sample_value("portal_a3_oidc_logout_deliveries_total", {"outcome": outcome}) or 0.0

    before = sample("delivered"), sample("failed")
    owed_logout(client)
    delivery.deliver_due(timezone.now(), host_id=HOST)
    backchannel.status = 503
    owed_logout(client)
    delivery.deliver_due(timezone.now(), host_id=HOST)

    assert (sample("delivered") - before[0], sample("failed") - before[1]) == (1, 1)
    assert REGISTRY.get_sample_value("portal_a3_oidc_logout_pending") == 1


def test_a_link_whose_account_row_is_gone_still_gets_its_logout_by_sid(
    client: Client, backchannel: BackchannelReceiver, owed_logout: Callable[..., LogoutDelivery]
) -> None:
    row = owed_logout(client)
    account = row.session_client.user
    Member.objects.filter(user=account).update(user=None)
    User.objects.filter(pk=account.pk)._raw_delete(User.objects.db)  # the link has no database constraint on it

    result = delivery.deliver_due(timezone.now(), host_id=HOST)

    assert [a.outcome for a in result.attempts] == ["delivered"]
    _, claims = verified_logout_token(backchannel.tokens()[0])
    assert claims["sid"] == row.session_client.sid
    assert "sub" not in claims
