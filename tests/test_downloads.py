"""The fetcher's own downloads (one thread, downloads.Downloads) against real servers on 127.0.0.1.

What a server can do wrong at the socket level: answer and close without saying so, answer
without a length, in chunks, with a huge error page, with endless headers or with junk, trickle
its answer or its TLS handshake, hang up mid-body; and what the system resolver can do: hang.
Everything goes through ``fetch_all`` (or ``stream_all``) as a cycle does.
"""

from __future__ import annotations

import gzip
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from feedserver import FeedServer, Route, feed_server_fixture, fixture  # noqa: F401

from selfwatch.config import FetchSettings
from selfwatch.fetch import fetch_all, stream_all
from selfwatch.model import FeedSpec, FeedState, FetchResult

NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
FAST = FetchSettings(timeout=2.0)
FEED = fixture("mastodon.rss")
ONE_AT_A_TIME = replace(FAST, concurrency=1, per_host=1)


def jobs(*urls: str) -> list[tuple[FeedSpec, FeedState]]:
    return [(FeedSpec(url=u, kind="url", profile="jane"), FeedState(u)) for u in urls]


class _RawServer:
    """A TCP server on 127.0.0.1 that hands each connection to ``serve`` in a thread."""

    def __init__(self, serve: Callable[[socket.socket, int], None]) -> None:
        self.serve = serve
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self.serve, args=(conn, self.connections), daemon=True).start()


@pytest.fixture
def raw() -> Iterator[Callable[[Callable[[socket.socket, int], None]], _RawServer]]:
    servers: list[_RawServer] = []

    def start(serve: Callable[[socket.socket, int], None]) -> _RawServer:
        servers.append(_RawServer(serve))
        return servers[-1]

    yield start
    for server in servers:
        server.sock.close()


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65_536)
        if not chunk:
            break
        data += chunk
    return data


@pytest.mark.parametrize("reads", [False, True], ids=["reset", "closed"])
def test_a_kept_alive_connection_the_server_closed_is_retried_on_a_new_one(
    raw, reads: bool
) -> None:
    def once(conn: socket.socket, _: int) -> None:
        with conn:  # answers one request, then closes without saying so
            _read_request(conn)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(FEED), FEED))
            if reads:  # the next request arrives, and the connection ends without an answer
                _read_request(conn)
            else:  # the next request is sent meanwhile, unread: closing resets the connection
                time.sleep(0.2)

    server = raw(once)
    results = fetch_all(jobs(server.url("/a.xml"), server.url("/b.xml")), ONE_AT_A_TIME, now=NOW)
    assert [(r.status, len(r.posts)) for r in results] == [("ok", 2), ("ok", 2)]
    assert server.connections == 2


def test_a_body_without_a_length_is_read_to_the_close(raw) -> None:
    def old_style(conn: socket.socket, _: int) -> None:
        with conn:
            _read_request(conn)
            conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: application/rss+xml\r\n\r\n" + FEED)

    server = raw(old_style)
    results = fetch_all(jobs(server.url("/a.xml"), server.url("/b.xml")), ONE_AT_A_TIME, now=NOW)
    assert [(r.status, len(r.posts)) for r in results] == [("ok", 2), ("ok", 2)]
    assert server.connections == 2  # a body read to the close leaves no connection to keep


def test_a_chunked_body_is_put_together(raw) -> None:
    def chunked(conn: socket.socket, _: int) -> None:
        with conn:
            _read_request(conn)
            head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            parts = [FEED[i : i + 100] for i in range(0, len(FEED), 100)]
            body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"
            conn.sendall(head + body)

    server = raw(chunked)
    (result,) = fetch_all(jobs(server.url("/a.xml")), FAST, now=NOW)
    assert (result.status, len(result.posts)) == ("ok", 2)


