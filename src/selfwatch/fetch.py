"""Fetch feeds: concurrent, bounded, polite, and never raising for one bad feed.

``fetch_all`` polls the feeds that are due, at most ``concurrency`` requests at once (one
thread each) and ``per_host`` per host, each bounded by ``timeout`` seconds from its first
byte sent to its last byte read (redirects included) and by ``max_bytes`` of decoded body.
Requests go straight to ``connections.Pool``, kept-alive HTTP/1.1 connections without httpx's
per-request objects (httpx is not even imported), or through ``httpx.Client`` when the
environment names a proxy or the caller hands in an httpx transport. It sends the
ETag / Last-Modified validators it was given, so an unchanged feed costs a 304. Every feed
gives back one FetchResult; a failure is a result with status ``"error"`` (or ``"gone"``
for a 410) and a message naming the URL, never an exception.

``next_state`` is the pure half: it folds a result into the feed's FeedState (validators,
health, exponential backoff capped at a day, Retry-After, disabling on 410). A permanent
redirect (301/308) is reported in ``FetchResult.moved_to``; storing the new URL is the
caller's job, because the store keys feeds by URL.

Local feeds (a path or a ``file://`` URL) are read directly; their mtime plays Last-Modified.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import functools
import os
import queue
import re
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import formatdate, parsedate_to_datetime
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urljoin, urlsplit

from .config import FetchSettings
from .connections import (
    DEADLINE,
    PORTS,
    ConnectTimeout,
    Pool,
    ReadTimeout,
    Reply,
    TransportFailure,
    UnsupportedScheme,
)
from .errors import FetchError
from .model import FeedSpec, FeedState, FetchResult

if TYPE_CHECKING:  # imported only for a proxy or a transport the caller hands in
    import httpx

__all__ = [
    "BACKOFF_BASE",
    "BACKOFF_CAP",
    "backoff",
    "fetch_all",
    "is_due",
    "load_parser",
    "malformed_note",
    "next_state",
    "parse_retry_after",
    "read_body",
    "stream_all",
    "stream_batches",
    "user_agent",
]


@functools.cache
def user_agent() -> str:
    """Return the User-Agent sent with every request: selfwatch's version and home page."""
    # Looked up on first use: the installed version costs ~45 ms (importlib.metadata).
    from . import __version__

    return f"selfwatch/{__version__} (+https://github.com/selfwatch/selfwatch)"


ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
BACKOFF_BASE = timedelta(minutes=5)
BACKOFF_CAP = timedelta(hours=24)
RETRY_AFTER_CAP = timedelta(days=7)
"""A Retry-After further away than this is treated as this (a typo must not silence a feed)."""

KEEPALIVE = 100
"""Idle connections kept for reuse within one cycle."""

Job = tuple[FeedSpec, FeedState]
_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
_PERMANENT_CODES = frozenset({301, 308})


class _Failure(Exception):
    """One feed failed in a way we can describe; becomes an error FetchResult."""


class _BadEncoding(Exception):
    """The body does not decode as its Content-Encoding says (a broken gzip stream, say)."""


@dataclass(frozen=True)
class _Download:
    status: int
    headers: dict[str, str]
    """The headers a result keeps (``_KEPT``), by their lower-case names."""
    body: bytes
    moved_to: str | None


_KEPT = ("etag", "last-modified", "content-type", "retry-after")


# --- the pure half -------------------------------------------------------------------------


def is_due(state: FeedState, now: datetime) -> bool:
    """Return True unless the feed is disabled or asked not to be polled before a later time."""
    if state.disabled:
        return False
    return state.next_attempt is None or state.next_attempt <= now


def backoff(failures: int) -> timedelta:
    """Return how long to wait after ``failures`` consecutive failures: 5 min doubling, max 24 h."""
    if failures <= 0:
        return timedelta(0)
    doublings: int = min(failures - 1, 20)  # bounded so the multiplication cannot overflow
    return min(BACKOFF_BASE * (1 << doublings), BACKOFF_CAP)


