"""Prometheus metrics of the login gate (prometheus-client): attempts by outcome, method and code, and the time the
certificate validation takes. With several gunicorn workers, ``PROMETHEUS_MULTIPROC_DIR`` makes every worker write
its samples to that directory (``manage.py serve`` sets it) and ``/metricas/`` sums them."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

ATTEMPTS = Counter(
    "portal_a3_login_attempts",
    "Tentativas de login registradas na auditoria, por resultado, forma de acesso e código de erro.",
    ["outcome", "method", "code"],
)
VALIDATION_SECONDS = Histogram(
    "portal_a3_certificate_validation_seconds",
    "Tempo da validação do certificado (cadeia ICP-Brasil, política A3, datas, revogação).",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)

# OpenID provider: back-channel logouts (oidc/delivery.py, in the `oidc_worker` process; it writes to the same
# PROMETHEUS_MULTIPROC_DIR as gunicorn's workers when `manage.py serve` runs it).
LOGOUT_DELIVERIES = Counter(
    "portal_a3_oidc_logout_deliveries",
    "Tentativas de entrega de logout aos clientes OpenID Connect, por resultado "
    "(delivered, failed, gave_up, no_uri, lost_claim).",
    ["outcome"],
)
LOGOUT_PENDING = Gauge(
    "portal_a3_oidc_logout_pending",
    "Logouts por canal de retaguarda ainda não entregues nem abandonados (última rodada do oidc_worker).",
    multiprocess_mode="livemostrecent",
)


def count_attempt(*, outcome: str, method: str, code: str) -> None:
    ATTEMPTS.labels(outcome=outcome, method=method, code=code or "-").inc()
