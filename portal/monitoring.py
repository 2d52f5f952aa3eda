"""Health and metrics for operators and load balancers, answered only to the monitoring networks.

- ``/saude/``: JSON; ``falha`` (HTTP 503) when the database does not answer — take the host out of the pool;
  ``degradado`` (HTTP 200) when some AC's CRL is missing or expired beyond the grace period (certificates of that
  AC are refused until ``crl refresh`` succeeds; every app host shares the store, so removing hosts would not help),
  or when the trust store has a scheduled URL (``CERTAUTH_TRUST_STORE_URL``) and no import succeeded for
  ``CERTAUTH_TRUST_STORE_MAX_AGE_DAYS``; ``ok`` otherwise. ACs expiring within 30 days are listed, not degrading,
  and so is the status pages' daily snapshot (``acompanhamento``: when taken, whether still valid).
- ``/metricas/``: Prometheus text format (``certauth.metrics``), summed over gunicorn's workers.
"""

from __future__ import annotations

import ipaddress
import os

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess

from certauth import crl_service, trust_store
from certauth.proxy import client_ip
from certauth.validator import get_trust_store
from portal.status import tally


def _allowed(request: HttpRequest) -> None:
    address = client_ip(request)
    networks = getattr(settings, "PORTAL_MONITORING_NETWORKS", ["127.0.0.1/32", "::1/128"])
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        raise PermissionDenied("Monitoramento: acesso restrito.") from None
    if not any(ip in ipaddress.ip_network(n, strict=False) for n in networks):
        raise PermissionDenied("Monitoramento: acesso restrito.")


@never_cache
@require_safe
def health(request: HttpRequest) -> HttpResponse:
    _allowed(request)
    now = timezone.now()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        return JsonResponse({"status": "falha", "banco_de_dados": f"indisponível: {type(error).__name__}"}, status=503)
    rows = crl_service.status(now=now)
    stale = [r.issuer for r in rows if r.freshness not in ("válida", "na tolerância")]
    try:
        intermediates = get_trust_store().intermediates
    except (OSError, ValueError) as error:  # a root or intermediate file missing or unreadable: no login can work
        detail = f"indisponível: {type(error).__name__}"
        return JsonResponse({"status": "falha", "banco_de_dados": "ok", "repositorio_de_confianca": detail}, status=503)
    store = trust_store.health(now=now, intermediates=intermediates)
    body = {
        "status": "degradado" if stale or store.stale else "ok",
        "banco_de_dados": "ok",
        "lcr": {"acs": len(rows), "vencidas_ou_ausentes": len(stale), "exemplos": stale[:5]},
        "repositorio_de_confianca": store.as_json(),
        "acompanhamento": tally.health(at=now),  # the status pages' daily snapshot (manage.py status_rollup)
        "horario": now.isoformat(),
    }
    return JsonResponse(body)


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    _allowed(request)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        output = generate_latest(registry)
    else:
        output = generate_latest()
    return HttpResponse(output, content_type=CONTENT_TYPE_LATEST)
