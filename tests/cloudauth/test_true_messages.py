"""What the cloud login tells people must be true: a PSC without a certificate for the CPF is not "a refusal by the
holder", the time promised on the choice page is the time the waiting page counts down, and a rate-limited start
says until when (page and ``Retry-After`` alike)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine

from certauth.icp.clock import BRASILIA
from certauth.models import LoginAttempt
from tests.cloudauth.conftest import error_code, page_text
from tests.conftest import LAWYER

pytestmark = pytest.mark.django_db

#: A valid CPF for which the simulated PSC holds nothing.
NO_CLOUD_CPF = "11144477735"


@pytest.fixture
def push_provider(provider_factory: Any, simulator: Any) -> Any:
    simulator.behaviour.push = True
    return provider_factory("vidaas", adapter="vidaas")


def assert_no_certificate_page(response: Any) -> str:
    """The refusal says the PSC has no certificate for the CPF (masked), what to do, and blames nobody."""
    assert (response.status_code, error_code(response)) == (403, "CLOUD_NO_CERTIFICATE"), page_text(response)[:600]
    text = page_text(response)
    assert "Nenhum certificado em nuvem neste prestador" in text
    assert "***.444.777-**" in text and "111.444.777-35" not in text
    assert "outro prestador" in text  # choose another PSC
    assert "qual prestador emitiu" in text  # find out which one issued it
    assert "token ou cartão" in text  # or use the token
    assert "recusad" not in text and "titular" not in text
    attempt = LoginAttempt.objects.get()
    assert (attempt.outcome, attempt.code, attempt.cpf) == ("rejected", "CLOUD_NO_CERTIFICATE", NO_CLOUD_CPF)
    return text


# ---------------------------------------------------------------------------------------------- no certificate


def test_a_cpf_without_a_certificate_at_the_chosen_psc_is_told_so_not_that_it_refused(cloud, provider, simulator):
    chosen = cloud.until_psc(NO_CLOUD_CPF)
    response = cloud.back_from_psc(chosen["Location"])
    assert_no_certificate_page(response)


def test_a_push_to_a_psc_without_the_cpfs_certificate_is_told_so(cloud, push_provider, simulator):
    chosen = cloud.until_psc(NO_CLOUD_CPF, mode="push")
    response = cloud.client.get(chosen["Location"], secure=True)
    assert_no_certificate_page(response)


def test_when_discovery_did_not_answer_the_psc_is_asked_again_before_calling_a_refusal_the_holders(
    cloud, provider, simulator
):
    simulator.behaviour.fail_endpoints = {"user-discovery": 503}
    chosen = cloud.until_psc(NO_CLOUD_CPF)
    simulator.behaviour.fail_endpoints = {}
    response = cloud.back_from_psc(chosen["Location"])
    assert_no_certificate_page(response)
    assert len(simulator.requests_to("user-discovery")) == 2


def test_a_holder_who_refuses_is_still_told_they_refused_even_when_discovery_failed_at_the_start(
    cloud, provider, simulator, member_factory
):
    member_factory(LAWYER.cpf)
    simulator.behaviour.fail_endpoints = {"user-discovery": 503}
    chosen = cloud.until_psc()
    simulator.behaviour.fail_endpoints = {}
    simulator.behaviour.approval = "deny"
    response = cloud.back_from_psc(chosen["Location"])
    assert (response.status_code, error_code(response)) == (403, "CLOUD_DENIED")


def test_a_refusal_the_psc_does_not_explain_is_not_blamed_on_the_holder(cloud, provider, simulator):
    """Discovery unanswered at the start and again after the refusal: nobody knows why the PSC refused."""
    simulator.behaviour.fail_endpoints = {"user-discovery": 503}
    chosen = cloud.until_psc(NO_CLOUD_CPF)
    response = cloud.back_from_psc(chosen["Location"])
    assert (response.status_code, error_code(response)) == (403, "CLOUD_DENIED")
    detail = re.search(r"Detalhe:</strong> ([^<]*)", page_text(response))
    assert detail and "titular" not in detail.group(1), detail
    assert "não confirmou" in detail.group(1)


def test_the_choice_page_says_which_psc_has_no_certificate_for_the_cpf(cloud, provider_factory, simulator):
    from cloudauth.simulator import PscSimulator

    with PscSimulator() as empty:
        provider_factory("birdid", server=empty)
        provider_factory("vidaas")
        started = cloud.start()
        text = page_text(cloud.client.get(started["Location"], secure=True))
    birdid = re.search(r'data-prestador="birdid">(.*?)</li>', text)
    assert birdid and "não tem certificado para este CPF" in birdid.group(1), text[:2000]
    vidaas = re.search(r'data-prestador="vidaas">(.*?)</li>', text)
    assert vidaas and "não tem certificado" not in vidaas.group(1)


# ---------------------------------------------------------------------------------------------- one promise of time


def promised_seconds(response: Any) -> int:
    """The time the choice page promises for the approval, in seconds."""
    found = re.search(r"(\d+) minutos?\b", page_text(response))
    assert found, page_text(response)[:2000]
    return int(found.group(1)) * 60


def countdown(response: Any) -> tuple[int, str]:
    found = re.search(r'<strong id="tempo-restante" data-seconds="(\d+)">([^<]*)</strong>', response.content.decode())
    assert found, response.content[:800]
    return int(found.group(1)), found.group(2)


@pytest.mark.parametrize(
    ("approval", "challenge", "expected"),
    [(120, 300, 120), (600, 300, 300)],
    ids=["push-wait-shorter", "challenge-shorter"],
)
def test_the_waiting_page_counts_down_from_the_time_the_choice_page_promised(
    cloud, push_provider, simulator, settings, approval, challenge, expected
):
    settings.CLOUDAUTH_APPROVAL_SECONDS = approval
    settings.CLOUDAUTH_CHALLENGE_SECONDS = challenge
    simulator.behaviour.push_approve_after = 3600
    start = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with time_machine.travel(start, tick=False) as clock:
        started = cloud.start()
        promised = promised_seconds(cloud.client.get(started["Location"], secure=True))
        chosen = cloud.choose(started["Location"], mode="push")
        clock.shift(dt.timedelta(milliseconds=300))  # the browser follows the redirect a moment later
        waiting = cloud.client.get(chosen["Location"], secure=True)
        assert countdown(waiting) == (expected, f"{expected // 60} min 00 s")
        assert promised == expected
        clock.shift(dt.timedelta(seconds=expected - 0.3))
        ended = cloud.client.get(chosen["Location"], secure=True)
    assert (ended.status_code, error_code(ended)) == (403, "CLOUD_EXPIRED")


def test_without_push_the_choice_page_promises_the_challenges_lifetime(cloud, provider, simulator, settings):
    settings.CLOUDAUTH_CHALLENGE_SECONDS = 240
    started = cloud.start()
    assert promised_seconds(cloud.client.get(started["Location"], secure=True)) == 240


# ---------------------------------------------------------------------------------------------- until when


def brasilia_at(hour: int, minute: int, second: int) -> dt.datetime:
    return dt.datetime.now(BRASILIA).replace(hour=hour, minute=minute, second=second, microsecond=0)


def test_a_rate_limited_start_says_until_when_and_sends_that_retry_after(cloud, provider, settings):
    settings.CLOUDAUTH_RATE_PER_CPF = 2
    settings.CLOUDAUTH_RATE_WINDOW_SECONDS = 600
    t0 = brasilia_at(14, 31, 20)
    with time_machine.travel(t0, tick=False) as clock:
        assert cloud.start().status_code == 302
        clock.shift(dt.timedelta(seconds=60))
        assert cloud.start().status_code == 302
        clock.shift(dt.timedelta(seconds=60))
        refused = cloud.start()
        assert (refused.status_code, error_code(refused)) == (429, "CLOUD_RATE_LIMITED")
        # The first start leaves the 10-minute window just after 14:41:20.
        assert refused["Retry-After"] == "481"
        text = page_text(refused)
        assert "Aguarde até as 14:42 (horário de Brasília) e tente novamente." in text
        assert "alguns minutos" not in text
        clock.shift(dt.timedelta(seconds=480))
        assert error_code(cloud.start()) == "CLOUD_RATE_LIMITED"  # one second too early
        clock.shift(dt.timedelta(seconds=1))
        assert cloud.start().status_code == 302  # when the header said


def test_when_two_limits_are_reached_the_retry_time_is_when_both_have_passed(cloud, provider, settings):
    """The per-CPF limit frees at 14:40:00, the address's at 14:41:00: the page must not send the user back at
    14:40 to be refused again."""
    settings.CLOUDAUTH_RATE_PER_CPF = 1
    settings.CLOUDAUTH_RATE_PER_IP = 1
    settings.CLOUDAUTH_RATE_WINDOW_SECONDS = 600
    t0 = brasilia_at(14, 30, 0)
    with time_machine.travel(t0, tick=False) as clock:
        assert cloud.start(LAWYER.cpf).status_code == 302
        settings.CLOUDAUTH_RATE_PER_IP = 2
        clock.shift(dt.timedelta(seconds=60))
        assert cloud.start(NO_CLOUD_CPF).status_code == 302
        settings.CLOUDAUTH_RATE_PER_IP = 1
        clock.shift(dt.timedelta(seconds=60))
        refused = cloud.start(LAWYER.cpf)
        assert (refused.status_code, error_code(refused)) == (429, "CLOUD_RATE_LIMITED")
        assert refused["Retry-After"] == str(660 - 120 + 1)
        assert "Aguarde até as 14:41 (horário de Brasília)" in page_text(refused)
        clock.shift(dt.timedelta(seconds=600 - 120 + 1))
        assert error_code(cloud.start(LAWYER.cpf)) == "CLOUD_RATE_LIMITED"  # the per-CPF limit alone has passed
        clock.shift(dt.timedelta(seconds=60))
        assert cloud.start(LAWYER.cpf).status_code == 302


def test_a_psc_that_is_down_keeps_its_generic_retry_after(cloud, provider, simulator, member_factory):
    member_factory(LAWYER.cpf)
    simulator.behaviour.fail_endpoints = {"token": 500}
    response = cloud.login()
    assert (response.status_code, error_code(response)) == (503, "CLOUD_PSC_UNAVAILABLE")
    assert response["Retry-After"] == "60"


# ---------------------------------------------------------------------------------------------- the code on a phone


def test_the_error_code_may_break_only_after_its_underscores(cloud, provider, settings):
    settings.CLOUDAUTH_RATE_PER_CPF = 1
    assert cloud.start().status_code == 302
    refused = cloud.start()
    html = refused.content.decode()
    assert '<code class="codigo" id="codigo-erro">CLOUD_<wbr>RATE_<wbr>LIMITED</code>' in html
    assert refused["X-Error-Code"] == "CLOUD_RATE_LIMITED"
    assert re.search(r"<title>[^<]*\(CLOUD_RATE_LIMITED\)", html)  # no markup where it cannot render


def test_a_retry_time_on_the_next_day_names_the_day(cloud, provider, settings):
    settings.CLOUDAUTH_RATE_PER_CPF = 1
    settings.CLOUDAUTH_RATE_WINDOW_SECONDS = 600
    t0 = brasilia_at(23, 55, 0)
    with time_machine.travel(t0, tick=False):
        assert cloud.start().status_code == 302
        refused = cloud.start()
    tomorrow = (t0 + dt.timedelta(days=1)).strftime("%d/%m/%Y")
    assert f"Aguarde até as 00:05 de {tomorrow} (horário de Brasília) e tente novamente." in page_text(refused)
    assert refused["Retry-After"] == "601"
