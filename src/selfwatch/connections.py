"""Kept-alive HTTP/1.1 connections on ``http.client``, each request with a hard deadline.

The fetcher needs little of what a general HTTP client does: GET over HTTP/1.1, keep-alive
connections per host, TLS with httpx's certificate settings. ``Pool`` does that, without
httpx's per-request objects (a request, its URL, headers and a response cost more CPU than the
request itself on a local network) and without importing httpx (~20 ms a ``check``). It adds
one thing: a hard deadline per request. Past it, the request's socket is shut down, so a
server that trickles headers or body a byte at a time cannot hold a fetching thread, and the
request fails with ``ReadTimeout``. Connecting is bounded by the same deadline:
the look-up, the TCP connection and the TLS handshake (which the ssl module bounds as a whole
by the socket's timeout) share what is left of it. The system resolver cannot be interrupted,
so the look-up runs in a thread of its own, one per host at a time, and a request whose
deadline passes first fails with ``ConnectTimeout`` (the look-up is left to finish, or hang,
alone). ``resolver`` replaces ``socket.getaddrinfo`` (a test's slow resolver, say).

Failures are this module's ``TransportFailure`` subclasses, each raised from the error under
it; ``transport.DirectTransport`` turns them into httpx's for a caller that speaks httpx.
Thread-safe: one pool serves every fetching thread of a cycle.
"""

from __future__ import annotations

import contextlib
import heapq
import http.client
import ipaddress
import itertools
import os
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from typing import Any

__all__ = [
    "DEADLINE",
    "ConnectFailed",
    "ConnectTimeout",
    "Pool",
    "ProtocolFailed",
    "ReadFailed",
    "ReadTimeout",
    "Reply",
    "Resolver",
    "TransportFailure",
    "UnsupportedScheme",
]

DEADLINE = "selfwatch.deadline"
"""Request extension (for ``transport.DirectTransport``): the ``time.monotonic()`` by which
the whole response must be read."""

PORTS = {"http": 80, "https": 443}
_Key = tuple[str, str, int]
_AddrInfo = tuple[Any, ...]
"""One of ``socket.getaddrinfo``'s answers: (family, type, proto, canonname, sockaddr)."""
Resolver = Callable[[str, int], Sequence[_AddrInfo]]
"""Look a host and port up: ``socket.getaddrinfo``'s answers for a TCP connection to them."""


class TransportFailure(Exception):
    """A request failed below HTTP: connecting, reading, or the server broke the protocol."""


class UnsupportedScheme(TransportFailure):
    """The URL's scheme is neither http nor https."""


class ConnectFailed(TransportFailure):
    """The connection could not be opened (refused, unreachable, no such host, TLS)."""


class ConnectTimeout(TransportFailure):
    """The look-up, the connection or the TLS handshake did not end in time."""


class ReadFailed(TransportFailure):
    """The connection broke while the request was sent or its answer read."""


class ReadTimeout(TransportFailure):
    """The answer was not read in full by the deadline (or within the read timeout)."""


class ProtocolFailed(TransportFailure):
    """The server's answer is not HTTP/1.1 as it should be (or it ended early)."""


def _getaddrinfo(host: str, port: int) -> Sequence[_AddrInfo]:
    return socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)


