"""The cloud A3 login end to end through Django, against the PSC simulator (real HTTP on loopback, real signatures):
the PSC's word is never enough — its signature over our challenge is verified, and the certificate goes through the
same certauth core and binding as a token's."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.test import Client

from certauth.icp.builder import A1_POLICY, PersonSpec
from certauth.icp.numbers import mask_cpf
from certauth.models import LoginAttempt, LoginMethod
from certauth.sessions import SessionCertificate
from cloudauth.models import CloudLogin
from cloudauth.simulator import Account
from portal.models import Member
from tests.cloudauth.conftest import error_code, follow_psc, page_text
from tests.conftest import LAWYER, PROXY_SECRET

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(member_factory: Any) -> Member:
    return member_factory(LAWYER.cpf)


def test_holder_approves_and_lands_on_the_dashboard_with_a_cloud_session(cloud, provider, member, simulator):
    response = cloud.login()
    assert response.status_code == 302, (error_code(response), page_text(response)[:800])
    assert response["Location"].endswith("/painel/")
    stored = SessionCertificate.load(cloud.client.session)
    assert stored is not None
    assert (stored.method, stored.provider, stored.amr, stored.cpf) == ("cloud", "vidaas", "x509_vidaas", LAWYER.cpf)
    attempt = LoginAttempt.objects.get()
    assert (attempt.outcome, attempt.method, attempt.provider) == ("accepted", "cloud", "vidaas")
    assert attempt.cpf == LAWYER.cpf
    assert attempt.cert_policy.startswith("2.16.76.1.2.3.")
    dashboard = cloud.client.get("/painel/", secure=True)
    assert "Certificado digital A3 em nuvem — PSC vidaas" in page_text(dashboard)


def test_cloud_login_counts_as_a3_adoption(cloud, provider, member):
    assert cloud.login().status_code == 302
    member.refresh_from_db()
    assert member.first_a3_login_at is not None
    assert member.last_certificate_login_at is not None


def test_psc_is_asked_for_one_raw_signature_of_our_challenge_described_as_a_login(cloud, provider, member, simulator):
    assert cloud.login().status_code == 302
    authorize = simulator.requests_to("authorize")[0].query()
    assert authorize["login_hint"] == LAWYER.cpf
    assert authorize["scope"] == "single_signature"
    assert authorize["code_challenge_method"] == "S256"
    token = simulator.requests_to("token")[0].form()
    assert len(token["code_verifier"]) >= 43
    (signed,) = simulator.requests_to("signature")[0].json()["hashes"]
    assert signed["hash_algorithm"] == "2.16.840.1.101.3.4.2.1"
    assert signed["signature_format"] == "RAW"
    assert signed["alias"].startswith("Login no Portal A3 do INSS - código ")
    assert "não é assinatura de documento" in signed["alias"]


# ---------------------------------------------------------------------------------------------- each PSC's dialect


@pytest.mark.parametrize(
    ("adapter", "behaviour"),
    [
        ("padrao", {}),
        ("birdid", {"hash_encoding": "hex"}),
        ("neoid", {"path_prefix": "/psc"}),
        ("serproid", {"path_prefix": "/oauth"}),
        ("json", {"token_encoding": "json"}),
        ("padrao", {"certificate_format": "base64"}),
    ],
)
def test_each_adapter_logs_in_against_a_psc_with_its_deviation(
    cloud, provider_factory, member, simulator, adapter, behaviour
):
    for name, value in behaviour.items():
        setattr(simulator.behaviour, name, value)
    provider_factory("psc", adapter=adapter, path_prefix="")
    response = cloud.login(slug="psc")
    assert response.status_code == 302, (error_code(response), page_text(response)[:600])


@pytest.mark.parametrize(
    ("adapter", "behaviour"),
    [("padrao", {"hash_encoding": "hex"}), ("birdid", {}), ("padrao", {"token_encoding": "json"})],
)
def test_an_adapter_that_does_not_match_the_psc_fails_clearly(
    cloud, provider_factory, member, simulator, adapter, behaviour
):
    for name, value in behaviour.items():
        setattr(simulator.behaviour, name, value)
    provider_factory("psc", adapter=adapter)
    response = cloud.login(slug="psc")
    assert (response.status_code, error_code(response)) == (503, "CLOUD_PSC_UNAVAILABLE")


# ---------------------------------------------------------------------------------------------- refusals


def test_refusal_in_the_app_is_cloud_denied(cloud, provider, member, simulator):
    simulator.behaviour.approval = "deny"
    response = cloud.login()
    assert (response.status_code, error_code(response)) == (403, "CLOUD_DENIED")
    attempt = LoginAttempt.objects.get()
    assert (attempt.method, attempt.provider, attempt.code) == ("cloud", "vidaas", "CLOUD_DENIED")
    assert attempt.cpf == LAWYER.cpf


def test_token_for_another_cpf_is_refused(cloud, provider, member, simulator):
    simulator.behaviour.token_cpf = "11144477735"
    response = cloud.login()
    assert (response.status_code, error_code(response)) == (403, "CLOUD_CPF_MISMATCH")
    assert "***.444.777-**" in page_text(response)
    assert not simulator.requests_to("signature")


def test_certificate_of_another_cpf_is_refused_even_with_a_good_signature(cloud, provider, member, simulator, pki):
    other = pki.issue(PersonSpec("OUTRA PESSOA", "11144477735"))
    simulator.add_account(Account(LAWYER.cpf, other.certificate, other.key))
    response = cloud.login()
    assert (response.status_code, error_code(response)) == (403, "CLOUD_CPF_MISMATCH")


def test_signature_that_does_not_verify_is_refused(cloud, provider, member, simulator):
    simulator.behaviour.bad_signature = True
    response = cloud.login()
    assert (response.status_code, error_code(response)) == (403, "CLOUD_BAD_SIGNATURE")
    assert not cloud.client.session.get("_auth_user_id")


def test_signature_by_another_key_is_refused(cloud, provider, member, simulator, pki):
    simulator.behaviour.sign_with = pki.builder.new_key()
    response = cloud.login()
    assert (response.status_code, error_code(response)) == (403, "CLOUD_BAD_SIGNATURE")


def test_revoked_cloud_certificate_is_refused_like_a_token(
    cloud, provider, member, publish_crl, pki, cloud_certificate
):
    publish_crl(pki.oab, [cloud_certificate.certificate.serial_number])
    response = cloud.login()
    assert (response.status_code, error_code(response)) == (403, "CERT_REVOKED")
    assert LoginAttempt.objects.get().revocation_status == "revoked"


def test_a1_certificate_in_the_cloud_is_refused(cloud, provider, member, simulator, pki):
    a1 = pki.issue(LAWYER.but(policy_oid=A1_POLICY))
    simulator.add_account(Account(LAWYER.cpf, a1.certificate, a1.key))
    response = cloud.login()
    assert (response.status_code, error_code(response)) == (403, "CERT_NOT_A3")


def test_certificate_from_outside_icp_brasil_is_refused(cloud, provider, member, simulator, pki):
    stranger = pki.issue(LAWYER, pki.stranger)
    simulator.add_account(Account(LAWYER.cpf, stranger.certificate, stranger.key))
    response = cloud.login()
    assert (response.status_code, error_code(response)) == (403, "CERT_UNTRUSTED")


def test_valid_certificate_of_a_non_member_gets_the_same_binding_refusal(cloud, provider, simulator, db):
    response = cloud.login()
    assert (response.status_code, error_code(response)) == (403, "MEMBER_UNKNOWN")


@pytest.mark.parametrize("endpoint", ["token", "certificate-discovery", "signature"])
def test_psc_error_answers_are_psc_unavailable(cloud, provider, member, simulator, endpoint):
    simulator.behaviour.fail_endpoints = {endpoint: 500}
    response = cloud.login()
    assert (response.status_code, error_code(response)) == (503, "CLOUD_PSC_UNAVAILABLE")
    assert response["Retry-After"] == "60"
    assert LoginAttempt.objects.get().code == "CLOUD_PSC_UNAVAILABLE"


def test_psc_that_does_not_answer_in_time_is_psc_unavailable(cloud, provider, member, simulator, settings):
    settings.CLOUDAUTH_HTTP_TIMEOUT = 0.3
    simulator.behaviour.delay = 2.0
    simulator.behaviour.delay_endpoints = frozenset({"token"})
    response = cloud.login()
    assert (response.status_code, error_code(response)) == (503, "CLOUD_PSC_UNAVAILABLE")
    assert "sem resposta" in page_text(response)


def test_error_page_is_screenshot_ready_and_retries_the_cloud_login(cloud, provider, member, simulator):
    simulator.behaviour.approval = "deny"
    text = page_text(cloud.login())
    attempt = LoginAttempt.objects.get()
    assert attempt.reference in text
    assert "CLOUD_DENIED" in text
    assert "Certificado Digital ACT" in text
    assert 'href="/entrar/nuvem/"' in text


# ---------------------------------------------------------------------------------------------- discovery


def test_discovery_lists_the_pscs_holding_the_cpf_first(cloud, provider_factory, member, simulator, cloud_certificate):
    from cloudauth.simulator import PscSimulator

    with PscSimulator() as empty:  # a PSC where the CPF holds nothing
        provider_factory("birdid", server=empty, position=0)
        provider_factory("vidaas", position=1)
        started = cloud.start()
        page = cloud.client.get(started["Location"], secure=True)
    text = page_text(page)
    assert text.index('data-prestador="vidaas"') < text.index('data-prestador="birdid"')
    assert "Encontramos certificado em nuvem" in text


def test_discovery_survives_a_psc_that_fails_and_one_that_hangs(cloud, provider_factory, member, settings):
    from cloudauth.simulator import Behaviour, PscSimulator

    settings.CLOUDAUTH_DISCOVERY_TIMEOUT = 0.3
    with (
        PscSimulator(behaviour=Behaviour(fail_endpoints={"user-discovery": 503})) as failing,
        PscSimulator(behaviour=Behaviour(delay=3.0)) as hanging,
    ):
        provider_factory("safeid", server=failing)
        provider_factory("remoteid", server=hanging)
        provider_factory("vidaas")
        started = cloud.start()
        assert started.status_code == 302
        text = page_text(cloud.client.get(started["Location"], secure=True))
    assert text.count("não respondeu à consulta") == 2
    assert "certificado encontrado" in text


def test_discovery_does_not_reveal_whether_the_cpf_is_a_member(cloud, provider, member_factory, simulator, pki):
    other_cpf = "11144477735"
    other = pki.issue(PersonSpec("OUTRA PESSOA", other_cpf))
    simulator.add_account(Account(other_cpf, other.certificate, other.key))
    member_factory(LAWYER.cpf)

    def choice_page(cpf: str) -> str:
        client = Client(HTTP_X_PROXY_SECRET=PROXY_SECRET, HTTP_HOST="localhost")
        started = client.post("/entrar/nuvem/", {"cpf": cpf}, secure=True)
        assert started.status_code == 302
        text = page_text(client.get(started["Location"], secure=True))
        text = text.replace(mask_cpf(cpf), "CPF")  # the page shows the CPF typed, masked
        return _without_tokens(text)

    assert choice_page(LAWYER.cpf) == choice_page(other_cpf)


def test_invalid_cpf_is_a_form_error_and_asks_no_psc(cloud, provider, simulator):
    response = cloud.start("12345678900")  # 11 digits whose check digits do not match
    assert response.status_code == 400
    assert "CPF inválido: os dígitos verificadores (os dois últimos) não conferem" in page_text(response)
    assert not simulator.requests


# ---------------------------------------------------------------------------------------------- rate limits


def test_too_many_cloud_logins_for_one_cpf_are_refused_and_audited(cloud, provider, simulator, settings):
    settings.CLOUDAUTH_RATE_PER_CPF = 3
    for _ in range(3):
        assert cloud.start().status_code == 302
    asked = len(simulator.requests_to("user-discovery"))
    refused = cloud.start()
    assert (refused.status_code, error_code(refused)) == (429, "CLOUD_RATE_LIMITED")
    assert len(simulator.requests_to("user-discovery")) == asked  # the PSCs are not asked again
    assert LoginAttempt.objects.get().code == "CLOUD_RATE_LIMITED"


def test_too_many_cloud_logins_from_one_address_are_refused(cloud, provider, settings):
    settings.CLOUDAUTH_RATE_PER_IP = 2
    assert cloud.start("11144477735").status_code == 302
    assert cloud.start("52998224725").status_code == 302
    refused = cloud.start(LAWYER.cpf)
    assert error_code(refused) == "CLOUD_RATE_LIMITED"


def test_rate_window_passes(cloud, provider, settings):
    settings.CLOUDAUTH_RATE_PER_CPF = 1
    assert cloud.start().status_code == 302
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=11)):
        assert cloud.start().status_code == 302


# ---------------------------------------------------------------------------------------------- the challenge


def test_callback_replayed_is_refused(cloud, provider, member, simulator):
    chosen = cloud.until_psc()
    back = follow_psc(chosen["Location"])
    path = back.removeprefix("https://localhost")
    assert cloud.client.get(path, secure=True).status_code == 302
    again = cloud.client.get(path, secure=True)
    assert (again.status_code, error_code(again)) == (403, "CLOUD_CHALLENGE_INVALID")


def test_callback_in_another_browser_session_is_refused(cloud, provider, member, simulator):
    chosen = cloud.until_psc()
    back = follow_psc(chosen["Location"]).removeprefix("https://localhost")
    intruder = Client(HTTP_X_PROXY_SECRET=PROXY_SECRET, HTTP_HOST="localhost")
    response = intruder.get(back, secure=True)
    assert (response.status_code, error_code(response)) == (403, "CLOUD_CHALLENGE_INVALID")
    assert not simulator.requests_to("token")  # nothing is exchanged for the intruder
    # The stolen URL cost the rightful browser nothing: its own session still completes the login.
    assert cloud.client.get(back, secure=True)["Location"].endswith("/painel/")


def test_callback_after_five_minutes_is_expired(cloud, provider, member, simulator):
    chosen = cloud.until_psc()
    back = follow_psc(chosen["Location"]).removeprefix("https://localhost")
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5, seconds=1)):
        response = cloud.client.get(back, secure=True)
    assert (response.status_code, error_code(response)) == (403, "CLOUD_EXPIRED")
    assert not simulator.requests_to("token")


def test_unknown_state_is_refused(cloud, provider):
    response = cloud.client.get("/entrar/nuvem/retorno/?code=x&state=forjado", secure=True)
    assert (response.status_code, error_code(response)) == (403, "CLOUD_CHALLENGE_INVALID")
    assert LoginAttempt.objects.get().method == LoginMethod.CLOUD


def test_choice_page_of_another_session_is_refused(cloud, provider):
    started = cloud.start()
    intruder = Client(HTTP_X_PROXY_SECRET=PROXY_SECRET, HTTP_HOST="localhost")
    response = intruder.get(started["Location"], secure=True)
    assert error_code(response) == "CLOUD_CHALLENGE_INVALID"


def test_choice_page_allows_the_psc_as_a_form_target(cloud, provider, simulator):
    started = cloud.start()
    page = cloud.client.get(started["Location"], secure=True)
    form_action = next(p for p in page["Content-Security-Policy"].split(";") if "form-action" in p)
    assert simulator.base_url in form_action


# ---------------------------------------------------------------------------------------------- push (VIDaaS)


@pytest.fixture
def push_provider(provider_factory, simulator):
    simulator.behaviour.push = True
    return provider_factory("vidaas", adapter="vidaas")


def seconds_shown(response: Any) -> tuple[int, str]:
    """The countdown of a waiting page: (its ``data-seconds``, the text it shows)."""
    found = re.search(r'<strong id="tempo-restante" data-seconds="(\d+)">([^<]*)</strong>', response.content.decode())
    assert found, response.content[:500]
    return int(found.group(1)), found.group(2)


def test_push_shows_a_countdown_and_the_code_then_logs_in_once_approved(cloud, push_provider, member, simulator):
    """With the clock stopped, the waiting page counts the two minutes of approval down to the second."""
    simulator.behaviour.push_approve_after = 3600
    start = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with time_machine.travel(start, tick=False) as clock:
        chosen = cloud.until_psc(mode="push")
        assert chosen.status_code == 302
        waiting = cloud.client.get(chosen["Location"], secure=True)
        text = page_text(waiting)
        assert waiting.status_code == 200
        assert 'http-equiv="refresh"' in text
        assert seconds_shown(waiting) == (120, "2 min 00 s")
        clock.shift(dt.timedelta(seconds=47.5))  # 72.5 s left: shown as 73 (the approval is still possible in it)
        assert seconds_shown(cloud.client.get(chosen["Location"], secure=True)) == (73, "1 min 13 s")
        clock.shift(dt.timedelta(seconds=72))  # half a second left: still shown as one
        assert seconds_shown(cloud.client.get(chosen["Location"], secure=True)) == (1, "1 s")
        code = cloud.flow()
        assert "Login no Portal A3 do INSS" in text
        simulator.behaviour.push_approve_after = 0  # approved in the app in the last half second
        done = cloud.client.get(chosen["Location"], secure=True)
    assert done.status_code == 302 and done["Location"].endswith("/painel/"), error_code(done)
    assert simulator.requests_to("token")[0].form()["redirect_uri"] == "push://"
    assert code.used_at is None and CloudLogin.objects.get(pk=code.pk).used_at is not None


def test_push_refused_in_the_app_is_cloud_denied(cloud, push_provider, member, simulator):
    simulator.behaviour.approval = "deny"
    chosen = cloud.until_psc(mode="push")
    response = cloud.client.get(chosen["Location"], secure=True)
    assert (response.status_code, error_code(response)) == (403, "CLOUD_DENIED")


def test_push_not_approved_in_two_minutes_is_expired(cloud, push_provider, member, simulator):
    simulator.behaviour.push_approve_after = 3600
    chosen = cloud.until_psc(mode="push")
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=121)):
        response = cloud.client.get(chosen["Location"], secure=True)
    assert (response.status_code, error_code(response)) == (403, "CLOUD_EXPIRED")
    assert "em 2 minutos" in page_text(response)


def test_push_is_polled_at_most_once_per_interval(cloud, push_provider, member, simulator, settings):
    settings.CLOUDAUTH_POLL_INTERVAL_SECONDS = 60
    simulator.behaviour.push_approve_after = 3600
    chosen = cloud.until_psc(mode="push")
    for _ in range(3):
        assert cloud.client.get(chosen["Location"], secure=True).status_code == 200
    assert len(simulator.requests_to("authentications")) == 1


# ---------------------------------------------------------------------------------------------- the session


def test_cloud_session_ends_when_its_certificate_is_revoked(
    cloud, provider, member, publish_crl, pki, cloud_certificate
):
    assert cloud.login().status_code == 302
    publish_crl(pki.oab, [cloud_certificate.certificate.serial_number])
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=6)):
        response = cloud.client.get("/painel/", secure=True)
    assert error_code(response) == "CERT_REVOKED"
    ended = LoginAttempt.objects.filter(code="CERT_REVOKED").get()
    assert (ended.method, ended.provider) == ("cloud", "vidaas")


def _without_tokens(text: str) -> str:
    import re

    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)


def test_status_pages_count_a_cloud_login_as_a3_adoption_in_its_region(cloud, provider, member):
    from django.utils import timezone

    from portal.models import DayStat
    from portal.status.rollups import count_day
    from portal.status.views import _METHOD_LABELS

    assert cloud.login().status_code == 302
    counts = count_day(timezone.localdate())
    region = "sudeste-1"  # the member's entity is in SP
    assert counts[(region, DayStat.Kind.LOGIN, "cloud")] == 1
    assert counts[(region, DayStat.Kind.FIRST_A3, "")] == 1
    assert _METHOD_LABELS["cloud"] == "Certificado A3 em nuvem"


def test_choosing_again_after_a_request_was_sent_means_starting_again(cloud, push_provider, member, simulator):
    """One start sends at most one request to the holder's phone: no stream of notifications from a single start
    (the per-CPF limit then bounds them all)."""
    simulator.behaviour.push_approve_after = 3600
    started = cloud.start()
    assert cloud.choose(started["Location"], mode="push").status_code == 302
    again = cloud.choose(started["Location"], mode="push")
    assert (again.status_code, error_code(again)) == (403, "CLOUD_CHALLENGE_INVALID")
    assert len(simulator.requests_to("authorize")) == 1


def test_certificate_refusal_of_a_cloud_login_gives_cloud_steps_not_token_ones(cloud, provider, member, simulator, pki):
    a1 = pki.issue(LAWYER.but(policy_oid=A1_POLICY))
    simulator.add_account(Account(LAWYER.cpf, a1.certificate, a1.key))
    text = page_text(cloud.login())
    assert "CERT_NOT_A3" in text
    assert "Entrar com certificado em nuvem" in text
    assert "Feche todas as janelas do navegador" not in text
    assert "Autoridade de Registro" in text  # the steps that apply stay
