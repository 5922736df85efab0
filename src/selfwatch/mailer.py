"""Deliver a rendered digest: validate the ``[smtp]`` config, build the email, send or save it.

The password never sits in the TOML: it comes from an environment variable (``password_env``)
or from a file only its owner can read (``password_file``, mode 0600 or stricter). It is never
logged and never part of an error message.

Every delivery failure raises :class:`~selfwatch.errors.MailError` naming ``host:port`` and what
happened, so the caller can keep the digest's posts pending and try again next run.
"""

from __future__ import annotations

import os
import re
import smtplib
import ssl
import stat
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Any, Literal

from .digest import CombinedDigest, Digest
from .errors import MailError, did_you_mean

Security = Literal["ssl", "starttls", "none"]
SECURITY: tuple[Security, ...] = ("ssl", "starttls", "none")
DEFAULT_PORTS: dict[Security, int] = {"ssl": 465, "starttls": 587, "none": 25}
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
SMTP_KEYS = (
    "host",
    "port",
    "security",
    "username",
    "password_env",
    "password_file",
    "sender",
    "timeout",
    "allow_insecure",
)
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

_Add = Callable[[str, str], None]
"""Record a problem: ``add(key, problem)``."""


@dataclass(frozen=True)
class SmtpSettings:
    """How to reach the mail server; the password itself is looked up only when sending."""

    host: str
    port: int
    security: Security
    sender: str
    username: str = ""
    password_env: str = ""
    password_file: Path | None = None
    timeout: float = 30.0
    allow_insecure: bool = False

    @property
    def where(self) -> str:
        """Return ``host:port`` for messages (IPv6 literals in brackets)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


class PartialDeliveryError(MailError):
    """The server accepted the message for some recipients and refused the others."""

    def __init__(self, message: str, refused: Mapping[str, tuple[int, bytes]]) -> None:
        super().__init__(message)
        self.refused = dict(refused)


# --- config ------------------------------------------------------------------------------


def check_smtp(raw: Any, key: str = "smtp") -> tuple[SmtpSettings | None, list[str]]:
    """Validate the ``[smtp]`` table; return the settings (None if invalid) and every problem.

    Problems read ``smtp.port: expected int, got a string``.
    """
    problems: list[str] = []

    def add(name: str, problem: str) -> None:
        problems.append(f"{key}.{name}: {problem}" if name else f"{key}: {problem}")

    if not isinstance(raw, Mapping):
        add("", f"expected a table, got {_kind(raw)}")
        return None, problems
    for name in raw:
        if name == "password":
            add(
                name,
                "do not put the password in the config; set password_env to the name of an "
                "environment variable, or password_file to a file only you can read (mode 0600)",
            )
        elif name not in SMTP_KEYS:
            add(name, f"unknown key{did_you_mean(str(name), SMTP_KEYS)}")
    values = _typed(raw, add)
    host = values["host"].strip()
    if not host:
        add("host", "required: the mail server's name, e.g. 'smtp.example.com'")
    security = values["security"]
    if security not in SECURITY:
        add("security", f"must be 'ssl', 'starttls' or 'none', got {security!r}")
        security = "starttls"
    port = values["port"] if values["port"] is not None else DEFAULT_PORTS[security]
    if not 0 < port < 65536:
        add("port", f"must be between 1 and 65535, got {port}")
    if security == "none" and host not in LOCAL_HOSTS and not values["allow_insecure"]:
        add(
            "security",
            f"'none' sends mail and password unencrypted; it is only allowed for "
            f"{', '.join(LOCAL_HOSTS)} unless you set allow_insecure = true",
        )
    _check_credentials(values, add)
    sender = values["sender"].strip()
    if not sender:
        add("sender", "required: the From address, e.g. 'selfwatch <me@example.com>'")
    elif "@" not in parseaddr(sender)[1] or any(c in sender for c in "\r\n"):
        add("sender", f"not an email address: {sender!r}")
    if values["timeout"] <= 0:
        add("timeout", f"must be greater than 0, got {values['timeout']}")
    if problems:
        return None, problems
    password_file = values["password_file"]
    return SmtpSettings(
        host=host,
        port=port,
        security=security,
        sender=sender,
        username=values["username"],
        password_env=values["password_env"],
        password_file=Path(password_file).expanduser() if password_file else None,
        timeout=float(values["timeout"]),
        allow_insecure=values["allow_insecure"],
    ), problems


def _typed(raw: Mapping[str, Any], add: _Add) -> dict[str, Any]:
    """Return each known key's value if it has the right type, else its default."""
    kinds: dict[str, tuple[type, Any]] = {
        "host": (str, ""),
        "port": (int, None),
        "security": (str, "starttls"),
        "username": (str, ""),
        "password_env": (str, ""),
        "password_file": (str, ""),
        "sender": (str, ""),
        "timeout": (float, 30.0),
        "allow_insecure": (bool, False),
    }
    values: dict[str, Any] = {}
    for name, (kind, default) in kinds.items():
        value = raw.get(name, default)
        if name not in raw:
            values[name] = default
        elif kind is float and isinstance(value, int | float) and not isinstance(value, bool):
            values[name] = float(value)
        elif isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
            values[name] = value
        else:
            add(name, f"expected {kind.__name__}, got {_kind(value)}")
            values[name] = default
    return values


