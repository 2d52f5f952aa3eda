"""The cloud login's rate limits: they hold under parallel starts (real threads against the real database), and
nobody can use them to lock a holder out of the cloud login, while the requests reaching the holder's phone stay
bounded per CPF."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import signing
from django.db import OperationalError, connections
from django.db.models.signals import pre_save
from django.test import Client
from django.utils import timezone

from certauth.models import LoginAttempt, LoginMethod
from cloudauth import flow as flows
from cloudauth import known_browsers, ratelimit
from cloudauth.conf import settings as cloud_conf
from cloudauth.models import CloudLogin, RateLimitLock
from cloudauth.psc.errors import PscError
from tests.cloudauth.conftest import CloudDriver, error_code
from tests.conftest import LAWYER, PROXY_SECRET

VICTIM = LAWYER.cpf
OTHER_CPFS = ["11144477735", "52998224725", "08301661305", "78778932807", "12398745619", "31415926590"]
OTHER_CPFS += ["27182818205", "18609139034"]


def browser(address: str) -> Client:
    """A browser of its own (its own session and cookies) at ``address``."""
    return Client(HTTP_X_PROXY_SECRET=PROXY_SECRET, HTTP_HOST="localhost", REMOTE_ADDR=address)


def start(client: Client, cpf: str = VICTIM) -> Any:
    return client.post("/entrar/nuvem/", {"cpf": cpf}, secure=True)


# ---------------------------------------------------------------------------------------------- under concurrency

PARALLEL = 8
LIMIT = 2


@pytest.fixture
def slow_flow_writes() -> Iterator[None]:
    """Every new flow row takes 50 ms to write (a loaded database): a count-then-insert limit then lets every
    parallel start through; a serialised one still admits no more than the limit."""

    def slow(sender: Any, instance: CloudLogin, **kwargs: Any) -> None:
        if instance.pk is None:
            time.sleep(0.05)

    pre_save.connect(slow, sender=CloudLogin, dispatch_uid="slow-flow-writes")
    yield
    pre_save.disconnect(sender=CloudLogin, dispatch_uid="slow-flow-writes")


def parallel_starts(starts: list[tuple[str, str]]) -> list[tuple[int, str | None]]:
    """Each (CPF, address) started by its own browser and thread, all released at the same instant."""
    barrier = threading.Barrier(len(starts))
    answers: list[tuple[int, str | None] | None] = [None] * len(starts)
    errors: list[tuple[int, BaseException]] = []

    def attempt(n: int) -> None:
        try:
            cpf, address = starts[n]
            client = browser(address)
            barrier.wait(timeout=30)
            response = start(client, cpf)
            answers[n] = (response.status_code, error_code(response))
        except BaseException as exc:  # noqa: BLE001  (reported by the caller, with the attempt's number)
            errors.append((n, exc))
        finally:
            connections.close_all()  # each thread opened its own connection

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(len(starts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a start hung"
    assert errors == [], errors
    assert None not in answers
    return answers  # type: ignore[return-value]


CASES = {
    # (settings, the starts: (CPF, address) each)
    "one CPF from one address": (
        {"CLOUDAUTH_RATE_PER_CPF": LIMIT},
        [(VICTIM, "203.0.113.7")] * PARALLEL,
    ),
    "many CPFs from one address": (
        {"CLOUDAUTH_RATE_PER_IP": LIMIT},
        [(cpf, "203.0.113.7") for cpf in OTHER_CPFS[:PARALLEL]],
    ),
    "one CPF from many addresses": (
        {"CLOUDAUTH_RATE_PER_CPF": LIMIT, "CLOUDAUTH_RATE_PER_CPF_ANONYMOUS": LIMIT},
        [(VICTIM, f"203.0.113.{10 + n}") for n in range(PARALLEL)],
    ),
}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("case", list(CASES))
def test_parallel_starts_admit_no_more_than_the_limit_and_every_refusal_is_audited(
    case, cloud_settings, slow_flow_writes
):
    limits, starts = CASES[case]
    for name, value in limits.items():
        setattr(cloud_settings, name, value)

    answers = parallel_starts(starts)

    admitted = answers.count((302, None))
    refused = answers.count((429, "CLOUD_RATE_LIMITED"))
    assert admitted + refused == PARALLEL, answers
    assert admitted <= LIMIT, f"{admitted} of {PARALLEL} parallel starts passed a limit of {LIMIT}"
    assert admitted == LIMIT, answers  # and the limit is not stricter than it says
    assert CloudLogin.objects.count() == admitted
    audited = LoginAttempt.objects.filter(method=LoginMethod.CLOUD, code="CLOUD_RATE_LIMITED")
    assert audited.count() == refused


# ---------------------------------------------------------------------------------------------- no lockout


@pytest.mark.django_db
def test_starts_from_another_address_do_not_lock_the_holder_out(cloud_settings):
    """Someone who knows the holder's CPF exhausts the limit from their own address: only that address is refused."""
    attacker = browser("198.51.100.66")
    for _ in range(cloud_conf.RATE_PER_CPF):
        assert start(attacker).status_code == 302
    for _ in range(3):
        assert error_code(start(attacker)) == "CLOUD_RATE_LIMITED"
    assert start(browser("203.0.113.20")).status_code == 302, "the holder, at home, is not locked out"


