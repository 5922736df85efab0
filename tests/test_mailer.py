"""SMTP settings, message building and delivery against a real local SMTP server."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import replace
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from smtpserver import SilentServer, SmtpServer, free_port
from test_digest import NOW, hostile_digest, sample_digest

from selfwatch.digest import render_html, render_text
from selfwatch.errors import MailError
from selfwatch.mailer import (
    PartialDeliveryError,
    SmtpSettings,
    build_message,
    check_smtp,
    resolve_password,
    send,
    write_to_dir,
)

SENDER = "selfwatch <digest@selfwatch.example>"
SECRET = "s3cr3t-Pa55"


def settings_for(server: SmtpServer | SilentServer, **changes: object) -> SmtpSettings:
    """Return plain-localhost settings pointing at ``server``."""
    base = SmtpSettings(host=server.host, port=server.port, security="none", sender=SENDER)
    return replace(base, **changes)  # type: ignore[arg-type]


def digest_message(
    recipients: tuple[str, ...] = ("jane@example.com",), cc: tuple[str, ...] = ()
) -> EmailMessage:
    digest = sample_digest()
    return build_message(
        render_html(digest), render_text(digest), digest.subject, SENDER, recipients, now=NOW, cc=cc
    )


# --- check_smtp ----------------------------------------------------------------------------


def test_check_smtp_accepts_a_full_table_with_defaults() -> None:
    settings, problems = check_smtp(
        {
            "host": "smtp.example.com",
            "sender": SENDER,
            "username": "jane",
            "password_env": "SMTP_PW",
        },
        "smtp",
    )
    assert problems == []
    assert settings == SmtpSettings(
        host="smtp.example.com",
        port=587,
        security="starttls",
        sender=SENDER,
        username="jane",
        password_env="SMTP_PW",
    )


def test_check_smtp_port_defaults_follow_security() -> None:
    settings, _ = check_smtp({"host": "mail.example", "sender": SENDER, "security": "ssl"}, "smtp")
    assert settings is not None and settings.port == 465
    settings, _ = check_smtp({"host": "localhost", "sender": SENDER, "security": "none"}, "smtp")
    assert settings is not None and settings.port == 25


def test_check_smtp_reports_every_problem_with_dotted_keys() -> None:
    settings, problems = check_smtp(
        {
            "hots": "x",
            "port": "587",
            "security": "tls",
            "timeout": 0,
            "sender": "nobody",
            "allow_insecure": "yes",
        },
        "smtp",
    )
    assert settings is None
    assert problems == [
        "smtp.hots: unknown key (did you mean 'host'?)",
        "smtp.port: expected int, got a string",
        "smtp.allow_insecure: expected bool, got a string",
        "smtp.host: required: the mail server's name, e.g. 'smtp.example.com'",
        "smtp.security: must be 'ssl', 'starttls' or 'none', got 'tls'",
        "smtp.sender: not an email address: 'nobody'",
        "smtp.timeout: must be greater than 0, got 0.0",
    ]


def test_check_smtp_not_a_table() -> None:
    assert check_smtp("smtp.example.com", "smtp") == (
        None,
        ["smtp: expected a table, got a string"],
    )


def test_password_in_toml_is_rejected_without_echoing_it() -> None:
    _, problems = check_smtp(
        {"host": "mail.example", "sender": SENDER, "username": "u", "password": SECRET}, "smtp"
    )
    assert any(
        p.startswith("smtp.password: do not put the password in the config") for p in problems
    )
    assert any("password_env" in p and "password_file" in p for p in problems)
    assert not any(SECRET in p for p in problems)


def test_password_env_must_be_a_variable_name_and_is_not_echoed() -> None:
    _, problems = check_smtp(
        {"host": "mail.example", "sender": SENDER, "username": "u", "password_env": "hunter 2!"},
        "smtp",
    )
    assert problems == [
        "smtp.password_env: must be the name of an environment variable "
        "(like SELFWATCH_SMTP_PASSWORD), not the password itself"
    ]


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        (
            {"username": "u", "password_env": "A", "password_file": "/p"},
            "smtp.password_file: set either password_env",
        ),
        ({"username": "u"}, "smtp.username: set password_env or password_file"),
        ({"password_env": "A"}, "smtp.username: required when password_env"),
    ],
)
def test_credential_combinations(table: dict[str, str], problem: str) -> None:
    _, problems = check_smtp({"host": "mail.example", "sender": SENDER, **table}, "smtp")
    assert len(problems) == 1 and problems[0].startswith(problem)


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "::1"])
def test_plain_smtp_is_allowed_on_localhost(host: str) -> None:
    settings, problems = check_smtp({"host": host, "sender": SENDER, "security": "none"}, "smtp")
    assert problems == [] and settings is not None


def test_plain_smtp_to_a_remote_host_needs_allow_insecure() -> None:
    raw = {"host": "mail.example", "sender": SENDER, "security": "none"}
    _, problems = check_smtp(raw, "smtp")
    assert len(problems) == 1 and problems[0].startswith("smtp.security: 'none' sends mail")
    settings, problems = check_smtp({**raw, "allow_insecure": True}, "smtp")
    assert problems == [] and settings is not None and settings.allow_insecure


def test_password_file_path_is_expanded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "pw").write_text("secret\n", encoding="utf-8")
    (tmp_path / "pw").chmod(0o600)
    settings, _ = check_smtp(
        {"host": "mail.example", "sender": SENDER, "username": "u", "password_file": "~/pw"}, "smtp"
    )
    assert settings is not None and settings.password_file == tmp_path / "pw"


# --- password sources ----------------------------------------------------------------------


def test_password_from_env() -> None:
    settings = SmtpSettings("h", 25, "none", SENDER, username="u", password_env="PW")
    assert resolve_password(settings, {"PW": SECRET}) == SECRET
    with pytest.raises(MailError, match="environment variable PW is not set"):
        resolve_password(settings, {})


def test_password_from_a_0600_file(tmp_path: Path) -> None:
    path = tmp_path / "pw"
    path.write_text(SECRET + "\n", encoding="utf-8")
    path.chmod(0o600)
    settings = SmtpSettings("h", 25, "none", SENDER, username="u", password_file=path)
    assert resolve_password(settings, {}) == SECRET
    path.chmod(0o400)
    assert resolve_password(settings, {}) == SECRET


def test_password_file_readable_by_others_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "pw"
    path.write_text(SECRET, encoding="utf-8")
    path.chmod(0o644)
    settings = SmtpSettings("h", 25, "none", SENDER, username="u", password_file=path)
    with pytest.raises(MailError) as info:
        resolve_password(settings, {})
    assert "has mode 0644" in str(info.value)
    assert "chmod 600" in str(info.value)
    assert SECRET not in str(info.value)


def test_missing_password_file(tmp_path: Path) -> None:
    settings = SmtpSettings("h", 25, "none", SENDER, username="u", password_file=tmp_path / "no")
    with pytest.raises(MailError, match=r"cannot read .*no"):
        resolve_password(settings, {})


# --- build_message ------------------------------------------------------------------------


def test_message_is_multipart_alternative_text_first() -> None:
    message = digest_message(cc=("coach@example.org",))
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    assert message["Date"] == "Mon, 05 Jan 2026 07:30:00 +0000"
    assert message["Message-ID"].endswith("@selfwatch.example>")
    assert message["Cc"] == "coach@example.org"
    assert message["Auto-Submitted"] == "auto-generated"


def test_non_ascii_subject_round_trips() -> None:
    subject = "selfwatch: 1 new mention of Zoë Ångström-Müller 日本"
    message = build_message("<p>x</p>", "x", subject, SENDER, ["z@example.com"], now=NOW)
    raw = message.as_bytes()
    assert raw.isascii()
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == subject


def test_subject_newlines_cannot_inject_headers() -> None:
    message = build_message(
        "h", "t", "hi\r\nBcc: evil@example.com", SENDER, ["a@example.com"], now=NOW
    )
    assert message["Bcc"] is None
    assert message["Subject"] == "hi Bcc: evil@example.com"


@pytest.mark.parametrize(
    ("recipients", "error"),
    [
        ((), "no recipients"),
        (("not-an-address",), "not an email address"),
        (("a@example.com\r\nBcc: x@example.com",), "not an email address"),
    ],
)
def test_bad_recipients(recipients: tuple[str, ...], error: str) -> None:
    with pytest.raises(MailError, match=error):
        build_message("h", "t", "s", SENDER, recipients, now=NOW)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        build_message("h", "t", "s", SENDER, ["a@example.com"], now=datetime(2026, 1, 1))


# --- delivery against a real server -----------------------------------------------------


def test_send_delivers_both_parts_to_recipients_and_coach_cc() -> None:
    message = digest_message(("jane@example.com",), cc=("coach@example.org",))
    with SmtpServer() as server:
        send(message, settings_for(server), env={})
    [got] = server.messages
    assert got.mail_from == "digest@selfwatch.example"
    assert sorted(got.rcpt_tos) == ["coach@example.org", "jane@example.com"]
    assert got.auth_user is None and not got.tls
    received = got.message
    assert received["Subject"] == sample_digest().subject
    assert received["To"] == "jane@example.com"
    assert received["Cc"] == "coach@example.org"
    assert received["Date"] == "Mon, 05 Jan 2026 07:30:00 +0000"
    assert received["Message-ID"] == message["Message-ID"]
    assert received.get_content_type() == "multipart/alternative"
    text, html = received.iter_parts()
    assert text.get_content_type() == "text/plain"
    assert html.get_content_type() == "text/html"
    # SMTP carries CRLF line ends; the content is otherwise unchanged.
    assert text.get_content().replace("\r\n", "\n") == render_text(sample_digest())
    assert html.get_content().replace("\r\n", "\n") == render_html(sample_digest())


def test_hostile_feed_text_arrives_escaped() -> None:
    digest = hostile_digest()
    message = build_message(
        render_html(digest),
        render_text(digest),
        digest.subject,
        SENDER,
        ["jane@example.com"],
        now=NOW,
    )
    with SmtpServer() as server:
        send(message, settings_for(server), env={})
    html_part = server.messages[0].message.get_body(("html",))
    assert html_part is not None
    html = html_part.get_content()
    assert "<script" not in html and "<img" not in html
    assert 'href="javascript' not in html
    assert "&lt;script&gt;" in html


def test_login_with_password_from_env() -> None:
    with SmtpServer(password=SECRET) as server:
        settings = settings_for(server, username="jane", password_env="SMTP_PW")
        send(digest_message(), settings, env={"SMTP_PW": SECRET})
    assert server.messages[0].auth_user == "jane"


def test_login_with_password_from_file(tmp_path: Path) -> None:
    path = tmp_path / "pw"
    path.write_text(SECRET + "\n", encoding="utf-8")
    path.chmod(0o600)
    with SmtpServer(password=SECRET) as server:
        send(digest_message(), settings_for(server, username="jane", password_file=path), env={})
    assert server.messages[0].auth_user == "jane"


def test_wrong_password_is_a_mail_error_without_the_password() -> None:
    wrong = "not-the-" + SECRET
    with SmtpServer(password=SECRET) as server:
        settings = settings_for(server, username="jane", password_env="SMTP_PW")
        with pytest.raises(MailError) as info:
            send(digest_message(), settings, env={"SMTP_PW": wrong})
    text = str(info.value)
    assert f"127.0.0.1:{server.port} refused the login for 'jane': 535" in text
    assert wrong not in text and SECRET not in text
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_refused_recipient_is_a_mail_error() -> None:
    with SmtpServer(refuse_rcpt=True) as server, pytest.raises(MailError) as info:
        send(digest_message(), settings_for(server), env={})
    assert str(info.value) == (
        f"127.0.0.1:{server.port} refused every recipient: "
        "jane@example.com (550 5.7.1 Refused by test server)"
    )
    assert server.messages == []


def test_refused_data_is_a_mail_error() -> None:
    with SmtpServer(refuse_data=True) as server, pytest.raises(MailError) as info:
        send(digest_message(), settings_for(server), env={})
    assert str(info.value) == (
        f"127.0.0.1:{server.port} refused the message: 550 5.6.0 Message refused by test server"
    )


def test_partial_refusal_names_the_refused_recipients() -> None:
    with SmtpServer() as server:
        original = server.handler.handle_RCPT

        async def picky(srv, session, envelope, address, options):  # type: ignore[no-untyped-def]
            if address.startswith("coach"):
                return "550 5.1.1 No such user"
            return await original(srv, session, envelope, address, options)

        server.handler.handle_RCPT = picky  # type: ignore[method-assign]
        with pytest.raises(PartialDeliveryError) as info:
            send(digest_message(cc=("coach@example.org",)), settings_for(server), env={})
    assert info.value.refused == {"coach@example.org": (550, b"5.1.1 No such user")}
    assert "coach@example.org (550 5.1.1 No such user)" in str(info.value)
    assert [m.rcpt_tos for m in server.messages] == [["jane@example.com"]]


@pytest.mark.parametrize("stage", ["RCPT", "DATA"])
def test_dropped_connection_is_a_mail_error(stage: str) -> None:
    with SmtpServer(drop_on=stage) as server, pytest.raises(MailError) as info:
        send(digest_message(), settings_for(server), env={})
    assert str(info.value).startswith(f"127.0.0.1:{server.port} closed the connection unexpectedly")


def test_nothing_listening_is_a_mail_error() -> None:
    port = free_port()
    settings = SmtpSettings("127.0.0.1", port, "none", SENDER, timeout=2)
    with pytest.raises(MailError, match=rf"cannot connect to 127.0.0.1:{port}: connection refused"):
        send(digest_message(), settings, env={})


def test_silent_server_times_out() -> None:
    with SilentServer() as server, pytest.raises(MailError) as info:
        send(digest_message(), settings_for(server, timeout=0.3), env={})
    assert str(info.value) == f"127.0.0.1:{server.port} did not answer within 0.3 s"


def test_missing_password_fails_before_connecting() -> None:
    settings = SmtpSettings(
        "127.0.0.1", free_port(), "none", SENDER, username="u", password_env="PW"
    )
    with pytest.raises(MailError, match="environment variable PW is not set"):
        send(digest_message(), settings, env={})


def test_starttls_refused_by_a_plain_server_is_explained() -> None:
    with SmtpServer() as server, pytest.raises(MailError) as info:
        send(digest_message(), settings_for(server, security="starttls"), env={})
    assert "STARTTLS extension not supported" in str(info.value)
    assert "try security = 'ssl' on port 465" in str(info.value)


def test_ssl_against_a_plain_server_is_explained() -> None:
    with SmtpServer() as server, pytest.raises(MailError) as info:
        send(digest_message(), settings_for(server, security="ssl", timeout=2), env={})
    assert str(info.value).startswith(f"TLS with 127.0.0.1:{server.port} failed")


# --- real TLS (self-signed certificate made with the openssl command) --------------------


def server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


def client_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate[0]))


def test_starttls_upgrades_then_logs_in(certificate: tuple[Path, Path]) -> None:
    with SmtpServer(password=SECRET, tls_context=server_context(certificate)) as server:
        settings = settings_for(server, security="starttls", username="jane", password_env="PW")
        send(
            digest_message(), settings, env={"PW": SECRET}, tls_context=client_context(certificate)
        )
    [got] = server.messages
    assert got.tls and got.auth_user == "jane"


def test_implicit_tls(certificate: tuple[Path, Path]) -> None:
    with SmtpServer(ssl_context=server_context(certificate)) as server:
        send(
            digest_message(),
            settings_for(server, security="ssl"),
            env={},
            tls_context=client_context(certificate),
        )
    assert len(server.messages) == 1


def test_untrusted_certificate_is_refused(certificate: tuple[Path, Path]) -> None:
    with (
        SmtpServer(tls_context=server_context(certificate)) as server,
        pytest.raises(MailError) as info,
    ):
        send(
            digest_message(),
            settings_for(server, security="starttls"),
            env={},
            tls_context=ssl.create_default_context(),
        )
    assert "certificate that cannot be trusted" in str(info.value)
    assert server.messages == []


def test_connection_class_follows_security(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without TLS servers: "ssl" opens SMTP_SSL, "starttls" opens SMTP and sends STARTTLS."""
    calls: list[str] = []

    class Fake:
        def __init__(self, kind: str, *args: object, **kwargs: object) -> None:
            calls.append(kind)

        def __enter__(self) -> Fake:
            return self

        def __exit__(self, *exc: object) -> None:
            calls.append("quit")

        def starttls(self, context: ssl.SSLContext) -> None:
            calls.append("starttls")

        def login(self, user: str, password: str) -> None:
            calls.append(f"login {user}")

        def send_message(self, message: EmailMessage, from_addr: str) -> dict[str, object]:
            calls.append(f"send from {from_addr}")
            return {}

    monkeypatch.setattr(smtplib, "SMTP", lambda *a, **k: Fake("SMTP", *a, **k))
    monkeypatch.setattr(smtplib, "SMTP_SSL", lambda *a, **k: Fake("SMTP_SSL", *a, **k))
    base = SmtpSettings("mail.example", 465, "ssl", SENDER, username="u", password_env="PW")
    send(digest_message(), base, env={"PW": "x"})
    send(digest_message(), replace(base, security="starttls", port=587), env={"PW": "x"})
    send(digest_message(), replace(base, security="none", username="", password_env=""), env={})
    sent = "send from digest@selfwatch.example"
    assert calls == [
        "SMTP_SSL",
        "login u",
        sent,
        "quit",
        "SMTP",
        "starttls",
        "login u",
        sent,
        "quit",
        "SMTP",
        sent,
        "quit",
    ]


