"""Fetch feeds: concurrent, bounded, polite, and never raising for one bad feed.

``fetch_all`` polls the feeds that are due, at most ``concurrency`` requests at once and
``per_host`` per host, each bounded by ``timeout`` seconds from its start to its last byte
read (look-up, connection and redirects included) and by ``max_bytes`` of decoded body.
Requests are sent by ``downloads.Downloads``, one thread driving every request of the cycle
over kept-alive HTTP/1.1 connections (httpx is not even imported), or through
``httpx.Client`` (a thread per request) when the environment names a proxy or the caller
hands in an httpx transport. It sends the
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
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from .config import FetchSettings
from .connections import (
    PORTS,
    ConnectTimeout,
    ReadTimeout,
    Resolver,
    TransportFailure,
    UnsupportedScheme,
    system_resolver,
)
from .downloads import (
    DRAIN_LIMIT,
    KEPT,
    REDIRECT_CODES,
    BadEncoding,
    Download,
    Downloads,
    Redirects,
    Refused,
    grew_too_big,
    too_big,
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
        from email.utils import parsedate_to_datetime  # here: rare, and slow to import

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
    resolver: Resolver | None = None,
) -> list[FetchResult]:
    """Poll every due feed in ``jobs`` and return one result per polled feed, in job order.

    Feeds that are disabled or not yet due (``next_attempt`` after ``now``) are skipped and
    get no result. ``resolver`` replaces ``socket.getaddrinfo`` (a test's slow one, say).
    """
    polled = _poll(jobs, settings, now, transport, resolver=resolver)
    results = [item for batch in polled for item in batch]
    return [result for _, result in sorted(results, key=lambda item: item[0])]


_Indexed = tuple[int, FetchResult]


def _poll(
    jobs: Sequence[Job],
    settings: FetchSettings,
    now: datetime,
    transport: httpx.BaseTransport | None,
    parse: bool = True,
    resolver: Resolver | None = None,
) -> Iterator[list[_Indexed]]:
    """Yield (job index, result) for every due job, in completion order, all that are in."""
    due = [(i, spec, state) for i, (spec, state) in enumerate(jobs) if is_due(state, now)]
    if not due:
        return
    if transport is None and not _proxied():
        yield from _download_all(due, settings, now, parse, resolver or system_resolver)
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
        for batch in _arrivals(out, pending):
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


def _arrivals(out: queue.SimpleQueue[_Indexed], count: int) -> Iterator[list[_Indexed]]:
    """Yield the ``count`` results put on ``out`` as they come, every one in by then as a list."""
    while count:
        batch = [out.get()]
        with contextlib.suppress(queue.Empty):
            while len(batch) < count:
                batch.append(out.get_nowait())
        count -= len(batch)
        yield batch


def _download_all(
    due: Sequence[tuple[int, FeedSpec, FeedState]],
    settings: FetchSettings,
    now: datetime,
    parse: bool,
    resolver: Resolver,
) -> Iterator[list[_Indexed]]:
    """Do what ``_poll`` does with one thread (``downloads.Downloads``) for every request.

    Bodies are parsed here, by the caller's thread, when ``parse`` asks: the downloading
    thread only moves bytes, so one slow parse never holds up the other feeds' requests.
    """
    out: queue.SimpleQueue[_Indexed] = queue.SimpleQueue()
    feeds = {index: (spec.url, state) for index, spec, state in due}
    reported: set[int] = set()

    def done(index: int, outcome: Download | FetchResult | BaseException, started: float) -> None:
        url, state = feeds[index]
        try:
            result = _outcome(url, state, outcome, started, now, settings)
        except Exception as exc:  # the boundary: one bad feed must never stop the cycle
            result = _failure(url, exc, settings)
        reported.add(index)
        out.put((index, result))

    downloads = Downloads(
        timeout=settings.timeout,
        max_bytes=settings.max_bytes,
        max_redirects=settings.max_redirects,
        per_host=settings.per_host,
        concurrency=settings.concurrency,
        headers=[
            ("Accept", ACCEPT),
            ("Accept-Encoding", "gzip, deflate"),
            ("Connection", "keep-alive"),
            ("User-Agent", settings.user_agent or user_agent()),
        ],
        done=done,
        resolver=resolver,
        keepalive=KEEPALIVE,
        address=_address,
    )
    local = [(index, spec.url, state) for index, spec, state in due if _is_local(spec.url)]
    for index, spec, state in due:
        if not _is_local(spec.url):
            downloads.add(index, spec.url, _host(spec.url), _request_headers(state))

    def run() -> None:
        try:
            for index, url, state in local:
                try:
                    read: FetchResult | Exception = _read_file(url, state, settings)
                except Exception as exc:
                    read = exc
                done(index, read, 0.0)
            downloads.run()
        except Exception as exc:  # a fault of the loop itself: every feed left fails with it
            for index in feeds.keys() - reported:
                out.put((index, _failure(feeds[index][0], exc, settings)))

    thread = threading.Thread(target=run, name="selfwatch-fetch", daemon=True)
    thread.start()
    pending = len(due)
    try:
        for batch in _arrivals(out, pending):
            pending -= len(batch)
            yield [(i, read_body(r)) for i, r in batch] if parse else batch
    finally:
        if pending:  # closed early: what is in flight is cut off, its results dropped
            downloads.stop()
        thread.join()


def _outcome(
    url: str,
    state: FeedState,
    outcome: Download | FetchResult | BaseException,
    started: float,
    now: datetime,
    settings: FetchSettings,
) -> FetchResult:
    """Return the result of one feed's download (or of reading a local feed)."""
    if isinstance(outcome, FetchResult):
        return outcome
    if isinstance(outcome, Exception):
        return _failure(url, outcome, settings)
    if isinstance(outcome, BaseException):
        raise outcome
    if outcome.status == 200:
        return _Fetched(url, outcome, started).result()
    return _result(url, state, outcome, started, now)


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
    """Return an httpx client: ``transport``'s, or (behind a proxy) httpx's own."""
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


class _ThroughHttpx:
    """Sends requests through an ``httpx.Client`` (a proxy's, or a transport handed in)."""

    def __init__(self, client: httpx.Client) -> None:
        self._client = client

    @contextlib.contextmanager
    def get(self, url: str, headers: dict[str, str], deadline: float) -> Iterator[_Answer]:
        with self._client.stream("GET", url, headers=headers) as response:
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
    download: Download
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
    if isinstance(exc, Refused):
        return _error(url, str(exc))
    if isinstance(exc, FetchError):
        return _error(url, str(exc), prefixed=True)
    if isinstance(exc, UnsupportedScheme) or (httpx and isinstance(exc, httpx.UnsupportedProtocol)):
        return _error(url, f"unsupported URL: {exc}")
    if isinstance(exc, BadEncoding) or (httpx and isinstance(exc, httpx.DecodingError)):
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
) -> Download:
    """GET ``url`` through ``client``, following redirects by hand (``downloads.Redirects``).

    Everything, redirects included, must be read within ``settings.timeout`` seconds.
    """
    deadline = time.monotonic() + settings.timeout
    redirects = Redirects(url, settings.max_redirects)
    while True:
        with client.get(redirects.current, headers, deadline) as response:
            location = response.header("location")
            if response.status != 200:
                _drain(response)
            if response.status in REDIRECT_CODES and location:
                redirects.follow(response.status, response.join(location))
                continue
            body = b""
            if response.status == 200:
                body = _read_capped(response, settings.max_bytes, deadline)
            kept = {name: value for name in KEPT if (value := response.header(name)) is not None}
            return Download(response.status, kept, body, redirects.moved_to)


def _drain(response: _Answer, limit: int = DRAIN_LIMIT) -> None:
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
        raise too_big(int(declared), max_bytes)
    chunks: list[bytes] = []
    size = 0
    for chunk in response.decoded():
        size += len(chunk)
        if size > max_bytes:
            raise grew_too_big(max_bytes)
        if time.monotonic() > deadline:
            raise TimeoutError
        chunks.append(chunk)
    return b"".join(chunks)


def _result(
    url: str, state: FeedState, download: Download, started: float, now: datetime
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
    from email.utils import formatdate  # here: a cycle of web feeds never needs it

    started = time.perf_counter()
    path = _local_path(url)
    try:
        stat = path.stat()
        last_modified = formatdate(stat.st_mtime, usegmt=True)
        if state.last_modified == last_modified:
            return FetchResult(url=url, status="not_modified", last_modified=last_modified)
        if stat.st_size > settings.max_bytes:
            raise Refused(
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
