"""The agent: schedule decisions with an injected clock, and whole rounds against real servers."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from feedserver import FeedServer, Route, feed_server_fixture, fixture  # noqa: F401
from smtpserver import Received, SmtpServer
from test_judgment import HOUSE_RULES

from selfwatch import agent as agent_module
from selfwatch.agent import (
    Agent,
    AgentLock,
    AgentRunningError,
    digest_due,
    is_urgent,
    next_digest_at,
    poll_due,
    realtime_due,
    render_round,
    render_status,
    run_agent,
    running_agent,
    status,
    stop_on_signals,
)
from selfwatch.config import Config, load_config
from selfwatch.errors import ConfigError
from selfwatch.model import DigestSettings, Finding, Identity, Level, Post, Verdict
from selfwatch.store import Store, StoredPost
from selfwatch.watch import open_store

feed_server = feed_server_fixture


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, sec: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, sec, tzinfo=UTC)


DAILY = DigestSettings(schedule="daily", time="08:00")


# --- next_digest_at ------------------------------------------------------------------------


def test_daily_is_the_first_time_after_the_last_digest() -> None:
    assert next_digest_at(DAILY, "UTC", utc(2026, 3, 16, 8, 0, 5), utc(2026, 3, 16, 9)) == utc(
        2026, 3, 17, 8
    )
    assert next_digest_at(DAILY, "UTC", utc(2026, 3, 16, 7, 59), utc(2026, 3, 16, 7, 59)) == utc(
        2026, 3, 16, 8
    )
    # nothing sent yet: the first time after now
    assert next_digest_at(DAILY, "UTC", None, utc(2026, 3, 16, 9)) == utc(2026, 3, 17, 8)


@pytest.mark.parametrize(
    ("tz", "last", "expected"),
    [
        # Berlin: 08:00 is 07:00 UTC in winter, 06:00 UTC from 29 March (CEST)
        ("Europe/Berlin", utc(2026, 3, 27, 7), utc(2026, 3, 28, 7)),
        ("Europe/Berlin", utc(2026, 3, 28, 7), utc(2026, 3, 29, 6)),
        ("Europe/Berlin", utc(2026, 10, 24, 6), utc(2026, 10, 25, 7)),
        # New York changes on 8 March and 1 November
        ("America/New_York", utc(2026, 3, 7, 13), utc(2026, 3, 8, 12)),
        ("America/New_York", utc(2026, 10, 31, 12), utc(2026, 11, 1, 13)),
        # east of UTC the local date is ahead: 08:00 in Auckland is 19:00 UTC the day before
        ("Pacific/Auckland", utc(2026, 1, 10, 19), utc(2026, 1, 11, 19)),
    ],
)
def test_daily_keeps_the_wall_clock_time_across_dst(
    tz: str, last: datetime, expected: datetime
) -> None:
    assert next_digest_at(DAILY, tz, last, last) == expected


def test_a_time_the_spring_change_skips_goes_out_an_hour_later() -> None:
    at_0230 = DigestSettings(schedule="daily", time="02:30")
    ny = "America/New_York"
    # 02:30 does not exist on 8 March 2026 in New York: it goes out at 03:30 EDT (07:30 UTC)
    assert next_digest_at(at_0230, ny, utc(2026, 3, 7, 7, 30), utc(2026, 3, 7, 8)) == utc(
        2026, 3, 8, 7, 30
    )
    assert next_digest_at(at_0230, ny, utc(2026, 3, 8, 7, 30), utc(2026, 3, 8, 8)) == utc(
        2026, 3, 9, 6, 30
    )


def test_a_time_the_autumn_change_repeats_goes_out_once() -> None:
    at_0130 = DigestSettings(schedule="daily", time="01:30")
    ny = "America/New_York"
    first = next_digest_at(at_0130, ny, utc(2026, 10, 31, 5, 30), utc(2026, 10, 31, 6))
    assert first == utc(2026, 11, 1, 5, 30)  # 01:30 EDT, the first of the two
    assert next_digest_at(at_0130, ny, first, first) == utc(2026, 11, 2, 6, 30)  # 01:30 EST


def test_weekly_is_on_its_day_in_the_profile_time_zone() -> None:
    monday = DigestSettings(schedule="weekly", time="09:00", day="monday")
    # 09:00 Monday in Tokyo is 00:00 UTC Monday
    assert next_digest_at(monday, "Asia/Tokyo", utc(2026, 3, 16), utc(2026, 3, 16)) == utc(
        2026, 3, 23
    )
    assert next_digest_at(monday, "Asia/Tokyo", utc(2026, 3, 18), utc(2026, 3, 18)) == utc(
        2026, 3, 23
    )
    # 09:00 Monday in Los Angeles is 17:00 UTC (16:00 after 8 March)
    assert next_digest_at(
        monday, "America/Los_Angeles", utc(2026, 3, 2, 17), utc(2026, 3, 2, 17)
    ) == utc(2026, 3, 9, 16)
    sunday = DigestSettings(schedule="weekly", time="01:30", day="sunday")
    # London skips 01:00-02:00 on 29 March 2026: 01:30 GMT is 02:30 BST
    assert next_digest_at(sunday, "Europe/London", utc(2026, 3, 23), utc(2026, 3, 23)) == utc(
        2026, 3, 29, 1, 30
    )


def test_realtime_has_no_digest_time() -> None:
    realtime = DigestSettings(schedule="realtime")
    assert next_digest_at(realtime, "UTC", utc(2026, 3, 16), utc(2026, 3, 17)) is None
    assert not digest_due(realtime, "UTC", utc(2026, 3, 16), utc(2026, 3, 17))


# --- digest_due ----------------------------------------------------------------------------


def test_digest_is_due_from_its_time_on() -> None:
    last = utc(2026, 3, 16, 8)
    assert not digest_due(DAILY, "UTC", last, utc(2026, 3, 17, 7, 59))
    assert digest_due(DAILY, "UTC", last, utc(2026, 3, 17, 8))
    assert digest_due(DAILY, "UTC", last, utc(2026, 3, 17, 13))
    assert not digest_due(DAILY, "UTC", None, utc(2026, 3, 17, 13))  # first run: the baseline


def _simulate(
    settings: DigestSettings, tz: str, last: datetime, ticks: list[datetime]
) -> list[datetime]:
    """Run digest_due at each tick as the agent does; return the ticks that sent a digest."""
    sent = []
    for now in ticks:
        if digest_due(settings, tz, last, now):
            sent.append(now)
            last = now
    return sent


def test_missed_runs_give_one_catch_up_digest() -> None:
    start = utc(2026, 3, 16, 9)
    awake = [start + timedelta(minutes=10 * i) for i in range(6 * 24)]  # Monday and the night
    # the machine sleeps from Tuesday 09:00 to Friday 10:00 through three digest times
    woken = utc(2026, 3, 20, 10)
    later = [woken + timedelta(minutes=10 * i) for i in range(6 * 24)]
    sent = _simulate(DAILY, "UTC", utc(2026, 3, 16, 8), awake + later)
    assert sent == [utc(2026, 3, 17, 8), woken, utc(2026, 3, 21, 8)]


def test_weekly_missed_for_weeks_gives_one_digest() -> None:
    weekly = DigestSettings(schedule="weekly", time="08:00", day="friday")
    ticks = [utc(2026, 4, 20, 12), utc(2026, 4, 20, 13), utc(2026, 4, 24, 7), utc(2026, 4, 24, 8)]
    assert _simulate(weekly, "UTC", utc(2026, 3, 20, 8), ticks) == [
        utc(2026, 4, 20, 12),
        utc(2026, 4, 24, 8),
    ]


def test_a_failed_send_is_retried_after_the_retry_interval_not_every_tick() -> None:
    last = utc(2026, 3, 16, 8)
    failed = utc(2026, 3, 17, 8)
    hour = timedelta(hours=1)
    assert not digest_due(DAILY, "UTC", last, utc(2026, 3, 17, 8, 1), failed_at=failed, retry=hour)
    assert digest_due(DAILY, "UTC", last, utc(2026, 3, 17, 9), failed_at=failed, retry=hour)
    # an error from before the last digest is history
    assert digest_due(
        DAILY, "UTC", last, utc(2026, 3, 17, 8), failed_at=utc(2026, 3, 15), retry=hour
    )


def test_poll_due() -> None:
    hour = timedelta(hours=1)
    assert poll_due(None, utc(2026, 3, 16), hour)
    assert not poll_due(utc(2026, 3, 16, 9), utc(2026, 3, 16, 9, 59), hour)
    assert poll_due(utc(2026, 3, 16, 9), utc(2026, 3, 16, 10), hour)
    assert poll_due(utc(2026, 3, 16, 9), utc(2026, 3, 16, 8), hour)  # the clock went back


# --- realtime ------------------------------------------------------------------------------


def _stored(level: Level | None, *, flagged: bool = True, category: str = "employer") -> StoredPost:
    findings: tuple[Finding, ...] = ()
    if level is not None:
        findings = (Finding("x.y", category, level, 0, 4, 1, 1, "boss", "m", "s"),)
    post = Post(id="p1", url="https://example.com/1", title="t", text="my boss")
    identity = Identity("me", "author", "own feed")
    verdict = Verdict(50 if flagged else 0, flagged, findings)
    return StoredPost("jane", post, identity, verdict, (), utc(2026, 3, 16))


def test_realtime_is_due_for_a_flagged_post_at_or_above_its_level() -> None:
    warning = DigestSettings(schedule="realtime", realtime_level=Level.WARNING)
    error = DigestSettings(schedule="realtime", realtime_level=Level.ERROR)
    assert realtime_due(warning, [_stored(Level.WARNING)])
    assert realtime_due(warning, [_stored(None, flagged=False), _stored(Level.ERROR)])
    assert not realtime_due(error, [_stored(Level.WARNING)])
    assert not realtime_due(warning, [_stored(Level.WARNING, flagged=False)])
    acked = replace(_stored(Level.ERROR), status="acked")
    assert not realtime_due(warning, [acked])  # handled already: not an open flag
    assert not realtime_due(warning, [_stored(Level.ERROR, category="expertise")])  # good news
    assert not realtime_due(warning, [])
    assert not realtime_due(DAILY, [_stored(Level.ERROR)])
    assert is_urgent(_stored(Level.ERROR), Level.INFO)


# --- rounds against a real feed server and a real SMTP server ------------------------------

TEXTS = {
    1: "My boss at Acme Corp is a clueless clown and I hate this job",
    2: "Gave a talk at the Portland Python meetup on async IO",
    3: "Wrote up notes on profiling Python services",
}


def rss(*numbers: int) -> bytes:
    """Return Jane's own feed holding the posts ``numbers``."""
    items = "".join(
        f"<item><title>Jane Doe</title><link>https://hachyderm.io/@janedoe/{n}</link>"
        f"<description>{TEXTS[n]}</description>"
        f"<pubDate>Mon, {10 + n:02d} Mar 2026 10:00:00 +0000</pubDate>"
        f"<guid>https://hachyderm.io/@janedoe/{n}</guid></item>"
        for n in numbers
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>Jane Doe</title><link>https://hachyderm.io/@janedoe</link>{items}"
        "</channel></rss>"
    ).encode()


