"""The trusted-proxy boundary: certificate headers count only when nginx set them.

Straight to gunicorn (as anything on the host could): without nginx's secret a certificate header is
PROXY_UNTRUSTED. Through nginx: whatever certificate/secret headers a client sends are overwritten.
"""

from __future__ import annotations

import pytest

from certauth.models import LoginAttempt
from tests.conftest import LAWYER
from tests.e2e.conftest import (
    assert_audited_once,
    assert_not_logged_in,
    assert_rejection_page,
    cookies_from,
    curl,
)
from tests.pki import escaped

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LOGIN_PATH = "/entrar/certificado/"


def direct(e2e_stack, tmp_path, headers):
    """A request straight to gunicorn, looking like HTTPS for the site's host name."""
    return curl(
        e2e_stack,
        "GET",
        f"{e2e_stack.gunicorn}{LOGIN_PATH}",
        headers=[("Host", "localhost"), ("X-Forwarded-Proto", "https"), *headers],
        workdir=tmp_path,
    )


def assert_cookies_log_nobody_in(e2e_stack, browser_factory, response):
    """Whatever cookies the response set, replayed on the portal host, open no dashboard."""
    cookies = cookies_from(response)
    assert "sessionid" not in cookies, response
    browser = browser_factory(None)
    header = "; ".join(f"{k}={v}" for k, v in cookies.items())
    dashboard = browser.get(f"{e2e_stack.portal}/painel/", headers=[("Cookie", header)] if header else [])
    assert dashboard.status == 302, dashboard


def test_garbage_certificate_header_from_the_proxy_is_cert_malformed(e2e_stack, tmp_path):
    response = direct(
        e2e_stack,
        tmp_path,
        [("X-Proxy-Secret", e2e_stack.proxy_secret), ("X-SSL-Client-Cert", "-----BEGIN%20CERTIFICATE-----%0Aabc")],
    )

    reference = assert_rejection_page(response, "CERT_MALFORMED", status=400)
    row = assert_audited_once("CERT_MALFORMED", reference)
    assert row.ip == "127.0.0.1"


UNTRUSTED = {
    "no secret": lambda secret: [],
    "wrong secret": lambda secret: [("X-Proxy-Secret", secret[:-4] + "AAAA" if secret[-4:] != "AAAA" else "BBBB")],
    "empty secret": lambda secret: [("X-Proxy-Secret", "")],
    "duplicated secret headers": lambda secret: [("X-Proxy-Secret", secret), ("X-Proxy-Secret", secret)],
    "secret in an underscored header": lambda secret: [("X_Proxy_Secret", secret)],
}


@pytest.mark.parametrize("how", list(UNTRUSTED))
def test_certificate_header_without_the_proxy_secret_is_proxy_untrusted(
    how, e2e_stack, tmp_path, browser_factory, member_factory, pki
):
    member_factory(oab="123456SP")  # the certificate below would log in if it were believed
    certificate = pki.issue(LAWYER)

    response = direct(
        e2e_stack,
        tmp_path,
        [*UNTRUSTED[how](e2e_stack.proxy_secret), ("X-SSL-Client-Cert", escaped(certificate.certificate))],
    )

    reference = assert_rejection_page(response, "PROXY_UNTRUSTED", status=403)
    row = assert_audited_once("PROXY_UNTRUSTED", reference)
    assert row.user is None
    assert row.proxy_request_id == "", "headers of an untrusted sender are not believed, not even the request id"
    assert not LoginAttempt.objects.filter(outcome="accepted").exists()
    assert_cookies_log_nobody_in(e2e_stack, browser_factory, response)


SPOOFED_NAMES = [
    ("X-SSL-Client-Cert", "X-Proxy-Secret", "X-SSL-Client-Verify"),
    ("X_SSL_Client_Cert", "X_Proxy_Secret", "X_SSL_Client_Verify"),
]


def spoofed_headers(names, e2e_stack, certificate):
    cert_name, secret_name, verify_name = names
    return [
        (cert_name, escaped(certificate.certificate)),
        (secret_name, e2e_stack.proxy_secret),
        (verify_name, "SUCCESS"),
    ]


@pytest.mark.parametrize("names", SPOOFED_NAMES, ids=["dashes", "underscores"])
def test_certificate_headers_sent_by_a_client_to_the_login_host_are_overwritten(
    names, e2e_stack, browser_factory, member_factory, pki
):
    member_factory(oab="123456SP")
    browser = browser_factory(None)  # no client certificate in the handshake

    forged = [("X-Real-IP", "203.0.113.9"), ("X-Forwarded-For", "203.0.113.9"), ("X-Request-Id", "f" * 32)]

    response = browser.login(headers=[*spoofed_headers(names, e2e_stack, pki.issue(LAWYER)), *forged])

    reference = assert_rejection_page(response, "CERT_ABSENT", status=403)
    row = assert_audited_once("CERT_ABSENT", reference)
    assert row.ip == "127.0.0.1"
    assert row.proxy_request_id and row.proxy_request_id != "f" * 32
    assert row.proxy_verify == "NONE"
    assert not LoginAttempt.objects.filter(outcome="accepted").exists()
    assert_not_logged_in(browser)


PORTAL_PATHS = ["/", "/painel/", "/entrar/certificado/", "/entrar/certificado", "/entrar//certificado/", "/admin/"]


@pytest.mark.parametrize("names", SPOOFED_NAMES, ids=["dashes", "underscores"])
def test_certificate_headers_sent_to_the_portal_host_never_log_anybody_in(
    names, e2e_stack, browser_factory, member_factory, pki
):
    member_factory(oab="123456SP")
    certificate = pki.issue(LAWYER)
    browser = browser_factory(certificate)  # even with the certificate at hand: the portal host never asks for it

    for path in PORTAL_PATHS:
        response = browser.get(f"{e2e_stack.portal}{path}", headers=spoofed_headers(names, e2e_stack, certificate))
        assert response.returncode == 0, response
        assert response.status in (200, 301, 302), (path, response)
        assert "sessionid" not in cookies_from(response), (path, response)
        assert_not_logged_in(browser)

    assert not LoginAttempt.objects.filter(outcome="accepted").exists()


def test_portal_host_sends_the_certificate_login_link_to_the_login_host(e2e_stack, browser_factory):
    browser = browser_factory(None)

    response = browser.get(f"{e2e_stack.portal}/entrar/certificado/?next=/painel/")

    assert response.status == 302, response
    assert response.header("Location") == f"{e2e_stack.login}/entrar/certificado/?next=/painel/"
    assert response.header("X-Error-Code") is None
    assert not LoginAttempt.objects.exists(), "the portal host never reaches the certificate login view"
