"""Cloud login fixtures: a PSC simulator (a real HTTP server on loopback, key from the test PKI), PSCs registered
to it, and a driver that walks the portal's pages like the holder's browser (the PSC's redirect included)."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client

from certauth.icp.builder import Issued
from cloudauth import sealing
from cloudauth.models import CloudLogin, Provider
from cloudauth.simulator import Account, Behaviour, PscSimulator
from tests.conftest import LAWYER, PROXY_SECRET
from tests.pki import TestPki

PORTAL = "https://localhost"
CLIENT_ID = "portal-a3-inss"
CLIENT_SECRET = "segredo-de-teste"


@pytest.fixture(scope="session")
def cloud_certificate(pki: TestPki) -> Issued:
    """The lawyer's A3 certificate whose key sits in the PSC's HSM."""
    return pki.issue(LAWYER)


@pytest.fixture
def simulator(cloud_certificate: Issued) -> Iterator[PscSimulator]:
    account = Account(LAWYER.cpf, cloud_certificate.certificate, cloud_certificate.key)
    with PscSimulator([account], client_id=CLIENT_ID, client_secret=CLIENT_SECRET) as running:
        yield running


@pytest.fixture
def cloud_settings(certauth_settings: Any, crls: None) -> Any:
    certauth_settings.CLOUDAUTH_ALLOW_HTTP = True
    certauth_settings.CLOUDAUTH_REDIRECT_URI = f"{PORTAL}/entrar/nuvem/retorno/"
    certauth_settings.CLOUDAUTH_DISCOVERY_TIMEOUT = 1.0
    certauth_settings.CLOUDAUTH_HTTP_TIMEOUT = 2.0
    certauth_settings.CLOUDAUTH_POLL_INTERVAL_SECONDS = 0
    return certauth_settings


@pytest.fixture
def provider_factory(db: None, simulator: PscSimulator, cloud_settings: Any) -> Callable[..., Provider]:
    positions = iter(range(100))

    def make(slug: str = "vidaas", *, adapter: str = "padrao", server: PscSimulator | None = None, **fields: Any):
        target = server or simulator
        defaults: dict[str, Any] = dict(
            name=f"PSC {slug}",
            base_url=target.base_url,
            path_prefix=target.behaviour.path_prefix,
            adapter=adapter,
            client_id=CLIENT_ID,
            client_secret=sealing.seal(CLIENT_SECRET),
            position=next(positions),
        )
        return Provider.objects.create(slug=slug, **{**defaults, **fields})

    return make


@pytest.fixture
def provider(provider_factory: Callable[..., Provider]) -> Provider:
    return provider_factory()


def follow_psc(location: str) -> str:
    """What the holder's browser does at the PSC: open the authorization URL; the PSC (approving at once, or
    refusing) redirects back to the portal. Returns that redirect's target."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(location, timeout=5)
    except urllib.error.HTTPError as exc:
        if exc.code in (301, 302, 303, 307):
            return str(exc.headers["Location"])
        raise AssertionError(f"the PSC answered {exc.code}: {exc.read()[:300]!r}") from None
    raise AssertionError("the PSC did not redirect back")


@dataclass
class CloudDriver:
    client: Client

    def start(self, cpf: str = LAWYER.cpf) -> Any:
        return self.client.post("/entrar/nuvem/", {"cpf": cpf}, secure=True)

    def choose(self, choose_url: str, slug: str = "vidaas", mode: str = "redirect") -> Any:
        return self.client.post(choose_url, {"provider": slug, "mode": mode}, secure=True)

    def back_from_psc(self, authorize_url: str) -> Any:
        """Open the PSC's page and come back to the portal wherever the PSC sends the browser."""
        target = urlsplit(follow_psc(authorize_url))
        assert f"{target.scheme}://{target.netloc}" == PORTAL, target
        return self.client.get(f"{target.path}?{target.query}", secure=True)

    def until_psc(self, cpf: str = LAWYER.cpf, slug: str = "vidaas", mode: str = "redirect") -> Any:
        """CPF → choice of PSC: the response that sends the browser to the PSC (or to the waiting page)."""
        started = self.start(cpf)
        assert started.status_code == 302, started.get("X-Error-Code") or started.content[:500]
        return self.choose(started["Location"], slug, mode)

    def login(self, cpf: str = LAWYER.cpf, slug: str = "vidaas") -> Any:
        chosen = self.until_psc(cpf, slug)
        if chosen.status_code != 302:
            return chosen
        return self.back_from_psc(chosen["Location"])

    def flow(self) -> CloudLogin:
        return CloudLogin.objects.select_related("provider").latest("created_at")


@pytest.fixture
def cloud_client() -> Client:
    return Client(HTTP_X_PROXY_SECRET=PROXY_SECRET, HTTP_HOST="localhost", REMOTE_ADDR="127.0.0.1")


@pytest.fixture
def cloud(cloud_client: Client, cloud_settings: Any) -> CloudDriver:
    return CloudDriver(cloud_client)


def error_code(response: Any) -> str | None:
    return response.get("X-Error-Code")


def page_text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


__all__ = ["Behaviour", "CloudDriver", "error_code", "follow_psc", "page_text"]
