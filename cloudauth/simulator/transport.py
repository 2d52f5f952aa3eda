"""HTTP plumbing of the simulator: a threading server and a handler that hand every request to it."""

from __future__ import annotations

import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from cloudauth.simulator.model import MAX_BODY_BYTES
from cloudauth.simulator.protocol import _invalid, _Problem, _Response

if TYPE_CHECKING:
    from cloudauth.simulator.psc import PscSimulator

# --------------------------------------------------------------------------------------------------------------------
# HTTP plumbing


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], simulator: PscSimulator) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.simulator = simulator
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay silent (the default prints a traceback to stderr)."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "PscSimulator/1.0"
    sys_version = ""
    timeout = 10  # seconds a client may take to send its request

    def do_GET(self) -> None:  # noqa: N802
        self._dispatch()

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch()

    def do_PUT(self) -> None:  # noqa: N802
        self._dispatch()

    def do_PATCH(self) -> None:  # noqa: N802
        self._dispatch()

    def do_DELETE(self) -> None:  # noqa: N802
        self._dispatch()

    def do_HEAD(self) -> None:  # noqa: N802
        self._dispatch()

    def do_OPTIONS(self) -> None:  # noqa: N802
        self._dispatch()

    def log_message(self, format: str, *args: Any) -> None:
        """Never log (the default writes to stderr)."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Malformed request lines and headers get a JSON answer too."""
        self.close_connection = True
        self._send(_Response.json(code, {"error": "invalid_request"}))

    def _dispatch(self) -> None:
        self.close_connection = True
        simulator: PscSimulator = self.server.simulator  # type: ignore[attr-defined]
        try:
            response = simulator._handle(self.command, self.path, self.headers.items(), self._read_body)
        except Exception:  # a bug of the simulator must not become a traceback on stderr
            response = _Problem(500, "server_error").response()
        if response is not None:
            self._send(response)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding"):
            raise _Problem(411, "invalid_request", "chunked bodies are not supported; send Content-Length")
        length_header = self.headers.get("Content-Length", "0").strip()
        if not length_header.isdigit():
            raise _invalid("invalid Content-Length")
        length = int(length_header)
        if length > MAX_BODY_BYTES:
            raise _Problem(413, "invalid_request", "body too large")
        return self.rfile.read(length)

    def _send(self, response: _Response) -> None:
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("Connection", "close")
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)
        except OSError:  # the client went away (e.g. it timed out during a delay)
            pass