@pytest.fixture
def push_provider(provider_factory, simulator):
    simulator.behaviour.push = True
    simulator.behaviour.push_approve_after = 3600
    return provider_factory("vidaas", adapter="vidaas")


@pytest.fixture
def holder(cloud, push_provider, member_factory) -> CloudDriver:
    """The holder's browser, after one completed cloud login (it is now known for the CPF)."""
    member_factory(VICTIM)
    done = cloud.login()
    assert done.status_code == 302 and done["Location"].endswith("/painel/"), error_code(done)
    return cloud


def push_from(client: Client) -> Any:
    started = start(client)
    if started.status_code != 302:
        return started
    return client.post(started["Location"], {"provider": "vidaas", "mode": "push"}, secure=True)


def test_a_crowd_of_addresses_gets_a_bounded_number_of_pushes_and_the_holders_browser_still_gets_in(
    holder, simulator, settings
):
    """Strangers from twelve addresses each try twice to send a push to the holder's phone: only
    RATE_PER_CPF_ANONYMOUS pushes leave (the holder's own first login, from a browser not yet known, counted among
    them), and then a stranger's new browser is refused — while the browser where the holder logged in before still
    starts, and still sends its push."""
    settings.CLOUDAUTH_RATE_PER_CPF_ANONYMOUS = 4
    assert CloudLogin.objects.filter(cpf=VICTIM).count() == 1  # the holder's first login
    pushes_before = len(simulator.requests_to("authorize"))
    answers = [push_from(browser(f"198.51.100.{n}")) for n in range(12) for _ in range(2)]
    assert [a.status_code for a in answers].count(302) == 3
    assert {error_code(a) for a in answers if a.status_code != 302} == {"CLOUD_RATE_LIMITED"}
    assert len(simulator.requests_to("authorize")) - pushes_before == 3, "pushes to the phone are bounded"

    assert push_from(holder.client).status_code == 302, "the holder's known browser is not locked out"
    assert len(simulator.requests_to("authorize")) - pushes_before == 4
    refused = start(browser("203.0.113.99"))
    assert (refused.status_code, error_code(refused)) == (429, "CLOUD_RATE_LIMITED")
    # The real wait: until the 4th most recent stranger's start leaves the window (not a fixed 60 s).
    counted = CloudLogin.objects.filter(cpf=VICTIM, source__startswith=ratelimit.NETWORK).order_by("-created_at")
    frees_at = counted[3].created_at + dt.timedelta(seconds=int(cloud_conf.RATE_WINDOW_SECONDS))
    assert abs(int(refused["Retry-After"]) - (frees_at - timezone.now()).total_seconds()) <= 2
    assert "navegador em que você já entrou" in refused.content.decode()
    audited = LoginAttempt.objects.filter(method=LoginMethod.CLOUD, code="CLOUD_RATE_LIMITED", cpf=VICTIM)
    assert audited.count() == len(answers) - 3 + 1, "every refusal is audited"


def test_the_holders_browser_has_a_budget_of_its_own_but_a_bounded_one(holder, settings):
    settings.CLOUDAUTH_RATE_PER_CPF = 2
    for n in range(2):
        assert start(browser(f"198.51.100.{n}")).status_code == 302  # strangers, each from its own address
    assert start(holder.client).status_code == 302
    assert start(holder.client).status_code == 302
    again = start(holder.client)
    assert (again.status_code, error_code(again)) == (429, "CLOUD_RATE_LIMITED")
    assert "neste navegador" in again.content.decode()


def test_the_holders_browser_is_not_held_back_by_strangers_sharing_its_address(holder, settings):
    """An office behind one address: strangers there use up the address's budget, not the known browser's."""
    settings.CLOUDAUTH_RATE_PER_IP = CloudLogin.objects.filter(ip="127.0.0.1").count() + 2  # the holder's first login
    for cpf in OTHER_CPFS[:2]:
        assert start(browser("127.0.0.1"), cpf).status_code == 302
    assert error_code(start(browser("127.0.0.1"), OTHER_CPFS[2])) == "CLOUD_RATE_LIMITED"
    assert start(holder.client).status_code == 302


