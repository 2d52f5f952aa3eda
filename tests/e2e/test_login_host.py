"""The login host acts on the certificate at its login URL only, and Django — not nginx — is the authority."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import time

import pytest

from certauth.models import LoginAttempt
from tests.conftest import LAWYER
from tests.e2e.conftest import assert_not_logged_in, assert_rejection_page, element_text

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def stale_issuing_ac(pki):
    """An expired copy of "AC Teste OAB" (same name and key): a stale chain some token middleware still sends."""
    return pki.builder.intermediate(
        pki.level1, pki.oab.common_name, key=pki.oab.key, valid_from=dt.timedelta(days=-800), years=1
    )


def send_chain(browser, certificate, chain):
    """Make curl present ``certificate`` followed by ``chain`` in the handshake."""
    browser.cert_files[0].write_bytes(certificate.certificate_pem() + b"".join(c.certificate_pem() for c in chain))


CHAINS = {
    "leaf only": lambda pki: [],
    "full chain": lambda pki: [pki.oab, pki.level1],
    "chain with an expired copy of the issuing AC": lambda pki: [stale_issuing_ac(pki), pki.level1],
}


@pytest.mark.parametrize("chain", list(CHAINS))
def test_valid_certificate_logs_in_whatever_chain_the_client_sends(
    chain, e2e_stack, browser_factory, member_factory, pki
):
    """nginx's own verdict (SUCCESS, FAILED:unable to verify…, or a 495 for the expired AC) never decides."""
    member_factory(oab="123456SP")
    certificate = pki.issue(LAWYER)
    browser = browser_factory(certificate)
    send_chain(browser, certificate, CHAINS[chain](pki))

    response = browser.login()

    assert response.status == 302, response
    assert response.header("Location") == f"{e2e_stack.portal}/painel/"
    dashboard = browser.get(response.header("Location"))
    assert element_text(dashboard.body, "nome-membro") == "Maria da Silva", dashboard
    assert LoginAttempt.objects.get().outcome == "accepted"


@pytest.mark.parametrize("kind", ["valid certificate", "valid certificate, stale chain"])
def test_login_host_acts_on_the_certificate_only_at_the_login_url(
    kind, e2e_stack, browser_factory, member_factory, pki
):
    """Any other path of the login host sends the browser to the portal: nobody is logged in, nothing is audited
    (DESIGN: a certificate alone never logs anybody in, the user must open the login URL)."""
    member_factory(oab="123456SP")
    certificate = pki.issue(LAWYER)
    browser = browser_factory(certificate)
    if kind == "valid certificate, stale chain":
        send_chain(browser, certificate, [stale_issuing_ac(pki), pki.level1])

    observed = {}
    for path in ("/", "/painel/", "/qualquer/coisa?x=1"):
        response = browser.get(f"{e2e_stack.login}{path}")
        observed[path] = (response.status, response.header("Location"), response.header("X-Error-Code"))
    observed["audit rows"] = [(r.outcome, r.code) for r in LoginAttempt.objects.order_by("created_at")]
    observed["session cookie"] = "sessionid" in browser.cookies()

    assert observed == {
        "/": (302, f"{e2e_stack.portal}/", None),
        "/painel/": (302, f"{e2e_stack.portal}/painel/", None),
        "/qualquer/coisa?x=1": (302, f"{e2e_stack.portal}/qualquer/coisa?x=1", None),
        "audit rows": [],
        "session cookie": False,
    }
    assert_not_logged_in(browser)


