"""nginx in front of the cloud login: a per-address limit on its POSTs, and an access log without the PSC's code.

The burst comes from a loopback address of its own (127.0.0.5: all of 127.0.0.0/8 is the loopback interface on
Linux), so the address every other test uses is never limited.
"""

from __future__ import annotations

import re

import pytest

from certauth.models import LoginAttempt
from tests.e2e.conftest import BRASILIA_DATETIME
from tests.e2e.tls_client import Client, flushed_access_log

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

BURSTING = "127.0.0.5"
NEIGHBOUR = "127.0.0.6"


def test_nginx_slows_an_address_that_starts_cloud_logins_too_often(e2e_stack):
    """30 POSTs a minute, burst 60: each start asks every PSC, each choice may push to the holder's phone."""
    client = Client(e2e_stack, e2e_stack.portal_port, claimed=None, source=BURSTING)
    try:
        responses = [client.post("/entrar/nuvem/", "cpf=526.018.159-06") for _ in range(70)]
        statuses = [r.status for r in responses]

        # The first ones reach Django (which refuses them: no CSRF token), then nginx answers 429 itself.
        assert statuses[:55] == [403] * 55, statuses
        assert 429 in statuses, statuses
        limited = responses[statuses.index(429)]
        assert "CLOUD_RATE_LIMITED" in limited.body and "certificado em nuvem" in limited.body, limited.body
        assert "senha" not in limited.body, "not the password page's message"
        assert BRASILIA_DATETIME.search(limited.body), limited.body
        # Choosing a PSC (which may push to a phone) is counted too...
        assert client.post("/entrar/nuvem/abcdef/", "provider=vidaas&mode=push").status == 429
        # ... but not the GETs: the CPF form, the waiting page's refreshes, the PSC's return.
        assert client.get("/entrar/nuvem/").status == 200
        assert client.get("/entrar/nuvem/abcdef/aguardando/").status != 429
        assert client.get("/entrar/nuvem/retorno/?state=x").status != 429
        # Nor is the password page, which has a limit of its own.
        assert client.get("/entrar/senha/").status == 200
    finally:
        client.close()
    neighbour = Client(e2e_stack, e2e_stack.portal_port, claimed=None, source=NEIGHBOUR)
    try:
        assert neighbour.post("/entrar/nuvem/", "cpf=526.018.159-06").status == 403, "another address: not limited"
    finally:
        neighbour.close()


@pytest.mark.parametrize(
    "query",
    ["code=SEGREDO-DO-PSC-7f3a&state=ESTADO-DO-FLUXO-91b2", "error=access_denied&state=ESTADO-DO-FLUXO-91b2"],
)
def test_the_cloud_logins_return_is_logged_without_its_code_and_state(query, e2e_stack, browser_factory):
    browser = browser_factory()

    response = browser.get(f"{e2e_stack.portal}/entrar/nuvem/retorno/?{query}")
    control = browser.get(f"{e2e_stack.portal}/entrar/nuvem/?marca=CONTROLE-DO-LOG-5d1e")

    reference = response.header("X-Reference")
    assert response.status in (400, 403, 503) and reference, response
    row = LoginAttempt.objects.get(reference=reference)
    line = e2e_stack.access_log_line(row.proxy_request_id)
    assert re.search(rf' {e2e_stack.portal_port} "GET /entrar/nuvem/retorno/ HTTP/[\d.]+" {response.status} ', line), (
        line
    )
    assert control.status == 200, control
    log = flushed_access_log(e2e_stack)
    assert "CONTROLE-DO-LOG-5d1e" in log, "control: other query strings are logged as sent"
    assert "SEGREDO-DO-PSC" not in log
    assert "ESTADO-DO-FLUXO" not in log
