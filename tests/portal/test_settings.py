"""Settings come from the environment (django-environ), with safe defaults; the environment wins over .env."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, portal.settings as s; print(json.dumps({"
    "'db': s.DATABASES['default']['ENGINE'], 'db_name': s.DATABASES['default']['NAME'], "
    "'roots': s.CERTAUTH_TRUST_ROOTS, 'intermediates': s.CERTAUTH_INTERMEDIATES, "
    "'tz': s.TIME_ZONE, 'lang': s.LANGUAGE_CODE, 'portal': s.PORTAL_BASE_URL, 'login': s.CERT_LOGIN_BASE_URL, "
    "'prefixes': s.CERTAUTH_ACCEPTED_POLICY_PREFIXES, 'debug': s.DEBUG}))"
)


def load(tmp_path: Path, **env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CERTAUTH_", "PORTAL_", "DATABASE", "SECRET"))}
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        env={**clean, "PORTAL_VAR_DIR": str(tmp_path), **env},
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip().splitlines()[-1])
    return json.loads(result.stdout)


def test_defaults_are_sqlite_brasilia_time_portuguese_and_the_shipped_icp_brasil_store(tmp_path):
    s = load(tmp_path, SECRET_KEY="k")
    assert s["db"] == "django.db.backends.sqlite3" and s["db_name"].startswith(str(tmp_path))
    assert (s["tz"], s["lang"]) == ("America/Sao_Paulo", "pt-br")
    assert [Path(p).name for p in s["roots"]] == ["icp-brasil-raiz-v5.pem", "icp-brasil-raiz-v12.pem"]
    assert [Path(p).name for p in s["intermediates"]] == ["intermediates.pem"]
    assert s["prefixes"] == ["2.16.76.1.2.3", "2.16.76.1.2.4"]
    assert (s["portal"], s["login"]) == ("https://localhost:8443", "https://localhost:8444")
    assert s["debug"] is False


def test_demo_mode_adds_the_demo_root_beside_icp_brasil(tmp_path):
    s = load(tmp_path, PORTAL_DEMO="1")
    assert [Path(p).name for p in s["roots"]] == [
        "icp-brasil-raiz-v5.pem",
        "icp-brasil-raiz-v12.pem",
        "ac-raiz-demo.pem",
    ]


def test_trust_settings_replace_the_defaults(tmp_path):
    s = load(
        tmp_path, SECRET_KEY="k", PORTAL_DEMO="1", CERTAUTH_TRUST_ROOTS="/a.pem,/b.pem", CERTAUTH_INTERMEDIATES="/c.pem"
    )
    assert (s["roots"], s["intermediates"]) == (["/a.pem", "/b.pem"], ["/c.pem"])


def test_database_url_selects_postgresql(tmp_path):
    s = load(tmp_path, SECRET_KEY="k", DATABASE_URL="postgres://portal:pw@db.internal:5432/portal")
    assert (s["db"], s["db_name"]) == ("django.db.backends.postgresql", "portal")


def test_ports_and_hosts_are_overridable(tmp_path):
    s = load(tmp_path, SECRET_KEY="k", PORTAL_PORT="9443", CERT_LOGIN_PORT="9444")
    assert (s["portal"], s["login"]) == ("https://localhost:9443", "https://localhost:9444")
    s = load(
        tmp_path,
        SECRET_KEY="k",
        PORTAL_HOSTNAME="portal.example.gov.br",
        PORTAL_PORT="443",
        CERT_LOGIN_HOSTNAME="certificado.portal.example.gov.br",
        CERT_LOGIN_PORT="443",
    )
    assert (s["portal"], s["login"]) == ("https://portal.example.gov.br", "https://certificado.portal.example.gov.br")


def test_production_without_secret_key_refuses_to_start(tmp_path):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        load(tmp_path)


def test_revocation_settings_come_from_the_environment(tmp_path):
    probe = (
        "import json, portal.settings as s; print(json.dumps([s.CERTAUTH_REVOCATION, s.CERTAUTH_REVOCATION_SOFT_FAIL, "
        "s.CERTAUTH_CRL_GRACE_SECONDS, s.CERTAUTH_CRL_URLS, s.CERTAUTH_OCSP]))"
    )
    env = {
        "SECRET_KEY": "k",
        "PORTAL_VAR_DIR": str(tmp_path),
        "CERTAUTH_REVOCATION": "leaf",
        "CERTAUTH_REVOCATION_SOFT_FAIL": "1",
        "CERTAUTH_CRL_GRACE_SECONDS": "60",
        "CERTAUTH_CRL_URLS": "http://a/x.crl,http://b/y.crl",
        "CERTAUTH_OCSP": "true",
    }
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("CERTAUTH_")}, **env},
        check=True,
    )
    assert json.loads(result.stdout) == ["leaf", True, 60, ["http://a/x.crl", "http://b/y.crl"], True]
