"""The page for "no certificate presented" (CERT_ABSENT) is also what a Chrome or Edge user with an expired or not
yet valid certificate meets: those browsers never offer such a certificate (they filter the list by their own clock,
before any picker), so the login host receives none. The page must say so."""

from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_no_certificate_page_tells_that_the_browser_hides_an_expired_certificate(proxy_client):
    response = proxy_client.get("/entrar/certificado/", HTTP_X_SSL_CLIENT_CERT="", secure=True)

    assert (response.status_code, response["X-Error-Code"]) == (403, "CERT_ABSENT")
    page = response.content.decode()
    assert "vencido" in page and "ainda não válido" in page, page
    assert "validade" in page, page
