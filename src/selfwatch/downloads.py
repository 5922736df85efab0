"""A cycle's feeds downloaded by one thread: non-blocking sockets, answers read by httptools.

A thread per request spent more CPU on itself than the request: ``http.client`` parses each
answer's headers with the ``email`` package and reads through a buffered file, and sixteen
threads passing one interpreter lock back and forth doubled that (about 0.2 s of CPU for 500
feeds on one machine, against 0.03 s here). ``Downloads`` keeps every request of a cycle in
one selector loop; httptools (llhttp, the parser of Node.js, in C) reads the answers.

What a request may do is what ``fetch._download`` lets it do over any other client:

* keep-alive connections per (scheme, host, port), ``per_host`` feeds of one host and
  ``concurrency`` feeds in all at once, in job order;
* one deadline per feed, ``timeout`` seconds after it starts, bounding everything: the
  look-up, the TCP connection, the TLS handshake, every redirect and the body's last byte.
  Past it the feed fails with ``ConnectTimeout`` or ``ReadTimeout``. A server that trickles
  its answer a byte at a time cannot hold anything up: nothing here blocks;
* the system resolver cannot be interrupted: a name is looked up in a thread of its own
  (``connections.Names``, shared with later cycles while it runs), and the loop is woken when
  the answer comes;
* a host's addresses are tried in the resolver's order, the next one ``NEXT_ADDRESS`` seconds
  after the last if that has neither connected nor failed (RFC 8305): the first to connect wins;
* a kept-alive connection the server closed meanwhile is retried once on a new one;
* a body past ``max_bytes`` (declared or decoded) fails the feed as soon as it is known;
  gzip and deflate are undone as the body arrives; the answer to anything but a 200 is read
  up to 64 kB (so its connection can be used again) and not kept;
* redirects are followed by hand (``Redirects``): loops, too many, and permanent moves.

Outcomes are handed to ``done`` as they come, from this loop's thread, with the feed's start
(``time.perf_counter``): a ``Download``, or the exception that ended the feed (``Refused``,
``BadEncoding``, a ``connections.TransportFailure``). ``stop`` cuts everything off from
another thread.
"""

from __future__ import annotations

import collections
import contextlib
import errno
import heapq
import itertools
import os
import selectors
import socket
import sys
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

import httptools

from .future import Future

if TYPE_CHECKING:  # imported when the first https feed connects: plain http never needs it
    import ssl

from .connections import (
    PORTS,
    AddrInfo,
    ConnectFailed,
    ConnectTimeout,
    Names,
    ProtocolFailed,
    ReadFailed,
    ReadTimeout,
    Resolver,
    UnsupportedScheme,
    tls_context,
)

__all__ = [
    "DRAIN_LIMIT",
    "KEPT",
    "PERMANENT_CODES",
    "REDIRECT_CODES",
    "BadEncoding",
    "Download",
    "Downloads",
    "Redirects",
    "Refused",
    "decoders",
    "grew_too_big",
    "too_big",
]

KEPT = ("etag", "last-modified", "content-type", "retry-after")
"""The headers a Download keeps, by their lower-case names."""

REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
PERMANENT_CODES = frozenset({301, 308})

DRAIN_LIMIT = 65_536
"""The most of a non-200 answer's body read (to keep its connection) before giving it up."""

HEADER_LIMIT = 65_536
"""The most bytes an answer's status line and headers may take (http.client's line limit)."""

MAX_HEADERS = 100
"""The most header lines an answer may have, as http.client allows."""

NEXT_ADDRESS = 0.25
"""Seconds an address may take to connect before the next one is tried beside it (RFC 8305's
Connection Attempt Delay): an address that swallows the connection, as an IPv6 route that
goes nowhere does, then costs a quarter second, not the whole deadline."""


class Refused(Exception):
    """A feed failed in a way we can describe (too big, a redirect loop...)."""


class BadEncoding(Exception):
    """The body does not decode as its Content-Encoding says (a broken gzip stream, say)."""


@dataclass(frozen=True)
class Download:
    """A feed's final answer: its status, the headers kept (``KEPT``), and a 200's body."""

    status: int
    headers: dict[str, str]
    body: bytes
    moved_to: str | None