def next_state(state: FeedState, result: FetchResult, now: datetime) -> FeedState:
    """Return ``state`` updated with one poll's ``result``, observed at ``now``.

    Success resets the failure count and stores the validators. An error counts a failure
    and sets ``next_attempt`` from Retry-After when the server gave one, else from the
    exponential backoff. A 410 disables the feed with its reason.
    """
    if result.status in ("ok", "not_modified"):
        # A 304 repeats the last body, so it keeps that body's verdict on malformed items.
        malformed = malformed_note(result.skipped) if result.status == "ok" else state.malformed
        return dataclasses.replace(
            state,
            etag=result.etag,
            last_modified=result.last_modified,
            last_success=now,
            failures=0,
            next_attempt=None,
            malformed=malformed,
        )
    failures = state.failures + 1
    error = result.error or f"{result.url}: failed"
    if result.status == "gone":
        return dataclasses.replace(
            state,
            failures=failures,
            last_error=error,
            last_error_at=now,
            next_attempt=None,
            disabled=error,
        )
    if result.retry_after is not None:
        delay = timedelta(seconds=result.retry_after)
    else:
        delay = backoff(failures)
    return dataclasses.replace(
        state,
        failures=failures,
        last_error=error,
        last_error_at=now,
        next_attempt=now + delay,
    )


def malformed_note(skipped: int) -> str:
    """Return the feed-health note for ``skipped`` junk items ("" when there were none)."""
    if not skipped:
        return ""
    return f"{skipped} item(s) had no real text (entities the feed never defined) and were left out"


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Return the seconds a Retry-After header asks for (delay or HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - now).total_seconds()
    return min(max(seconds, 0.0), RETRY_AFTER_CAP.total_seconds())


# --- the I/O half --------------------------------------------------------------------------


def stream_all(
    jobs: Sequence[Job],
    settings: FetchSettings,
    *,
    now: datetime,
    transport: httpx.BaseTransport | None = None,
) -> Iterator[FetchResult]:
    """Poll every due feed in ``jobs``, yielding each result as soon as it is in.

    The requests run in up to ``concurrency`` threads, so the caller can store one feed's posts
    while the others are still downloading: a slow or huge feed holds up no other. Results come
    in completion order. Closing the iterator early stops what is in flight. Bodies are parsed
    in the fetching threads.
    """
    for batch in _poll(jobs, settings, now, transport):
        for _, result in batch:
            yield result


def stream_batches(
    jobs: Sequence[Job],
    settings: FetchSettings,
    *,
    now: datetime,
    transport: httpx.BaseTransport | None = None,
    parse: bool = True,
) -> Iterator[list[FetchResult]]:
    """Do what ``stream_all`` does, yielding every result that is in at once as one list.

    A caller that stores what it gets can store each list in one transaction: while it stores,
    results pile up and the next list is longer; a result that comes alone is not kept waiting.
    With ``parse=False`` a 200 (or a changed local file) comes with its ``body`` unparsed, for
    the caller to hand to ``read_body`` (in another process, say).
    """
    for batch in _poll(jobs, settings, now, transport, parse):
        yield [result for _, result in batch]


def read_body(result: FetchResult) -> FetchResult:
    """Return ``result`` with its ``body`` parsed into posts, or the error parsing it raised."""
    if result.body is None:
        return result
    from .parse import read_feed  # here: a cycle of 304s never loads feedparser

    try:
        feed = read_feed(result.body, result.url, content_type=result.content_type)
    except Exception as exc:  # the boundary: one bad feed must never stop the cycle
        return _failure(result.url, exc, None)
    return dataclasses.replace(
        result, posts=feed.posts, skipped=feed.skipped, body=None, content_type=None
    )


def load_parser() -> None:
    """Import the feed parser now, rather than with the first body ``read_body`` reads."""
    from . import fastfeed, parse  # noqa: F401


def fetch_all(
    jobs: Sequence[Job],
    settings: FetchSettings,
    *,
    now: datetime,
    transport: httpx.BaseTransport | None = None,
) -> list[FetchResult]:
    """Poll every due feed in ``jobs`` and return one result per polled feed, in job order.

    Feeds that are disabled or not yet due (``next_attempt`` after ``now``) are skipped and
    get no result.
    """
    results = [item for batch in _poll(jobs, settings, now, transport) for item in batch]
    return [result for _, result in sorted(results, key=lambda item: item[0])]


_Indexed = tuple[int, FetchResult]