def _check_credentials(values: Mapping[str, Any], add: _Add) -> None:
    env_name, file_name, user = values["password_env"], values["password_file"], values["username"]
    if env_name and not ENV_NAME.match(env_name):
        # Never echo the value: people paste the password itself here.
        add(
            "password_env",
            "must be the name of an environment variable (like SELFWATCH_SMTP_PASSWORD), "
            "not the password itself",
        )
    if env_name and file_name:
        add("password_file", "set either password_env or password_file, not both")
    if user and not (env_name or file_name):
        add("username", "set password_env or password_file so selfwatch can log in")
    if (env_name or file_name) and not user:
        add("username", "required when password_env or password_file is set")
    if file_name and not env_name:
        problem = password_file_problem(Path(file_name).expanduser())
        if problem:
            add("password_file", problem)


def password_file_problem(path: Path) -> str | None:
    """Return why ``path`` cannot hold the SMTP password (missing, or readable by others)."""
    try:
        info = path.stat()
    except OSError as exc:
        return f"cannot read {path}: {exc.strerror}"
    mode = stat.S_IMODE(info.st_mode)
    # POSIX permissions mean nothing on Windows; there the file's ACL is the user's business.
    if os.name == "posix" and mode & 0o077:
        return (
            f"{path} has mode {mode:04o}, so others can read it; "
            f"make it 0600 or stricter (chmod 600 {path})"
        )
    return None


def _kind(value: Any) -> str:
    return {dict: "a table", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


# --- password ----------------------------------------------------------------------------


def resolve_password(settings: SmtpSettings, env: Mapping[str, str]) -> str | None:
    """Return the SMTP password from ``env`` or the password file; None when not logging in."""
    if settings.password_env:
        value = env.get(settings.password_env, "")
        if not value:
            raise MailError(
                f"smtp.password_env: the environment variable {settings.password_env} "
                "is not set or empty"
            )
        return value
    if settings.password_file is not None:
        return _read_password_file(settings.password_file)
    return None


def _read_password_file(path: Path) -> str:
    # Checked again at send time: the file may have changed since the config was loaded.
    problem = password_file_problem(path)
    if problem:
        raise MailError(f"smtp.password_file: {problem}")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise MailError(f"smtp.password_file: cannot read {path}: {reason}") from None
    password = text.rstrip("\r\n")
    if not password:
        raise MailError(f"smtp.password_file: {path} is empty")
    return password


# --- message -----------------------------------------------------------------------------


def build_message(
    digest_html: str,
    digest_text: str,
    subject: str,
    sender: str,
    recipients: Sequence[str],
    *,
    now: datetime,
    cc: Sequence[str] = (),
) -> EmailMessage:
    """Return a multipart/alternative email: the text part first, then the HTML part."""
    if not recipients:
        raise MailError("no recipients: set 'recipients' in the profile")
    for address in (sender, *recipients, *cc):
        if "@" not in parseaddr(address)[1] or any(c in address for c in "\r\n"):
            raise MailError(f"not an email address: {address!r}")
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    domain = parseaddr(sender)[1].rpartition("@")[2]
    message = EmailMessage()
    message["Subject"] = " ".join(subject.split())
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    if cc:
        message["Cc"] = ", ".join(cc)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=domain)
    # RFC 3834: tells vacation responders not to answer a machine.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(digest_text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(digest_html, subtype="html", charset="utf-8", cte="quoted-printable")
    # The parts are encoded (quoted-printable, 76-character lines) by now; the headers are
    # folded when the message is written. Python folds a header value that fits on a line of
    # its own but not after "Subject: " onto a continuation line, which some clients show as
    # an empty subject. RFC 5322 allows 998 characters, so fold only beyond that.
    message.policy = message.policy.clone(max_line_length=998)
    return message


# --- delivery ----------------------------------------------------------------------------


