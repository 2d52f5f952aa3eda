"""In the demo the portal's PAT links lead to the stand-in (plain http on loopback), which the check of the official
addresses accepts there and nowhere else."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from portal import checks

BASE_DIR = Path(__file__).resolve().parents[2]


def pat_url(tmp_path: Path, **env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CERTAUTH_", "PORTAL_", "OIDC_", "SECRET"))}
    result = subprocess.run(
        [sys.executable, "-c", "import portal.settings as s; print(s.PORTAL_PAT_URL)"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        env={**clean, "PORTAL_VAR_DIR": str(tmp_path), "SECRET_KEY": "k", **env},
        check=True,
    )
    return result.stdout.strip()


def test_the_demo_links_the_pat_stand_in(tmp_path):
    assert pat_url(tmp_path, PORTAL_DEMO="1") == "http://localhost:8450/"
    assert pat_url(tmp_path, PORTAL_DEMO="1", OIDC_DEMO_RP_PORT="9450") == "http://localhost:9450/"


def test_outside_the_demo_the_pat_is_the_official_address(tmp_path):
    assert pat_url(tmp_path) == "https://atendimento.inss.gov.br"
    assert pat_url(tmp_path, PORTAL_DEMO="1", PORTAL_PAT_URL="https://pat.exemplo.gov.br/") == (
        "https://pat.exemplo.gov.br/"
    )


def test_the_check_accepts_the_stand_in_in_the_demo(settings):
    settings.PORTAL_DEMO = True
    settings.PORTAL_PAT_URL = "http://localhost:8450/"
    assert checks.check_official_addresses() == []


@pytest.mark.parametrize(
    ("demo", "name", "value"),
    [
        (False, "PORTAL_PAT_URL", "http://localhost:8450/"),
        (True, "PORTAL_PAT_URL", "http://atendimento.inss.gov.br/"),
        (True, "PORTAL_PAT_URL", 'http://localhost:8450/"a'),
        (True, "PORTAL_SUPPORT_URL", "http://localhost:8450/"),
    ],
)
def test_plain_http_stays_an_error_anywhere_else(settings, demo, name, value):
    settings.PORTAL_DEMO = demo
    setattr(settings, name, value)
    assert [m.id for m in checks.check_official_addresses()] == ["portal.E003"]