def _poll(
    jobs: Sequence[Job],
    settings: FetchSettings,
    now: datetime,
    transport: httpx.BaseTransport | None,
    parse: bool = True,
) -> Iterator[list[_Indexed]]:
    """Yield (job index, result) for every due job, in completion order, all that are in."""
    due = [(i, spec, state) for i, (spec, state) in enumerate(jobs) if is_due(state, now)]
    if not due:
        return
    out: queue.SimpleQueue[_Indexed] = queue.SimpleQueue()
    slots = _Slots(due, settings.per_host)
    client = _client(settings, transport)
    threads = [
        threading.Thread(
            target=_work,
            args=(slots, client, settings, now, parse, out.put),
            name=f"selfwatch-fetch-{n}",
            daemon=True,
        )
        for n in range(min(settings.concurrency, len(due)))
    ]
    for thread in threads:
        thread.start()
    pending = len(due)
    try:
        while pending:
            batch = [out.get()]
            with contextlib.suppress(queue.Empty):
                while len(batch) < pending:
                    batch.append(out.get_nowait())
            pending -= len(batch)
            yield batch
    finally:
        slots.stop()
        if pending:  # closed early: what is in flight is cut off, its results dropped
            with contextlib.suppress(Exception):
                client.close()
        else:
            for thread in threads:
                thread.join()
            client.close()  # a transport that fails to close fails the poll, as any fault would


class _Answer(Protocol):
    """A response as the fetcher reads it, whichever client got it."""

    status: int

    def header(self, name: str) -> str | None:
        """Return the header ``name`` (any case), or None."""

    def join(self, location: str) -> str:
        """Return ``location`` (a Location header) as an absolute URL."""

    def raw(self) -> Iterator[bytes]:
        """Yield the body as it comes, undecoded."""

    def decoded(self) -> Iterator[bytes]:
        """Yield the body decoded as its Content-Encoding says."""


class _Client(Protocol):
    def get(
        self, url: str, headers: dict[str, str], deadline: float
    ) -> AbstractContextManager[_Answer]:
        """GET ``url``; the answer's connection is released when the context ends."""

    def close(self) -> None:
        """Close the client's connections, cutting off what is in flight."""


def _client(settings: FetchSettings, transport: httpx.BaseTransport | None) -> _Client:
    if transport is None and not _proxied():
        return _Direct(Pool(KEEPALIVE), settings)
    # Behind a proxy (HTTP_PROXY and the like), httpx's own transport goes through it.
    import httpx

    client = httpx.Client(
        transport=transport,
        timeout=httpx.Timeout(settings.timeout),
        limits=httpx.Limits(max_connections=None, max_keepalive_connections=KEEPALIVE),
        headers={"User-Agent": settings.user_agent or user_agent(), "Accept": ACCEPT},
        follow_redirects=False,
    )
    return _ThroughHttpx(client)


def _proxied() -> bool:
    """Return True if the environment (or, off Linux, the system's settings) names a proxy."""
    if sys.platform.startswith("linux") and not any(
        value and name.lower().endswith("_proxy") for name, value in os.environ.items()
    ):
        return False  # on Linux urllib reads proxies from the environment only
    from urllib.request import getproxies  # here: ~5 ms a cycle that finds no proxy saves

    return any(kind != "no" for kind in getproxies())


class _Direct:
    """Sends requests straight to a ``connections.Pool``, with the headers httpx would send.

    httpx's per-request objects (a Request, its URL and Headers, a Response and its stream)
    cost more CPU than the request itself: on 500 feeds, about half of the fetching, and
    importing httpx ~20 ms more.
    """

    def __init__(self, pool: Pool, settings: FetchSettings) -> None:
        self._pool = pool
        self._timeout = settings.timeout
        self._headers = [
            ("Accept", ACCEPT),
            ("Accept-Encoding", "gzip, deflate"),
            ("Connection", "keep-alive"),
            ("User-Agent", settings.user_agent or user_agent()),
        ]

    @contextlib.contextmanager
    def get(self, url: str, headers: dict[str, str], deadline: float) -> Iterator[_Answer]:
        scheme, host, port, target = _address(url)
        named = f"[{host}]" if ":" in host else host
        sent = [
            ("Host", named if port == PORTS.get(scheme) else f"{named}:{port}"),
            *self._headers,
            *headers.items(),
        ]
        reply = self._pool.request(
            "GET",
            (scheme, host, port),
            target,
            sent,
            connect=self._timeout,
            read=self._timeout,
            deadline=deadline,
        )
        try:
            yield _Reply(url, reply)
        finally:
            reply.close()

    def close(self) -> None:
        self._pool.close()


_PLAIN_URL = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")
"""A URL made only of the characters a URL may carry as they are (RFC 3986)."""


