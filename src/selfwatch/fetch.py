"""Fetch feeds: concurrent, bounded, polite, and never raising for one bad feed.

``fetch_all`` polls the feeds that are due, at most ``concurrency`` requests at once and
``per_host`` per host, each bounded by ``timeout`` seconds from its first byte sent to its
last byte read (redirects included) and by ``max_bytes`` of decoded body. It sends the
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

import asyncio
import contextlib
import dataclasses
import functools
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import BrokenExecutor, Executor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import httpx

from . import __version__
from .config import FetchSettings
from .errors import FetchError
from .model import FeedSpec, FeedState, FetchResult
from .parse import ParsedFeed, read_feed

__all__ = [
    "BACKOFF_BASE",
    "BACKOFF_CAP",
    "USER_AGENT",
    "backoff",
    "fetch_all",
    "fetch_all_async",
    "is_due",
    "malformed_note",
    "next_state",
    "parse_retry_after",
    "stream_all",
]

USER_AGENT = f"selfwatch/{__version__} (+https://github.com/selfwatch/selfwatch)"
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


@dataclass(frozen=True)
class _Download:
    status: int
    headers: httpx.Headers
    body: bytes
    moved_to: str | None


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
    transport: httpx.AsyncBaseTransport | None = None,
    parser: Executor | None = None,
) -> Iterator[FetchResult]:
    """Poll every due feed in ``jobs``, yielding each result as soon as it is in.

    The requests run on an event loop in a helper thread, so the caller can store one feed's
    posts while the others are still downloading: a slow or huge feed holds up no other.
    Results come in completion order. Closing the iterator early cancels what is in flight.
    Bodies are parsed in ``parser`` (worker processes, say) when given, else in threads.
    """
    out: queue.SimpleQueue[Any] = queue.SimpleQueue()
    loop = asyncio.new_event_loop()
    tasks: list[asyncio.Task[Any]] = []

    async def main() -> None:
        task = asyncio.current_task()
        if task is not None:
            tasks.append(task)
        await fetch_all_async(
            jobs, settings, now=now, transport=transport, on_result=out.put, parser=parser
        )

    def worker() -> None:
        try:
            loop.run_until_complete(main())
        except asyncio.CancelledError:
            pass
        except BaseException as exc:  # handed to the caller's thread, raised there
            out.put(exc)
        finally:
            try:
                loop.run_until_complete(loop.shutdown_default_executor())
            finally:
                loop.close()
                out.put(_DONE)

    thread = threading.Thread(target=worker, name="selfwatch-fetch", daemon=True)
    thread.start()
    try:
        while (item := out.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        if thread.is_alive():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nothing to stop
                loop.call_soon_threadsafe(lambda: [t.cancel() for t in tasks])
        thread.join()


_DONE = object()


def fetch_all(
    jobs: Sequence[Job],
    settings: FetchSettings,
    *,
    now: datetime,
    transport: httpx.AsyncBaseTransport | None = None,
) -> list[FetchResult]:
    """Poll every due feed in ``jobs`` and return one result per polled feed, in job order.

    Feeds that are disabled or not yet due (``next_attempt`` after ``now``) are skipped and
    get no result. Must be called outside a running event loop; see ``fetch_all_async``.
    """
    return asyncio.run(fetch_all_async(jobs, settings, now=now, transport=transport))


async def fetch_all_async(
    jobs: Sequence[Job],
    settings: FetchSettings,
    *,
    now: datetime,
    transport: httpx.AsyncBaseTransport | None = None,
    on_result: Callable[[FetchResult], object] | None = None,
    parser: Executor | None = None,
) -> list[FetchResult]:
    """Do what ``fetch_all`` does, inside the caller's event loop.

    ``on_result`` is called with each result as soon as it is in; bodies are parsed in
    ``parser`` when given, else in threads.
    """
    due = [(spec, state) for spec, state in jobs if is_due(state, now)]
    if not due:
        return []
    limiter = _Limiter(settings.concurrency, settings.per_host)
    async with httpx.AsyncClient(
        transport=transport,
        timeout=httpx.Timeout(settings.timeout),
        # The semaphores bound the requests in flight; the pool only has to keep enough idle
        # connections that hosts taking turns do not close each other's (a cap at
        # ``concurrency`` meant a new TCP connection for most requests).
        limits=httpx.Limits(max_connections=None, max_keepalive_connections=KEEPALIVE),
        headers={"User-Agent": settings.user_agent or USER_AGENT, "Accept": ACCEPT},
        follow_redirects=False,
    ) as client:
        tasks = [
            _fetch_reported(client, limiter, spec, state, settings, now, on_result, parser)
            for spec, state in due
        ]
        return list(await asyncio.gather(*tasks))


async def _fetch_reported(
    client: httpx.AsyncClient,
    limiter: _Limiter,
    spec: FeedSpec,
    state: FeedState,
    settings: FetchSettings,
    now: datetime,
    on_result: Callable[[FetchResult], object] | None,
    parser: Executor | None,
) -> FetchResult:
    result = await _fetch_one(client, limiter, spec, state, settings, now, parser)
    if on_result is not None:
        on_result(result)
    return result


class _Limiter:
    """At most ``total`` requests in flight, and at most ``per_host`` to any one host."""

    def __init__(self, total: int, per_host: int) -> None:
        self.total = asyncio.Semaphore(total)
        self.per_host = per_host
        self.hosts: dict[str, asyncio.Semaphore] = {}

    def host(self, url: str) -> asyncio.Semaphore:
        parts = urlsplit(url)
        key = f"{(parts.hostname or '').lower()}:{parts.port or parts.scheme}"
        return self.hosts.setdefault(key, asyncio.Semaphore(self.per_host))


async def _fetch_one(
    client: httpx.AsyncClient,
    limiter: _Limiter,
    spec: FeedSpec,
    state: FeedState,
    settings: FetchSettings,
    now: datetime,
    parser: Executor | None = None,
) -> FetchResult:
    url = spec.url
    try:
        if _is_local(url):
            return await asyncio.to_thread(_read_file, url, state, settings)
        # Wait for the host first, so a feed queued behind a busy host holds no global slot.
        async with limiter.host(url), limiter.total:
            started = time.perf_counter()
            async with asyncio.timeout(settings.timeout):
                download = await _download(client, url, _request_headers(state), settings)
        return await _result(url, state, download, started, now, parser)
    except TimeoutError:
        return _error(url, f"timed out after {settings.timeout:g} s (fetch.timeout)")
    except _Failure as exc:
        return _error(url, str(exc))
    except FetchError as exc:
        return _error(url, str(exc), prefixed=True)
    except httpx.TimeoutException:
        return _error(url, f"timed out after {settings.timeout:g} s (fetch.timeout)")
    except httpx.UnsupportedProtocol as exc:
        return _error(url, f"unsupported URL: {exc}")
    except httpx.DecodingError as exc:
        return _error(url, f"cannot decode the response body (bad gzip?): {exc}")
    except httpx.TransportError as exc:
        return _error(url, f"cannot connect or read: {_describe(exc)}")
    except Exception as exc:  # the boundary: one bad feed must never stop the cycle
        return _error(url, f"unexpected {type(exc).__name__}: {exc}")


def _request_headers(state: FeedState) -> dict[str, str]:
    headers: dict[str, str] = {}
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    return headers


async def _download(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], settings: FetchSettings
) -> _Download:
    """GET ``url``, following redirects by hand to spot loops and permanent moves."""
    visited = {url}
    moved_to: str | None = None
    permanent = True
    current = url
    for _ in range(settings.max_redirects + 1):
        async with client.stream("GET", current, headers=headers) as response:
            location = response.headers.get("location")
            if response.status_code != 200:
                await _drain(response)
            if response.status_code in _REDIRECT_CODES and location:
                target = str(response.url.join(location))
                # Only an unbroken run of permanent redirects from the start moves the feed.
                permanent = permanent and response.status_code in _PERMANENT_CODES
                if permanent:
                    moved_to = target
                if target in visited:
                    raise _Failure(f"redirect loop: {current} redirects back to {target}")
                visited.add(target)
                current = target
                continue
            body = b""
            if response.status_code == 200:
                body = await _read_capped(response, settings.max_bytes)
            return _Download(response.status_code, response.headers, body, moved_to)
    raise _Failure(f"more than {settings.max_redirects} redirects (fetch.max_redirects)")


async def _drain(response: httpx.Response, limit: int = 65_536) -> None:
    """Read a small body to its end, so the connection can be reused (else it is closed)."""
    size = 0
    async for chunk in response.aiter_raw():
        size += len(chunk)
        if size > limit:
            return


async def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    """Return the decoded body, or fail as soon as it grows past ``max_bytes``."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _Failure(
            f"the response is {int(declared):,} bytes, over the limit of {max_bytes:,} "
            "(fetch.max_bytes)"
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise _Failure(
                f"the response is over the limit of {max_bytes:,} bytes (fetch.max_bytes); "
                "stopped reading"
            )
        chunks.append(chunk)
    return b"".join(chunks)