def test_a_big_error_page_is_given_up_and_its_connection_not_kept(raw) -> None:
    def big_404_then_feed(conn: socket.socket, n: int) -> None:
        with conn:
            _read_request(conn)
            if n > 1:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(FEED), FEED))
                return
            # 100 kB of a 5 MB page, then nothing: only a client that gives the page up goes on
            conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 5000000\r\n\r\n")
            try:
                conn.sendall(b"x" * 100_000)
            except OSError:
                return
            time.sleep(3)

    server = raw(big_404_then_feed)
    started = time.perf_counter()
    missing, found = fetch_all(
        jobs(server.url("/gone.xml"), server.url("/a.xml")), ONE_AT_A_TIME, now=NOW
    )
    assert missing.status == "error" and "HTTP 404" in missing.error, missing.error
    assert (found.status, len(found.posts)) == ("ok", 2)
    assert server.connections == 2
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 200 OK\nContent-Length: %d\n\n%s" % (len(FEED), FEED),
        b"HTTP/1.1 200 OK\r\nX-Odd: a\x01b\x7f\r\nContent-Length: %d\r\n\r\n%s" % (len(FEED), FEED),
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
        + b"%x  \r\n%s\r\n0\r\n\r\n" % (len(FEED), FEED),
        b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s\r\n\r\n"
        % (len(FEED), FEED),
    ],
    ids=[
        "LF alone",
        "control characters in a header",
        "length beside chunked",
        "bytes after the answer",
    ],
)
def test_a_sloppy_answer_http_client_read_is_read(raw, answer: bytes) -> None:
    def sloppy(conn: socket.socket, _: int) -> None:
        with conn:
            _read_request(conn)
            conn.sendall(answer)

    server = raw(sloppy)
    (result,) = fetch_all(jobs(server.url("/a.xml")), FAST, now=NOW)
    assert (result.status, len(result.posts)) == ("ok", 2), result.error


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 200 OK\r\n" + b"X-Many: y\r\n" * 150 + b"\r\n",
        b"HTTP/1.1 200 OK\r\nX-Long: " + b"y" * 100_000 + b"\r\n\r\n",
        b"SSH-2.0-OpenSSH_9.6\r\n\r\n",
    ],
    ids=["too many headers", "endless header", "not HTTP"],
)
def test_a_broken_answer_is_an_error(raw, answer: bytes) -> None:
    def broken(conn: socket.socket, _: int) -> None:
        with conn:
            _read_request(conn)
            try:
                conn.sendall(answer)
                time.sleep(0.5)
            except OSError:
                return

    server = raw(broken)
    url = server.url("/a.xml")
    started = time.perf_counter()
    (result,) = fetch_all(jobs(url), FAST, now=NOW)
    assert result.status == "error"
    assert result.error.startswith(f"{url}: cannot connect or read: "), result.error
    assert time.perf_counter() - started < 0.5  # refused as it came, not at the deadline


def test_the_request_names_the_host_and_sends_the_validators(raw) -> None:
    seen: list[bytes] = []

    def record(conn: socket.socket, _: int) -> None:
        with conn:
            seen.append(_read_request(conn))
            conn.sendall(b"HTTP/1.1 304 Not Modified\r\n\r\n")

    server = raw(record)
    url = server.url("/a.xml?q=jane")
    state = FeedState(url, etag='"v1"', last_modified="Tue, 10 Mar 2026 12:00:00 GMT")
    (result,) = fetch_all([(FeedSpec(url, "url", "jane"), state)], FAST, now=NOW)
    assert result.status == "not_modified"
    lines = seen[0].decode("latin-1").split("\r\n")
    assert lines[0] == "GET /a.xml?q=jane HTTP/1.1"
    assert lines[1] == f"Host: 127.0.0.1:{server.port}"
    assert 'If-None-Match: "v1"' in lines
    assert "If-Modified-Since: Tue, 10 Mar 2026 12:00:00 GMT" in lines
    assert "Accept-Encoding: gzip, deflate" in lines


def _local(host: str, port: int) -> list[tuple[object, ...]]:
    """Look any name up as 127.0.0.1."""
    return socket.getaddrinfo("127.0.0.1", port, 0, socket.SOCK_STREAM)


def _bad_then_local(bad: tuple[str, int]) -> Callable[[str, int], list[tuple[object, ...]]]:
    """Return a resolver that gives ``bad`` first, then 127.0.0.1 (a host's two addresses)."""

    def two_addresses(host: str, port: int) -> list[tuple[object, ...]]:
        good = _local(host, port)[0]
        return [(*good[:4], bad), good]

    return two_addresses


class _Hanging:
    """A resolver that answers 127.0.0.1 only once ``answer`` is set, noting each name asked."""

    def __init__(self) -> None:
        self.answer = threading.Event()
        self.asked: list[str] = []

    def __call__(self, host: str, port: int) -> list[tuple[object, ...]]:
        self.asked.append(host)
        self.answer.wait()
        return _local(host, port)


