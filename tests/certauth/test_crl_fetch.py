"""``certauth.crl_fetch``: downloading a CRL (or an OCSP answer) from an AC's repository — only http(s), only a 200,
never more than the size limit, never past the deadline however slowly the server answers."""

from __future__ import annotations

import http.server
import socket
import threading
import time
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from certauth import crl_fetch
from certauth.crl_fetch import FetchError, download, download_first

KIB = 1024
LIMIT = 64 * KIB

Answer = Callable[[http.server.BaseHTTPRequestHandler], None]


class Repository:
    """An AC's repository on loopback whose answer per path is a function of the request handler."""

    def __init__(self) -> None:
        self.routes: dict[str, Answer] = {}
        self.hits: list[str] = []
        self.sent: dict[str, int] = {}  #: body bytes written per path (trickle)
        routes, hits = self.routes, self.hits

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                hits.append(self.path)
                routes.get(self.path, not_found)(self)

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def not_found(handler: http.server.BaseHTTPRequestHandler) -> None:
    answer(404, b"nao encontrado")(handler)


def answer(status: int, body: bytes, *, length: str | None = "auto", headers: dict[str, str] | None = None) -> Answer:
    """``length``: "auto" (the body's), None (no Content-Length: the body ends when the connection closes), or a
    declared value."""

    def respond(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        if length == "auto":
            handler.send_header("Content-Length", str(len(body)))
        elif length is not None:
            handler.send_header("Content-Length", length)
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(body)
        handler.close_connection = True

    return respond


@pytest.fixture
def repository() -> Iterator[Repository]:
    server = Repository()
    yield server
    server.close()


def fetch(url: str, *, timeout: float = 10, max_bytes: int = LIMIT) -> bytes:
    return download(url, timeout=timeout, max_bytes=max_bytes)


def refused(url: str, **kwargs: Any) -> str:
    with pytest.raises(FetchError) as exc:
        fetch(url, **kwargs)
    return str(exc.value)


# ---------------------------------------------------------------------------------------------- what is fetched


def test_a_200_answer_is_returned_whole(repository: Repository) -> None:
    repository.routes["/ac.crl"] = answer(200, b"x" * 3000)
    assert fetch(repository.url("/ac.crl")) == b"x" * 3000


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://127.0.0.1/ac.crl",
        "data:application/pkix-crl;base64,AAAA",
        "ldap://ldap.example/cn=AC,o=ICP-Brasil?certificateRevocationList",
        "gopher://127.0.0.1:70/",
        "/relative/ac.crl",
        "",
    ],
)
def test_anything_but_http_or_https_is_refused_without_being_opened(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[object] = []
    monkeypatch.setattr(crl_fetch._opener, "open", lambda *args, **kwargs: opened.append(args))
    message = refused(url)
    assert message == f"{url}: somente http e https são aceitos"
    assert opened == []


def test_http_in_capitals_is_still_http(repository: Repository) -> None:
    repository.routes["/ac.crl"] = answer(200, b"crl")
    assert fetch(repository.url("/ac.crl").replace("http://", "HTTP://")) == b"crl"


def test_a_redirect_to_a_non_http_scheme_is_not_followed(repository: Repository) -> None:
    """urllib follows a redirect to ftp:// by itself: the scheme check must hold for where the data comes from, not
    only for the address asked."""
    with socket.create_server(("127.0.0.1", 0)) as ftp:
        ftp.settimeout(0.5)
        target = f"ftp://127.0.0.1:{ftp.getsockname()[1]}/ac.crl"
        repository.routes["/ac.crl"] = answer(302, b"", headers={"Location": target})
        message = refused(repository.url("/ac.crl"), timeout=2)
        with pytest.raises(TimeoutError):
            ftp.accept()  # nobody connected to the ftp address
    assert message == f"{repository.url('/ac.crl')}: redirecionado para {target}: somente http e https são aceitos"


def test_a_redirect_to_another_http_address_is_followed(repository: Repository) -> None:
    repository.routes["/antigo.crl"] = answer(301, b"", headers={"Location": repository.url("/ac.crl")})
    repository.routes["/ac.crl"] = answer(200, b"crl")
    assert fetch(repository.url("/antigo.crl")) == b"crl"


# ---------------------------------------------------------------------------------------------- HTTP errors


@pytest.mark.parametrize("status", [400, 403, 404, 410, 500, 502, 503])
def test_an_http_error_answer_is_named_by_its_status(repository: Repository, status: int) -> None:
    repository.routes["/ac.crl"] = answer(status, b"<html>erro</html>")
    assert refused(repository.url("/ac.crl")) == f"{repository.url('/ac.crl')}: HTTP {status}"


@pytest.mark.parametrize("status", [201, 202, 203, 206])
def test_a_success_status_other_than_200_is_refused(repository: Repository, status: int) -> None:
    """urllib raises only for 4xx/5xx: a 206 (a part of the CRL) or a 203 (a proxy's copy) must not be taken for
    the CRL."""
    repository.routes["/ac.crl"] = answer(status, b"parte")
    assert refused(repository.url("/ac.crl")) == f"{repository.url('/ac.crl')}: HTTP {status}"


def test_a_connection_refused_is_named(repository: Repository) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/ac.crl"
    assert "refused" in refused(url).lower()


def test_a_malformed_answer_is_a_fetch_error_not_an_exception(repository: Repository) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:

        def garbage() -> None:
            client, _ = server.accept()
            with client:
                client.recv(65536)
                client.sendall(b"isto nao e HTTP\r\n\r\n")

        thread = threading.Thread(target=garbage, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{server.getsockname()[1]}/ac.crl"
        message = refused(url)
        thread.join(5)
    assert message == f"{url}: resposta HTTP inválida (BadStatusLine)"


def test_a_body_cut_short_of_its_declared_length_is_refused(repository: Repository) -> None:
    """The connection closed after 10 of the 100 bytes announced: part of a CRL is not a CRL."""
    with socket.create_server(("127.0.0.1", 0)) as server:

        def cut_short() -> None:
            client, _ = server.accept()
            with client:
                client.recv(65536)
                client.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")

        thread = threading.Thread(target=cut_short, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{server.getsockname()[1]}/ac.crl"
        message = refused(url)
        thread.join(5)
    assert message == f"{url}: resposta incompleta (10 de 100 bytes)"


# ---------------------------------------------------------------------------------------------- size limits


def test_a_declared_length_above_the_limit_is_refused_before_the_body_is_read(
    repository: Repository, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[float] = []
    original = crl_fetch._set_read_timeout
    monkeypatch.setattr(crl_fetch, "_set_read_timeout", lambda r, s: (reads.append(s), original(r, s)))
    repository.routes["/grande.crl"] = answer(200, b"x" * 16, length=str(LIMIT + 1))
    message = refused(repository.url("/grande.crl"))
    assert message == f"{repository.url('/grande.crl')}: {LIMIT + 1:,} bytes, acima do limite de {LIMIT:,}"
    assert reads == []  # not one read of the body


@pytest.mark.parametrize("length", [None, "16"], ids=["no Content-Length", "a Content-Length that lies"])
def test_a_body_above_the_limit_is_refused_while_reading(repository: Repository, length: str | None) -> None:
    """Without a (truthful) Content-Length the limit is counted on the bytes actually read."""
    repository.routes["/grande.crl"] = answer(200, b"x" * (LIMIT + 1), length=length)
    if length == "16":  # http.client reads only the declared 16 bytes: a lying length cannot smuggle more in
        assert fetch(repository.url("/grande.crl")) == b"x" * 16
    else:
        assert refused(repository.url("/grande.crl")) == f"{repository.url('/grande.crl')}: mais de {LIMIT:,} bytes"


def test_a_body_of_exactly_the_limit_is_accepted(repository: Repository) -> None:
    repository.routes["/ac.crl"] = answer(200, b"x" * LIMIT, length=None)
    assert len(fetch(repository.url("/ac.crl"))) == LIMIT
    repository.routes["/ac.crl"] = answer(200, b"x" * LIMIT)
    assert len(fetch(repository.url("/ac.crl"))) == LIMIT


# ---------------------------------------------------------------------------------------------- the deadline


class StepClock:
    """crl_fetch's clock: each look at it is ``step`` seconds later than the one before (no real waiting)."""

    def __init__(self, step: float) -> None:
        self.now, self.step, self.looks = 1000.0, step, 0

    def monotonic(self) -> float:
        self.looks += 1
        self.now += self.step
        return self.now


def trickle(repository: Repository, path: str, *, declared: int) -> Answer:
    """200 with ``declared`` bytes announced, then one byte every 2 ms (real time), as long as the client reads."""

    def respond(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(declared))
        handler.end_headers()
        repository.sent[path] = 0
        try:
            for _ in range(declared):
                handler.wfile.write(b"0")
                handler.wfile.flush()
                repository.sent[path] += 1
                time.sleep(0.002)
        except OSError:
            pass
        handler.close_connection = True

    return respond


def test_a_trickling_server_is_abandoned_at_the_deadline_not_after_its_last_byte(
    repository: Repository, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server that answers 200 and then sends one byte at a time (an overloaded repository) never trips a per-read
    timeout: the download has one deadline for the whole body, and each read waits at most the time left. With a
    controlled clock (half a second per look), a 2 s deadline ends the download after exactly three reads."""
    clock = StepClock(0.5)
    monkeypatch.setattr(crl_fetch, "time", SimpleNamespace(monotonic=clock.monotonic))
    waits: list[float] = []
    original = crl_fetch._set_read_timeout
    monkeypatch.setattr(crl_fetch, "_set_read_timeout", lambda r, s: (waits.append(s), original(r, s)))
    repository.routes["/lenta.crl"] = trickle(repository, "/lenta.crl", declared=500)

    message = refused(repository.url("/lenta.crl"), timeout=2)

    assert message == f"{repository.url('/lenta.crl')}: tempo esgotado (2 s)"
    assert waits == [1.5, 1.0, 0.5]  # each read may wait only for the time left
    assert clock.looks == 5  # the deadline, then one look before each of the three reads and the one that ended it


def test_a_server_that_never_answers_ends_at_the_deadline() -> None:
    """The connection is accepted (by the kernel) and nothing comes back: the socket's timeout ends it."""
    with socket.create_server(("127.0.0.1", 0)) as black_hole:
        url = f"http://127.0.0.1:{black_hole.getsockname()[1]}/ac.crl"
        assert refused(url, timeout=0.3) == f"{url}: tempo esgotado (0.3 s)"


def test_a_read_that_outlives_the_deadline_ends_as_the_deadline(repository: Repository) -> None:
    """Headers, then silence: the read waits only for the time left, and its timeout is the download's deadline."""
    stop = threading.Event()

    def headers_then_silence(handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", "100")
        handler.end_headers()
        handler.wfile.flush()
        stop.wait(10)
        handler.close_connection = True

    repository.routes["/muda.crl"] = headers_then_silence
    try:
        message = refused(repository.url("/muda.crl"), timeout=0.5)
    finally:
        stop.set()
    assert message == f"{repository.url('/muda.crl')}: tempo esgotado (0.5 s)"


# ---------------------------------------------------------------------------------------------- every URL in turn


def test_download_first_takes_the_first_url_that_answers(repository: Repository) -> None:
    repository.routes["/b.crl"] = answer(200, b"crl b")
    repository.routes["/c.crl"] = answer(200, b"crl c")
    fetched = download_first(
        ["ftp://x/a.crl", repository.url("/a.crl"), repository.url("/b.crl"), repository.url("/c.crl")],
        timeout=5,
        max_bytes=LIMIT,
    )
    assert (fetched.url, fetched.data) == (repository.url("/b.crl"), b"crl b")
    assert repository.hits == ["/a.crl", "/b.crl"]


def test_download_first_lists_why_every_url_failed(repository: Repository) -> None:
    with pytest.raises(FetchError) as exc:
        download_first(["ftp://x/a.crl", repository.url("/a.crl")], timeout=5, max_bytes=LIMIT)
    assert str(exc.value) == f"ftp://x/a.crl: somente http e https são aceitos; {repository.url('/a.crl')}: HTTP 404"
    with pytest.raises(FetchError, match="nenhum endereço de LCR conhecido"):
        download_first([], timeout=5, max_bytes=LIMIT)
