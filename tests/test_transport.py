"""transport.DirectTransport through the fetcher, against real servers on 127.0.0.1."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from feedserver import FeedServer, Route, feed_server_fixture, fixture  # noqa: F401

from selfwatch.config import FetchSettings
from selfwatch.fetch import fetch_all, stream_all
from selfwatch.model import FeedSpec, FeedState, FetchResult
from selfwatch.transport import DEADLINE, DirectTransport

NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
FAST = FetchSettings(timeout=2.0)
FEED = fixture("mastodon.rss")


def jobs(*urls: str) -> list[tuple[FeedSpec, FeedState]]:
    return [(FeedSpec(url=u, kind="url", profile="jane"), FeedState(u)) for u in urls]


def test_connections_are_kept_alive_across_feeds(feed_server: FeedServer) -> None:
    urls = [feed_server.add(f"/k{i}.xml", Route(body=FEED, etag=f'"k{i}"')) for i in range(6)]
    settings = replace(FAST, concurrency=1, per_host=1)
    results = fetch_all(jobs(*urls), settings, now=NOW)
    assert [r.status for r in results] == ["ok"] * 6
    assert len({seen.peer for seen in feed_server.requests}) == 1
    again = fetch_all(
        [
            (FeedSpec(u, "url", "jane"), FeedState(u, etag=r.etag))
            for u, r in zip(urls, results, strict=True)
        ],
        settings,
        now=NOW,
    )
    assert [r.status for r in again] == ["not_modified"] * 6
    # One connection per cycle: a 304 leaves its connection ready for the next request.
    assert len({seen.peer for seen in feed_server.requests}) == 2


class _RawServer:
    """A TCP server on 127.0.0.1 that hands each connection to ``serve`` in a thread."""

    def __init__(self, serve: Callable[[socket.socket, int], None]) -> None:
        self.serve = serve
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self.serve, args=(conn, self.connections), daemon=True).start()

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


@pytest.fixture
def raw() -> Iterator[Callable[[Callable[[socket.socket, int], None]], _RawServer]]:
    servers: list[_RawServer] = []

    def start(serve: Callable[[socket.socket, int], None]) -> _RawServer:
        servers.append(_RawServer(serve))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def _answer(conn: socket.socket) -> None:
    conn.recv(65_536)
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
    conn.sendall(head + b"Content-Length: %d\r\n\r\n%s" % (len(FEED), FEED))


def test_a_server_that_trickles_its_answer_is_cut_off_at_the_deadline(raw) -> None:
    def trickle(conn: socket.socket, _: int) -> None:
        with conn:
            conn.recv(65_536)
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"z" * 1000:
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return
                time.sleep(0.02)  # each byte well within any read timeout

    server = raw(trickle)
    url = f"http://127.0.0.1:{server.port}/feed.xml"
    started = time.perf_counter()
    (result,) = fetch_all(jobs(url), replace(FAST, timeout=0.3), now=NOW)
    assert time.perf_counter() - started < 1.0
    assert result.error == f"{url}: timed out after 0.3 s (fetch.timeout)"


def _trickle_handshake(conn: socket.socket) -> None:
    """Read the ClientHello, then send a 16 kB handshake record a byte at a time."""
    with conn:
        conn.recv(65_536)
        try:
            conn.sendall(b"\x16\x03\x03\x40\x00")
            for _ in range(250):
                conn.sendall(b"\x02")
                time.sleep(0.02)  # each byte well within any read timeout
        except OSError:
            return


def test_a_server_that_trickles_its_tls_handshake_is_cut_off_at_the_deadline(raw) -> None:
    server = raw(lambda conn, _: _trickle_handshake(conn))
    url = f"https://127.0.0.1:{server.port}/feed.xml"
    started = time.perf_counter()
    (result,) = fetch_all(jobs(url), replace(FAST, timeout=0.3), now=NOW)
    assert time.perf_counter() - started < 1.0
    assert result.error == f"{url}: timed out after 0.3 s (fetch.timeout)"


def test_a_slow_connect_leaves_the_tls_handshake_only_the_time_left() -> None:
    # A full accept queue drops the SYN: the kernel sends it again after 1 s, so the TCP
    # connection takes 1 s of the 1.5 s; the handshake then trickles. Each step alone keeps
    # within the timeout; together they must too.
    listener = socket.create_server(("127.0.0.1", 0), backlog=0)
    port = listener.getsockname()[1]
    filler = socket.create_connection(("127.0.0.1", port))

    def serve() -> None:
        time.sleep(0.2)
        listener.accept()[0].close()  # the filler: the queue has room for the retried SYN
        _trickle_handshake(listener.accept()[0])

    threading.Thread(target=serve, daemon=True).start()
    url = f"https://127.0.0.1:{port}/feed.xml"
    try:
        started = time.perf_counter()
        (result,) = fetch_all(jobs(url), replace(FAST, timeout=1.5), now=NOW)
        elapsed = time.perf_counter() - started
    finally:
        filler.close()
        listener.close()
    assert result.error == f"{url}: timed out after 1.5 s (fetch.timeout)"
    assert elapsed < 2.2  # the connection and a handshake given the whole 1.5 s: over 2.5 s


def test_a_kept_alive_connection_the_server_closed_is_retried_on_a_new_one(raw) -> None:
    def once(conn: socket.socket, _: int) -> None:
        with conn:  # answers one request, then closes without saying so
            _answer(conn)
            time.sleep(0.05)

    server = raw(once)
    transport = DirectTransport()
    with httpx.Client(transport=transport) as client:
        first = client.get(f"http://127.0.0.1:{server.port}/a.xml")
        time.sleep(0.2)  # the server has closed the connection kept for reuse
        second = client.get(f"http://127.0.0.1:{server.port}/b.xml")
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.content == FEED
    assert server.connections == 2


def test_a_server_that_hangs_up_mid_body_is_an_error(raw) -> None:
    def hang_up(conn: socket.socket, _: int) -> None:
        with conn:
            conn.recv(65_536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n<rss>")

    server = raw(hang_up)
    url = f"http://127.0.0.1:{server.port}/feed.xml"
    (result,) = fetch_all(jobs(url), FAST, now=NOW)
    assert result.status == "error"
    assert result.error.startswith(f"{url}: cannot connect or read: ")


def test_a_deadline_already_past_fails_without_connecting(raw) -> None:
    server = raw(lambda conn, _: _answer(conn))
    request = httpx.Request("GET", f"http://127.0.0.1:{server.port}/x")
    request.extensions[DEADLINE] = time.monotonic() - 1
    with pytest.raises(httpx.ConnectTimeout):
        DirectTransport().handle_request(request)
    assert server.connections == 0


def test_a_proxy_in_the_environment_is_used(
    feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The feed server plays the proxy: it is asked for the absolute URL.
    target = "http://feeds.invalid/jane.xml"
    feed_server.add(target, Route(body=FEED))
    monkeypatch.setenv("HTTP_PROXY", feed_server.url(""))
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    (result,) = fetch_all(jobs(target), FAST, now=NOW)
    assert result.status == "ok" and len(result.posts) == 2


def test_closing_the_stream_early_cuts_off_what_is_in_flight(feed_server: FeedServer) -> None:
    fast = feed_server.add("/fast.xml", Route(body=FEED))
    slow = [feed_server.add(f"/slow{i}.xml", Route(body=FEED, delay=5.0)) for i in range(3)]
    started = time.perf_counter()
    results = stream_all(jobs(fast, *slow), replace(FAST, timeout=10.0), now=NOW)
    first: FetchResult = next(results)
    results.close()
    assert first.url == fast and first.status == "ok"
    assert time.perf_counter() - started < 2.0


def test_https_with_the_certificates_httpx_trusts(
    certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    with FeedServer(tls=context) as server:
        urls = [server.add(f"/t{i}.xml", Route(body=FEED)) for i in range(3)]
        settings = replace(FAST, concurrency=1, per_host=1)
        # Not trusted by default (certifi's authorities): a clear error, no post.
        (refused, *_) = fetch_all(jobs(*urls), settings, now=NOW)
        assert refused.status == "error" and "CERTIFICATE_VERIFY_FAILED" in refused.error
        # Trusted through SSL_CERT_FILE, as httpx's own transport trusts it.
        monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
        results = fetch_all(jobs(*urls), settings, now=NOW)
    assert [r.status for r in results] == ["ok"] * 3
    assert urls[0].startswith("https://127.0.0.1:")
    assert len({seen.peer for seen in server.requests[-3:]}) == 1  # one kept-alive connection


def test_a_resolver_that_hangs_is_cut_off_at_the_deadline(feed_server: FeedServer) -> None:
    answer = threading.Event()
    asked: list[str] = []

    def hanging(host: str, port: int) -> list[tuple[object, ...]]:
        asked.append(host)
        # Released long after the deadline: a look-up the deadline does not bound succeeds.
        answer.wait()
        return socket.getaddrinfo("127.0.0.1", port, 0, socket.SOCK_STREAM)

    release = threading.Timer(10.0, answer.set)
    release.start()
    slow_a = feed_server.add("/a.xml", Route(body=FEED)).replace("127.0.0.1", "feeds.test")
    slow_b = feed_server.add("/b.xml", Route(body=FEED)).replace("127.0.0.1", "feeds.test")
    quick = feed_server.add("/c.xml", Route(body=FEED))
    try:
        results = fetch_all(
            jobs(slow_a, slow_b, quick),
            replace(FAST, timeout=0.5),
            now=NOW,
            transport=DirectTransport(resolver=hanging),
        )
    finally:
        answer.set()
        release.cancel()
    assert [r.error for r in results[:2]] == [
        f"{slow_a}: timed out after 0.5 s (fetch.timeout)",
        f"{slow_b}: timed out after 0.5 s (fetch.timeout)",
    ]
    assert results[2].status == "ok"  # another host's feed is not held up
    assert asked == ["feeds.test"]  # one look-up per host, not one per feed
    assert [seen.path for seen in feed_server.requests] == ["/c.xml"]


def test_a_hanging_look_up_holds_one_thread_however_many_cycles_ask(
    feed_server: FeedServer,
) -> None:
    answer = threading.Event()
    asked: list[str] = []

    def hanging(host: str, port: int) -> list[tuple[object, ...]]:
        asked.append(host)
        answer.wait()
        return socket.getaddrinfo("127.0.0.1", port, 0, socket.SOCK_STREAM)

    url = feed_server.add("/a.xml", Route(body=FEED)).replace("127.0.0.1", "feeds.test")
    settings = replace(FAST, timeout=0.2)
    try:
        for _ in range(3):  # three cycles, each with a transport of its own, as the agent's
            transport = DirectTransport(resolver=hanging)
            (result,) = fetch_all(jobs(url), settings, now=NOW, transport=transport)
            assert result.error == f"{url}: timed out after 0.2 s (fetch.timeout)"
        assert asked == ["feeds.test"]  # one look-up, so one thread, waited on by every cycle
    finally:
        answer.set()
    # Once it has ended, the next cycle looks the name up afresh, and gets its answer.
    for thread in threading.enumerate():
        if thread.name == "selfwatch-dns":
            thread.join(5)
    transport = DirectTransport(resolver=hanging)
    (result,) = fetch_all(jobs(url), settings, now=NOW, transport=transport)
    assert result.status == "ok", result.error
    assert asked == ["feeds.test", "feeds.test"]


def test_the_resolver_answers_for_the_name_the_request_carries(feed_server: FeedServer) -> None:
    def local(host: str, port: int) -> list[tuple[object, ...]]:
        assert host == "feeds.test"
        return socket.getaddrinfo("127.0.0.1", port, 0, socket.SOCK_STREAM)

    url = feed_server.add("/a.xml", Route(body=FEED)).replace("127.0.0.1", "feeds.test")
    (result,) = fetch_all(jobs(url), FAST, now=NOW, transport=DirectTransport(resolver=local))
    assert result.status == "ok", result.error
    assert result.posts
    assert feed_server.requests[0].headers["host"] == f"feeds.test:{feed_server.port}"
