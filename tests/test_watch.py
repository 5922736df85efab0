"""The watch cycle and its commands, against a real HTTP server and a real SQLite file."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from feedserver import FeedServer, Route, feed_server_fixture, fixture  # noqa: F401
from profiles import EXAMPLE_PROFILE

from selfwatch.checklist.engine import Engine, default_engine
from selfwatch.cli import cli
from selfwatch.config import Config
from selfwatch.model import FeedSpec, Profile
from selfwatch.output import post_detail, post_table
from selfwatch.parse import parse_feed
from selfwatch.scorer import SET_ASIDE
from selfwatch.triage import mark
from selfwatch.watch import open_store, run_cycle

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
feed_server = feed_server_fixture


def spec(url: str, *, own: bool = False, label: str = "") -> FeedSpec:
    return FeedSpec(url=url, kind="url", profile="jane", own=own, label=label)


@pytest.fixture
def store(tmp_path):
    with open_store(tmp_path / "state.db") as s:
        yield s


def test_cycle_stores_posts_and_the_next_poll_is_conditional(feed_server, store):
    news = feed_server.add("/news.xml", Route(body=fixture("google_news.xml"), etag='"v1"'))
    own = feed_server.add("/me.rss", Route(body=fixture("mastodon.rss"), etag='"m1"'))
    feeds = [spec(news), spec(own, own=True)]
    first = run_cycle(Config(), EXAMPLE_PROFILE, store, now=NOW, feeds=feeds)
    expected = {p.id for p in parse_feed(fixture("google_news.xml"), news)}
    expected |= {p.id for p in parse_feed(fixture("mastodon.rss"), own)}
    assert {sp.id for sp in first.new} == expected
    own_posts = [sp for sp in first.new if own in sp.feeds]
    assert own_posts and all(sp.identity.confidence == "me" for sp in own_posts)
    assert all(sp.identity.role == "author" for sp in own_posts)

    second = run_cycle(Config(), EXAMPLE_PROFILE, store, now=NOW + timedelta(hours=1), feeds=feeds)
    assert second.new == ()
    assert [f.result.status for f in second.feeds] == ["not_modified", "not_modified"]
    assert feed_server.seen("/news.xml")[-1].headers.get("if-none-match") == '"v1"'
    assert len(store.posts("jane")) == len(expected)


def test_same_story_from_two_feeds_is_stored_once(feed_server, store):
    a = feed_server.add("/a.xml", Route(body=fixture("google_news.xml")))
    b = feed_server.add("/b.xml", Route(body=fixture("google_news.xml")))
    report = run_cycle(Config(), EXAMPLE_PROFILE, store, now=NOW, feeds=[spec(a), spec(b)])
    count = len(parse_feed(fixture("google_news.xml"), a))
    assert len(report.new) == count
    assert all(set(store.get(sp.id, "jane").feeds) == {a, b} for sp in report.new)


def test_failing_feed_is_recorded_and_backs_off_without_stopping_others(feed_server, store):
    good = feed_server.add("/good.xml", Route(body=fixture("google_news.xml")))
    bad = feed_server.add("/bad.xml", Route(status=500, body=b"oops"))
    feeds = [spec(bad), spec(good)]
    report = run_cycle(Config(), EXAMPLE_PROFILE, store, now=NOW, feeds=feeds)
    assert report.new and [f.spec.url for f in report.errors] == [bad]
    state = store.feed_states("jane", [bad])[bad]
    assert state.failures == 1 and "500" in state.last_error and state.next_attempt > NOW
    # within the backoff window the bad feed is not polled again
    run_cycle(Config(), EXAMPLE_PROFILE, store, now=NOW + timedelta(seconds=1), feeds=feeds)
    assert feed_server.count("/bad.xml") == 1


def test_permanent_redirect_moves_the_feed(feed_server, store):
    new = feed_server.add("/new.xml", Route(body=fixture("google_news.xml")))
    old = feed_server.add("/old.xml", Route(status=301, location=new))
    run_cycle(Config(), EXAMPLE_PROFILE, store, now=NOW, feeds=[spec(old)])
    assert store.feed_states("jane", [old])[old].url == new
    run_cycle(Config(), EXAMPLE_PROFILE, store, now=NOW + timedelta(hours=1), feeds=[spec(old)])
    assert feed_server.count("/old.xml") == 1 and feed_server.count("/new.xml") == 2


class _Crash(Exception):
    pass


class _CrashingEngine(Engine):
    """An engine that dies on a chosen post, like a process killed mid-cycle."""

    def __init__(self, base: Engine, fatal: str, started: threading.Event | None = None) -> None:
        self.__dict__.update(base.__dict__)
        self.fatal = fatal
        self.started = started

    def lint(self, text: str, author: str = "self"):  # type: ignore[no-untyped-def]
        if self.started is not None:
            self.started.set()
        if self.fatal in text:
            raise _Crash(text[:40])
        return super().lint(text, author)  # type: ignore[arg-type]


def test_crash_mid_cycle_loses_nothing_and_duplicates_nothing(feed_server, store):
    # Feeds are stored in the order they answer: b answers once a is being scored.
    scoring = threading.Event()
    a = feed_server.add("/a.xml", Route(body=fixture("google_news.xml"), etag='"a"'))
    b = feed_server.add("/b.rss", Route(body=fixture("mastodon.rss"), etag='"b"', gate=scoring))
    feeds = [spec(a), spec(b, own=True)]
    victim = parse_feed(fixture("mastodon.rss"), b)[-1].text[:30]
    crashing = _CrashingEngine(default_engine(EXAMPLE_PROFILE), victim, scoring)
    with pytest.raises(_Crash):
        run_cycle(Config(), EXAMPLE_PROFILE, store, now=NOW, feeds=feeds, engine=crashing)
    # feed a was committed with its validator; feed b left nothing behind, not even its ETag
    assert store.feed_states("jane", [b])[b].etag is None
    stored_after_crash = {sp.id for sp in store.posts("jane")}
    assert stored_after_crash == {p.id for p in parse_feed(fixture("google_news.xml"), a)}
    again = run_cycle(Config(), EXAMPLE_PROFILE, store, now=NOW + timedelta(minutes=5), feeds=feeds)
    assert {sp.id for sp in again.new} == {p.id for p in parse_feed(fixture("mastodon.rss"), b)}
    all_ids = [sp.id for sp in store.posts("jane")]
    assert len(all_ids) == len(set(all_ids))


def test_notme_changes_this_and_later_decisions(feed_server, store):
    url = feed_server.add("/n.xml", Route(body=fixture("google_news.xml")))
    report = run_cycle(Config(), EXAMPLE_PROFILE, store, now=NOW, feeds=[spec(url)])
    target = next(sp for sp in report.new if sp.identity.confidence != "not_me")
    updated = mark(store, EXAMPLE_PROFILE, target.id[:8], "notme", NOW, engine_for=_engine).post
    assert updated.identity.confidence == "not_me"
    assert "marked" in updated.identity.reason
    later = NOW + timedelta(minutes=1)
    back = mark(store, EXAMPLE_PROFILE, target.id, "me", later, engine_for=_engine).post
    assert back.identity.confidence == "me"


def _engine(profile: Profile) -> Engine:
    return default_engine(profile)


NAMESAKE_RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Tampa news</title><link>https://tampa.example/</link>
<item><title>Jane Doe, 81, of Tampa</title><link>https://tampa.example/doe</link>
<description>Tampa realtor Jane Doe posted: I am going to punch my coworker in the face
tomorrow.</description></item>
</channel></rss>"""