def test_a_resolver_that_hangs_is_cut_off_at_the_deadline(feed_server: FeedServer) -> None:
    hanging = _Hanging()
    answer, asked = hanging.answer, hanging.asked
    # Released long after the deadline: a look-up the deadline does not bound succeeds.
    release = threading.Timer(10.0, answer.set)
    release.start()
    slow_a = feed_server.add("/a.xml", Route(body=FEED)).replace("127.0.0.1", "feeds.test")
    slow_b = feed_server.add("/b.xml", Route(body=FEED)).replace("127.0.0.1", "feeds.test")
    quick = feed_server.add("/c.xml", Route(body=FEED))
    try:
        started = time.perf_counter()
        results = fetch_all(
            jobs(slow_a, slow_b, quick), replace(FAST, timeout=0.5), now=NOW, resolver=hanging
        )
        elapsed = time.perf_counter() - started
    finally:
        answer.set()
        release.cancel()
    assert [r.error for r in results[:2]] == [
        f"{slow_a}: timed out after 0.5 s (fetch.timeout)",
        f"{slow_b}: timed out after 0.5 s (fetch.timeout)",
    ]
    assert elapsed < 2.0
    assert results[2].status == "ok"  # another host's feed is not held up
    assert asked == ["feeds.test"]  # one look-up per host, not one per feed
    assert [seen.path for seen in feed_server.requests] == ["/c.xml"]


def test_a_hanging_look_up_holds_one_thread_however_many_cycles_ask(
    feed_server: FeedServer,
) -> None:
    hanging = _Hanging()
    answer, asked = hanging.answer, hanging.asked
    url = feed_server.add("/a.xml", Route(body=FEED)).replace("127.0.0.1", "feeds.test")
    settings = replace(FAST, timeout=0.2)
    try:
        for _ in range(3):  # three cycles, as the agent's
            (result,) = fetch_all(jobs(url), settings, now=NOW, resolver=hanging)
            assert result.error == f"{url}: timed out after 0.2 s (fetch.timeout)"
        assert asked == ["feeds.test"]  # one look-up, so one thread, waited on by every cycle
    finally:
        answer.set()
    # Once it has ended, the next cycle looks the name up afresh, and gets its answer.
    for thread in threading.enumerate():
        if thread.name == "selfwatch-dns":
            thread.join(5)
    (result,) = fetch_all(jobs(url), settings, now=NOW, resolver=hanging)
    assert result.status == "ok", result.error
    assert asked == ["feeds.test", "feeds.test"]


def test_a_failed_look_up_is_an_error_naming_why(feed_server: FeedServer) -> None:
    def unknown(host: str, port: int) -> list[tuple[object, ...]]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    url = feed_server.add("/a.xml", Route(body=FEED)).replace("127.0.0.1", "nowhere.test")
    (result,) = fetch_all(jobs(url), FAST, now=NOW, resolver=unknown)
    assert result.status == "error"
    assert result.error == f"{url}: cannot connect or read: [Errno -2] Name or service not known"


def test_the_resolver_answers_for_the_name_the_request_carries(feed_server: FeedServer) -> None:
    def local(host: str, port: int) -> list[tuple[object, ...]]:
        assert host == "feeds.test"
        return _local(host, port)

    url = feed_server.add("/a.xml", Route(body=FEED)).replace("127.0.0.1", "feeds.test")
    (result,) = fetch_all(jobs(url), FAST, now=NOW, resolver=local)
    assert result.status == "ok", result.error
    assert result.posts
    assert feed_server.requests[0].headers["host"] == f"feeds.test:{feed_server.port}"


def test_many_feeds_on_many_hosts_all_arrive_in_job_order(feed_server: FeedServer) -> None:
    with FeedServer() as other:
        urls = [
            (feed_server if i % 2 else other).add(f"/m{i}.xml", Route(body=FEED, etag=f'"m{i}"'))
            for i in range(40)
        ]
        results = fetch_all(jobs(*urls), replace(FAST, concurrency=5, per_host=2), now=NOW)
        assert [r.url for r in results] == urls
        assert all(r.status == "ok" and len(r.posts) == 2 for r in results)
        assert max(feed_server.peak, other.peak) <= 2


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
    url = server.url("/feed.xml")
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


