"""Acting on digests: ids and commands, honest counts, current feed health, the coach's digest,
and exactly one mail when two senders race. Real feeds, a real SMTP server, real SQLite."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from feedserver import Route, feed_server_fixture
from smtpserver import Recorder, SmtpServer
from test_deliver import RANT, SECOND, write_config

from selfwatch.cli import cli
from selfwatch.config import load_config
from selfwatch.deliver import deliver, deliver_combined
from selfwatch.output import coach_line
from selfwatch.watch import open_store, run_cycle

NOW = datetime(2026, 3, 20, 8, 0, tzinfo=UTC)
feed_server = feed_server_fixture
COMMAND = re.compile(r"selfwatch (?:ack|ignore|notme|me) [0-9a-f]+(?: --profile \w+)?")


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


def parts(received) -> tuple[str, str]:
    msg = received.message
    text = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
    return text, msg.get_body(("html",)).get_content()


def run(config: str, *args: str):
    result = CliRunner().invoke(cli, ["--config", config, *args])
    assert result.exit_code == 0, result.output
    return result


def test_every_item_carries_its_commands_and_a_copied_command_works(feed_server, smtp, tmp_path):
    url = feed_server.add("/me.rss", Route(body=RANT % SECOND))
    config = write_config(tmp_path, [url], smtp.port)
    run(config, "check", "--profile", "jane")
    run(config, "digest", "--profile", "jane", "--send")
    text, html = parts(smtp.messages[0])
    with open_store() as store:
        posts = store.pending("jane") or store.posts("jane")
    assert len(posts) == 2
    for sp in posts:
        short = sp.id[:10]
        assert f"id {short}" in text
        # The config has two people, so each command names the profile.
        assert f"selfwatch notme {short} --profile jane" not in text  # own posts are yours
    flagged = next(sp for sp in posts if sp.verdict.flagged)
    ack = f"selfwatch ack {flagged.id[:10]} --profile jane"
    assert f"    {ack}\n" in text  # the text part: a plain command on its own line
    assert f'user-select:all;white-space:nowrap;">{ack}</code>' in html  # HTML: copyable code
    assert set(COMMAND.findall(text)) == set(COMMAND.findall(re.sub(r"<[^>]+>", " ", html)))
    # Paste the command from the mail: it works, and the post is handled.
    argv = ack.split()[1:]
    pasted = run(config, *argv)
    assert pasted.output.strip() == f"{flagged.id[:10]}: acked"
    with open_store() as store:
        assert store.get(flagged.id, "jane").status == "acked"


def test_ack_then_send_drops_the_count_and_lists_the_post_as_handled(feed_server, smtp, tmp_path):
    url = feed_server.add("/me.rss", Route(body=RANT % SECOND))
    config = write_config(tmp_path, [url], smtp.port)
    run(config, "check", "--profile", "jane")
    preview = run(config, "digest", "--profile", "jane")
    assert "Subject: selfwatch baseline: 1 flagged, 2 existing mentions" in preview.output
    post_id = re.search(r"selfwatch ack ([0-9a-f]+)", preview.output).group(1)
    run(config, "ack", post_id)
    run(config, "digest", "--profile", "jane", "--send")
    (received,) = smtp.messages
    subject = received.message["Subject"]
    assert subject == "selfwatch baseline: 1 existing mention of Jane Doe", subject
    text, html = parts(received)
    handled = text[text.index("Handled since the last digest (1)") :]
    assert "clueless" in handled and "Risk score" in handled and "(handled)" in handled
    assert "Flagged (" not in text and f"selfwatch ack {post_id}" not in text
    assert "Handled since the last digest (1)" in html
    status = run(config, "status", "--profile", "jane")
    assert "0 open flag(s)" in status.output
    profiles = run(config, "profiles")
    assert re.search(r"^jane .* 0  ", profiles.output, re.M), profiles.output


def test_a_removed_feed_is_no_longer_reported(feed_server, smtp, tmp_path):
    good = feed_server.add("/me.rss", Route(body=RANT % b""))
    broken = feed_server.add("/gone.rss", Route(status=500))
    config = write_config(tmp_path, [good, broken], smtp.port)
    run(config, "check", "--profile", "jane")
    run(config, "digest", "--profile", "jane", "--to-file", str(tmp_path / "first"))
    first = next((tmp_path / "first").glob("*.txt")).read_text()
    assert "1 feed failing" in first and "gone.rss" in first
    config = write_config(tmp_path, [good], smtp.port)  # the user removes the broken feed
    feed_server.add("/me.rss", Route(body=RANT % SECOND))
    run(config, "check", "--profile", "jane")
    run(config, "digest", "--profile", "jane", "--send")
    text, html = parts(smtp.messages[0])
    assert "failing" not in smtp.messages[0].message["Subject"]
    assert "gone.rss" not in text and "gone.rss" not in html and "Feed health" not in text
    status = run(config, "status", "--profile", "jane").output
    assert "0 failing" in status and "gone.rss" not in status
    report = run(config, "report", "--profile", "jane", "--out", str(tmp_path / "r.html"))
    assert "gone.rss" not in (tmp_path / "r.html").read_text(), report.output
    with open_store() as store:  # kept in history
        assert any(h.spec.url == broken for h in store.feed_health("jane"))


@pytest.mark.parametrize("coach_first", [True, False])
def test_client_and_coach_digests_each_go_out_once_in_either_order(
    feed_server, smtp, tmp_path, coach_first
):
    route = Route(body=RANT % b"")
    url = feed_server.add("/jane.rss", route)
    config = load_config(Path(write_config(tmp_path, [url], smtp.port, cc="coach@example.com")))
    jane = config.profile("jane")
    with open_store(tmp_path / "s.db") as store:
        for p in config.profiles:
            run_cycle(config, p, store, now=NOW)
        steps = [
            lambda at: deliver_combined(config, list(config.profiles), store, now=at),
            lambda at: deliver(config, jane, store, now=at),
        ]
        for step in steps if coach_first else steps[::-1]:
            step(NOW)
        assert len(smtp.messages) == 2
        # Both again: nothing new for either reader.
        assert deliver(config, jane, store, now=NOW + timedelta(minutes=1)).skipped
        again = deliver_combined(
            config, list(config.profiles), store, now=NOW + timedelta(minutes=1)
        )
        assert again.skipped == "nothing new for any client"
        # A new post reaches both, once each.
        route.body = RANT % SECOND
        run_cycle(config, jane, store, now=NOW + timedelta(hours=1))
        for step in steps:
            step(NOW + timedelta(hours=1))
        coach = coach_line(list(config.profiles), store)
        assert coach.startswith("coach digest (digest --all): last 2026-03-20 09:00 UTC; 0 post")
    rcpts = [m.rcpt_tos for m in smtp.messages]
    assert rcpts.count(["coach@example.com"]) == 2
    assert rcpts.count(["jane@example.com", "coach@example.com"]) == 2
    later = [parts(m)[0] for m in smtp.messages[2:]]
    assert all("async IO" in t and "clueless" not in t for t in later)


def test_the_combined_digest_uses_the_coach_time_zone_and_header(feed_server, smtp, tmp_path):
    url = feed_server.add("/jane.rss", Route(body=RANT % b""))
    path = Path(write_config(tmp_path, [url], smtp.port, cc="coach@example.com"))
    path.write_text(path.read_text() + '\n[coach]\nname = "Kim Park"\ntimezone = "Asia/Tokyo"\n')
    config = load_config(path)
    with open_store(tmp_path / "s.db") as store:
        for p in config.profiles:
            run_cycle(config, p, store, now=NOW)
        deliver_combined(config, list(config.profiles), store, now=NOW)
    (received,) = smtp.messages
    text, _html = parts(received)
    assert "selfwatch digest for Kim Park's clients" in text
    assert "Generated 2026-03-20 17:00 JST; all times in Asia/Tokyo" in text
    assert "2026-03-19 19:00 JST" in text  # the post's time, in the coach's zone
    assert "selfwatch ack" in text and "--profile jane" in text
    raw = received.raw.decode()
    assert re.search(r"^Subject: selfwatch: ", raw, re.M), raw[:400]


def _lock_waiters(lock: Path) -> int:
    """Return how many processes wait for an flock on ``lock`` (Linux /proc/locks)."""
    inode = os.stat(lock).st_ino
    lines = Path("/proc/locks").read_text().splitlines()
    return sum(1 for line in lines if "->" in line and line.split()[-3].endswith(f":{inode}"))


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="needs Linux /proc/locks")
@pytest.mark.parametrize(
    "second", [["digest", "--send"], ["run", "--once"]], ids=["two-senders", "sender-and-agent"]
)
def test_two_processes_sending_at_once_mail_one_digest(feed_server, tmp_path, second):
    url = feed_server.add("/me.rss", Route(body=RANT % SECOND))
    lock = Path(os.environ["SELFWATCH_HOME"]) / "selfwatch.db.deliver.lock"

    async def hold_first_sender(recorder: Recorder) -> None:
        # Keep the first sender mid-send until the second one has either started its own send
        # (no lock: two mails) or is waiting for the delivery lock (one mail). A bound, never
        # a fixed wait: the gate opens as soon as either happens.
        for _ in range(2000):
            if recorder.rcpts >= 2 or (lock.exists() and _lock_waiters(lock) >= 1):
                return
            await asyncio.sleep(0.005)

    with SmtpServer(gate=hold_first_sender) as smtp:
        config = write_config(tmp_path, [url], smtp.port)
        run(config, "check", "--profile", "jane")
        base = [sys.executable, "-m", "selfwatch", "--config", config]
        procs = [
            subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for argv in ([*base, "digest", "--send"], [*base, *second])
        ]
        outputs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    (received,) = smtp.messages  # one mail, whichever process won
    assert "1 flagged, 2 existing mentions of Jane Doe" in received.message["Subject"]
    said = "".join(out for out, _err in outputs)
    assert said.count("sent: selfwatch") + said.count("jane: sent ") == 1, said
    assert "nothing new" in said or "another digest went out meanwhile; nothing sent" in said


def test_a_long_subject_starts_on_the_subject_line_and_parts_stay_short() -> None:
    from selfwatch.mailer import build_message

    subject = "selfwatch: 12 flagged, 1050 new mentions, 6 feeds failing across 3 clients"
    message = build_message(
        "<p>" + "word " * 400 + "</p>", "word " * 400, subject,
        "selfwatch <w@example.com>", ["coach@example.com"], now=NOW,
    )  # fmt: skip
    raw = message.as_bytes().decode()
    assert raw.startswith(f"Subject: {subject}\n")
    body = raw[raw.index("\n\n") :].splitlines()
    # The quoted-printable parts keep their short lines (the limit applies to headers only).
    assert max(len(line) for line in body if not line.startswith("Content-Type:")) <= 78


def test_the_open_flag_count_in_sql_matches_the_one_definition(tmp_path) -> None:
    from itertools import product

    from selfwatch.model import Identity, Post, Verdict

    with open_store(tmp_path / "s.db") as store:
        combos = list(
            product((True, False), ("new", "acked", "ignored"), ("me", "maybe", "not_me"))
        )
        for n, (flagged, status, confidence) in enumerate(combos):
            post = Post(id=f"p{n:02d}", url=f"https://example.com/{n}", title="t", text="x")
            identity = Identity(confidence, "subject", "")  # type: ignore[arg-type]
            store.record_post("jane", post, "", identity, Verdict(70, flagged, ()), NOW)
            if status != "new":
                store.set_status("jane", post.id, status)  # type: ignore[arg-type]
        posts = store.posts("jane")
        assert store.open_flags("jane") == sum(sp.open_flag for sp in posts) == 2


def test_run_once_prints_its_round_once(feed_server, smtp, tmp_path) -> None:
    url = feed_server.add("/me.rss", Route(body=RANT % b""))
    config = write_config(tmp_path, [url], smtp.port)
    result = CliRunner().invoke(cli, ["--config", config, "run", "--once"])
    assert result.exit_code == 0, result.output
    assert "jane: 1 feed(s) polled, 0 failed, 1 new (1 flagged)" in result.stdout
    assert "feed(s) polled" not in result.stderr  # the log on stderr keeps to problems
    assert result.output.count("jane: 1 feed(s) polled") == 1


def test_an_unknown_profile_lists_the_profiles_there_are(tmp_path) -> None:
    config = write_config(tmp_path, [], 25)
    result = CliRunner().invoke(cli, ["--config", config, "check", "--profile", "nosuch"])
    assert result.exit_code == 2
    assert result.output.strip().endswith("no profile named 'nosuch'; profiles: jane, sam")


def test_the_html_digest_renders_in_chromium_with_copyable_commands(tmp_path) -> None:
    from browser import INSTALL_HINT, Chromium, find_chromium
    from test_digest import PROFILE, sample_digest

    from selfwatch.digest import build_digest, combine, render_html

    executable = find_chromium()
    if executable is None:
        pytest.skip(INSTALL_HINT)
    browser = Chromium(executable, tmp_path / "browser", timeout=30)
    jane = sample_digest()
    sam = build_digest(
        replace(PROFILE, key="sam", name="Sam Lee", feeds=()), [], [], now=jane.generated_at
    )
    for name, digest in (("one", jane), ("coach", combine([jane, sam], now=jane.generated_at))):
        page = tmp_path / f"{name}.html"
        page.write_text(render_html(digest), encoding="utf-8")
        shot = browser.capture(
            page, tmp_path / f"{name}.png", tmp_path / f"{name}.pdf", (700, 1400)
        )
        assert shot.png.startswith(b"\x89PNG") and len(shot.png) > 30_000
        commands = re.findall(r"<code [^>]*user-select:all[^>]*>(selfwatch [^<]+)</code>", shot.dom)
        assert "selfwatch ack m1" in commands or "selfwatch ack m1 --profile jane" in commands
        assert len(commands) >= len(jane.items)
        if name == "coach":
            assert 'class="clients"' in shot.dom and "Sam Lee" in shot.dom