class Pool:
    """GET over HTTP/1.1 with ``http.client``, keeping up to ``keepalive`` idle connections."""

    def __init__(self, keepalive: int = 100, *, resolver: Resolver = _getaddrinfo) -> None:
        self.keepalive = keepalive
        self._names = _Names(resolver)
        self._idle: dict[_Key, list[http.client.HTTPConnection]] = {}
        self._idle_count = 0
        self._lock = threading.Lock()
        self._ssl: ssl.SSLContext | None = None
        self._watchdog = _Watchdog()

    def request(
        self,
        method: str,
        key: _Key,
        target: str,
        headers: Sequence[tuple[str, str]],
        *,
        connect: float | None = None,
        read: float | None = None,
        deadline: float | None = None,
    ) -> Reply:
        """Send a request to ``key`` (scheme, ASCII host, port); return its answer, body unread.

        ``headers`` go as they are: the caller sends ``Host``. ``deadline`` (a
        ``time.monotonic()`` value) bounds everything up to the body's last byte.
        """
        if key[0] not in PORTS:
            raise UnsupportedScheme(f"Request URL has an unsupported protocol '{key[0]}://'.")
        for attempt in (1, 2):
            conn, reused = self._checkout(key, connect, deadline)
            watch = self._watchdog.arm(deadline, conn.sock)
            try:
                conn.sock.settimeout(read)
                conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
                for name, value in headers:
                    conn.putheader(name, value)
                conn.endheaders()
                response = conn.getresponse()
                if self._watchdog.expired(watch):  # cut off mid-headers, read as their end
                    raise TimeoutError
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                expired = self._watchdog.disarm(watch)
                # A kept-alive connection the server closed meanwhile: once more, on a new one.
                if reused and attempt == 1 and not expired and _closed_by_peer(exc):
                    continue
                raise _failure(exc, expired) from exc
            return Reply(self, key, conn, response, watch)
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        """Close every idle connection and stop the watchdog (cutting off what is in flight)."""
        with self._lock:
            idle = [conn for conns in self._idle.values() for conn in conns]
            self._idle.clear()
            self._idle_count = 0
        for conn in idle:
            conn.close()
        self._watchdog.stop()

    def _checkout(
        self, key: _Key, connect: float | None, deadline: float | None
    ) -> tuple[http.client.HTTPConnection, bool]:
        """Return an idle connection to ``key`` (and True), or a newly opened one (and False)."""
        with self._lock:
            conns = self._idle.get(key)
            if conns:
                self._idle_count -= 1
                return conns.pop(), True
        scheme, host, port = key
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ConnectTimeout("no time left to connect")
            connect = left if connect is None else min(connect, left)
        conn: http.client.HTTPConnection
        if scheme == "https":
            conn = http.client.HTTPSConnection(host, port, timeout=connect, context=self._tls())
        else:
            conn = http.client.HTTPConnection(host, port, timeout=connect)
        started = time.monotonic()

        def open_socket(address: tuple[str, int], *_: object) -> socket.socket:
            # http.client's hook for socket.create_connection, whose look-up has no time limit.
            answers = self._names.resolve(*address, connect)
            left = None if connect is None else connect - (time.monotonic() - started)
            sock = _connect(answers, left)
            if scheme == "https" and connect is not None:
                # The socket's timeout bounds the TLS handshake that follows as a whole (the ssl
                # module's rule): only what the look-up and the TCP connection left of it, so a
                # slow connection and a trickled handshake end by the deadline together.
                left = connect - (time.monotonic() - started)
                if left <= 0:
                    sock.close()
                    raise TimeoutError("no time left for the TLS handshake")
                sock.settimeout(left)
            return sock

        conn._create_connection = open_socket  # type: ignore[attr-defined]
        try:
            conn.connect()
        except TimeoutError as exc:
            conn.close()
            raise ConnectTimeout(str(exc) or "timed out") from exc
        except OSError as exc:
            conn.close()
            raise ConnectFailed(str(exc)) from exc
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn, False

    def _checkin(self, key: _Key, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            if self._idle_count < self.keepalive:
                self._idle.setdefault(key, []).append(conn)
                self._idle_count += 1
                return
        conn.close()

    def _tls(self) -> ssl.SSLContext:
        if self._ssl is None:
            self._ssl = tls_context()
        return self._ssl


def tls_context() -> ssl.SSLContext:
    """Return a context trusting what httpx's transport trusts (``httpx.create_ssl_context``).

    The file ``SSL_CERT_FILE`` names, else the folder ``SSL_CERT_DIR`` names, else certifi's
    authorities; the ssl module's defaults for the rest (verified host names, TLS 1.2 or
    later).
    """
    cafile = os.environ.get("SSL_CERT_FILE")
    if cafile:
        return ssl.create_default_context(cafile=cafile)
    capath = os.environ.get("SSL_CERT_DIR")
    if capath:
        return ssl.create_default_context(capath=capath)
    import certifi  # here: a cycle without https feeds does without it

    return ssl.create_default_context(cafile=certifi.where())


class Reply:
    """A response whose body is read from its connection; the connection is kept if read to the
    end (and closed otherwise) when the reply is closed."""

    def __init__(
        self,
        pool: Pool,
        key: _Key,
        conn: http.client.HTTPConnection,
        response: http.client.HTTPResponse,
        watch: int,
    ) -> None:
        self._pool = pool
        self._key = key
        self._conn = conn
        self._response = response
        self._watch = watch
        self._closed = False
        self.status = response.status
        self.reason = response.reason

    def header(self, name: str) -> str | None:
        """Return the header ``name`` (any case; repeated ones joined with ", "), or None."""
        return self._response.getheader(name)

    def headers(self) -> list[tuple[str, str]]:
        """Return every header, in the order the server sent them."""
        return self._response.getheaders()

    def chunks(self) -> Iterator[bytes]:
        """Yield the body as it comes, undecoded."""
        response = self._response
        try:
            # read(n), not read1(n): only read() marks a Content-Length body done at its end.
            while chunk := response.read(65_536):
                yield chunk
            if self._pool._watchdog.expired(self._watch):  # cut off: not the real end
                raise TimeoutError
            if response.length:  # read(n) takes an early end of the connection quietly
                raise http.client.IncompleteRead(b"", response.length)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            expired = self._pool._watchdog.disarm(self._watch)
            self._conn.close()
            raise _failure(exc, expired) from exc

    def close(self) -> None:
        """Hand the connection back if the body was read to its end; else close it."""
        if self._closed:
            return
        self._closed = True
        expired = self._pool._watchdog.disarm(self._watch)
        if self._response.isclosed() and not self._response.will_close and not expired:
            self._pool._checkin(self._key, self._conn)
        else:
            self._conn.close()


def _closed_by_peer(exc: BaseException) -> bool:
    # RemoteDisconnected: the server closed the connection before sending a status line.
    return isinstance(exc, ConnectionResetError | BrokenPipeError | http.client.RemoteDisconnected)


def _failure(exc: BaseException, expired: bool) -> TransportFailure:
    if expired or isinstance(exc, TimeoutError):
        return ReadTimeout("timed out")
    if isinstance(exc, http.client.HTTPException):
        return ProtocolFailed(str(exc) or type(exc).__name__)
    return ReadFailed(str(exc) or type(exc).__name__)


class _Names:
    """Looks host names up in threads of their own, so a caller can stop waiting at a deadline.

    One look-up per (host, port) runs at a time, and its answer serves every connection of the
    transport's life (one cycle). A look-up still running is shared with the transports of
    later cycles (``_look_up``): a hanging resolver holds one thread per name for the process,
    not one per name per cycle. A failed look-up is forgotten, so the next connection asks
    again. An IP address needs none.
    """

    def __init__(self, resolver: Resolver) -> None:
        self._resolver = resolver
        self._lock = threading.Lock()
        self._answers: dict[tuple[str, int], Future[Sequence[_AddrInfo]]] = {}

    def resolve(self, host: str, port: int, timeout: float | None) -> Sequence[_AddrInfo]:
        """Return the addresses of ``host``; TimeoutError if they take over ``timeout`` s."""
        answer = self.lookup(host, port)
        if not isinstance(answer, Future):
            return answer
        try:
            return answer.result(timeout)
        except TimeoutError:
            raise TimeoutError(f"looking up {host} took over {timeout:g} s") from None

    def lookup(self, host: str, port: int) -> Sequence[_AddrInfo] | Future[Sequence[_AddrInfo]]:
        """Return the addresses of an IP address at once, or a host name's look-up to wait on."""
        literal = _ip_literal(host, port)
        if literal is not None:
            return literal
        with self._lock:
            answer = self._answers.get((host, port))
            if answer is None or (answer.done() and answer.exception() is not None):
                answer = self._answers[(host, port)] = _look_up(self._resolver, host, port)
        return answer


_LookUp = tuple[Resolver, str, int]
_RUNNING: dict[_LookUp, Future[Sequence[_AddrInfo]]] = {}
"""The look-ups running in this process, whichever transport started them."""
_RUNNING_LOCK = threading.Lock()


def _look_up(resolver: Resolver, host: str, port: int) -> Future[Sequence[_AddrInfo]]:
    """Return the running look-up of ``host`` by ``resolver``, starting one if none runs.

    Process-wide, as the threads are: each cycle has a transport of its own, and a look-up
    the system resolver never ends would otherwise leave one more thread behind every cycle
    (the agent polls for days). A look-up that has ended is dropped here: the next cycle
    asks afresh.
    """
    key = (resolver, host, port)
    with _RUNNING_LOCK:
        answer = _RUNNING.get(key)
        if answer is None:
            answer = _RUNNING[key] = Future()
            threading.Thread(
                target=_run_look_up, args=(key, answer), name="selfwatch-dns", daemon=True
            ).start()
    return answer


def _run_look_up(key: _LookUp, answer: Future[Sequence[_AddrInfo]]) -> None:
    resolver, host, port = key
    try:
        found = resolver(host, port)
    except BaseException as exc:  # handed to whoever waits, as their own failure
        with _RUNNING_LOCK:
            _RUNNING.pop(key, None)
        answer.set_exception(exc)
        return
    with _RUNNING_LOCK:
        _RUNNING.pop(key, None)
    answer.set_result(found)


def _ip_literal(host: str, port: int) -> list[_AddrInfo] | None:
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
    family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
    address = (str(ip), port) if ip.version == 4 else (str(ip), port, 0, 0)
    return [(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", address)]


def _connect(answers: Sequence[_AddrInfo], timeout: float | None) -> socket.socket:
    """Connect to the first of ``answers`` that accepts, as socket.create_connection does."""
    if timeout is not None and timeout <= 0:
        raise TimeoutError("no time left to connect")
    error: OSError | None = None
    for family, kind, proto, _, address in answers:
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(timeout)
            sock.connect(address)
        except OSError as exc:
            sock.close()
            error = exc
            continue
        return sock
    raise error or OSError("the host name has no address")


class _Watchdog:
    """Shuts down the sockets of requests past their deadline, from a thread of its own."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int]] = []
        self._armed: dict[int, socket.socket] = {}
        self._expired: set[int] = set()
        self._ids = itertools.count(1)
        self._thread: threading.Thread | None = None
        self._stopped = False

    def arm(self, deadline: float | None, sock: socket.socket | None) -> int:
        """Watch ``sock`` until ``deadline``; return a token for ``disarm`` (0: not watched)."""
        if deadline is None or sock is None:
            return 0
        with self._cond:
            token = next(self._ids)
            self._armed[token] = sock
            heapq.heappush(self._heap, (deadline, token))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="selfwatch-deadlines", daemon=True
                )
                self._thread.start()
            elif self._heap[0][1] == token:
                self._cond.notify()
        return token

    def disarm(self, token: int) -> bool:
        """Stop watching; return True if the deadline had passed (the socket was shut down)."""
        if not token:
            return False
        with self._cond:
            self._armed.pop(token, None)
            if token in self._expired:
                self._expired.discard(token)
                return True
        return False

    def expired(self, token: int) -> bool:
        """Return True if the request's deadline has passed (its socket was shut down)."""
        with self._cond:
            return token in self._expired

    def stop(self) -> None:
        """Stop watching, and cut off every request still in flight (it is abandoned)."""
        with self._cond:
            self._stopped = True
            self._cond.notify()
            abandoned = list(self._armed.values())
            self._expired.update(self._armed)
            self._armed.clear()
        for sock in abandoned:
            _cut(sock)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopped:
                    while self._heap and self._heap[0][1] not in self._armed:
                        heapq.heappop(self._heap)  # disarmed in time
                    wait = self._heap[0][0] - time.monotonic() if self._heap else None
                    if wait is not None and wait <= 0:
                        break
                    self._cond.wait(wait)
                if self._stopped:
                    return
                _, token = heapq.heappop(self._heap)
                sock = self._armed.pop(token)
                self._expired.add(token)
            _cut(sock)


def _cut(sock: socket.socket) -> None:
    """Shut ``sock`` down: a read blocked on it returns at once, and its thread reports why."""
    # socket.socket's own shutdown, also for a TLS socket: SSLSocket.shutdown would drop the
    # TLS state under the thread still reading through it.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