class Redirects:
    """Follows one feed's redirects: refuses loops and too many, notes a permanent move.

    Only an unbroken run of permanent redirects (301, 308) from the start moves the feed.
    """

    def __init__(self, url: str, limit: int) -> None:
        self.current = url
        self.moved_to: str | None = None
        self._limit = limit
        self._visited = {url}
        self._permanent = True
        self._hops = 0

    def follow(self, status: int, target: str) -> None:
        """Go on to ``target`` (absolute), where a ``status`` redirect from ``current`` points."""
        self._permanent = self._permanent and status in PERMANENT_CODES
        if self._permanent:
            self.moved_to = target
        if target in self._visited:
            raise Refused(f"redirect loop: {self.current} redirects back to {target}")
        self._visited.add(target)
        self.current = target
        self._hops += 1
        if self._hops > self._limit:
            raise Refused(f"more than {self._limit} redirects (fetch.max_redirects)")


def too_big(size: int, limit: int) -> Refused:
    """Return the failure for a body declared ``size`` bytes long, over ``limit``."""
    return Refused(f"the response is {size:,} bytes, over the limit of {limit:,} (fetch.max_bytes)")


def grew_too_big(limit: int) -> Refused:
    """Return the failure for a body that grew past ``limit`` bytes while it was read."""
    return Refused(
        f"the response is over the limit of {limit:,} bytes (fetch.max_bytes); stopped reading"
    )


class Decoder:
    """One gzip or deflate stream (deflate: zlib-wrapped, or raw as some servers send it)."""

    def __init__(self, coding: str) -> None:
        self.gzip = coding == "gzip"
        self._first = True
        self._inflate = zlib.decompressobj(zlib.MAX_WBITS | 16 if self.gzip else zlib.MAX_WBITS)

    def decode(self, data: bytes) -> bytes:
        try:
            out = self._inflate.decompress(data)
        except zlib.error as exc:
            if self.gzip or not self._first:
                raise BadEncoding(str(exc)) from exc
            self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)
            self._first = False
            return self.decode(data)
        self._first = False
        return out

    def flush(self, data: bytes) -> bytes:
        out = self.decode(data) if data else b""
        try:
            return out + self._inflate.flush()
        except zlib.error as exc:
            raise BadEncoding(str(exc)) from exc


def decoders(encoding: str) -> list[Decoder]:
    """Return the decoders for a Content-Encoding, the last coding applied first, as httpx.

    ``identity`` and codings it does not know are passed over.
    """
    codings = [c.strip().lower() for c in encoding.split(",")]
    return [Decoder(c) for c in reversed(codings) if c in ("gzip", "deflate")]


Outcome = Download | BaseException
Address = tuple[str, str, int, str]
"""Scheme, ASCII host, port and request target of a URL."""


@dataclass(eq=False)
class _Feed:
    """One feed's download: its request, where it stands, and its deadline."""

    job: int
    slot: str
    """The host its place in the per-host limit is counted by (the first URL's)."""
    redirects: Redirects
    headers: str
    """Its own request headers (validators), each line with its CRLF."""
    deadline: float
    started: float
    """When it started, by ``time.perf_counter``."""
    conn: _Conn | None = None
    retried: bool = False