async def _result(
    url: str,
    state: FeedState,
    download: _Download,
    started: float,
    now: datetime,
    parser: Executor | None = None,
) -> FetchResult:
    status = download.status
    headers = download.headers
    etag = headers.get("etag")
    last_modified = headers.get("last-modified")
    if status == 200:
        parsed = await _parse(parser, download.body, url, headers.get("content-type"))
        return FetchResult(
            url=url,
            status="ok",
            http_status=status,
            posts=parsed.posts,
            skipped=parsed.skipped,
            etag=etag,
            last_modified=last_modified,
            moved_to=download.moved_to,
            elapsed=time.perf_counter() - started,
        )
    if status == 304:
        return FetchResult(
            url=url,
            status="not_modified",
            http_status=status,
            etag=etag or state.etag,
            last_modified=last_modified or state.last_modified,
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


async def _parse(
    parser: Executor | None, body: bytes, url: str, content_type: str | None
) -> ParsedFeed:
    if parser is None:
        return await asyncio.to_thread(read_feed, body, url, content_type=content_type)
    try:
        work = functools.partial(read_feed, body, url, content_type=content_type)
        return await asyncio.get_running_loop().run_in_executor(parser, work)
    except (BrokenExecutor, RuntimeError):  # the workers are gone: parse here instead
        return await asyncio.to_thread(read_feed, body, url, content_type=content_type)


def _reason_phrase(status: int) -> str:
    if 300 <= status < 400:
        return "redirect without a Location header"
    return httpx.codes.get_reason_phrase(status) or "unexpected status"


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
    parsed = read_feed(data, url)
    return FetchResult(
        url=url,
        status="ok",
        posts=parsed.posts,
        skipped=parsed.skipped,
        last_modified=last_modified,
        elapsed=time.perf_counter() - started,
    )
