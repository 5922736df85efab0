"""What the fetcher's downloads share below HTTP: failures, host-name look-ups, TLS settings.

The system resolver cannot be interrupted, so a host name is looked up in a thread of its own,
one per host at a time (``Names``), and a download whose deadline passes first fails with
``ConnectTimeout`` (the look-up is left to finish, or hang, alone). ``Resolver`` replaces
``socket.getaddrinfo`` (a test's slow resolver, say). Failures are this module's
``TransportFailure`` subclasses; ``downloads.Downloads`` raises them.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .future import Future

if TYPE_CHECKING:  # imported when the first https feed connects
    import ssl

__all__ = [
    "PORTS",
    "AddrInfo",
    "ConnectFailed",
    "ConnectTimeout",
    "Names",
    "ProtocolFailed",
    "ReadFailed",
    "ReadTimeout",
    "Resolver",
    "TransportFailure",
    "UnsupportedScheme",
    "system_resolver",
    "tls_context",
]

PORTS = {"http": 80, "https": 443}
AddrInfo = tuple[Any, ...]
"""One of ``socket.getaddrinfo``'s answers: (family, type, proto, canonname, sockaddr)."""
Resolver = Callable[[str, int], Sequence[AddrInfo]]
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


def system_resolver(host: str, port: int) -> Sequence[AddrInfo]:
    """Look ``host`` up with ``socket.getaddrinfo``, for a TCP connection to ``port``."""
    return socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)


def tls_context() -> ssl.SSLContext:
    """Return a context trusting what httpx's transport trusts (``httpx.create_ssl_context``).

    The file ``SSL_CERT_FILE`` names, else the folder ``SSL_CERT_DIR`` names, else certifi's
    authorities; the ssl module's defaults for the rest (verified host names, TLS 1.2 or
    later).
    """
    import ssl

    cafile = os.environ.get("SSL_CERT_FILE")
    if cafile:
        return ssl.create_default_context(cafile=cafile)
    capath = os.environ.get("SSL_CERT_DIR")
    if capath:
        return ssl.create_default_context(capath=capath)
    import certifi  # here: a cycle without https feeds does without it

    return ssl.create_default_context(cafile=certifi.where())


class Names:
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
        self._answers: dict[tuple[str, int], Future[Sequence[AddrInfo]]] = {}

    def resolve(self, host: str, port: int, timeout: float | None) -> Sequence[AddrInfo]:
        """Return the addresses of ``host``; TimeoutError if they take over ``timeout`` s."""
        answer = self.lookup(host, port)
        if not isinstance(answer, Future):
            return answer
        try:
            return answer.result(timeout)
        except TimeoutError:
            raise TimeoutError(f"looking up {host} took over {timeout:g} s") from None

    def lookup(self, host: str, port: int) -> Sequence[AddrInfo] | Future[Sequence[AddrInfo]]:
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
_RUNNING: dict[_LookUp, Future[Sequence[AddrInfo]]] = {}
"""The look-ups running in this process, whichever transport started them."""
_RUNNING_LOCK = threading.Lock()


def _look_up(resolver: Resolver, host: str, port: int) -> Future[Sequence[AddrInfo]]:
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


def _run_look_up(key: _LookUp, answer: Future[Sequence[AddrInfo]]) -> None:
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


def _ip_literal(host: str, port: int) -> list[AddrInfo] | None:
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
    family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
    address = (str(ip), port) if ip.version == 4 else (str(ip), port, 0, 0)
    return [(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", address)]
