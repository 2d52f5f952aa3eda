"""An HTTPS client for the end-to-end tests that need what curl cannot give: a chosen loopback source address (all
of 127.0.0.0/8 is the loopback interface on Linux: each address is a client of its own for nginx's per-address
limits) and, optionally, a PROXY protocol v1 header before the TLS handshake (as a TCP load balancer sends it).
"""

from __future__ import annotations

import dataclasses
import http.client
import socket
import ssl
import time
from collections.abc import Sequence
from pathlib import Path

from tests.e2e.conftest import CURL_TIMEOUT, E2EStack

FLUSH_SECONDS = 2.5  #: nginx writes its access log buffer every 2 s


@dataclasses.dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: str

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


class _ProxyProtocolConnection(http.client.HTTPSConnection):
    """HTTPS to nginx on 127.0.0.1 (as ``localhost``), from ``source``, opened with ``proxy_line`` if given."""

    def __init__(self, port: int, *, context: ssl.SSLContext, source: str, proxy_line: bytes | None) -> None:
        super().__init__("localhost", port, context=context, timeout=CURL_TIMEOUT)
        self.source = source
        self.proxy_line = proxy_line

    def connect(self) -> None:
        sock = socket.create_connection(("127.0.0.1", self.port), self.timeout, (self.source, 0))
        if self.proxy_line is not None:
            sock.sendall(self.proxy_line)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class Client:
    """One keep-alive connection to one of nginx's ports from ``source``; every request on it carries the same PROXY
    header (none if ``claimed`` is None)."""

    def __init__(
        self,
        stack: E2EStack,
        port: int,
        *,
        claimed: str | None,
        source: str = "127.0.0.1",
        certificate: tuple[Path, Path] | None = None,
    ) -> None:
        context = ssl.create_default_context(cafile=str(stack.tls_root))
        if certificate is not None:
            context.load_cert_chain(*certificate)
        proxy_line = f"PROXY TCP4 {claimed} 127.0.0.1 5555 {port}\r\n".encode() if claimed else None
        self.connection = _ProxyProtocolConnection(port, context=context, source=source, proxy_line=proxy_line)

    def request(
        self, method: str, path: str, headers: Sequence[tuple[str, str]] = (), body: str | None = None
    ) -> Answer:
        self.connection.request(method, path, body=body, headers=dict(headers))
        response = self.connection.getresponse()
        return Answer(response.status, response.headers, response.read().decode("utf-8", errors="replace"))

    def get(self, path: str, headers: Sequence[tuple[str, str]] = ()) -> Answer:
        return self.request("GET", path, headers)

    def post(self, path: str, form: str) -> Answer:
        return self.request("POST", path, [("Content-Type", "application/x-www-form-urlencoded")], form)

    def close(self) -> None:
        self.connection.close()


def refused(client: Client, path: str) -> bool:
    """nginx closed the connection without an answer (a broken PROXY header, or ``return 444``)."""
    try:
        client.get(path)
    except (http.client.RemoteDisconnected, ConnectionError, ssl.SSLError):
        return True
    finally:
        client.close()
    return False


def flushed_access_log(stack: E2EStack) -> str:
    """nginx's access log, once what the requests so far left in its buffer has been written."""
    time.sleep(FLUSH_SECONDS)
    path = stack.logs / "access.log"
    return path.read_text() if path.exists() else ""
