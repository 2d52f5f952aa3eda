"""What the two hosts ask for in the TLS handshake, and which protocol versions they speak."""

from __future__ import annotations

import re
import subprocess

import pytest

from certauth.models import LoginAttempt
from tests.conftest import LAWYER
from tests.e2e.conftest import element_text

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def s_client(e2e_stack, port, version):
    """The handshake as ``openssl s_client`` sees it (messages too), stdin closed right away."""
    result = subprocess.run(
        [
            "openssl",
            "s_client",
            "-connect",
            f"127.0.0.1:{port}",
            "-servername",
            "localhost",
            "-CAfile",
            str(e2e_stack.tls_root),
            "-verify_return_error",
            version,
            "-msg",
        ],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert "Verify return code: 0 (ok)" in result.stdout, result.stdout + result.stderr
    return result.stdout


def acceptable_ca_common_names(output):
    """The CNs listed under "Acceptable client certificate CA names" (None if that section is absent)."""
    lines = output.splitlines()
    if "Acceptable client certificate CA names" not in lines:
        return None
    names = []
    for line in lines[lines.index("Acceptable client certificate CA names") + 1 :]:
        if not re.match(r"^(C|O|OU|CN) = ", line):
            break
        names.append(re.search(r"CN = ([^,]+)", line).group(1))
    return names


@pytest.mark.parametrize("version", ["-tls1_2", "-tls1_3"])
def test_login_host_requests_a_certificate_naming_only_the_trusted_roots(version, e2e_stack, pki):
    output = s_client(e2e_stack, e2e_stack.login_port, version)

    assert re.search(r"<<< TLS 1\.[23], Handshake \[length [0-9a-f]+\], CertificateRequest", output), output
    names = acceptable_ca_common_names(output)
    assert names == [pki.root.common_name], output
    for other in (*pki.intermediates, pki.stranger_root, pki.stranger):
        assert other.common_name not in names


@pytest.mark.parametrize("version", ["-tls1_2", "-tls1_3"])
def test_portal_host_never_requests_a_client_certificate(version, e2e_stack):
    output = s_client(e2e_stack, e2e_stack.portal_port, version)

    assert "CertificateRequest" not in output, output
    assert "No client certificate CA names sent" in output
    assert acceptable_ca_common_names(output) is None


@pytest.mark.parametrize(
    ("curl_options", "protocol"),
    [(["--tlsv1.2", "--tls-max", "1.2"], "TLSv1.2"), (["--tlsv1.3", "--tls-max", "1.3"], "TLSv1.3")],
    ids=["TLS 1.2", "TLS 1.3"],
)
def test_lawyer_logs_in_over_tls_1_2_and_tls_1_3(
    curl_options, protocol, e2e_stack, browser_factory, member_factory, pki
):
    member_factory(oab="123456SP")
    browser = browser_factory(pki.issue(LAWYER))

    response = browser.login(extra=curl_options)

    assert response.status == 302, response
    assert response.header("Location") == f"{e2e_stack.portal}/painel/"
    dashboard = browser.get(response.header("Location"), extra=curl_options)
    assert element_text(dashboard.body, "nome-membro") == "Maria da Silva", dashboard
    row = LoginAttempt.objects.get()
    assert row.outcome == "accepted"
    assert f" tls={protocol} " in e2e_stack.access_log_line(row.proxy_request_id)


@pytest.mark.parametrize("host", ["login", "portal"])
def test_tls_1_1_is_refused_by_the_server(host, e2e_stack, browser_factory, member_factory, pki):
    member_factory(oab="123456SP")
    browser = browser_factory(pki.issue(LAWYER))
    url = e2e_stack.login_url if host == "login" else f"{e2e_stack.portal}/"

    # The client side is made willing to speak TLS 1.1 (security level 0), so only the server can refuse it.
    response = browser.get(url, extra=["--tlsv1.1", "--tls-max", "1.1", "--ciphers", "DEFAULT:@SECLEVEL=0"])

    assert response.returncode == 35, response  # CURLE_SSL_CONNECT_ERROR: the handshake failed
    assert response.status == 0
    # The server answered the TLS 1.1 ClientHello with a protocol_version alert (not a client-side refusal).
    assert "alert protocol version" in response.stderr, response.stderr
    assert not LoginAttempt.objects.exists()
