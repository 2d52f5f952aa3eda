"""The production path: `check --deploy` clean, security headers (strict CSP, HSTS, frames, referrer), HTTPS only,
the health endpoint and the Prometheus metrics (for the monitoring networks only)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client

from portal.serving.processes import BASE_DIR
from tests.conftest import LAWYER

#: Variables of the demo and of the test run that production never has.
DEMO_OR_TEST_VARIABLES = ("DEBUG", "PORTAL_DEMO", "SECURE_", "DJANGO_SETTINGS", "OIDC_LOOPBACK")


def test_check_deploy_reports_nothing_with_production_settings():
    env = {k: v for k, v in os.environ.items() if not k.startswith(DEMO_OR_TEST_VARIABLES)}
    env.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        CERTAUTH_PROXY_SECRET=secrets.token_urlsafe(40),
        CERTAUTH_TRUSTED_PROXIES="unix",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy_and_the_security_headers(client, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    response = Client().get("/", secure=True)
    policy = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy and "http:" not in policy
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https(client):
    response = client.get("/cronograma/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


@pytest.mark.django_db
def test_session_cookies_are_secure_http_only_and_end_with_the_browser(proxy_client, login_with, member_factory):
    member_factory()
    response = login_with(LAWYER)
    cookie = response.cookies["sessionid"]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"


@pytest.mark.django_db
def test_health_is_ok_with_database_and_fresh_crls(certauth_settings, crls):
    response = Client().get("/saude/", secure=True)
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["status"] == "ok" and body["banco_de_dados"] == "ok"
    assert body["lcr"]["acs"] >= 1 and body["lcr"]["vencidas_ou_ausentes"] == 0


@pytest.mark.django_db
def test_health_is_degraded_when_a_crl_is_missing(certauth_settings):
    from certauth.models import CrlIssuer

    CrlIssuer.objects.create(key_id="00" * 32, name="CN=AC sem LCR")
    body = json.loads(Client().get("/saude/", secure=True).content)
    assert body["status"] == "degradado" and body["lcr"]["vencidas_ou_ausentes"] == 1


@pytest.mark.django_db
def test_health_fails_with_503_when_the_database_does_not_answer():
    with mock.patch("portal.monitoring.connection.cursor", side_effect=OperationalError("down")):
        response = Client().get("/saude/", secure=True)
    assert response.status_code == 503
    assert json.loads(response.content)["status"] == "falha"


@pytest.mark.django_db
def test_health_fails_with_503_when_the_trust_store_cannot_be_loaded(certauth_settings, tmp_path):
    certauth_settings.CERTAUTH_TRUST_ROOTS = [str(tmp_path / "raiz-que-nao-existe.pem")]
    response = Client().get("/saude/", secure=True)
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["status"] == "falha" and body["repositorio_de_confianca"].startswith("indisponível")


@pytest.mark.django_db
def test_monitoring_answers_only_to_the_monitoring_networks(settings, certauth_settings):
    outside = Client(REMOTE_ADDR="203.0.113.7")
    assert outside.get("/saude/", secure=True).status_code == 403
    assert outside.get("/metricas/", secure=True).status_code == 403
    settings.PORTAL_MONITORING_NETWORKS = ["203.0.113.0/24"]
    assert outside.get("/saude/", secure=True).status_code == 200


def test_metrics_count_login_attempts_by_outcome_method_and_code(login_with, member_factory):
    from prometheus_client import REGISTRY

    def sample(outcome: str, code: str) -> float:
        value = REGISTRY.get_sample_value(
            "portal_a3_login_attempts_total", {"outcome": outcome, "method": "certificate", "code": code}
        )
        return value or 0.0

    accepted, unknown = sample("accepted", "-"), sample("rejected", "MEMBER_UNKNOWN")
    login_with(LAWYER)  # no member yet
    member_factory()
    login_with(LAWYER)

    assert sample("rejected", "MEMBER_UNKNOWN") == unknown + 1
    assert sample("accepted", "-") == accepted + 1
    text = Client().get("/metricas/", secure=True).content.decode()
    assert "portal_a3_login_attempts_total{" in text
    assert "portal_a3_certificate_validation_seconds_bucket" in text