@pytest.mark.parametrize(
    ("code", "validity"),
    [
        ("CERT_EXPIRED", {"valid_from": dt.timedelta(days=-40), "valid_for": dt.timedelta(days=30)}),
        ("CERT_NOT_YET_VALID", {"valid_from": dt.timedelta(days=2)}),
    ],
)
@pytest.mark.parametrize("port", ["login", "login TLS 1.2"])
def test_refusal_page_for_a_certificate_nginx_refuses_gets_its_static_files_from_the_login_host(
    code, validity, port, e2e_stack, browser_factory, member_factory, pki
):
    """nginx refuses these certificates itself (495) on every path of the login host. The refusal page links its
    stylesheets and icon relatively, and its CSP (style-src 'self') allows no other host: the login host must serve
    them itself with the same certificate (no redirect to the portal host, which the browser would block), and the
    attempt stays one audited attempt."""
    member_factory(oab="123456SP")
    browser = browser_factory(pki.issue(LAWYER.but(**validity)))
    base = e2e_stack.login if port == "login" else f"https://localhost:{e2e_stack.site.login_tls12_port}"
    page = browser.get(f"{base}/entrar/certificado/")
    reference = assert_rejection_page(page, code, status=403)
    hrefs = re.findall(r'<link rel="(?:stylesheet|icon)" href="([^"]+)"', page.body)
    assert len(hrefs) >= 5 and all(h.startswith("/static/") for h in hrefs), hrefs  # relative: the login host's

    probe = secrets.token_hex(8)  # finds these requests in nginx's access log
    observed = {}
    for href in hrefs:
        response = browser.get(f"{base}{href}?sonda={probe}")
        observed[href] = (response.status, response.header("Location"), response.header("X-Error-Code"))
    observed["audit rows"] = [(r.code, r.reference) for r in LoginAttempt.objects.order_by("created_at")]

    assert observed == {
        **{href: (200, None, None) for href in hrefs},
        "audit rows": [(code, reference)],
    }
    # nginx did refuse the certificate on those requests too (its 495), and served the files all the same.
    deadline = time.monotonic() + 5  # the access log is flushed every 2 s
    while True:
        lines = [x for x in (e2e_stack.logs / "access.log").read_text().splitlines() if f"sonda={probe} " in x]
        if len(lines) == len(hrefs) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert len(lines) == len(hrefs), lines
    assert all('" 200 ' in line and ' verify="FAILED:' in line for line in lines), lines


@pytest.mark.parametrize(
    ("next_value", "lands_on"),
    [("/painel/", "/painel/"), ("//evil.example/", "/painel/"), ("https://evil.example/", "/painel/")],
)
def test_login_next_parameter_stays_on_the_portal(
    next_value, lands_on, e2e_stack, browser_factory, member_factory, pki
):
    member_factory(oab="123456SP")
    browser = browser_factory(pki.issue(LAWYER))

    response = browser.get(f"{e2e_stack.login_url}?next={next_value}")

    assert response.status == 302, response
    assert response.header("Location") == f"{e2e_stack.portal}{lands_on}"


def test_session_ends_when_the_certificate_it_was_made_with_expires(e2e_stack, browser_factory, member_factory, pki):
    """A certificate that expires a few seconds after it is issued: the session made with it works, and the first
    request after its expiry is refused (CERT_EXPIRED, audited). The test waits on the server's own clock (the same
    machine) until the instant has passed; no speed is assumed: a machine too slow to log in and open the dashboard
    inside the window gets CERT_EXPIRED there — the same rule, seen early — and the test starts again with a window
    twice as long."""
    member_factory(oab="123456SP")
    for window in (4, 8, 16, 32, 64):
        not_after = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(seconds=window)
        valid_from = dt.timedelta(days=-1)
        spec = LAWYER.but(valid_from=valid_from, valid_for=not_after - (pki.builder.now + valid_from))
        certificate = pki.issue(spec)
        assert certificate.certificate.not_valid_after_utc == not_after
        browser = browser_factory(certificate)
        login = browser.login()
        if login.status == 302 and (dashboard := browser.get(f"{e2e_stack.portal}/painel/")).status == 200:
            break
        early = dashboard if login.status == 302 else login
        assert_rejection_page(early, "CERT_EXPIRED", status=403)  # too slow for the window: nothing else
    else:
        pytest.fail("no login inside a 64 s window")
    before = LoginAttempt.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    while dt.datetime.now(dt.UTC) < not_after:  # the server reads the same clock
        time.sleep(0.1)
    response = browser.get(f"{e2e_stack.portal}/painel/")

    reference = assert_rejection_page(response, "CERT_EXPIRED", status=403)
    rows = list(LoginAttempt.objects.filter(pk__gt=before))
    assert [(r.code, r.reference, r.outcome) for r in rows] == [("CERT_EXPIRED", reference, "rejected")]
    assert "Sessão encerrada" in rows[0].detail
    assert_not_logged_in(browser)
