"""Digest delivery end to end: real feeds, a real SMTP server, a real SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from feedserver import FeedServer, Route, feed_server_fixture, fixture  # noqa: F401
from smtpserver import SmtpServer

from selfwatch.cli import cli
from selfwatch.config import load_config
from selfwatch.deliver import deliver, deliver_combined
from selfwatch.errors import MailError
from selfwatch.watch import open_store, run_cycle

NOW = datetime(2026, 3, 20, 8, 0, tzinfo=UTC)
feed_server = feed_server_fixture

RANT = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Jane Doe</title><link>https://hachyderm.io/@janedoe</link>
<item><title>Jane Doe</title><link>https://hachyderm.io/@janedoe/1</link>
<description>&lt;p&gt;My boss at Acme Corp is a clueless clown and I hate this job&lt;/p&gt;
</description>
<pubDate>Thu, 19 Mar 2026 10:00:00 +0000</pubDate><guid>https://hachyderm.io/@janedoe/1</guid></item>
%s
</channel></rss>"""

SECOND = b"""<item><title>Jane Doe</title><link>https://hachyderm.io/@janedoe/2</link>
<description>Gave a talk at the Portland Python meetup on async IO</description>
<pubDate>Fri, 20 Mar 2026 10:00:00 +0000</pubDate><guid>https://hachyderm.io/@janedoe/2</guid></item>"""


def write_config(tmp_path, feeds: list[str], smtp_port: int, *, cc: str = "") -> str:
    path = tmp_path / "config.toml"
    items = ", ".join(f'{{ url = "{u}", own = true }}' for u in feeds)
    coach = f'\n[digest]\ncc = ["{cc}"]\n' if cc else ""
    path.write_text(
        f"""
[smtp]
host = "127.0.0.1"
port = {smtp_port}
security = "none"
sender = "selfwatch <watch@example.com>"
{coach}
[[profiles]]
key = "jane"
name = "Jane Doe"
employers = ["Acme Corp"]
search = false
feeds = [{items}]
recipients = ["jane@example.com"]

[[profiles]]
key = "sam"
name = "Sam Lee"
search = false
feeds = []
recipients = ["sam@example.com"]
""",
        encoding="utf-8",
    )
    return str(path)


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


def test_refused_send_keeps_items_pending_and_the_next_send_delivers_once(
    feed_server, smtp, tmp_path
):
    url = feed_server.add("/me.rss", Route(body=RANT % b""))
    config = load_config(Path(write_config(tmp_path, [url], smtp.port)))
    jane = config.profile("jane")
    with open_store(tmp_path / "s.db") as store:
        run_cycle(config, jane, store, now=NOW)
        assert len(store.pending("jane")) == 1
        smtp.handler.refuse_data = True
        with pytest.raises(MailError, match=r"127\.0\.0\.1"):
            deliver(config, jane, store, now=NOW)
        assert len(store.pending("jane")) == 1
        assert store.last_event("jane", "digest_error") is not None
        smtp.handler.refuse_data = False
        done = deliver(config, jane, store, now=NOW + timedelta(minutes=5))
        assert done.items == 1 and done.kind == "baseline"
        assert store.pending("jane") == []
        again = deliver(config, jane, store, now=NOW + timedelta(minutes=10))
        assert again.skipped == "nothing new"
    (received,) = smtp.messages
    msg = received.message
    assert "baseline" in msg["Subject"] and "1 flagged" in msg["Subject"]
    assert msg.get_content_type() == "multipart/alternative"
    html = msg.get_body(("html",)).get_content()
    assert "clueless" in html and received.rcpt_tos == ["jane@example.com"]