# --- files --------------------------------------------------------------------------------


def test_write_to_dir_writes_html_text_and_eml_without_overwriting(tmp_path: Path) -> None:
    digest = sample_digest()
    html, text = render_html(digest), render_text(digest)
    message = digest_message()
    first = write_to_dir(digest, html, text, tmp_path / "out", message=message)
    assert [p.name for p in first] == ["jane-20260105T073000Z.html", "jane-20260105T073000Z.txt"]
    assert first[0].read_text(encoding="utf-8") == html
    assert first[1].read_text(encoding="utf-8") == text
    eml = first[0].with_suffix(".eml")
    parsed = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert parsed["Subject"] == digest.subject
    second = write_to_dir(digest, html, text, tmp_path / "out")
    assert [p.name for p in second] == [
        "jane-20260105T073000Z-2.html",
        "jane-20260105T073000Z-2.txt",
    ]
    assert not second[0].with_suffix(".eml").exists()


def test_write_to_dir_sanitises_the_key(tmp_path: Path) -> None:
    digest = replace(
        sample_digest(), profile_key="../../etc/x", generated_at=datetime(2026, 1, 1, tzinfo=UTC)
    )
    html, _ = write_to_dir(digest, "h", "t", tmp_path)
    assert html.parent == tmp_path
    assert html.name == "etc-x-20260101T000000Z.html"


def test_write_to_dir_reports_unwritable_directory(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(MailError, match="cannot write the digest to"):
        write_to_dir(sample_digest(), "h", "t", blocker / "sub")