def send(
    message: EmailMessage,
    settings: SmtpSettings,
    *,
    env: Mapping[str, str],
    tls_context: ssl.SSLContext | None = None,
) -> None:
    """Send ``message`` through the configured server; raise MailError if it was not accepted.

    ``tls_context`` defaults to the system's trusted CAs with hostname checks.
    """
    password = resolve_password(settings, env)
    context = tls_context or ssl.create_default_context()
    envelope_from = parseaddr(settings.sender)[1]
    try:
        with _connect(settings, context) as smtp:
            if settings.security == "starttls":
                smtp.starttls(context=context)
            if settings.username and password is not None:
                smtp.login(settings.username, password)
            refused = smtp.send_message(message, from_addr=envelope_from)
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(_scrub(_explain(exc, settings), password)) from None
    if refused:
        raise PartialDeliveryError(
            _scrub(f"{settings.where} refused some recipients: {_refusals(refused)}", password),
            refused,
        )


def _connect(settings: SmtpSettings, context: ssl.SSLContext) -> smtplib.SMTP:
    """Open the connection: implicit TLS for "ssl", plain TCP otherwise (STARTTLS comes next)."""
    if settings.security == "ssl":
        return smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout, context=context
        )
    return smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)


def _explain(exc: BaseException, settings: SmtpSettings) -> str:
    where = settings.where
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return f"{where} refused every recipient: {_refusals(exc.recipients)}"
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return f"{where} refused the sender {exc.sender}: {exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPDataError):
        return f"{where} refused the message: {exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return (
            f"{where} refused the login for {settings.username!r}: {exc.smtp_code} "
            f"{_text(exc.smtp_error)}; check the username and the password source"
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        hint = "try security = 'ssl' on port 465" if settings.security == "starttls" else ""
        return f"{where} does not support what selfwatch needs: {exc}{'; ' + hint if hint else ''}"
    if isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError):
        # smtplib reports a read timeout as a disconnect; say what really happened.
        return f"{where} did not answer within {settings.timeout:g} s"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"{where} closed the connection unexpectedly ({exc or 'no reason given'})"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{where} answered {exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"{where} presented a certificate that cannot be trusted: {exc.verify_message}"
    if isinstance(exc, ssl.SSLError):
        return (
            f"TLS with {where} failed ({exc.reason or exc}); check that security = "
            f"'{settings.security}' matches the port"
        )
    if isinstance(exc, ConnectionRefusedError):
        return f"cannot connect to {where}: connection refused; check host and port"
    if isinstance(exc, OSError):
        return f"cannot talk to {where}: {exc.strerror or exc}"
    return f"sending through {where} failed: {exc}"


def _refusals(refused: Mapping[str, tuple[int, bytes | str]]) -> str:
    return "; ".join(f"{addr} ({code} {_text(text)})" for addr, (code, text) in refused.items())


def _text(value: bytes | str) -> str:
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    return " ".join(text.split())


def _scrub(text: str, password: str | None) -> str:
    # Belt and braces: no server reply should echo it, but an error must never carry it.
    return text.replace(password, "***") if password else text


# --- files -------------------------------------------------------------------------------


def write_to_dir(
    digest: Digest | CombinedDigest,
    html: str,
    text: str,
    directory: Path,
    *,
    message: EmailMessage | None = None,
) -> tuple[Path, Path]:
    """Write the digest as ``<key>-<UTC time>.html`` and ``.txt`` (and ``.eml`` with a message).

    Return the HTML and text paths; the ``.eml`` file, when written, sits next to them. An
    existing file is never overwritten: a ``-2``, ``-3`` ... suffix is added instead.
    """
    key = digest.profile_key if isinstance(digest, Digest) else digest.key
    moment = digest.generated_at
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    safe_key = re.sub(r"[^A-Za-z0-9_.-]+", "-", key).strip(".-") or "digest"
    base = f"{safe_key}-{moment:%Y%m%dT%H%M%SZ}"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for stem in _stems(base):
            paths = [directory / f"{stem}{suffix}" for suffix in (".html", ".txt", ".eml")]
            if not any(p.exists() for p in paths):
                break
        paths[0].write_text(html, encoding="utf-8")
        paths[1].write_text(text, encoding="utf-8")
        if message is not None:
            paths[2].write_bytes(message.as_bytes())
    except OSError as exc:
        raise MailError(f"cannot write the digest to {directory}: {exc.strerror or exc}") from None
    return paths[0], paths[1]


def _stems(base: str) -> Iterable[str]:
    yield base
    n = 2
    while True:
        yield f"{base}-{n}"
        n += 1