def test_a_browser_known_for_one_cpf_is_a_stranger_for_another(holder, settings):
    settings.CLOUDAUTH_RATE_PER_IP = CloudLogin.objects.filter(ip="127.0.0.1").count() + 1  # the holder's first login
    assert start(holder.client, OTHER_CPFS[0]).status_code == 302
    assert error_code(start(holder.client, OTHER_CPFS[1])) == "CLOUD_RATE_LIMITED"
    assert start(holder.client).status_code == 302  # its own CPF: known


def test_the_known_browser_cookie_is_signed_scoped_and_names_no_cpf(holder, settings):
    cookie = holder.client.cookies[known_browsers.COOKIE]
    assert cookie["path"] == "/entrar/nuvem/"
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == 90 * 86400
    assert VICTIM not in cookie.value and VICTIM not in signing.loads(cookie.value, salt=known_browsers.SALT).values()

    settings.CLOUDAUTH_RATE_PER_CPF_ANONYMOUS = 0  # strangers may not start at all now
    assert start(holder.client).status_code == 302
    forged = browser("127.0.0.1")
    payload = signing.loads(cookie.value, salt=known_browsers.SALT)
    forged.cookies[known_browsers.COOKIE] = signing.dumps(payload, salt="another-salt")
    assert error_code(start(forged)) == "CLOUD_RATE_LIMITED"
    tampered = browser("127.0.0.1")
    tampered.cookies[known_browsers.COOKIE] = cookie.value[:-2] + ("AA" if cookie.value[-2:] != "AA" else "BB")
    assert error_code(start(tampered)) == "CLOUD_RATE_LIMITED"
    copied = browser("198.51.100.200")
    copied.cookies[known_browsers.COOKIE] = cookie.value  # the same cookie elsewhere is the same (known) browser
    assert start(copied).status_code == 302


@pytest.mark.django_db
def test_addresses_of_one_ipv6_subscriber_share_one_budget(cloud_settings):
    cloud_settings.CLOUDAUTH_RATE_PER_CPF = 2
    assert start(browser("2001:db8:1:2::1")).status_code == 302
    assert start(browser("2001:db8:1:2:ffff::9")).status_code == 302
    assert error_code(start(browser("2001:db8:1:2:abcd::1"))) == "CLOUD_RATE_LIMITED"
    assert start(browser("2001:db8:1:3::1")).status_code == 302  # another /64


@pytest.mark.django_db
def test_lock_rows_name_no_cpf_or_address_and_old_ones_are_deleted(cloud_settings):
    assert start(browser("203.0.113.7")).status_code == 302
    keys = list(RateLimitLock.objects.values_list("key", flat=True))
    assert len(keys) == 2 and not [k for k in keys if VICTIM in k or "203.0.113.7" in k]
    # Nor one anybody can recompute from a CPF (11 digits are few enough to try them all): keyed by the secret.
    assert hashlib.sha256(f"cpf:{VICTIM}".encode()).hexdigest() not in keys
    assert ratelimit.lock_digest(f"cpf:{VICTIM}") in keys
    RateLimitLock.objects.update(touched_at=timezone.now() - dt.timedelta(days=2))
    assert start(browser("203.0.113.8"), OTHER_CPFS[0]).status_code == 302
    assert RateLimitLock.objects.count() == 2, "the day-old rows were deleted, the new start's two kept"


@pytest.mark.django_db
def test_a_database_failure_at_the_start_answers_the_503_page_not_a_500(cloud_settings, monkeypatch):
    def broken(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("database is locked")

    monkeypatch.setattr(ratelimit, "_lock", broken)
    response = start(browser("203.0.113.7"))
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert not CloudLogin.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_admit_refuses_to_run_outside_a_transaction():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        ratelimit.admit(cpf=VICTIM, ip="203.0.113.7", browser=None, now=timezone.now())


def test_one_start_sends_one_request_to_the_phone_even_when_chosen_twice_at_once(cloud, push_provider, simulator):
    """Two requests choosing a PSC for the same start, both having read the flow before either wrote it (what
    parallel POSTs do): the flow is claimed by one conditional UPDATE before the PSC is asked, so only one push
    leaves and the other request is refused."""
    started = cloud.start(VICTIM)
    assert started.status_code == 302
    first, second = CloudLogin.objects.get(cpf=VICTIM), CloudLogin.objects.get(cpf=VICTIM)  # both unclaimed
    pushes_before = len(simulator.requests_to("authorize"))
    now = timezone.now()
    flows.issue_challenge(first, push_provider, push=True, redirect_uri="https://localhost/r/", now=now)
    with pytest.raises(PscError) as refused:
        flows.issue_challenge(second, push_provider, push=True, redirect_uri="https://localhost/r/", now=now)
    assert refused.value.reason == "CLOUD_CHALLENGE_INVALID"
    assert len(simulator.requests_to("authorize")) - pushes_before == 1
    assert CloudLogin.objects.get(cpf=VICTIM).state == first.state
