"""A login whose path needs an AC missing from the trust store: fetched from the certificate's AIA ``caIssuers``
address (a loopback repository here), only from allowlisted hosts, bounded in time and size, remembered when it
chains (the next login fetches nothing) and refused when it does not."""

from __future__ import annotations

import datetime as dt
import http.server
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7

from certauth import aia
from certauth.icp.builder import Issued
from certauth.icp.errors import Reason
from certauth.models import LoginAttempt, Outcome, TrustedAuthority
from tests.conftest import LAWYER
from tests.pki import TestPki

AC_PATH = "/repositorio/ac-teste-aia.crt"


@pytest.fixture(scope="module")
def missing_ac(pki: TestPki) -> Issued:
    """An AC under the trusted 1st level that the trust store does not hold."""
    return pki.builder.intermediate(pki.level1, "AC Teste AIA", valid_from=dt.timedelta(days=-700))


@pytest.fixture(scope="module")
def rogue_ac(pki: TestPki) -> Issued:
    """An AC with the same name, issued under a root the portal does not trust."""
    return pki.builder.intermediate(pki.stranger_root, "AC Teste AIA", valid_from=dt.timedelta(days=-700))


@pytest.fixture
def aia_settings(certauth_settings: Any, crls: None) -> Iterator[Any]:
    certauth_settings.CERTAUTH_AIA_ALLOWED_HOSTS = ["127.0.0.1"]
    certauth_settings.CERTAUTH_AIA_TIMEOUT = 1.0
    aia.failed_addresses.clear()
    yield certauth_settings
    aia.failed_addresses.clear()


@pytest.fixture
def holder(
    pki: TestPki, missing_ac: Issued, member_factory: Callable[..., Any], publish_crl: Callable[..., Any]
) -> Callable[[str], Issued]:
    """``holder(url)``: the lawyer's certificate from the missing AC, naming ``url`` as its caIssuers."""
    member_factory()
    publish_crl(missing_ac)

    def issue(url: str) -> Issued:
        return pki.issue(LAWYER.but(ca_issuers_urls=(url,)), missing_ac)

    return issue


def der(issued: Issued) -> bytes:
    return issued.certificate.public_bytes(serialization.Encoding.DER)


def test_the_missing_ac_is_fetched_the_login_accepted_and_the_next_login_fetches_nothing(
    aia_settings: Any, login_with: Callable[..., Any], file_server: Any, holder: Any, missing_ac: Issued
) -> None:
    file_server.files[AC_PATH] = der(missing_ac)
    certificate = holder(file_server.url(AC_PATH))

    response = login_with(certificate)

    assert response.status_code == 302, response.get("X-Error-Code")
    assert file_server.hits == [AC_PATH]
    attempt = LoginAttempt.objects.get()
    assert attempt.outcome == Outcome.ACCEPTED
    assert attempt.fetched_issuers == "AC Teste AIA"
    stored = TrustedAuthority.objects.get()
    assert (stored.subject, stored.source) == ("AC Teste AIA", "aia")

    assert login_with(certificate).status_code == 302
    assert file_server.hits == [AC_PATH]  # the stored AC built the path: no second fetch
    assert LoginAttempt.objects.order_by("-created_at", "-pk").first().fetched_issuers == ""


def test_a_pkcs7_answer_is_read(
    aia_settings: Any, login_with: Callable[..., Any], file_server: Any, holder: Any, missing_ac: Issued
) -> None:
    file_server.files["/ac.p7c"] = pkcs7.serialize_certificates([missing_ac.certificate], serialization.Encoding.DER)
    assert login_with(holder(file_server.url("/ac.p7c"))).status_code == 302


def test_a_host_off_the_allowlist_is_never_contacted(
    aia_settings: Any, login_with: Callable[..., Any], file_server: Any, holder: Any, missing_ac: Issued
) -> None:
    aia_settings.CERTAUTH_AIA_ALLOWED_HOSTS = ["acraiz.icpbrasil.gov.br"]
    file_server.files[AC_PATH] = der(missing_ac)

    response = login_with(holder(file_server.url(AC_PATH)))

    assert response["X-Error-Code"] == Reason.CERT_UNTRUSTED
    assert file_server.hits == []
    assert "fora da lista permitida" in LoginAttempt.objects.get().detail
    assert not TrustedAuthority.objects.exists()


def test_aia_turned_off_contacts_nothing(
    aia_settings: Any, login_with: Callable[..., Any], file_server: Any, holder: Any, missing_ac: Issued
) -> None:
    aia_settings.CERTAUTH_AIA = False
    file_server.files[AC_PATH] = der(missing_ac)
    assert login_with(holder(file_server.url(AC_PATH)))["X-Error-Code"] == Reason.CERT_UNTRUSTED
    assert file_server.hits == []