def profile_toml(key: str, feeds: list[str], digest: str = "") -> str:
    urls = ", ".join(f'{{ url = "{u}", own = true }}' for u in feeds)
    return f"""
[[profiles]]
key = "{key}"
name = "Jane Doe"
employers = ["Acme Corp"]
search = false
feeds = [{urls}]
recipients = ["{key}@example.com"]
digest = {{ {digest} }}
"""


def write_config(
    tmp_path: Path, smtp_port: int, profiles: str, agent: str = "", *, poll_minutes: int = 60
) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[smtp]
host = "127.0.0.1"
port = {smtp_port}
security = "none"
sender = "selfwatch <watch@example.com>"
timeout = 5

[agent]
poll_minutes = {poll_minutes}
{agent}
{profiles}
""",
        encoding="utf-8",
    )
    return path


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> None:
        self.now = utc(year, month, day, hour, minute)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "state.db") as s:
        yield s


def text_of(received: Received) -> str:
    body = received.message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def test_life_of_an_agent(feed_server: FeedServer, smtp: SmtpServer, tmp_path: Path) -> None:
    route = Route(body=rss(1))
    url = feed_server.add("/jane.rss", route)
    config = load_config(write_config(tmp_path, smtp.port, profile_toml("jane", [url])))
    clock = Clock(utc(2026, 3, 16, 10))
    db = tmp_path / "state.db"
    with open_store(db) as store:
        agent = Agent(config, store, clock=clock, env={})

        # first round: one baseline digest of what exists
        first = agent.run_round()
        assert [d.kind for d in first.digests] == ["baseline"]
        (baseline,) = smtp.messages
        assert baseline.message["Subject"].startswith("selfwatch baseline:")
        assert "clueless" in text_of(baseline) and baseline.rcpt_tos == ["jane@example.com"]
        assert store.pending("jane") == []

        # half an hour later: nothing is due
        clock.set(2026, 3, 16, 10, 30)
        quiet = agent.run_round()
        assert quiet.polls == () and quiet.digests == ()
        assert feed_server.count("/jane.rss") == 1

        # a new post, and the daily digest time: a regular digest with only the new post
        route.body = rss(1, 2)
        clock.set(2026, 3, 17, 8)
        agent.run_round()
        assert len(smtp.messages) == 2
        regular = smtp.messages[1]
        assert not regular.message["Subject"].startswith("selfwatch baseline")
        assert "async IO" in text_of(regular) and "clueless" not in text_of(regular)

        # the server refuses the next digest: the post stays pending and status shows why
        route.body = rss(1, 2, 3)
        smtp.handler.refuse_data = True
        clock.set(2026, 3, 18, 8)
        refused = agent.run_round()
        assert [d.kind for d in refused.digests] == ["error"]
        assert len(smtp.messages) == 2 and len(store.pending("jane")) == 1
        (jane,) = status(config, store, clock())
        assert jane.last_error is not None and "refused" in jane.last_error[1]
        assert jane.pending == 1 and jane.flagged == 0
        assert "last error:" in render_status([jane])

        # no retry at every tick; the next round after the poll interval delivers it once
        smtp.handler.refuse_data = False
        clock.set(2026, 3, 18, 8, 30)
        assert agent.run_round().digests == ()
        clock.set(2026, 3, 18, 9)
        retried = agent.run_round()
        assert [(d.kind, d.items) for d in retried.digests] == [("regular", 1)]
        assert len(smtp.messages) == 3 and "profiling" in text_of(smtp.messages[2])
        assert "async IO" not in text_of(smtp.messages[2])
        (jane,) = status(config, store, clock())
        assert jane.last_error is None and jane.pending == 0
        assert jane.next_digest == utc(2026, 3, 19, 8) and jane.next_note == ""
        (overdue,) = status(config, store, utc(2026, 3, 19, 9))
        assert "due: it goes out" in render_status([overdue])
        clock.set(2026, 3, 18, 10)
        assert agent.run_round().digests == ()

    # a restart (new store connection, new agent, same state dir) resends nothing
    clock.set(2026, 3, 18, 12)
    with open_store(db) as store:
        summary = run_agent(config, store, clock=clock, once=True, env={}, lock=tmp_path / "lk")
        assert summary.rounds == 1 and summary.last is not None
        assert summary.last.digests == ()
        # the next digest time with nothing new and no heartbeat: skipped, and counted as done
        clock.set(2026, 3, 19, 8)
        skipped = Agent(config, store, clock=clock, env={}).run_round()
        assert [d.kind for d in skipped.digests] == ["skipped"]
        clock.set(2026, 3, 19, 12)
        assert Agent(config, store, clock=clock, env={}).run_round().digests == ()
        assert "digest due, nothing new" in render_round(skipped)
    assert len(smtp.messages) == 3


def test_first_run_without_baseline_is_silent_and_heartbeat_says_nothing_new(
    feed_server: FeedServer, smtp: SmtpServer, store: Store, tmp_path: Path
) -> None:
    url = feed_server.add("/jane.rss", Route(body=rss(1, 2)))
    digest = 'baseline = false, heartbeat = true, schedule = "daily", time = "08:00"'
    config = load_config(write_config(tmp_path, smtp.port, profile_toml("jane", [url], digest)))
    clock = Clock(utc(2026, 3, 16, 10))
    agent = Agent(config, store, clock=clock, env={})
    assert [(d.kind, d.items) for d in agent.run_round().digests] == [("silent", 2)]
    assert smtp.messages == [] and store.pending("jane") == []
    clock.set(2026, 3, 17, 8)
    assert [d.kind for d in agent.run_round().digests] == ["heartbeat"]
    (beat,) = smtp.messages
    assert beat.message["Subject"] == "selfwatch: nothing new about Jane Doe"


def test_a_timed_digest_polls_first_so_it_holds_what_is_online_now(
    feed_server: FeedServer, smtp: SmtpServer, store: Store, tmp_path: Path
) -> None:
    route = Route(body=rss(2))
    url = feed_server.add("/jane.rss", route)
    profiles = profile_toml("jane", [url])
    config = load_config(write_config(tmp_path, smtp.port, profiles, poll_minutes=24 * 60))
    clock = Clock(utc(2026, 3, 16, 7, 30))
    agent = Agent(config, store, clock=clock, env={})
    agent.run_round()
    route.body = rss(2, 3)
    clock.set(2026, 3, 16, 7, 59)
    assert agent.run_round().polls == ()  # the next poll is not due until tomorrow...
    clock.set(2026, 3, 16, 8)
    report = agent.run_round()  # ...but the 08:00 digest polls first
    assert [p.new for p in report.polls] == [1]
    assert [(d.kind, d.items) for d in report.digests] == [("regular", 1)]
    assert "profiling" in text_of(smtp.messages[-1])


def test_realtime_sends_right_after_a_poll_that_finds_an_urgent_post(
    feed_server: FeedServer, smtp: SmtpServer, store: Store, tmp_path: Path
) -> None:
    route = Route(body=rss(2))
    url = feed_server.add("/jane.rss", route)
    digest = 'schedule = "realtime", realtime_level = "warning"'
    config = load_config(write_config(tmp_path, smtp.port, profile_toml("jane", [url], digest)))
    clock = Clock(utc(2026, 3, 16, 10))
    agent = Agent(config, store, clock=clock, env={})
    assert [d.kind for d in agent.run_round().digests] == ["baseline"]

    route.body = rss(2, 3)  # nothing urgent: no mail
    clock.set(2026, 3, 16, 11)
    assert agent.run_round().digests == ()

    route.body = rss(2, 3, 1)  # the rant is flagged at warning: mail now, with all pending
    clock.set(2026, 3, 16, 12)
    assert [(d.kind, d.items) for d in agent.run_round().digests] == [("regular", 2)]
    assert len(smtp.messages) == 2 and "1 flagged" in smtp.messages[1].message["Subject"]
    (jane,) = status(config, store, clock())
    assert jane.next_digest is None and "flagged post (warning or above)" in jane.next_note


class ClosesBadly(httpx.BaseTransport):
    """A transport to the real network that breaks while closing after serving ``poison``."""

    def __init__(self, poison: str) -> None:
        self.poison = poison
        self.served = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.served |= request.url.path == self.poison
        with httpx.HTTPTransport() as inner:
            response = inner.handle_request(request)
            body = response.read()
        stream = httpx.ByteStream(body)
        return httpx.Response(response.status_code, headers=response.headers, stream=stream)

    def close(self) -> None:
        if self.served:
            self.served = False
            raise RuntimeError("transport broke while closing")


def test_one_failing_job_does_not_stop_the_others(
    feed_server: FeedServer, smtp: SmtpServer, store: Store, tmp_path: Path
) -> None:
    boom = feed_server.add("/boom.rss", Route(body=rss(2)))
    down = feed_server.add("/down.rss", Route(status=500, body=b"oops"))
    good = feed_server.add("/jane.rss", Route(body=rss(1)))
    profiles = (
        profile_toml("broken", [boom]) + profile_toml("down", [down]) + profile_toml("jane", [good])
    )
    config = load_config(write_config(tmp_path, smtp.port, profiles))
    clock = Clock(utc(2026, 3, 16, 10))
    agent = Agent(config, store, clock=clock, env={}, transport=ClosesBadly("/boom.rss"))
    report = agent.run_round()

    polls = {p.profile: p for p in report.polls}
    assert "RuntimeError: transport broke" in polls["broken"].error
    assert polls["down"].failed == 1 and not polls["down"].reached
    assert polls["jane"].new == 1
    assert [(d.profile, d.kind) for d in report.digests] == [("jane", "baseline")]
    assert [m.rcpt_tos for m in smtp.messages] == [["jane@example.com"]]
    error = store.last_event("broken", "poll_error")
    assert error is not None and "transport broke" in error[1]

    by_key = {s.key: s for s in status(config, store, clock())}
    assert by_key["down"].feeds.failing == 1 and "500" in by_key["down"].feeds.problems[0].error
    assert "baseline after the first poll" in by_key["broken"].next_note
    text = render_status(list(by_key.values()))
    assert "FAILING" in text and "never worked" in text and "poll failed" in text


def test_a_send_that_cannot_be_configured_is_recorded_and_the_round_goes_on(
    feed_server: FeedServer, smtp: SmtpServer, store: Store, tmp_path: Path
) -> None:
    url = feed_server.add("/jane.rss", Route(body=rss(1)))
    profiles = profile_toml("first", [url]) + profile_toml("jane", [url])
    config = load_config(write_config(tmp_path, smtp.port, profiles))
    # a config without [smtp] cannot mail; the agent refuses to start on it...
    bare = Config(profiles=config.profiles)
    with pytest.raises(ConfigError, match=r"no \[smtp\] section"):
        run_agent(bare, store, clock=Clock(utc(2026, 3, 16)), once=True, lock=tmp_path / "lk")
    # ...and a round that meets one anyway records it and carries on
    report = Agent(bare, store, clock=Clock(utc(2026, 3, 16)), env={}).run_round()
    assert [d.kind for d in report.digests] == ["error", "error"]
    error = status(bare, store, utc(2026, 3, 16))[0].last_error
    assert error is not None and "no [smtp] section" in error[1]


def test_feed_text_in_status_is_terminal_safe(
    smtp: SmtpServer, store: Store, tmp_path: Path
) -> None:
    missing = str(tmp_path / "gone\x1b[31m.xml").replace("\x1b", "\\u001b")  # TOML escape
    config = load_config(write_config(tmp_path, smtp.port, profile_toml("jane", [missing])))
    Agent(config, store, clock=Clock(utc(2026, 3, 16)), env={}).run_round()
    text = render_status(status(config, store, utc(2026, 3, 16)), agent_pid=4242)
    assert "\x1b" not in text and "\\x1b[31m" in text
    assert text.startswith("agent: running (PID 4242)")


# --- the lock ------------------------------------------------------------------------------


def test_a_second_agent_is_refused_by_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "agent.lock"
    with AgentLock(path):
        assert path.read_text().strip() == str(os.getpid())
        with pytest.raises(AgentRunningError, match=f"PID {os.getpid()}"):
            AgentLock(path).acquire()
        assert running_agent(path) == os.getpid()
    assert running_agent(path) is None
    with AgentLock(path):  # released: it can be taken again
        pass


LOCK_SCRIPT = """
import sys
from pathlib import Path
from selfwatch.agent import AgentLock, AgentRunningError
try:
    AgentLock(Path(sys.argv[1])).acquire()
