"""A real SMTP server on 127.0.0.1 for tests: records messages, can refuse or hang up.

Usage::

    with SmtpServer() as server:
        ...send to server.host:server.port...
        server.messages[0].message["Subject"]

``refuse_rcpt`` / ``refuse_data`` make it answer 550; ``drop_on`` ("RCPT" or "DATA") closes
the connection instead of answering. ``gate`` is awaited before a message is accepted (it
receives the recorder), to hold one sender in the middle of its send. ``password`` turns on
AUTH (also over plain TCP) and accepts only that password. ``tls_context`` offers STARTTLS;
``ssl_context`` makes the whole connection TLS (SMTPS).
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from types import TracebackType
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

REFUSED = "550 5.7.1 Refused by test server"


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago.

    aiosmtpd's Controller cannot use port 0: it probes the port it was given to see when the
    server is up, so we ask the OS for a free port first.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Received:
    """One message the server accepted."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: EmailMessage
    tls: bool
    auth_user: str | None


@dataclass
class Recorder:
    """The aiosmtpd handler: records messages and misbehaves on request."""

    refuse_rcpt: bool = False
    refuse_data: bool = False
    drop_on: Literal["RCPT", "DATA"] | None = None
    gate: Callable[[Recorder], Awaitable[None]] | None = None
    messages: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    rcpts: int = 0
    """RCPT commands seen, accepted or not (a second sender shows up here)."""

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        self.rcpts += 1
        if self.drop_on == "RCPT":
            server.transport.close()
            return "421 closing"
        if self.refuse_rcpt:
            return REFUSED
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.gate is not None:
            await self.gate(self)
        if self.drop_on == "DATA":
            server.transport.close()
            return "421 closing"
        if self.refuse_data:
            return "550 5.6.0 Message refused by test server"
        raw = envelope.original_content or envelope.content
        parsed = message_from_bytes(raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        user = session.auth_data.login.decode() if session.authenticated else None
        with self.lock:
            self.messages.append(
                Received(
                    envelope.mail_from,
                    list(envelope.rcpt_tos),
                    raw,
                    parsed,
                    session.ssl is not None,
                    user,
                )
            )
        return "250 Message accepted"


class SmtpServer:
    """Run a :class:`Recorder` behind an aiosmtpd Controller on a free local port."""

    host = "127.0.0.1"

    def __init__(
        self,
        *,
        password: str | None = None,
        tls_context: ssl.SSLContext | None = None,
        ssl_context: ssl.SSLContext | None = None,
        **behaviour: Any,
    ) -> None:
        self.handler = Recorder(**behaviour)
        self.port = free_port()
        self.password = password
        kwargs: dict[str, Any] = {}
        if password is not None:
            kwargs.update(authenticator=self._authenticate, auth_require_tls=False)
        if tls_context is not None:
            kwargs.update(tls_context=tls_context)
        self.controller = Controller(
            self.handler,
            hostname=self.host,
            port=self.port,
            ssl_context=ssl_context,
            server_hostname="localhost",
            **kwargs,
        )

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and auth_data.password.decode() == self.password
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    @property
    def messages(self) -> list[Received]:
        """Return the messages received so far."""
        with self.handler.lock:
            return list(self.handler.messages)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.controller.stop()


class SilentServer:
    """A socket that accepts connections and never says a word (to test timeouts)."""

    host = "127.0.0.1"

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((self.host, 0))
        self.sock.listen(4)
        self.port = int(self.sock.getsockname()[1])

    def __enter__(self) -> SilentServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()
