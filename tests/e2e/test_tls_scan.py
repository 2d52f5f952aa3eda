"""A TLS scan (testssl.sh, Debian's package) of both hosts of the real nginx: TLS 1.2 and 1.3 only, no weak cipher
category, forward secrecy, and a server that checks what the client offers (the login host asks for a certificate
without requiring one)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import _unavailable

pytestmark = [pytest.mark.e2e]

#: testssl 3.0 (Debian 12) ids; "AVERAGE" holds the obsoleted CBC/SHA1 suites.
BAD_CATEGORIES = (
    "cipherlist_NULL",
    "cipherlist_aNULL",
    "cipherlist_EXPORT",
    "cipherlist_LOW",
    "cipherlist_3DES_IDEA",
    "cipherlist_AVERAGE",
)


@pytest.fixture(scope="module")
def testssl() -> str:
    binary = shutil.which("testssl") or shutil.which("testssl.sh")
    if binary is None:
        _unavailable("testssl.sh is not installed (apt-get install testssl.sh)")
    return str(binary)


def scan(testssl: str, port: int, out: Path) -> dict[str, dict[str, str]]:
    result = subprocess.run(
        [
            testssl,
            "--quiet",
            "--color",
            "0",
            "--warnings",
            "off",
            "--connect-timeout",
            "5",
            "--openssl-timeout",
            "5",
            "--ip",
            "127.0.0.1",
            "-p",
            "-s",
            "-f",
            "--jsonfile",
            str(out),
            f"localhost:{port}",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert out.exists(), result.stdout[-2000:] + result.stderr[-2000:]
    return {finding["id"]: finding for finding in json.loads(out.read_text())}


@pytest.mark.parametrize("host", ["portal", "login", "login-tls12"])
def test_only_tls_1_2_and_1_3_with_strong_forward_secret_ciphers(host, e2e_stack, testssl, tmp_path):
    port = {
        "portal": e2e_stack.portal_port,
        "login": e2e_stack.login_port,
        "login-tls12": e2e_stack.site.login_tls12_port,
    }[host]

    findings = scan(testssl, port, tmp_path / f"{host}.json")

    offered = {p: findings[p]["finding"] for p in ("SSLv2", "SSLv3", "TLS1", "TLS1_1", "TLS1_2", "TLS1_3")}
    for old in ("SSLv2", "SSLv3", "TLS1", "TLS1_1"):
        assert offered[old].startswith("not offered"), offered
    assert offered["TLS1_2"].startswith("offered"), offered
    if host == "login-tls12":  # the twin for tokens without RSA-PSS
        assert offered["TLS1_3"].startswith("not offered"), offered
    else:
        assert offered["TLS1_3"].startswith("offered"), offered
    for category in BAD_CATEGORIES:
        assert findings[category]["finding"].startswith("not offered"), findings[category]
    assert findings["cipherlist_STRONG"]["finding"].startswith("offered"), findings["cipherlist_STRONG"]
    forward_secrecy = findings.get("FS") or findings["PFS"]
    assert forward_secrecy["severity"] == "OK" and forward_secrecy["finding"] == "offered", forward_secrecy
    problems = [f for f in findings.values() if f.get("severity") in ("HIGH", "CRITICAL")]
    assert not problems, problems