except AgentRunningError as exc:
    print(exc)
    sys.exit(7)
print("locked")
"""


def test_a_second_agent_process_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "agent.lock"
    with AgentLock(path):
        other = subprocess.run(
            [sys.executable, "-c", LOCK_SCRIPT, str(path)],
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert other.returncode == 7, other.stderr
    assert f"already running (PID {os.getpid()}" in other.stdout


def test_a_stale_lock_file_from_a_dead_process_does_not_block(tmp_path: Path) -> None:
    path = tmp_path / "agent.lock"
    dead = subprocess.run(
        [sys.executable, "-c", LOCK_SCRIPT, str(path)], capture_output=True, text=True, timeout=30
    )
    assert dead.stdout.strip() == "locked"
    assert path.read_text().strip().isdigit()  # the dead process's PID is still in the file
    assert running_agent(path) is None
    with AgentLock(path):
        assert path.read_text().strip() == str(os.getpid())


def test_run_agent_holds_the_lock_while_it_runs(
    feed_server: FeedServer, smtp: SmtpServer, store: Store, tmp_path: Path
) -> None:
    url = feed_server.add("/jane.rss", Route(body=rss(1)))
    config = load_config(write_config(tmp_path, smtp.port, profile_toml("jane", [url])))
    lock = tmp_path / "agent.lock"
    with AgentLock(lock), pytest.raises(AgentRunningError):
        run_agent(config, store, clock=Clock(utc(2026, 3, 16)), once=True, lock=lock)
    assert smtp.messages == []


# --- signals -------------------------------------------------------------------------------


def test_sigint_stops_the_loop_after_the_current_step_and_restores_handlers(
    feed_server: FeedServer, smtp: SmtpServer, store: Store, tmp_path: Path
) -> None:
    url = feed_server.add("/jane.rss", Route(body=rss(1)))
    config = load_config(write_config(tmp_path, smtp.port, profile_toml("jane", [url])))
    agent = Agent(config, store, clock=Clock(utc(2026, 3, 16, 10)), env={})
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    waits: list[float] = []

    def wait(seconds: float) -> None:
        waits.append(seconds)
        os.kill(os.getpid(), signal.SIGINT)  # as if Ctrl-C came while the agent slept

    with stop_on_signals(agent):
        rounds = agent.run_forever(wait=wait)
    assert rounds == 1 and len(waits) == 1 and agent.stopping
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before
    assert len(smtp.messages) == 1


def _wait_for(predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting for the agent"
        time.sleep(0.05)


def test_sigterm_stops_a_running_agent_process_cleanly(smtp: SmtpServer, tmp_path: Path) -> None:
    feed = tmp_path / "jane.rss"
    shutil.copyfile(Path(__file__).parent / "fixtures" / "feeds" / "mastodon.rss", feed)
    log_file = tmp_path / "agent.log"
    config = write_config(
        tmp_path,
        smtp.port,
        profile_toml("jane", [feed.as_uri()]),
        agent=f'log_file = "{log_file}"\nlog_level = "debug"',
    )
    home = tmp_path / "home"
    env = {**os.environ, "SELFWATCH_HOME": str(home)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "selfwatch", "--config", str(config), "run"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(lambda: log_file.exists() and "round done" in log_file.read_text())
        assert running_agent(home / "agent.lock") == proc.pid
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert out.strip() == "stopped after 1 round(s)"
    assert running_agent(home / "agent.lock") is None
    assert (home / "agent.lock").read_text() == ""
    log = log_file.read_text()
    assert "agent stopped after 1 round(s)" in log and "baseline" in log
    assert len(smtp.messages) == 1


def test_the_agent_loads_the_reference_tables_once_for_its_workers_to_inherit(
    feed_server: FeedServer, smtp: SmtpServer, store: Store, tmp_path: Path
) -> None:
    from selfwatch import clues

    url = feed_server.add("/jane.rss", Route(status=500))  # no post: nothing decided here
    config = load_config(write_config(tmp_path, smtp.port, profile_toml("jane", [url])))
    clues._reference.cache_clear()
    agent = Agent(config, store, clock=Clock(utc(2026, 3, 16, 10)), env={})
    agent.run_round(force_poll=True)
    assert clues._reference.cache_info().currsize == 1  # loaded before a cycle's workers fork
    loaded = clues._reference()
    agent.run_round(force_poll=True)
    assert clues._reference() is loaded and clues._reference.cache_info().misses == 1


def test_the_agent_keeps_a_profile_engine_until_what_it_is_built_from_changes(
    feed_server: FeedServer, smtp: SmtpServer, store: Store, tmp_path: Path
) -> None:
    house = tmp_path / "house"
    house.mkdir()
    (house / "house.toml").write_text(HOUSE_RULES, encoding="utf-8")
    url = feed_server.add("/jane.rss", Route(body=rss(1)))
    rules = f'[checklist]\nrule_dirs = ["{house}"]'
    config = load_config(write_config(tmp_path, smtp.port, profile_toml("jane", [url]), rules))
    (jane,) = config.profiles
    agent = Agent(config, store, clock=Clock(utc(2026, 3, 16, 10)), env={})
    agent.run_round(force_poll=True)
    engine = agent._engine(jane)
    agent.run_round(force_poll=True)
    assert agent._engine(jane) is engine  # loaded before the cycle forks: workers inherit it
    # A rule file edited while the agent runs: the next cycle scores with the new rules.
    (house / "house.toml").write_text(HOUSE_RULES.replace("wagmi", "ngmi"), encoding="utf-8")
    agent.run_round(force_poll=True)
    fresh = agent._engine(jane)
    assert fresh is not engine
    assert [f.rule for f in fresh.lint("ngmi, this coin").findings] == ["house.crypto_shill"]
    assert not engine.lint("ngmi, this coin").findings


def test_the_agent_keeps_the_engines_of_the_profiles_polled_last(
    feed_server: FeedServer,
    smtp: SmtpServer,
    store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(agent_module, "ENGINES_KEPT", 1)  # about 25 MB an engine
    url = feed_server.add("/jane.rss", Route(body=rss(1)))
    profiles = profile_toml("jane", [url]) + profile_toml("joe", [url])
    config = load_config(write_config(tmp_path, smtp.port, profiles))
    agent = Agent(config, store, clock=Clock(utc(2026, 3, 16, 10)), env={})
    agent.run_round(force_poll=True)
    assert list(agent._engines) == ["joe"]
