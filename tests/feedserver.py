"""A real HTTP server for feed tests: fixtures by path, with per-route behaviour.

Usage in a test (the ``feed_server`` fixture starts one on 127.0.0.1, port 0)::

    def test_x(feed_server: FeedServer) -> None:
        url = feed_server.add("/news.xml", Route(body=fixture("google_news.xml"), etag='"v1"'))
        ...
        assert feed_server.count("/news.xml") == 2

A Route can answer with any status and headers, honour If-None-Match / If-Modified-Since
with a 304, wait before answering, gzip its body, redirect, or stream a huge body in
chunks. The server records every request and the peak number served at once.
To use the fixture from another test module or a conftest::

    from feedserver import feed_server_fixture  # noqa: F401
"""

from __future__ import annotations

import gzip
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"


def fixture(name: str) -> bytes:
    """Return the bytes of ``tests/fixtures/feeds/<name>``."""
    return (FIXTURES / name).read_bytes()


@dataclass
class Route:
    """How the server answers one path."""

    body: bytes = b""
    status: int = 200
    content_type: str = "application/rss+xml; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    """Sent as ETag; a matching If-None-Match gets a 304."""
    last_modified: str | None = None
    """Sent as Last-Modified; an If-Modified-Since at or after it gets a 304."""
    delay: float = 0.0
    """Seconds to wait before answering."""
    gzip: bool = False
    """Compress the body when the client accepts gzip."""
    stream_size: int = 0
    """Instead of ``body``, stream this many bytes in chunks (chunked encoding, no length)."""
    location: str | None = None
    """Redirect target; use with a 3xx ``status``."""
    gate: threading.Event | None = None
    """Hold every answer until this is set (the test decides when the server may go on)."""
    arrived: threading.Event = field(default_factory=threading.Event)
    """Set when a request for this route has arrived."""


@dataclass(frozen=True)
class Seen:
    """One request the server received."""

    path: str
    headers: dict[str, str]
    at: float
    """``time.monotonic()`` when the request arrived."""
    peer: tuple[str, int] = ("", 0)
    """The client's address and port: one per TCP connection."""


class FeedServer:
    """A ThreadingHTTPServer on a loopback address, serving Routes by path."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        delay: float = 0.0,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Seen] = []
        self.delay = delay
        """Latency added to every request (on top of a route's own delay)."""
        self.active = 0
        self.peak = 0
        self.closing = threading.Event()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((host, port), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False  # a handler still sleeping must not stall stop()
        self._httpd.feeds = self  # type: ignore[attr-defined]
        if tls is not None:  # HTTPS: every connection is TLS with the given server context
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True)
        self.scheme = "https" if tls is not None else "http"
        self.host = host
        self.port = self._httpd.server_address[1]
        # A short poll interval so stop() returns at once instead of after up to 0.5 s.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def start(self) -> FeedServer:
        """Start serving in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; handlers still waiting on a delay give up at once."""
        self.closing.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def url(self, path: str) -> str:
        """Return the absolute URL of ``path`` on this server."""
        return f"{self.scheme}://{self.host}:{self.port}{path}"

    def add(self, path: str, route: Route) -> str:
        """Serve ``route`` at ``path`` and return its URL."""
        self.routes[path] = route
        return self.url(path)

    def count(self, path: str | None = None) -> int:
        """Return how many requests came for ``path`` (all paths when None)."""
        with self._lock:
            return sum(1 for r in self.requests if path is None or r.path == path)

    def seen(self, path: str) -> list[Seen]:
        """Return the requests received for ``path``, oldest first."""
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def _enter(self, seen: Seen) -> None:
        with self._lock:
            self.requests.append(seen)
            self.active += 1
            self.peak = max(self.peak, self.active)

    def _leave(self) -> None:
        with self._lock:
            self.active -= 1


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as real feed servers do
    # Headers and body go out in two writes; with Nagle's algorithm the body then waits for the
    # client's delayed ACK (up to 40 ms) whenever requests overlap. Real servers set
    # TCP_NODELAY (nginx's default), and so does this one (measured: a 500-feed cycle took
    # 2.4 s with Nagle, 1.35 s without; the one-at-a-time loop was unchanged).
    disable_nagle_algorithm = True
    server_version = "feedserver/1"

    def log_message(self, format: str, *args: object) -> None:  # quiet test output
        pass

    def do_GET(self) -> None:
        feeds: FeedServer = self.server.feeds  # type: ignore[attr-defined]
        feeds._enter(
            Seen(
                self.path,
                {k.lower(): v for k, v in self.headers.items()},
                time.monotonic(),
                self.client_address[:2],
            )
        )
        try:
            route = feeds.routes.get(self.path)
            wait = feeds.delay + (route.delay if route else 0.0)
            if wait and feeds.closing.wait(wait):
                return
            if route is not None:
                route.arrived.set()
                if route.gate is not None and not route.gate.wait(30):
                    return
            if route is None:
                self._send(404, {"Content-Type": "text/plain"}, b"not found")
            else:
                self._answer(route)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout, size cap): nothing to clean up
        finally:
            feeds._leave()

    def _answer(self, route: Route) -> None:
        headers = {"Content-Type": route.content_type, **route.headers}
        if route.etag:
            headers["ETag"] = route.etag
        if route.last_modified:
            headers["Last-Modified"] = route.last_modified
        if route.location:
            headers["Location"] = route.location
        if route.status == 200 and self._not_modified(route):
            self._send(304, {k: v for k, v in headers.items() if k != "Content-Type"}, b"")
        elif route.stream_size:
            self._stream(route, headers)
        else:
            body = route.body
            if route.gzip and "gzip" in self.headers.get("Accept-Encoding", ""):
                body = gzip.compress(body)
                headers["Content-Encoding"] = "gzip"
            self._send(route.status, headers, body)

    def _not_modified(self, route: Route) -> bool:
        tags = self.headers.get("If-None-Match")
        if route.etag and tags:
            wanted = {t.strip().removeprefix("W/") for t in tags.split(",")}
            return route.etag.removeprefix("W/") in wanted or "*" in wanted
        since = self.headers.get("If-Modified-Since")
        if route.last_modified and since:
            try:
                return parsedate_to_datetime(route.last_modified) <= parsedate_to_datetime(since)
            except (TypeError, ValueError):
                return False
        return False

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304:
            self.wfile.write(body)

    def _stream(self, route: Route, headers: dict[str, str]) -> None:
        self.send_response(route.status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b"<!-- " + b"x" * (64 * 1024 - 9) + b" -->"
        sent = 0
        while sent < route.stream_size:
            part = chunk[: route.stream_size - sent]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            sent += len(part)
        self.wfile.write(b"0\r\n\r\n")


@pytest.fixture(name="feed_server")
def feed_server_fixture() -> Iterator[FeedServer]:
    """Yield a FeedServer on 127.0.0.1 with a free port, stopped after the test."""
    with FeedServer() as server:
        yield server