def _address(url: str) -> tuple[str, str, int, str]:
    """Return the scheme, ASCII host name, port and request target of ``url``."""
    if _PLAIN_URL.fullmatch(url):
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return scheme, parts.hostname or "", parts.port or PORTS.get(scheme, 0), target
    # A non-ASCII name, a space in the path...: encoded by httpx's rules, as it always was.
    import httpx

    parsed = httpx.URL(url)
    return (
        parsed.scheme,
        parsed.raw_host.decode("ascii"),
        parsed.port or PORTS.get(parsed.scheme, 0),
        parsed.raw_path.decode("ascii"),
    )


class _Reply:
    """A ``connections.Reply`` as the fetcher reads it."""

    def __init__(self, url: str, reply: Reply) -> None:
        self._url = url
        self._reply = reply
        self.status = reply.status

    def header(self, name: str) -> str | None:
        return self._reply.header(name)

    def join(self, location: str) -> str:
        return urljoin(self._url, location)

    def raw(self) -> Iterator[bytes]:
        return self._reply.chunks()

    def decoded(self) -> Iterator[bytes]:
        return _decode(self._reply.chunks(), self._reply.header("content-encoding") or "")


def _decode(chunks: Iterator[bytes], encoding: str) -> Iterator[bytes]:
    """Yield ``chunks`` decoded by each gzip or deflate named in ``encoding``, as httpx does.

    The last coding applied is undone first; ``identity`` and codings it does not know are
    passed over.
    """
    codings = [c.strip().lower() for c in encoding.split(",")]
    decoders = [_Decoder(c) for c in reversed(codings) if c in ("gzip", "deflate")]
    for chunk in chunks:
        for decoder in decoders:
            chunk = decoder.decode(chunk)
        yield chunk
    tail = b""
    for decoder in decoders:
        tail = decoder.flush(tail)
    if tail:
        yield tail


class _Decoder:
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
                raise _BadEncoding(str(exc)) from exc
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
            raise _BadEncoding(str(exc)) from exc


class _ThroughHttpx:
    """Sends requests through an ``httpx.Client`` (a proxy's, or a transport handed in)."""

    def __init__(self, client: httpx.Client) -> None:
        self._client = client

    @contextlib.contextmanager
    def get(self, url: str, headers: dict[str, str], deadline: float) -> Iterator[_Answer]:
        with self._client.stream(
            "GET", url, headers=headers, extensions={DEADLINE: deadline}
        ) as response:
            yield _HttpxReply(response)

    def close(self) -> None:
        self._client.close()


class _HttpxReply:
    """An ``httpx.Response`` as the fetcher reads it."""

    def __init__(self, response: httpx.Response) -> None:
        self._response = response
        self.status = response.status_code

    def header(self, name: str) -> str | None:
        value: str | None = self._response.headers.get(name)
        return value

    def join(self, location: str) -> str:
        return str(self._response.url.join(location))

    def raw(self) -> Iterator[bytes]:
        return self._response.iter_raw()

    def decoded(self) -> Iterator[bytes]:
        return self._response.iter_bytes()


class _Slots:
    """Hands out jobs in order, never more than ``per_host`` in flight to one host at once."""

    def __init__(self, jobs: Sequence[tuple[int, FeedSpec, FeedState]], per_host: int) -> None:
        self.per_host = per_host
        self._cond = threading.Condition()
        self._waiting: dict[str, collections.deque[tuple[int, FeedSpec, FeedState]]] = {}
        for job in jobs:
            self._waiting.setdefault(_host(job[1].url), collections.deque()).append(job)
        self._busy: collections.Counter[str] = collections.Counter()
        self._stopped = False

    def take(self) -> tuple[int, FeedSpec, FeedState] | None:
        """Return the first job whose host has a free slot (waiting for one); None when done."""
        with self._cond:
            while not self._stopped and self._waiting:
                free = [
                    jobs for host, jobs in self._waiting.items()
                    if not host or self._busy[host] < self.per_host
                ]  # fmt: skip
                if not free:
                    self._cond.wait()
                    continue
                jobs = min(free, key=lambda jobs: jobs[0][0])
                job = jobs.popleft()
                host = _host(job[1].url)
                self._busy[host] += 1
                if not jobs:
                    del self._waiting[host]
                    if not self._waiting:
                        self._cond.notify_all()  # the idle threads can go
                return job
            return None

    def release(self, url: str) -> None:
        """Free the slot a job to ``url`` held."""
        with self._cond:
            self._busy[_host(url)] -= 1
            self._cond.notify()

    def stop(self) -> None:
        """Hand out no more jobs."""
        with self._cond:
            self._stopped = True
            self._cond.notify_all()


