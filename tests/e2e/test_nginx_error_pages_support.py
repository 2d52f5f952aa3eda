"""nginx's own error pages (``nginx/errors/``, answered while gunicorn is down or a limit is hit) link the support
channel that the settings name (``PORTAL_SUPPORT_URL``), through the configuration ``render`` writes."""

from __future__ import annotations

import dataclasses
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from portal.serving.nginx import NginxSite, nginx_binary, nginx_command, render
from portal.serving.processes import free_port
from tests.pki import TestPki
from tests.required import unavailable

pytestmark = pytest.mark.e2e
SECRET = "s3cret-for-tests-0123456789abcdef"


@pytest.fixture
def bare_site(pki: TestPki, pki_files: tuple[Path, Path], tmp_path: Path) -> NginxSite:
    """nginx alone: its upstream is a port where nothing listens, so every page view answers ``indisponivel.html``."""
    if nginx_binary() is None:
        unavailable("nginx is not installed (make test installs it)")
    roots, _ = pki_files
    server = pki.builder.server(pki.root, ("localhost",), ips=("127.0.0.1",))
    (tmp_path / "server.pem").write_bytes(server.certificate_pem())
    (tmp_path / "server.key").write_bytes(server.key_pem())
    portal_port, login_port, upstream_port = free_port(), free_port(), free_port()
    return NginxSite(
        prefix=tmp_path / "nginx",
        upstream=f"127.0.0.1:{upstream_port}",
        proxy_secret=SECRET,
        server_certificate=tmp_path / "server.pem",
        server_key=tmp_path / "server.key",
        trust_roots=[roots],
        portal_base_url=f"https://localhost:{portal_port}",
        login_base_url=f"https://localhost:{login_port}",
        portal_port=portal_port,
        login_port=login_port,
        workers=1,
    )


@pytest.fixture
def serve() -> Iterator[Callable[[NginxSite], None]]:
    started: list[subprocess.Popen[bytes]] = []

    def start(site: NginxSite) -> None:
        render(site)
        process = subprocess.Popen(nginx_command(site), start_new_session=True)  # noqa: S603
        started.append(process)
        for _ in range(100):
            if _get(site, "/").returncode == 0:
                return
            if process.poll() is not None:
                raise RuntimeError((site.prefix / "logs" / "error.log").read_text())
            time.sleep(0.1)
        raise TimeoutError("nginx did not answer")

    yield start
    for process in started:  # only the nginx this test started
        process.terminate()
        process.wait(timeout=15)


def _get(site: NginxSite, path: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [  # noqa: S607
            "curl",
            "-sk",
            "--max-time",
            "10",
            "--resolve",
            f"localhost:{site.portal_port}:127.0.0.1",
            f"{site.portal_base_url}{path}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def test_nginx_unavailable_page_links_the_support_channel_of_the_settings(bare_site, serve):
    site = dataclasses.replace(bare_site, support_url="https://suporte.exemplo.gov.br/act?canal=ACT&x=1")
    serve(site)
    page = _get(site, "/cronograma/").stdout
    assert "Portal temporariamente indisponível" in page
    assert (
        'Abra um chamado no <a href="https://suporte.exemplo.gov.br/act?canal=ACT&amp;x=1">canal de atendimento do '
        "INSS às entidades parceiras</a>." in page
    )
    assert "<!--#" not in page, "every SSI command was processed"


def test_nginx_unavailable_page_without_a_support_address_names_the_channel_without_a_link(bare_site, serve):
    site = dataclasses.replace(bare_site, support_url="")
    serve(site)
    page = _get(site, "/cronograma/").stdout
    assert "Abra um chamado no canal de atendimento do INSS às entidades parceiras.</li>" in page
    assert "<a href" not in page and "<!--#" not in page
