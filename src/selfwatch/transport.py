"""``connections.Pool`` as an httpx transport, for a caller that speaks httpx.

The fetcher uses the pool directly; this adapter serves a caller that hands the fetcher a
transport (a test's, say) or sends requests through ``httpx.Client``. A request whose
extensions hold ``DEADLINE`` (a ``time.monotonic()`` value) is watched as the pool watches it,
and it fails with ``httpx.ReadTimeout`` past it (``httpx.ConnectTimeout`` if connecting did
not end in time). Errors are httpx's exceptions (``ConnectError``, ``ReadError``,
``RemoteProtocolError``, ...), so a caller handles this transport as any other. Proxies are not
its business: the fetcher uses httpx's own transport when the environment names one.
Thread-safe: one transport serves every fetching thread of a cycle.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx

from .connections import (
    DEADLINE,
    PORTS,
    ConnectFailed,
    ConnectTimeout,
    Pool,
    ProtocolFailed,
    ReadTimeout,
    Reply,
    Resolver,
    TransportFailure,
    UnsupportedScheme,
)

__all__ = ["DEADLINE", "DirectTransport", "Resolver"]


class DirectTransport(httpx.BaseTransport):
    """GET over HTTP/1.1 with ``http.client``, keeping up to ``keepalive`` idle connections."""

    def __init__(self, keepalive: int = 100, *, resolver: Resolver | None = None) -> None:
        self.keepalive = keepalive
        self._pool = Pool(keepalive) if resolver is None else Pool(keepalive, resolver=resolver)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        timeouts = request.extensions.get("timeout", {})
        try:
            # raw_host: the ASCII form (IDNA for a non-ASCII name) that the Host header carries.
            key = (url.scheme, url.raw_host.decode("ascii"), url.port or PORTS.get(url.scheme, 0))
            reply = self._pool.request(
                request.method,
                key,
                url.raw_path.decode("ascii"),
                [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw],
                connect=timeouts.get("connect"),
                read=timeouts.get("read"),
                deadline=request.extensions.get(DEADLINE),
            )
        except TransportFailure as exc:
            raise _httpx_error(exc, request) from exc.__cause__
        return httpx.Response(
            reply.status,
            headers=reply.headers(),
            stream=_Body(reply, request),
            extensions={
                "http_version": b"HTTP/1.1",
                "reason_phrase": reply.reason.encode("latin-1", "replace"),
            },
        )

    def close(self) -> None:
        """Close every idle connection and stop the watchdog."""
        self._pool.close()


class _Body(httpx.SyncByteStream):
    """A response body read from its connection; the connection is kept if read to the end."""

    def __init__(self, reply: Reply, request: httpx.Request) -> None:
        self._reply = reply
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._reply.chunks()
        except TransportFailure as exc:
            raise _httpx_error(exc, self._request) from exc.__cause__

    def close(self) -> None:
        self._reply.close()


def _httpx_error(exc: TransportFailure, request: httpx.Request) -> httpx.HTTPError:
    kind: type[httpx.HTTPError]
    if isinstance(exc, UnsupportedScheme):
        kind = httpx.UnsupportedProtocol
    elif isinstance(exc, ConnectTimeout):
        kind = httpx.ConnectTimeout
    elif isinstance(exc, ConnectFailed):
        kind = httpx.ConnectError
    elif isinstance(exc, ReadTimeout):
        kind = httpx.ReadTimeout
    elif isinstance(exc, ProtocolFailed):
        kind = httpx.RemoteProtocolError
    else:
        kind = httpx.ReadError
    return kind(str(exc), request=request)