def test_a_namesakes_post_is_stored_unscored_and_scored_once_marked_me(feed_server, store):
    url = feed_server.add("/tampa.xml", Route(body=NAMESAKE_RSS))
    report = run_cycle(Config(), EXAMPLE_PROFILE, store, now=NOW, feeds=[spec(url)])
    (aside,) = report.new
    assert aside.identity.confidence == "not_me"
    assert aside.verdict == SET_ASIDE
    assert store.get(aside.id, "jane").verdict == SET_ASIDE
    assert "not scored (not about you; `selfwatch me" in post_detail(aside)
    assert "    -  " in post_table([aside])

    loaded: list[str] = []

    def engine_for(profile: Profile) -> Engine:
        loaded.append(profile.key)
        return default_engine(profile)

    mine = mark(store, EXAMPLE_PROFILE, aside.id, "me", NOW, engine_for=engine_for).post
    assert loaded == ["jane"]
    assert mine.identity.confidence == "me"
    assert mine.verdict.scored and mine.verdict.flagged
    assert mine.verdict.checklist_version
    assert "violence" in mine.verdict.categories
    # Marked not me again, it keeps the verdict it was given; no engine is loaded for that.
    again = mark(store, EXAMPLE_PROFILE, aside.id, "notme", NOW, engine_for=engine_for).post
    assert again.identity.confidence == "not_me" and again.verdict == mine.verdict
    assert loaded == ["jane"]


# --- the commands ----------------------------------------------------------------------------


def _config(tmp_path, feeds: list[str], own: str = "") -> str:
    path = tmp_path / "config.toml"
    items = [f'"{f}"' for f in feeds]
    if own:
        items.append(f'{{ url = "{own}", own = true, label = "my toots" }}')
    lines = ", ".join(items)
    path.write_text(
        f"""
[[profiles]]
key = "jane"
name = "Jane Doe"
employers = ["Acme Corp"]
context_terms = ["Portland"]
exclude_terms = ["softball"]
search = false
feeds = [{lines}]
""",
        encoding="utf-8",
    )
    return str(path)


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input)