@dataclass(eq=False)
class _Conn:
    """A connection, and the answer being read on it."""

    key: tuple[str, str, int]
    sock: socket.socket | None = None
    reused: bool = False
    state: str = "new"
    """new, looking-up, connecting, handshake, sending, reading, idle, closed"""
    feed: _Feed | None = None
    addresses: list[AddrInfo] = field(default_factory=list)
    attempts: list[socket.socket] = field(default_factory=list)
    """Connections being opened to the host's addresses, the first to succeed wins."""
    error: OSError | None = None
    """Why the last attempt failed."""
    answer: Future[Sequence[AddrInfo]] | None = None
    out: bytes = b""
    registered: int = 0
    # the answer being read
    parser: Any = None
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    head_size: int = 0
    head_count: int = 0
    head_bytes: int = 0
    """The headers' names and values, in bytes."""
    head_done: bool = False
    keep_alive: bool = False
    body: list[bytes] = field(default_factory=list)
    size: int = 0
    decoders: list[Decoder] = field(default_factory=list)
    limit: int = 0
    """The most a 200's decoded body may hold (``max_bytes``)."""
    complete: bool = False
    cut: bool = False
    """The body was given up (a non-200 past DRAIN_LIMIT): the connection is not kept."""
    got_any: bool = False

    # httptools' callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self.head_count += 1
        if self.head_count > MAX_HEADERS:
            raise ProtocolFailed(f"got more than {MAX_HEADERS} headers")
        self.head_bytes += len(name) + len(value)
        if self.head_bytes > HEADER_LIMIT:
            raise ProtocolFailed("the answer's headers are too long")
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        had = self.headers.get(key)
        self.headers[key] = text if had is None else f"{had}, {text}"

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        if self.status < 200:  # an informational answer: the real one follows
            self.headers.clear()
            self.head_count = self.head_bytes = 0
            return
        self.head_done = True
        # Asked now: once the message is complete the parser is ready for the next one
        self.keep_alive = self.parser.should_keep_alive()
        if self.status == 200:
            declared = self.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.limit:
                raise too_big(int(declared), self.limit)
            self.decoders = decoders(self.headers.get("content-encoding") or "")

    def on_body(self, data: bytes) -> None:
        if self.cut:
            return
        if self.status != 200:
            self.size += len(data)
            if self.size > DRAIN_LIMIT:
                self.cut = True
            return
        for decoder in self.decoders:
            data = decoder.decode(data)
        self._keep(data)

    def on_message_complete(self) -> None:
        if self.status < 200:
            return
        if self.status == 200 and self.decoders:
            tail = b""
            for decoder in self.decoders:
                tail = decoder.flush(tail)
            if tail:
                self._keep(tail)
        self.complete = True

    def _keep(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise grew_too_big(self.limit)
        self.body.append(data)


def _waits_for(exc: OSError, again: int) -> int:
    """Return the event a non-blocking call that raised ``exc`` must wait for; 0 if it failed.

    ``again`` is the event the call itself waits for (a plain socket's BlockingIOError). A TLS
    socket may need to read before it can write, or the other way round.
    """
    if isinstance(exc, BlockingIOError):
        return again
    ssl = sys.modules.get("ssl")  # no TLS socket exists before it is imported
    if ssl is not None:
        if isinstance(exc, ssl.SSLWantReadError):
            return selectors.EVENT_READ
        if isinstance(exc, ssl.SSLWantWriteError):
            return selectors.EVENT_WRITE
    return 0


class Downloads:
    """Download many feeds at once from one thread; hand each outcome to ``done``."""

    def __init__(
        self,
        *,
        timeout: float,
        max_bytes: int,
        max_redirects: int,
        per_host: int,
        concurrency: int,
        headers: Sequence[tuple[str, str]],
        done: Callable[[int, Outcome, float], object],
        resolver: Resolver,
        keepalive: int = 100,
        address: Callable[[str], Address],
    ) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.per_host = per_host
        self.concurrency = concurrency
        self.keepalive = keepalive
        self._base = "".join(f"{name}: {value}\r\n" for name, value in headers)
        self._done = done
        self._address = address
        self._names = Names(resolver)
        self._tls: ssl.SSLContext | None = None
        self._selector = selectors.DefaultSelector()
        self._waiting: dict[str, collections.deque[tuple[int, str, dict[str, str]]]] = {}
        self._busy: collections.Counter[str] = collections.Counter()
        self._running: set[_Feed] = set()
        self._idle: dict[tuple[str, str, int], list[_Conn]] = {}
        self._idle_count = 0
        self._looking_up: list[_Conn] = []
        self._staggered: list[tuple[float, int, _Conn]] = []
        """When each connection still opening tries its next address."""
        self._deadlines: list[tuple[float, int, _Feed]] = []
        self._order = itertools.count()
        self._stopped = False
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)

    def add(self, job: int, url: str, slot: str, headers: dict[str, str]) -> None:
        """Queue ``url`` (job number ``job``, counted against host ``slot``); before ``run``."""
        self._waiting.setdefault(slot, collections.deque()).append((job, url, headers))

    def run(self) -> None:
        """Download everything queued, handing each outcome on; return when all are done."""
        try:
            self._start_more()
            while (self._running or self._waiting) and not self._stopped:
                for key, events in self._selector.select(self._wait()):
                    if key.data is None:
                        self._drain_wake()
                    else:
                        self._step(key.data, events, key.fileobj)  # type: ignore[arg-type]
                self._resolved()
                self._try_next()
                self._expire()
                self._start_more()
        finally:
            self._close_all()

    def stop(self) -> None:
        """Cut off everything in flight and queued (from any thread); ``run`` returns soon."""
        self._stopped = True
        self._wake()

    # --- scheduling ------------------------------------------------------------------------

    def _start_more(self) -> None:
        """Start waiting feeds, first in job order, while the limits allow."""
        while self._waiting and len(self._running) < self.concurrency and not self._stopped:
            free = [
                (slot, jobs) for slot, jobs in self._waiting.items()
                if not slot or self._busy[slot] < self.per_host
            ]  # fmt: skip
            if not free:
                return
            slot, jobs = min(free, key=lambda pair: pair[1][0][0])
            job, url, headers = jobs.popleft()
            if not jobs:
                del self._waiting[slot]
            self._busy[slot] += 1
            lines = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
            feed = _Feed(
                job,
                slot,
                Redirects(url, self.max_redirects),
                lines,
                time.monotonic() + self.timeout,
                time.perf_counter(),
            )
            self._running.add(feed)
            heapq.heappush(self._deadlines, (feed.deadline, next(self._order), feed))
            self._request(feed)

    def _finish(self, feed: _Feed, outcome: Outcome) -> None:
        """Hand ``feed``'s outcome on and free its place."""
        if feed not in self._running:
            return
        self._running.discard(feed)
        self._busy[feed.slot] -= 1
        conn, feed.conn = feed.conn, None
        if conn is not None and isinstance(outcome, BaseException):
            self._close(conn)
        self._done(feed.job, outcome, feed.started)

    def _wait(self) -> float | None:
        """Return how long the selector may wait: until the next deadline or next address."""
        while self._deadlines and self._deadlines[0][2] not in self._running:
            heapq.heappop(self._deadlines)
        while self._staggered and self._staggered[0][2].state != "connecting":
            heapq.heappop(self._staggered)
        times = [heap[0][0] for heap in (self._deadlines, self._staggered) if heap]
        if not times:
            return None
        return max(0.0, min(times) - time.monotonic())

    def _expire(self) -> None:
        """Fail the feeds whose deadline has passed."""
        now = time.monotonic()
        while self._deadlines and self._deadlines[0][0] <= now:
            _, _, feed = heapq.heappop(self._deadlines)
            if feed not in self._running:
                continue
            conn = feed.conn
            early = conn is None or conn.state in ("new", "looking-up", "connecting", "handshake")
            failure = ConnectTimeout("timed out") if early else ReadTimeout("timed out")
            self._finish(feed, failure)

    # --- one request -----------------------------------------------------------------------

    def _request(self, feed: _Feed) -> None:
        """Send ``feed``'s request to where it now points, on a kept or a new connection."""
        try:
            key, request = self._request_bytes(feed)
        except Exception as exc:  # a URL httpx cannot read either, a header not in Latin-1
            self._finish(feed, exc)
            return
        idle = self._idle.get(key)
        if idle:
            conn = idle.pop()
            self._idle_count -= 1
            conn.reused = True
        else:
            conn = _Conn(key)
        self._attach(conn, feed, request)

    def _attach(self, conn: _Conn, feed: _Feed, request: bytes) -> None:
        feed.conn = conn
        conn.feed = feed
        conn.out = request
        self._reset_answer(conn)
        if conn.sock is None:
            self._open(conn)
        else:
            conn.state = "sending"
            self._send(conn)

    def _reset_answer(self, conn: _Conn) -> None:
        conn.parser = httptools.HttpResponseParser(conn)
        # What http.client read, llhttp's strict mode refused: lines ended by LF alone, odd
        # characters in a header, Content-Length beside chunked (chunked wins), spaces after
        # a chunk's size, bytes after an answer that closes the connection. Leniency that
        # matters to a proxy (request smuggling); a client that reads feeds needs it.
        conn.parser.set_dangerous_leniencies(
            lenient_headers=True,
            lenient_chunked_length=True,
            lenient_optional_cr_before_lf=True,
            lenient_spaces_after_chunk_size=True,
            lenient_data_after_close=True,
        )
        conn.status = 0
        conn.headers = {}
        conn.head_size = conn.head_count = conn.head_bytes = 0
        conn.head_done = conn.keep_alive = conn.complete = conn.cut = conn.got_any = False
        conn.body = []
        conn.size = 0
        conn.decoders = []
        conn.limit = self.max_bytes

    def _open(self, conn: _Conn) -> None:
        """Look the host up (unless known) and start connecting."""
        _, host, port = conn.key
        found = self._names.lookup(host, port)
        if isinstance(found, Future):
            if not found.done():
                conn.state = "looking-up"
                conn.answer = found
                self._looking_up.append(conn)
                found.add_done_callback(lambda _: self._wake())
                return
            try:
                found = found.result()
            except Exception as exc:
                self._fail(conn, ConnectFailed(str(exc) or type(exc).__name__))
                return
        conn.addresses = list(found)
        self._connect_next(conn, None)

    def _resolved(self) -> None:
        """Go on with the connections whose look-up has ended."""
        if not self._looking_up:
            return
        ready = [c for c in self._looking_up if c.answer is not None and c.answer.done()]
        for conn in ready:
            self._looking_up.remove(conn)
            answer, conn.answer = conn.answer, None
            if conn.feed is None or conn.state != "looking-up":
                continue  # its feed ended meanwhile
            assert answer is not None
            try:
                conn.addresses = list(answer.result())
            except Exception as exc:
                self._fail(conn, ConnectFailed(str(exc) or type(exc).__name__))
                continue
            self._connect_next(conn, None)

    def _connect_next(self, conn: _Conn, error: OSError | None) -> None:
        """Start connecting to the next of the host's addresses, in the resolver's order.

        One that fails is followed by the next at once; one that neither connects nor fails
        within ``NEXT_ADDRESS`` seconds gets the next beside it, and the first to connect wins.
        """
        conn.state = "connecting"
        conn.error = error or conn.error
        while conn.addresses:
            family, kind, proto, _, address = conn.addresses.pop(0)
            sock = socket.socket(family, kind, proto)
            sock.setblocking(False)
            code = sock.connect_ex(address)
            if code == 0:
                self._won(conn, sock)
                return
            if code in (errno.EINPROGRESS, errno.EWOULDBLOCK):
                conn.attempts.append(sock)
                self._selector.register(sock, selectors.EVENT_WRITE, conn)
                if conn.addresses:
                    when = time.monotonic() + NEXT_ADDRESS
                    heapq.heappush(self._staggered, (when, next(self._order), conn))
                return
            sock.close()
            conn.error = OSError(code, os.strerror(code))
        if not conn.attempts:
            reason = str(conn.error) if conn.error else "the host name has no address"
            self._fail(conn, ConnectFailed(reason))

    def _try_next(self) -> None:
        """Start the next address beside the connections that have waited long enough."""
        now = time.monotonic()
        while self._staggered and self._staggered[0][0] <= now:
            _, _, conn = heapq.heappop(self._staggered)
            if conn.state == "connecting" and conn.feed is not None and conn.addresses:
                self._connect_next(conn, None)

    def _attempted(self, conn: _Conn, sock: socket.socket) -> None:
        """An attempt to connect has ended: won, or failed (then the next address, if any)."""
        code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if not code:
            self._won(conn, sock)
            return
        self._drop_attempt(conn, sock)
        conn.error = OSError(code, os.strerror(code))
        if conn.addresses:
            self._connect_next(conn, None)
        elif not conn.attempts:
            self._fail(conn, ConnectFailed(str(conn.error)))

    def _won(self, conn: _Conn, sock: socket.socket) -> None:
        """Keep ``sock``, connected, and give the other attempts up."""
        if sock in conn.attempts:
            self._drop_attempt(conn, sock, close=False)
        for other in list(conn.attempts):
            self._drop_attempt(conn, other)
        conn.addresses = []
        conn.sock = sock
        self._connected(conn)

    def _drop_attempt(self, conn: _Conn, sock: socket.socket, *, close: bool = True) -> None:
        conn.attempts.remove(sock)
        self._selector.unregister(sock)
        if close:
            sock.close()

    def _connected(self, conn: _Conn) -> None:
        assert conn.sock is not None
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if conn.key[0] == "https":
            if self._tls is None:
                self._tls = tls_context()
            self._unwatch(conn)
            conn.sock = self._tls.wrap_socket(
                conn.sock, server_hostname=conn.key[1], do_handshake_on_connect=False
            )
            conn.state = "handshake"
            self._handshake(conn)
        else:
            conn.state = "sending"
            self._send(conn)

    def _handshake(self, conn: _Conn) -> None:
        assert conn.sock is not None
        try:
            conn.sock.do_handshake()  # type: ignore[attr-defined]
        except OSError as exc:
            waits = _waits_for(exc, 0)
            if waits:
                self._watch(conn, waits)
            else:
                self._fail(conn, ConnectFailed(str(exc) or type(exc).__name__))
            return
        conn.state = "sending"
        self._send(conn)

    def _send(self, conn: _Conn) -> None:
        assert conn.sock is not None
        try:
            while conn.out:
                sent = conn.sock.send(conn.out)
                conn.out = conn.out[sent:]
        except OSError as exc:
            self._blocked(conn, exc, selectors.EVENT_WRITE)
            return
        conn.state = "reading"
        self._watch(conn, selectors.EVENT_READ)

    def _step(self, conn: _Conn, events: int, sock: socket.socket) -> None:
        """Go on with ``conn`` now that ``sock``, its socket or an attempt at one, is ready."""
        if conn.state == "connecting":
            if sock in conn.attempts:
                self._attempted(conn, sock)
            return  # an attempt given up in this same round
        if sock is not conn.sock:
            return  # an attempt that lost, or the socket of a connection closed this round
        if conn.feed is None:  # an idle connection: the server closed it (or sent junk)
            self._close(conn)
            return
        if conn.state == "handshake":
            self._handshake(conn)
        elif conn.state == "sending":
            self._send(conn)
        elif conn.state == "reading":
            self._read(conn)

    def _read(self, conn: _Conn) -> None:
        sock = conn.sock
        assert sock is not None
        while True:
            try:
                data = sock.recv(65_536)
            except OSError as exc:
                self._blocked(conn, exc, selectors.EVENT_READ)
                return
            if not data:
                self._ended(conn)
                return
            conn.got_any = True
            if not self._feed_parser(conn, data):
                return
            if conn.complete or conn.cut:
                self._answered(conn)
                return
            # A TLS socket may hold more of the answer already decrypted: the selector
            # would not say so
            if conn.key[0] != "https" or not sock.pending():  # type: ignore[attr-defined]
                return

    def _feed_parser(self, conn: _Conn, data: bytes) -> bool:
        """Parse ``data``; False (the feed failed) if the answer is broken or refused."""
        if not conn.head_done:
            conn.head_size += len(data)
        try:
            conn.parser.feed_data(data)
        except httptools.HttpParserCallbackError as exc:
            reason = exc.__context__
            if isinstance(reason, Refused | BadEncoding | ProtocolFailed):
                self._fail(conn, reason)
            else:
                self._fail(conn, ProtocolFailed(str(reason or exc)))
            return False
        except httptools.HttpParserError as exc:
            self._fail(conn, ProtocolFailed(str(exc) or type(exc).__name__))
            return False
        if not conn.head_done and conn.head_size > HEADER_LIMIT:
            self._fail(conn, ProtocolFailed("the answer's headers are too long"))
            return False
        return True

    def _ended(self, conn: _Conn) -> None:
        """The server closed the connection: the end of a body read to the close, or a fault."""
        feed = conn.feed
        assert feed is not None
        if not conn.got_any and conn.reused and not feed.retried:
            # A kept-alive connection the server closed meanwhile: once more, on a new one.
            self._retry(conn)
            return
        framed = (
            "content-length" in conn.headers
            or "chunked" in conn.headers.get("transfer-encoding", "").lower()
        )
        if conn.head_done and not framed and conn.status not in (204, 304):
            try:
                conn.on_message_complete()
            except (Refused, BadEncoding) as exc:
                self._fail(conn, exc)
                return
            conn.cut = True  # read to its close: the connection is gone
            self._answered(conn)
            return
        what = "before answering" if not conn.got_any else "in the middle of its answer"
        self._fail(conn, ProtocolFailed(f"the server closed the connection {what}"))

    def _blocked(self, conn: _Conn, exc: OSError, again: int) -> None:
        """Wait for what a call that raised ``exc`` needs to go on, or give the answer up."""
        waits = _waits_for(exc, again)
        if waits:
            self._watch(conn, waits)
        else:
            self._broken(conn, exc)

    def _broken(self, conn: _Conn, exc: OSError) -> None:
        feed = conn.feed
        assert feed is not None
        stale = isinstance(exc, ConnectionResetError | BrokenPipeError)
        if stale and not conn.got_any and conn.reused and not feed.retried:
            self._retry(conn)
            return
        self._fail(conn, ReadFailed(str(exc) or type(exc).__name__))

    def _retry(self, conn: _Conn) -> None:
        feed = conn.feed
        assert feed is not None
        _, request = self._request_bytes(feed)
        feed.retried = True
        self._close(conn)
        self._attach(_Conn(conn.key), feed, request)

    def _request_bytes(self, feed: _Feed) -> tuple[tuple[str, str, int], bytes]:
        """Return the connection key and the bytes of ``feed``'s request where it now points."""
        scheme, host, port, target = self._address(feed.redirects.current)
        if scheme not in PORTS:
            raise UnsupportedScheme(f"Request URL has an unsupported protocol '{scheme}://'.")
        named = f"[{host}]" if ":" in host else host
        host_line = named if port == PORTS[scheme] else f"{named}:{port}"
        request = f"GET {target} HTTP/1.1\r\nHost: {host_line}\r\n{self._base}{feed.headers}\r\n"
        return (scheme, host, port), request.encode("latin-1")

    def _answered(self, conn: _Conn) -> None:
        """An answer is in (or given up): keep the connection if it may be, then go on."""
        feed = conn.feed
        assert feed is not None
        keep = conn.complete and not conn.cut and conn.keep_alive
        conn.feed = None
        feed.conn = None
        if keep:
            self._park(conn)
        else:
            self._close(conn)
        location = conn.headers.get("location")
        if conn.status in REDIRECT_CODES and location:
            try:
                feed.redirects.follow(conn.status, urljoin(feed.redirects.current, location))
            except Refused as exc:
                self._finish(feed, exc)
                return
            feed.retried = False
            self._request(feed)
            return
        kept = {name: value for name in KEPT if (value := conn.headers.get(name)) is not None}
        body = b"".join(conn.body) if conn.status == 200 else b""
        self._finish(feed, Download(conn.status, kept, body, feed.redirects.moved_to))

    # --- connections -----------------------------------------------------------------------

    def _park(self, conn: _Conn) -> None:
        """Keep ``conn`` for the next request to its host (or close it: enough are kept)."""
        if self._idle_count >= self.keepalive or self._stopped:
            self._close(conn)
            return
        conn.state = "idle"
        self._idle.setdefault(conn.key, []).append(conn)
        self._idle_count += 1
        self._watch(conn, selectors.EVENT_READ)  # to notice the server closing it

    def _fail(self, conn: _Conn, exc: BaseException) -> None:
        feed = conn.feed
        self._close(conn)
        if feed is not None:
            self._finish(feed, exc)

    def _close(self, conn: _Conn) -> None:
        if conn.state == "idle":
            idle = self._idle.get(conn.key, [])
            if conn in idle:
                idle.remove(conn)
                self._idle_count -= 1
        self._unwatch(conn)
        for attempt in list(conn.attempts):
            self._drop_attempt(conn, attempt)
        if conn.sock is not None:
            conn.sock.close()
            conn.sock = None
        conn.state = "closed"
        conn.feed = None

    def _watch(self, conn: _Conn, events: int) -> None:
        assert conn.sock is not None
        if conn.registered == events:
            return
        if conn.registered:
            self._selector.modify(conn.sock, events, conn)
        else:
            self._selector.register(conn.sock, events, conn)
        conn.registered = events

    def _unwatch(self, conn: _Conn) -> None:
        if conn.registered and conn.sock is not None:
            self._selector.unregister(conn.sock)
        conn.registered = 0

    def _close_all(self) -> None:
        for feed in list(self._running):
            if feed.conn is not None:
                self._close(feed.conn)
        for conns in list(self._idle.values()):
            for conn in list(conns):
                self._close(conn)
        self._selector.close()
        self._wake_r.close()
        self._wake_w.close()

    def _wake(self) -> None:
        # Full: a wake-up is pending anyway. Closed: the loop is over.
        with contextlib.suppress(OSError):
            self._wake_w.send(b"\0")

    def _drain_wake(self) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except OSError:
            pass