def test_a_server_that_hangs_up_mid_body_is_an_error(raw) -> None:
    def hang_up(conn: socket.socket, _: int) -> None:
        with conn:
            conn.recv(65_536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n<rss>")

    server = raw(hang_up)
    url = server.url("/feed.xml")
    (result,) = fetch_all(jobs(url), FAST, now=NOW)
    assert result.status == "error"
    assert result.error.startswith(f"{url}: cannot connect or read: ")


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


def _misbehave(conn: socket.socket, path: str) -> bool:
    """Answer ``path`` as its first segment says; return False to close the connection."""
    kind = path.split("/")[1]
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(FEED), FEED)
    if kind == "ok":
        conn.sendall(ok)
    elif kind == "gzip":
        body = gzip.compress(FEED)
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n%s"
            % (len(body), body)
        )
    elif kind == "chunked":
        parts = [FEED[i : i + 97] for i in range(0, len(FEED), 97)]
        body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"
        answer = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body
        for start in range(0, len(answer), 211):  # in pieces that cut lines and chunks
            conn.sendall(answer[start : start + 211])
    elif kind == "close":
        conn.sendall(b"HTTP/1.0 200 OK\r\n\r\n" + FEED)
        return False
    elif kind == "304":
        conn.sendall(b'HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n')
    elif kind == "404":
        conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found")
    elif kind == "redirect":
        conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: /ok/r\r\nContent-Length: 0\r\n\r\n")
    elif kind == "loop":
        conn.sendall(
            b"HTTP/1.1 301 Moved\r\nLocation: %s\r\nContent-Length: 0\r\n\r\n" % path.encode()
        )
    elif kind == "cut":
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n<rss>")
        return False
    elif kind == "junk":
        conn.sendall(b"\x00\x01garbage\r\n\r\n")
        return False
    elif kind == "hang":
        time.sleep(2)
        return False
    return True


EXPECTED = {
    "ok": "ok", "gzip": "ok", "chunked": "ok", "close": "ok", "redirect": "ok",
    "304": "not_modified", "404": "error", "loop": "error", "cut": "error", "junk": "error",
    "hang": "error",
}  # fmt: skip


def test_every_feed_gets_its_own_answer_whatever_the_others_do(raw) -> None:
    def serve(conn: socket.socket, n: int) -> None:
        with conn:
            try:
                while request := _read_request(conn):
                    path = request.split(b" ")[1].decode()
                    # Every third connection ends after one answer without a word
                    if not _misbehave(conn, path) or n % 3 == 0:
                        return
            except OSError:
                return

    servers = [raw(serve) for _ in range(3)]
    kinds = [kind for _ in range(4) for kind in EXPECTED]
    urls = [servers[n % 3].url(f"/{kind}/{n}") for n, kind in enumerate(kinds)]
    started = time.perf_counter()
    results = fetch_all(jobs(*urls), replace(FAST, timeout=1.0, concurrency=8), now=NOW)
    assert time.perf_counter() - started < 3.0
    assert [r.url for r in results] == urls
    assert [r.status for r in results] == [EXPECTED[kind] for kind in kinds], [
        (k, r.error) for k, r in zip(kinds, results, strict=True) if r.status != EXPECTED[k]
    ]
    assert all(len(r.posts) == 2 for r in results if r.status == "ok")


def test_an_address_that_swallows_the_connection_costs_a_quarter_second(
    feed_server: FeedServer,
) -> None:
    # A full accept queue drops the SYN, again and again: what a route to nowhere does (an
    # IPv6 address on a network without IPv6, say). The host's next address works.
    listener = socket.create_server(("127.0.0.1", 0), backlog=0)
    filler = socket.create_connection(listener.getsockname())
    two_addresses = _bad_then_local(("127.0.0.1", listener.getsockname()[1]))
    url = feed_server.add("/a.xml", Route(body=FEED)).replace("127.0.0.1", "feeds.test")
    try:
        started = time.perf_counter()
        (result,) = fetch_all(
            jobs(url), replace(FAST, timeout=5.0), now=NOW, resolver=two_addresses
        )
        elapsed = time.perf_counter() - started
    finally:
        filler.close()
        listener.close()
    assert result.status == "ok", result.error
    assert elapsed < 1.0  # one address after the other: the whole 5 s deadline, then an error


def test_an_address_that_refuses_is_followed_by_the_next_at_once(feed_server: FeedServer) -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # bound, never listening: a connection is refused
    two_addresses = _bad_then_local(("127.0.0.1", closed.getsockname()[1]))
    url = feed_server.add("/a.xml", Route(body=FEED)).replace("127.0.0.1", "feeds.test")
    try:
        (result,) = fetch_all(jobs(url), FAST, now=NOW, resolver=two_addresses)
        (alone,) = fetch_all(
            jobs(url), FAST, now=NOW, resolver=lambda h, p: [(*two_addresses(h, p)[0],)]
        )
    finally:
        closed.close()
    assert result.status == "ok", result.error
    assert alone.status == "error" and "Connection refused" in alone.error, alone.error