def test_check_history_show_feeds_commands(feed_server, tmp_path):
    news = feed_server.add("/news.xml", Route(body=fixture("google_news.xml")))
    dead = feed_server.add("/dead.xml", Route(status=410, body=b"gone"))
    own = feed_server.add("/me.rss", Route(body=fixture("mastodon.rss")))
    config = _config(tmp_path, [news, dead], own)

    result = run("--config", config, "check")
    assert result.exit_code == 0, result.output
    assert "3 feed(s) polled, 1 failed" in result.output
    assert "410" in result.output  # the warning for the dead feed, on stderr

    result = run("--config", config, "check", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout) == []

    listing = run("--config", config, "feeds")
    assert "DISABLED" in listing.output and dead in listing.output
    assert "label: my toots" in listing.output

    history = run("--config", config, "history", "--all")
    assert history.exit_code == 0
    first_id = history.output.splitlines()[2].split()[0]
    shown = run("--config", config, "show", first_id)
    assert shown.exit_code == 0 and "identity:" in shown.output and "score:" in shown.output

    missing = run("--config", config, "show", "zzzzzz")
    assert missing.exit_code == 2 and missing.output.startswith("Error: ")


def test_check_json_lists_new_posts_flagged_first(feed_server, tmp_path):
    own = feed_server.add("/me.rss", Route(body=fixture("mastodon.rss")))
    config = _config(tmp_path, [], own)
    result = run("--config", config, "check", "--json")
    posts = json.loads(result.stdout)
    assert posts and [p["score"] for p in posts] == sorted(
        (p["score"] for p in posts), reverse=True
    )
    assert {"id", "url", "identity", "score", "flagged", "findings"} <= set(posts[0])


def test_notme_command(feed_server, tmp_path):
    news = feed_server.add("/news.xml", Route(body=fixture("google_news.xml")))
    config = _config(tmp_path, [news])
    run("--config", config, "check")
    listing = run("--config", config, "history").output.splitlines()
    post_id = listing[2].split()[0]
    result = run("--config", config, "notme", post_id)
    assert result.exit_code == 0, result.output
    assert f"{post_id}: recorded notme; now not me (this post was marked not-me)" in result.output


def test_hostile_titles_are_escaped_in_the_terminal(feed_server, tmp_path):
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>'
        b"<item><title>Jane Doe \x1b[2J\x1b[31mowned</title><link>https://example.com/a</link>"
        b"<description>Jane Doe of Portland</description></item></channel></rss>"
    )
    url = feed_server.add("/evil.xml", Route(body=body))
    config = _config(tmp_path, [url])
    result = run("--config", config, "check")
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output


def test_init_writes_a_config_that_loads(tmp_path):
    path = tmp_path / "c.toml"
    result = run(
        "--config", str(path), "init", "--name", "Jane Doe", "--email", "jane@example.com",
        "--employer", "Acme Corp", "--handle", "mastodon=@jane@mastodon.social",
        "--handle", "github=janedoe", "--context", "Portland", "--exclude", "softball",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "https://news.google.com/rss/search?q=%22Jane+Doe%22+-softball" in result.output
    assert "https://mastodon.social/@jane.rss" in result.output
    assert "https://github.com/janedoe.atom" in result.output
    again = run("--config", str(path), "init", "--name", "X")
    assert again.exit_code == 2 and "--force" in again.output
    bad = run("--config", str(tmp_path / "d.toml"), "init", "--name", "X", "--handle", "nope")
    assert bad.exit_code == 2 and "SITE=HANDLE" in bad.output


def test_init_asks_when_no_name_is_given(tmp_path):
    path = tmp_path / "c.toml"
    answers = "Sam Lee\nsam@example.com\nInitech\ngithub=samlee\nPortland, Reed College\n\n\n"
    result = run("--config", str(path), "init", input=answers)
    assert result.exit_code == 0, result.output
    text = path.read_text(encoding="utf-8")
    assert 'name = "Sam Lee"' in text and '"Initech"' in text and 'github = "samlee"' in text


def test_check_without_config_says_run_init(tmp_path):
    result = run("--config", str(tmp_path / "none.toml"), "check")
    assert result.exit_code == 2
    assert "config file not found; create one with 'selfwatch init'" in result.output


def test_a_post_is_judged_by_who_wrote_it() -> None:
    from selfwatch.model import Identity, Post
    from selfwatch.watch import score

    engine = default_engine()
    rant = Post(id="r", url="https://x.test/r", title="", text="My boss is a clown, I hate it")
    mine = score(engine, rant, identity=Identity("me", "author", "own feed"))
    theirs = score(engine, rant, identity=Identity("me", "subject", "full name"))
    assert [f.rule for f in mine.findings] == ["employer.badmouthing"]
    assert theirs.findings == ()  # someone else's rant is not the person's risk
    doxx = Post(id="d", url="https://x.test/d", title="", text="Call her at 503-555-0142")
    (phone,) = score(engine, doxx, identity=Identity("me", "subject", "full name")).findings
    assert phone.rule == "personal_data.phone" and "remove" in phone.suggestion