def test_dropped_connection_keeps_items_pending(feed_server, tmp_path):
    url = feed_server.add("/me.rss", Route(body=RANT % b""))
    with SmtpServer(drop_on="DATA") as smtp:
        config = load_config(Path(write_config(tmp_path, [url], smtp.port)))
        jane = config.profile("jane")
        with open_store(tmp_path / "s.db") as store:
            run_cycle(config, jane, store, now=NOW)
            with pytest.raises(MailError):
                deliver(config, jane, store, now=NOW)
            assert len(store.pending("jane")) == 1


def test_restart_does_not_resend_and_new_posts_come_alone(feed_server, smtp, tmp_path):
    route = Route(body=RANT % b"")
    url = feed_server.add("/me.rss", route)
    config = load_config(Path(write_config(tmp_path, [url], smtp.port)))
    jane = config.profile("jane")
    with open_store(tmp_path / "s.db") as store:
        run_cycle(config, jane, store, now=NOW)
        deliver(config, jane, store, now=NOW)
    # a restart: a new connection to the same database
    route.body = RANT % SECOND
    with open_store(tmp_path / "s.db") as store:
        run_cycle(config, jane, store, now=NOW + timedelta(hours=1))
        done = deliver(config, jane, store, now=NOW + timedelta(hours=1))
        assert done.items == 1 and done.kind == "regular"
    assert len(smtp.messages) == 2
    second = smtp.messages[1].message.get_body(("plain",)).get_content()
    assert "async IO" in second and "clueless" not in second


def test_digest_command_preview_send_and_files(feed_server, smtp, tmp_path):
    url = feed_server.add("/me.rss", Route(body=RANT % b""))
    config = write_config(tmp_path, [url], smtp.port)
    runner = CliRunner()
    assert runner.invoke(cli, ["--config", config, "check", "--profile", "jane"]).exit_code == 0
    preview = runner.invoke(cli, ["--config", config, "digest", "--profile", "jane"])
    assert preview.exit_code == 0, preview.output
    assert preview.output.startswith("Subject: selfwatch") and "clueless" in preview.output
    assert smtp.messages == []
    files = runner.invoke(
        cli, ["--config", config, "digest", "--profile", "jane", "--to-file", str(tmp_path / "out")]
    )
    assert files.exit_code == 0, files.output
    written = sorted(p.suffix for p in (tmp_path / "out").iterdir())
    assert ".html" in written and ".txt" in written
    sent = runner.invoke(cli, ["--config", config, "digest", "--profile", "jane", "--send"])
    assert sent.exit_code == 0 and "nothing new" in sent.output  # the file digest delivered them
    assert smtp.messages == []


def test_digest_send_failure_is_an_error_line(feed_server, tmp_path):
    url = feed_server.add("/me.rss", Route(body=RANT % b""))
    with SmtpServer(refuse_rcpt=True) as smtp:
        config = write_config(tmp_path, [url], smtp.port)
        runner = CliRunner()
        runner.invoke(cli, ["--config", config, "check"])
        result = runner.invoke(cli, ["--config", config, "digest", "--profile", "jane", "--send"])
        assert result.exit_code == 3
        assert result.output.startswith("Error: ") and "127.0.0.1" in result.output


def test_coach_combined_digest_keeps_clients_apart(feed_server, smtp, tmp_path):
    jane_feed = feed_server.add("/jane.rss", Route(body=RANT % b""))
    config = load_config(
        Path(write_config(tmp_path, [jane_feed], smtp.port, cc="coach@example.com"))
    )
    with open_store(tmp_path / "s.db") as store:
        for p in config.profiles:
            run_cycle(config, p, store, now=NOW)
        whole = deliver_combined(config, list(config.profiles), store, now=NOW)
        assert [d.profile for d in whole.deliveries] == ["jane", "sam"]
        assert store.pending("jane", "coach") == []
        assert len(store.pending("jane")) == 1  # Jane's own digest still has it
    (received,) = smtp.messages
    assert received.rcpt_tos == ["coach@example.com"]
    text = received.message.get_body(("plain",)).get_content()
    assert "Jane Doe" in text and "Sam Lee" in text
