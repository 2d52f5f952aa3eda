"""``/saude/`` reports the trust store: ACs expiring within 30 days, and a scheduled store not refreshed."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from certauth import trust_store
from certauth.models import TrustSource, TrustStoreImport
from tests.pki import TestPki

pytestmark = pytest.mark.django_db


def _health() -> dict[str, Any]:
    response = Client().get("/saude/", secure=True)
    assert response.status_code == 200
    return dict(json.loads(response.content))


def test_health_lists_acs_expiring_within_30_days_without_degrading(
    pki: TestPki, certauth_settings: Any, crls: None, now: dt.datetime
) -> None:
    soon = pki.builder.intermediate(pki.level1, "AC Teste Saude Vence", years=1, valid_from=dt.timedelta(days=-350))
    trust_store.remember([soon.certificate], source=TrustSource.IMPORT, now=now)
    body = _health()
    store = body["repositorio_de_confianca"]
    assert store["vencem_em_30_dias"] == 1
    assert store["exemplos"] == [f"AC Teste Saude Vence ({soon.certificate.not_valid_after_utc:%d/%m/%Y})"]
    assert store["ultima_importacao"] == "importação manual" and store["status"] == "ok"
    assert body["status"] == "ok"


def test_health_is_degraded_when_a_scheduled_store_was_not_refreshed(certauth_settings: Any, crls: None) -> None:
    certauth_settings.CERTAUTH_TRUST_STORE_URL = (
        "http://acraiz.icpbrasil.gov.br/credenciadas/CertificadosAC-ICP-Brasil/ACcompactado.zip"
    )
    certauth_settings.CERTAUTH_TRUST_STORE_MAX_AGE_DAYS = 45
    body = _health()
    assert body["status"] == "degradado"
    assert body["repositorio_de_confianca"]["ultima_importacao"] == "nunca importado"

    TrustStoreImport.objects.create(source="x", created_at=timezone.now() - dt.timedelta(days=46))
    assert _health()["status"] == "degradado"

    recent = TrustStoreImport.objects.create(source="x", created_at=timezone.now() - dt.timedelta(days=44))
    body = _health()
    assert body["status"] == "ok"
    assert body["repositorio_de_confianca"]["ultima_importacao"] == recent.created_at.isoformat()


def test_an_old_import_does_not_degrade_a_manually_kept_store(certauth_settings: Any, crls: None) -> None:
    TrustStoreImport.objects.create(source="x", created_at=timezone.now() - dt.timedelta(days=400))
    assert _health()["status"] == "ok"