def _host(url: str) -> str:
    """Return the key the per-host limit counts by ("" for a local file: no limit)."""
    if _is_local(url):
        return ""
    try:
        parts = urlsplit(url)
        return f"{(parts.hostname or '').lower()}:{parts.port or parts.scheme}"
    except ValueError:
        return url


def _work(
    slots: _Slots,
    client: _Client,
    settings: FetchSettings,
    now: datetime,
    parse: bool,
    put: Callable[[_Indexed], object],
) -> None:
    """Fetch jobs until none is left; hand each result on, a body parsed first if ``parse``."""
    while (job := slots.take()) is not None:
        index, spec, state = job
        try:
            got = _fetch_one(client, spec.url, state, settings, now)
        finally:
            slots.release(spec.url)  # the host's slot is free while this thread parses
        if isinstance(got, _Fetched):
            got = got.result()
        put((index, read_body(got) if parse else got))


@dataclass(frozen=True)
class _Fetched:
    """A 200 response on its way to the parser."""

    url: str
    download: _Download
    started: float

    def result(self) -> FetchResult:
        """Return the result, its body still to be parsed (``read_body``)."""
        headers = self.download.headers
        return FetchResult(
            url=self.url,
            status="ok",
            http_status=200,
            etag=headers.get("etag"),
            last_modified=headers.get("last-modified"),
            moved_to=self.download.moved_to,
            elapsed=time.perf_counter() - self.started,
            body=self.download.body,
            content_type=headers.get("content-type"),
        )


def _fetch_one(
    client: _Client, url: str, state: FeedState, settings: FetchSettings, now: datetime
) -> FetchResult | _Fetched:
    """Poll one feed: a result, or a 200 whose body is still to be parsed. Never raises."""
    try:
        if _is_local(url):
            return _read_file(url, state, settings)
        started = time.perf_counter()
        download = _download(client, url, _request_headers(state), settings)
        if download.status == 200:
            return _Fetched(url, download, started)
        return _result(url, state, download, started, now)
    except Exception as exc:  # the boundary: one bad feed must never stop the cycle
        return _failure(url, exc, settings)


def _failure(url: str, exc: Exception, settings: FetchSettings | None) -> FetchResult:
    """Return the error result for ``exc``, raised while polling ``url``."""
    # An httpx error comes only from a client that imported httpx: none is looked for otherwise.
    httpx = sys.modules.get("httpx")
    timeout = TimeoutError | ConnectTimeout | ReadTimeout
    if settings is not None and (
        isinstance(exc, timeout) or (httpx and isinstance(exc, httpx.TimeoutException))
    ):
        return _error(url, f"timed out after {settings.timeout:g} s (fetch.timeout)")
    if isinstance(exc, _Failure):
        return _error(url, str(exc))
    if isinstance(exc, FetchError):
        return _error(url, str(exc), prefixed=True)
    if isinstance(exc, UnsupportedScheme) or (httpx and isinstance(exc, httpx.UnsupportedProtocol)):
        return _error(url, f"unsupported URL: {exc}")
    if isinstance(exc, _BadEncoding) or (httpx and isinstance(exc, httpx.DecodingError)):
        return _error(url, f"cannot decode the response body (bad gzip?): {exc}")
    if isinstance(exc, TransportFailure) or (httpx and isinstance(exc, httpx.TransportError)):
        return _error(url, f"cannot connect or read: {_describe(exc)}")
    return _error(url, f"unexpected {type(exc).__name__}: {exc}")


def _request_headers(state: FeedState) -> dict[str, str]:
    headers: dict[str, str] = {}
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    return headers


def _download(
    client: _Client, url: str, headers: dict[str, str], settings: FetchSettings
) -> _Download:
    """GET ``url``, following redirects by hand to spot loops and permanent moves.

    Everything, redirects included, must be read within ``settings.timeout`` seconds.
    """
    deadline = time.monotonic() + settings.timeout
    visited = {url}
    moved_to: str | None = None
    permanent = True
    current = url
    for _ in range(settings.max_redirects + 1):
        with client.get(current, headers, deadline) as response:
            location = response.header("location")
            if response.status != 200:
                _drain(response)
            if response.status in _REDIRECT_CODES and location:
                target = response.join(location)
                # Only an unbroken run of permanent redirects from the start moves the feed.
                permanent = permanent and response.status in _PERMANENT_CODES
                if permanent:
                    moved_to = target
                if target in visited:
                    raise _Failure(f"redirect loop: {current} redirects back to {target}")
                visited.add(target)
                current = target
                continue
            body = b""
            if response.status == 200:
                body = _read_capped(response, settings.max_bytes, deadline)
            kept = {name: value for name in _KEPT if (value := response.header(name)) is not None}
            return _Download(response.status, kept, body, moved_to)
    raise _Failure(f"more than {settings.max_redirects} redirects (fetch.max_redirects)")


