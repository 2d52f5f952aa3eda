"""The cloud A3 login through the real nginx and gunicorn, on the portal host (which never asks for a client
certificate), against the PSC simulator on loopback: curl walks the pages like the holder's browser, the PSC's own
redirect included. The Django-level tests (tests/cloudauth/) cover every branch; these prove the parts fit."""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
from cryptography.hazmat.primitives import hashes

from certauth.icp.builder import Issued
from certauth.models import LoginAttempt
from cloudauth.simulator import PscSimulator
from tests.conftest import LAWYER
from tests.e2e.conftest import (
    Browser,
    Response,
    assert_audited_once,
    assert_not_logged_in,
    assert_rejection_page,
    cloud_callback_url,
    element_text,
    register_psc,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def csrf_token(page: Response) -> str:
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
    assert token, page
    return token.group(1)


def post_form(browser: Browser, url: str, fields: dict[str, str]) -> Response:
    return browser.post(
        url,
        data=urlencode(fields),
        headers=[("Content-Type", "application/x-www-form-urlencoded"), ("Referer", url)],
    )


def start(browser: Browser, cpf: str = "526.018.159-06") -> str:
    """Type the CPF on the portal host; returns the choice page's URL."""
    url = f"{browser.stack.portal}/entrar/nuvem/"
    form = browser.get(url)
    assert form.status == 200, form
    started = post_form(browser, url, {"csrfmiddlewaretoken": csrf_token(form), "cpf": cpf})
    assert started.status == 302, started
    location = urljoin(url, started.header("Location"))
    assert re.fullmatch(re.escape(browser.stack.portal) + r"/entrar/nuvem/[\w-]+/", location), location
    return location


def choose(browser: Browser, choose_url: str, mode: str = "redirect") -> Response:
    """On the choice page, the button of the PSC that holds the certificate."""
    page = browser.get(choose_url)
    assert page.status == 200, page
    assert 'data-prestador="vidaas"' in page.body, page
    assert "certificado encontrado" in page.body, "the PSC's user-discovery found the CPF"
    fields = {"csrfmiddlewaretoken": csrf_token(page), "provider": "vidaas", "mode": mode}
    return post_form(browser, choose_url, fields)


def at_the_psc(browser: Browser, authorize_url: str, psc: PscSimulator) -> str:
    """The browser opens the PSC's authorization page; the PSC (approving or refusing at once) sends it back to the
    portal's callback. Returns that URL."""
    assert authorize_url.startswith(f"{psc.oauth_url}/authorize?"), authorize_url
    answer = browser.get(authorize_url)
    assert answer.returncode == 0 and answer.status == 302, answer
    back = answer.header("Location") or ""
    assert back.startswith(f"{cloud_callback_url(browser.stack)}?"), back
    return back


def until_callback(browser: Browser, psc: PscSimulator) -> str:
    """CPF → choice (redirect) → the PSC: the callback URL the PSC sends the browser back to."""
    chosen = choose(browser, start(browser))
    assert chosen.status == 302, chosen
    return at_the_psc(browser, chosen.header("Location") or "", psc)


def assert_cloud_dashboard(browser: Browser) -> None:
    dashboard = browser.get(f"{browser.stack.portal}/painel/")
    assert dashboard.status == 200, dashboard
    assert element_text(dashboard.body, "nome-membro") == "Maria da Silva", dashboard
    method = element_text(dashboard.body, "metodo") or ""
    assert "em nuvem" in method and "VIDaaS (teste)" in method, method


def assert_accepted_cloud_login(certificate: Issued) -> LoginAttempt:
    row = LoginAttempt.objects.get()
    assert (row.outcome, row.code, row.method, row.provider) == ("accepted", "", "cloud", "vidaas"), row.__dict__
    assert row.cpf == LAWYER.cpf
    assert row.user is not None and row.user.username == LAWYER.cpf
    assert row.cert_fingerprint == certificate.certificate.fingerprint(hashes.SHA256()).hex()
    assert row.ip == "127.0.0.1"
    return row


# ---------------------------------------------------------------------------------------------- tests


def test_member_logs_in_with_a_cloud_certificate_on_the_portal_host(
    e2e_stack, browser_factory, member_factory, psc, cloud_certificate
):
    member_factory()
    register_psc(psc)
    browser = browser_factory()

    back = until_callback(browser, psc)
    response = browser.get(back)

    assert response.status == 302, response
    assert response.header("Location") == f"{e2e_stack.portal}/painel/", response
    assert response.header("X-Error-Code") is None
    assert "sessionid" in browser.cookies()
    assert_cloud_dashboard(browser)
    row = assert_accepted_cloud_login(cloud_certificate)
    # The PSC signed our challenge, after the code was exchanged for the callback URL built from PORTAL_BASE_URL.
    assert [r.form()["redirect_uri"] for r in psc.requests_to("token")] == [cloud_callback_url(e2e_stack)]
    assert len(psc.requests_to("signature")) == 1
    # nginx logged that very callback on the portal host, where no client certificate is ever asked for.
    line = e2e_stack.access_log_line(row.proxy_request_id)
    assert f' {e2e_stack.portal_port} "GET /entrar/nuvem/retorno/ HTTP/' in line, line
    assert ' verify="NONE" serial=- ' in line, line
    # ... without the query string: the PSC's one-time code and our state stay out of the log.
    code = parse_qs(urlsplit(back).query)["code"][0]
    assert code not in line and "code=" not in line and "state=" not in line, line


def test_refusal_at_the_psc_is_cloud_denied_and_audited(e2e_stack, browser_factory, member_factory, psc):
    member_factory()
    register_psc(psc)
    psc.behaviour.approval = "deny"
    browser = browser_factory()

    back = until_callback(browser, psc)
    assert "error=access_denied" in back
    response = browser.get(back)

    reference = assert_rejection_page(response, "CLOUD_DENIED")
    row = assert_audited_once("CLOUD_DENIED", reference)
    assert (row.method, row.provider, row.cpf) == ("cloud", "vidaas", LAWYER.cpf)
    assert row.proxy_request_id
    assert not psc.requests_to("token"), "nothing is exchanged after a refusal"
    assert_not_logged_in(browser)


def test_signature_that_does_not_verify_is_refused_and_audited(e2e_stack, browser_factory, member_factory, psc):
    member_factory()
    register_psc(psc)
    psc.behaviour.bad_signature = True
    browser = browser_factory()

    response = browser.get(until_callback(browser, psc))

    reference = assert_rejection_page(response, "CLOUD_BAD_SIGNATURE")
    row = assert_audited_once("CLOUD_BAD_SIGNATURE", reference)
    assert (row.method, row.provider, row.cpf) == ("cloud", "vidaas", LAWYER.cpf)
    assert len(psc.requests_to("signature")) == 1
    assert_not_logged_in(browser)


@pytest.mark.parametrize("when", ["after the approval", "before the push"])
def test_psc_down_is_a_503_page_with_retry_after_and_audited(when, e2e_stack, browser_factory, member_factory, psc):
    """Django's own page (nginx's error_page for 503 does not intercept it): the code, reference and time."""
    member_factory()
    browser = browser_factory()
    if when == "after the approval":  # the holder approved; the PSC is gone before the portal exchanges the code
        register_psc(psc)
        back = until_callback(browser, psc)
        psc.stop()
        response = browser.get(back)
    else:  # VIDaaS push: the PSC is gone between the discovery and the choice
        register_psc(psc, adapter="vidaas")
        psc.behaviour.push = True
        choose_url = start(browser)
        psc.stop()
        response = choose(browser, choose_url, mode="push")

    reference = assert_rejection_page(response, "CLOUD_PSC_UNAVAILABLE", status=503)
    assert response.header("Retry-After") == "60", response
    assert 'href="/entrar/nuvem/"' in response.body, "retrying starts a cloud login again"
    row = assert_audited_once("CLOUD_PSC_UNAVAILABLE", reference)
    assert (row.method, row.provider) == ("cloud", "vidaas")
    assert_not_logged_in(browser)


def test_push_waits_with_a_countdown_and_the_code_then_logs_in_once_approved(
    e2e_stack, browser_factory, member_factory, psc, cloud_certificate
):
    member_factory()
    register_psc(psc, adapter="vidaas")
    psc.behaviour.push = True
    psc.behaviour.push_approve_after = 3600  # the holder has not approved yet
    browser = browser_factory()

    chosen = choose(browser, start(browser), mode="push")
    assert chosen.status == 302, chosen
    waiting_url = urljoin(e2e_stack.portal, chosen.header("Location"))
    assert urlsplit(waiting_url).path.endswith("/aguardando/"), waiting_url
    waiting = browser.get(waiting_url)
    polled_at = time.monotonic()

    assert waiting.status == 200, waiting
    refresh = re.search(r'<meta http-equiv="refresh" content="(\d+)">', waiting.body)
    assert refresh, waiting
    seconds = re.search(r'<strong id="tempo-restante" data-seconds="(\d+)">', waiting.body)
    assert seconds and 100 < int(seconds.group(1)) <= 120, waiting
    code = element_text(waiting.body, "codigo-confirmacao")
    assert code and re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}", code), waiting
    script = re.search(r'<script src="(/static/cloudauth/countdown[^"]*\.js)" defer>', waiting.body)
    assert script, waiting
    served = browser.get(urljoin(e2e_stack.portal, script.group(1)))
    assert served.status == 200 and "tempo-restante" in served.body, served
    assert "javascript" in (served.header("Content-Type") or ""), served
    assert len(psc.requests_to("authentications")) == 1, "the waiting page asked the PSC once"
    assert not LoginAttempt.objects.exists()

    psc.behaviour.push_approve_after = 0  # approved on the phone
    time.sleep(max(0.0, polled_at + int(refresh.group(1)) - time.monotonic()))  # as the browser's refresh does
    done = browser.get(waiting_url)

    assert done.status == 302, done
    assert done.header("Location") == f"{e2e_stack.portal}/painel/", done
    assert_cloud_dashboard(browser)
    assert_accepted_cloud_login(cloud_certificate)
    assert [r.form()["redirect_uri"] for r in psc.requests_to("token")] == ["push://"]
    (signed,) = psc.requests_to("signature")[0].json()["hashes"]
    assert f"código {code} " in signed["alias"], "the app shows the code the waiting page showed"