def test_a_fetched_ac_that_does_not_chain_is_refused(
    aia_settings: Any,
    login_with: Callable[..., Any],
    file_server: Any,
    pki: TestPki,
    rogue_ac: Issued,
    member_factory: Callable[..., Any],
) -> None:
    member_factory()
    file_server.files[AC_PATH] = der(rogue_ac)
    certificate = pki.issue(LAWYER.but(ca_issuers_urls=(file_server.url(AC_PATH),)), rogue_ac)

    response = login_with(certificate)

    assert response["X-Error-Code"] == Reason.CERT_UNTRUSTED
    assert file_server.hits == [AC_PATH]
    attempt = LoginAttempt.objects.get()
    assert attempt.outcome == Outcome.REJECTED
    assert "não completa a cadeia" in attempt.detail
    assert not TrustedAuthority.objects.exists()


def test_a_redirect_is_not_followed(
    aia_settings: Any, login_with: Callable[..., Any], file_server: Any, holder: Any, missing_ac: Issued
) -> None:
    file_server.files[AC_PATH] = der(missing_ac)
    target = file_server.url(AC_PATH)

    class Redirect(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(302)
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        response = login_with(holder(f"http://127.0.0.1:{server.server_address[1]}/ac.crt"))
    finally:
        server.shutdown()
        server.server_close()
    assert response["X-Error-Code"] == Reason.CERT_UNTRUSTED
    assert file_server.hits == []
    assert "redirecionamentos não são seguidos" in LoginAttempt.objects.get().detail


class SlowOrHugeRepository:
    """A repository that answers after ``delay`` seconds, or with a body of ``size`` bytes."""

    def __init__(self, *, delay: float = 0.0, size: int = 0) -> None:
        self.hits: list[str] = []
        hits = self.hits

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                hits.append(self.path)
                time.sleep(delay)
                try:
                    self.send_response(200)
                    self.end_headers()  # no Content-Length: the cap must hold while reading
                    for _ in range(size // 65536 + 1):
                        self.wfile.write(b"\x30" * 65536)
                except OSError:
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize(("delay", "size", "why"), [(3.0, 0, "tempo esgotado"), (0.0, 4 * 1024 * 1024, "mais de")])
def test_a_slow_or_huge_answer_is_cut_short_and_the_login_refused_quickly(
    aia_settings: Any, login_with: Callable[..., Any], holder: Any, delay: float, size: int, why: str
) -> None:
    repository = SlowOrHugeRepository(delay=delay, size=size)
    try:
        started = time.monotonic()
        response = login_with(holder(repository.url(AC_PATH)))
        elapsed = time.monotonic() - started
    finally:
        repository.close()
    assert response["X-Error-Code"] == Reason.CERT_UNTRUSTED
    assert why in LoginAttempt.objects.get().detail
    assert elapsed < 2.0  # the budget is 1 s (CERTAUTH_AIA_TIMEOUT), not the server's 3 s nor a 4 MiB download


def test_a_repository_that_failed_is_not_contacted_again_by_the_next_login(
    aia_settings: Any, login_with: Callable[..., Any], file_server: Any, holder: Any, missing_ac: Issued
) -> None:
    certificate = holder(file_server.url(AC_PATH))  # nothing published there yet: 404
    assert login_with(certificate)["X-Error-Code"] == Reason.CERT_UNTRUSTED
    assert file_server.hits == [AC_PATH]

    file_server.files[AC_PATH] = der(missing_ac)
    assert login_with(certificate)["X-Error-Code"] == Reason.CERT_UNTRUSTED
    assert file_server.hits == [AC_PATH]  # remembered as failed: not asked again
    assert "falha recente" in LoginAttempt.objects.order_by("-created_at", "-pk").first().detail

    aia.failed_addresses.clear()  # another worker: only the shared cache knows
    assert login_with(certificate)["X-Error-Code"] == Reason.CERT_UNTRUSTED
    assert file_server.hits == [AC_PATH]

    aia_settings.CERTAUTH_AIA_NEGATIVE_SECONDS = 600  # (re-set: clears this process's memory)
    from django.core.cache import cache

    cache.clear()  # the failure forgotten (as after CERTAUTH_AIA_NEGATIVE_SECONDS): fetched again
    assert login_with(certificate).status_code == 302
    assert file_server.hits == [AC_PATH, AC_PATH]


def test_the_attempt_page_shows_the_fetched_ac(
    aia_settings: Any,
    login_with: Callable[..., Any],
    file_server: Any,
    holder: Any,
    missing_ac: Issued,
    staff_factory: Callable[..., Any],
    staff_login: Callable[..., Any],
) -> None:
    file_server.files[AC_PATH] = der(missing_ac)
    assert login_with(holder(file_server.url(AC_PATH))).status_code == 302
    attempt = LoginAttempt.objects.get(fetched_issuers="AC Teste AIA")
    client = staff_login(staff_factory(superuser=True))
    page = client.get(f"/admin/certauth/loginattempt/{attempt.pk}/change/", secure=True).content.decode()
    assert "ACs obtidas pelo endereço AIA" in page
    assert "AC Teste AIA" in page