def _drain(response: _Answer, limit: int = 65_536) -> None:
    """Read a small body to its end, so the connection can be reused (else it is closed)."""
    size = 0
    for chunk in response.raw():
        size += len(chunk)
        if size > limit:
            return


def _read_capped(response: _Answer, max_bytes: int, deadline: float) -> bytes:
    """Return the decoded body, or fail as soon as it grows past ``max_bytes``.

    The deadline is checked between chunks too, for transports that do not watch it.
    """
    declared = response.header("content-length") or ""
    if declared.isdigit() and int(declared) > max_bytes:
        raise _Failure(
            f"the response is {int(declared):,} bytes, over the limit of {max_bytes:,} "
            "(fetch.max_bytes)"
        )
    chunks: list[bytes] = []
    size = 0
    for chunk in response.decoded():
        size += len(chunk)
        if size > max_bytes:
            raise _Failure(
                f"the response is over the limit of {max_bytes:,} bytes (fetch.max_bytes); "
                "stopped reading"
            )
        if time.monotonic() > deadline:
            raise TimeoutError
        chunks.append(chunk)
    return b"".join(chunks)


def _result(
    url: str, state: FeedState, download: _Download, started: float, now: datetime
) -> FetchResult:
    """Return the result of a poll that answered anything but 200."""
    status = download.status
    headers = download.headers
    if status == 304:
        return FetchResult(
            url=url,
            status="not_modified",
            http_status=status,
            etag=headers.get("etag") or state.etag,
            last_modified=headers.get("last-modified") or state.last_modified,
            moved_to=download.moved_to,
            elapsed=time.perf_counter() - started,
        )
    reason = _reason_phrase(status)
    if status == 410:
        return FetchResult(
            url=url,
            status="gone",
            http_status=status,
            error=f"{url}: HTTP 410 Gone (the server says the feed was removed for good)",
            elapsed=time.perf_counter() - started,
        )
    retry_after = None
    if status in (429, 503):
        retry_after = parse_retry_after(headers.get("retry-after"), now)
    wait = f"; asked to retry after {retry_after:g} s" if retry_after is not None else ""
    return FetchResult(
        url=url,
        status="error",
        http_status=status,
        error=f"{url}: HTTP {status} {reason}{wait}",
        retry_after=retry_after,
        elapsed=time.perf_counter() - started,
    )


def _reason_phrase(status: int) -> str:
    if 300 <= status < 400:
        return "redirect without a Location header"
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "unexpected status"


def _error(url: str, message: str, *, prefixed: bool = False) -> FetchResult:
    return FetchResult(url=url, status="error", error=message if prefixed else f"{url}: {message}")


def _describe(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    cause = exc.__cause__ or exc.__context__
    if cause is not None and str(cause) and str(cause) not in text:
        text = f"{text} ({cause})"
    return text


# --- local files ---------------------------------------------------------------------------


def _is_local(url: str) -> bool:
    return url.startswith("file://") or "://" not in url


def _local_path(url: str) -> Path:
    if url.startswith("file://"):
        from urllib.request import url2pathname

        return Path(url2pathname(urlsplit(url).path))
    return Path(url).expanduser()


def _read_file(url: str, state: FeedState, settings: FetchSettings) -> FetchResult:
    """Read a local feed; its mtime is its Last-Modified, so an unchanged file is not_modified."""
    started = time.perf_counter()
    path = _local_path(url)
    try:
        stat = path.stat()
        last_modified = formatdate(stat.st_mtime, usegmt=True)
        if state.last_modified == last_modified:
            return FetchResult(url=url, status="not_modified", last_modified=last_modified)
        if stat.st_size > settings.max_bytes:
            raise _Failure(
                f"the file is {stat.st_size:,} bytes, over the limit of "
                f"{settings.max_bytes:,} (fetch.max_bytes)"
            )
        data = path.read_bytes()
    except FileNotFoundError:
        return _error(url, f"no such file: {path}")
    except OSError as exc:
        return _error(url, f"cannot read {path}: {exc.strerror or exc}")
    return FetchResult(
        url=url,
        status="ok",
        last_modified=last_modified,
        elapsed=time.perf_counter() - started,
        body=data,
    )
