"""The watch cycle under load and contention: huge items, slow feeds, junk items, two checks."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from feedserver import FeedServer, Route, fixture

from selfwatch.checklist import cached_engine
from selfwatch.cli import cli
from selfwatch.config import Config
from selfwatch.errors import StoreError
from selfwatch.model import SCORE_LIMIT, FeedSpec, Post, Profile
from selfwatch.output import feed_lines, post_detail
from selfwatch.scorer import score
from selfwatch.store import Store
from selfwatch.watch import open_store, run_cycle

NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
PERSON = Profile(key="jordan", name="Jordan Avery", search=False)


def rss(*items: tuple[str, str, str]) -> bytes:
    """Return an RSS document with (title, link, description) items."""
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link><description>{d}</description></item>"
        for t, link, d in items
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>feed</title>'
        f"{body}</channel></rss>"
    ).encode()


def huge_text(size: int) -> str:
    sentence = "Jordan Avery wrote about data pipelines, schemas and the weather at the meetup. "
    return (sentence * (size // len(sentence) + 1))[:size]


def spec(url: str) -> FeedSpec:
    return FeedSpec(url, "url", PERSON.key)


def test_a_huge_item_is_scored_up_to_the_cap_and_the_rest_is_noted(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    text = huge_text(1_000_000)
    big = feed_server.add(
        "/big.xml", Route(body=rss(("Jordan Avery's long post", "https://e.example/big", text)))
    )
    small = feed_server.add("/news.xml", Route(body=fixture("google_news.xml"), etag='"n1"'))
    with open_store(tmp_path / "s.db") as store:
        report = run_cycle(Config(), PERSON, store, now=NOW, feeds=[spec(big), spec(small)])
        by_feed = {f.spec.url: f for f in report.feeds}
        assert by_feed[small].new > 0  # the other feed's posts were stored too
        stored = store.get(next(sp.id for sp in report.new if sp.post.url.endswith("/big")))
    linted = f"{stored.post.title}\n\n{stored.post.text}"
    assert stored.post.text == text.strip()  # the whole text is kept; only scoring stops
    assert 0 < len(linted) - stored.verdict.unread <= SCORE_LIMIT
    assert all(f.end <= SCORE_LIMIT for f in stored.verdict.findings)
    shown = post_detail(stored)
    assert f"not read: the last {stored.verdict.unread:,} characters" in shown
    assert f"reads the first {SCORE_LIMIT:,} of a post" in shown


def test_score_reads_whole_words_up_to_the_limit() -> None:
    engine = cached_engine()
    post = Post(id="p", url="", title="t", text="my boss is a clown " * 20)
    short = score(engine, post, limit=1_000)
    assert short.unread == 0
    capped = score(engine, post, limit=50)
    read = len("t\n\n" + post.text) - capped.unread
    assert 25 <= read <= 50 and ("t\n\n" + post.text)[read] == " "
    assert capped.flagged  # "my boss is a clown" sits in the part that was read


def test_a_slow_feed_does_not_hold_up_the_others(feed_server: FeedServer, tmp_path: Path) -> None:
    gate = threading.Event()
    slow = feed_server.add("/slow.xml", Route(body=fixture("mastodon.rss"), gate=gate))
    fast = feed_server.add("/fast.xml", Route(body=fixture("google_news.xml")))
    done: dict[str, object] = {}

    def cycle() -> None:
        with open_store(tmp_path / "s.db") as store:
            done["report"] = run_cycle(
                Config(), PERSON, store, now=NOW, feeds=[spec(slow), spec(fast)]
            )

    worker = threading.Thread(target=cycle)
    worker.start()
    try:
        assert feed_server.routes["/slow.xml"].arrived.wait(10)
        # The fast feed's posts are committed while the slow one is still being answered.
        with Store.open(tmp_path / "s.db") as reader:
            waited = threading.Event()
            for _ in range(500):
                if reader.posts(PERSON.key, confidence=("me", "maybe", "not_me")):
                    break
                waited.wait(0.02)
            stored = reader.posts(PERSON.key, confidence=("me", "maybe", "not_me"))
        assert stored and all(sp.feeds == (fast,) for sp in stored)
        assert "report" not in done
    finally:
        gate.set()
        worker.join(30)
    assert {f.spec.url for f in done["report"].feeds if f.new} == {slow, fast}  # type: ignore[attr-defined]


HOSTILE = (
    b'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY x SYSTEM "file:///etc/passwd">\n'
    b'<!ENTITY a9 "&x;&x;">\n]>\n<rss version="2.0"><channel><title>t</title>'
    b"<item><title>&a9;</title><link>https://evil.example/1</link></item>"
    b"<item><title>Jordan Avery &x;</title><link>https://evil.example/2</link>"
    b"<description>&x;</description></item>"
    b"</channel></rss>"
)


def write_config(path: Path, feeds: list[str]) -> Path:
    listed = ", ".join(f'"{url}"' for url in feeds)
    path.write_text(
        f'[[profiles]]\nname = "Jordan Avery"\nsearch = false\nfeeds = [{listed}]\n',
        encoding="utf-8",
    )
    return path


def test_junk_items_are_not_stored_and_the_feed_is_malformed(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    hostile = feed_server.add("/hostile.xml", Route(body=HOSTILE, etag='"h1"'))
    good = feed_server.add("/news.xml", Route(body=fixture("google_news.xml")))
    config = write_config(tmp_path / "config.toml", [hostile, good])
    runner = CliRunner()
    checked = runner.invoke(cli, ["--config", str(config), "check", "--json"])
    assert checked.exit_code == 0, checked.output
    assert "evil.example" not in checked.output
    listed = runner.invoke(cli, ["--config", str(config), "feeds"])
    assert listed.exit_code == 0
    lines = listed.output.splitlines()
    assert any(line.split()[:1] == ["malformed"] and hostile in line for line in lines)
    assert (
        "malformed: 2 item(s) had no real text (entities the feed never defined) and were "
        "left out" in listed.output
    )
    assert any(line.split()[:1] == ["ok"] and good in line for line in lines)
    status = runner.invoke(cli, ["--config", str(config), "status"])
    assert status.exit_code == 0, status.output
    assert f"    MALFORMED {hostile}: 2 item(s) had no real text" in status.output
    # The next poll is a 304: the feed keeps its note until a body without junk arrives.
    runner.invoke(cli, ["--config", str(config), "check"])
    with open_store() as store:
        health = {h.spec.url: h for h in store.feed_health("jordan-avery")}
    assert health[hostile].state.malformed
    assert "malformed" in feed_lines([spec(hostile)], {hostile: health[hostile]})
    assert health[hostile].posts == 0


# A feed that declares its own "author" and "title" namespace prefixes: feedparser keeps
# <author:detail> and <title:detail> as plain strings under the keys where it keeps the details
# of an entry's author and title.
OWN_PREFIXES = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:author="https://ext.example/author"
     xmlns:title="https://ext.example/title"><channel><title>club news</title>
<item><title>Jordan Avery wins the club race</title>
  <link>https://club.example/race</link>
  <author>jordan@club.org (Jordan Avery)</author>
  <author:detail>verified member since 2019</author:detail>
  <description>Jordan Avery crossed the line first.</description></item>
<item><title>Jordan Avery joins the board</title>
  <link>https://club.example/board</link>
  <author:detail>board announcement</author:detail>
  <title:detail>plain</title:detail>
  <description>Welcome &lt;b&gt;Jordan Avery&lt;/b&gt; to the board.</description></item>
</channel></rss>"""


def test_an_author_detail_that_is_a_plain_string_is_not_an_author(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    url = feed_server.add("/club.xml", Route(body=OWN_PREFIXES, etag='"c1"'))
    with open_store(tmp_path / "s.db") as store:
        report = run_cycle(Config(), PERSON, store, now=NOW, feeds=[spec(url)])
        assert not report.errors  # the feed was read, not failed on its first entry
        stored = {sp.post.url: store.get(sp.id).post for sp in report.new}
    race = stored["https://club.example/race"]
    board = stored["https://club.example/board"]
    assert race.author == "Jordan Avery"  # from the <author> element's own details
    assert board.author == ""  # the element's text is no author's name
    assert board.title == "Jordan Avery joins the board"
    assert board.text == "Welcome Jordan Avery to the board."


def _selfwatch(config: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "selfwatch", "--config", str(config), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )


def test_a_second_check_waits_for_the_first(feed_server: FeedServer, tmp_path: Path) -> None:
    gate = threading.Event()
    url = feed_server.add(
        "/news.xml", Route(body=fixture("google_news.xml"), etag='"v1"', gate=gate)
    )
    config = write_config(tmp_path / "config.toml", [url])
    first = _selfwatch(config, "check")
    second: subprocess.Popen[str] | None = None
    try:
        assert feed_server.routes["/news.xml"].arrived.wait(60)
        second = _selfwatch(config, "check")
        assert second.stderr is not None
        # The second one says whom it waits for, before the first has got its feed.
        assert second.stderr.readline() == (
            f"waiting for another selfwatch poll (PID {first.pid}) to finish...\n"
        )
        assert feed_server.count("/news.xml") == 1
    finally:
        gate.set()
    out1, err1 = first.communicate(timeout=60)
    assert second is not None
    out2, err2 = second.communicate(timeout=60)
    assert first.returncode == 0, err1
    assert second.returncode == 0, err2
    assert "jordan-avery: 1 feed(s) polled, 0 failed, 4 new post(s)" in out1
    assert "jordan-avery: 1 feed(s) polled, 0 failed, 0 new post(s)" in out2
    # The second asked with the validators the first stored: a 304, not the feed again.
    requests = feed_server.seen("/news.xml")
    assert len(requests) == 2 and requests[1].headers.get("if-none-match") == '"v1"'
    assert "database" not in err1 + err2


def test_a_locked_database_is_busy_not_broken(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process in the middle of a write
    try:
        with pytest.raises(StoreError) as err:
            Store.open(path, busy_timeout=0.2)
        message = str(err.value)
        assert message.startswith(f"{path}: the state database is busy: another selfwatch")
        assert "move the file away" not in message and "not a usable" not in message
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with Store.open(path, busy_timeout=0.2) as store:
        assert store.schema_version > 0
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(StoreError, match="the state database is busy"):
                store.log_event("jordan", "poll", NOW)
        finally:
            other.execute("ROLLBACK")
            other.close()
        store.log_event("jordan", "poll", NOW)
        assert store.last_event("jordan", "poll") is not None


def test_a_big_cycle_scores_in_workers_exactly_as_here(tmp_path: Path) -> None:
    import json
    import re

    from selfwatch.checklist import cached_engine as engine_for
    from selfwatch.config import load_config
    from selfwatch.match import Feedback
    from selfwatch.parse import read_feed
    from selfwatch.scorer import POOL_MIN_FEEDS, score_all

    names = ("google_news.xml", "reddit_search.atom", "mastodon.rss", "hnrss_newcomments.xml")
    paths = []
    for i in range(POOL_MIN_FEEDS + 5):  # enough feeds for the worker processes to start
        body = re.sub(rb"https?://", b"https://f%d." % i, fixture(names[i % len(names)]))
        if i % 5 == 0:  # and some risky posts, so verdicts differ
            body = rss(
                ("Jane Doe", f"https://f{i}.example/rant", "My boss at Acme Corp is a clown"),
                ("Jane Doe", f"https://f{i}.example/ok", "Jane Doe spoke at PyCon in Portland"),
            )
        path = tmp_path / f"feed{i}.xml"
        path.write_bytes(body)
        paths.append(str(path))
    config_path = tmp_path / "config.toml"
    config_path.write_text(
        '[[profiles]]\nname = "Jane Doe"\nsearch = false\nemployers = ["Acme Corp"]\n'
        "feeds = [\n"
        + "".join(
            f"  {{ url = {json.dumps(p)}, own = true }},\n"
            if i % 5 == 0
            else f"  {json.dumps(p)},\n"
            for i, p in enumerate(paths)
        )
        + "]\n",
        encoding="utf-8",
    )
    done = _selfwatch(config_path, "check", "--json", "--all")
    out, err = done.communicate(timeout=120)
    assert done.returncode == 0, err
    got = {p["id"]: (p["score"], p["identity"]["confidence"], [f["rule"] for f in p["findings"]])
           for p in json.loads(out)}  # fmt: skip
    config = load_config(config_path)
    person = config.profiles[0]
    engine = engine_for(person, config.checklist)
    expected = {}
    for i, path in enumerate(paths):
        posts = read_feed(Path(path).read_bytes(), path).posts
        own = i % 5 == 0  # your own feed: its rants are yours
        for post, (identity, verdict) in zip(
            posts, score_all(posts, own, engine, person, Feedback.from_marks([])), strict=True
        ):
            expected[post.id] = (
                verdict.score,
                identity.confidence,
                [f.rule for f in verdict.findings],
            )
    assert got == expected
    assert any(score for score, _, _ in got.values())


WORKER_DIES = """
import os, sys
from datetime import datetime, UTC
from pathlib import Path
from selfwatch.checklist import default_engine
from selfwatch.checklist.engine import Engine
from selfwatch.config import Config
from selfwatch.model import FeedSpec, Profile
from selfwatch.watch import open_store, run_cycle

folder, marker = Path(sys.argv[1]), Path(sys.argv[2])
person = Profile(key="jordan", name="Jordan Avery", search=False)
CYCLE = os.getpid()

class DiesInAWorker(Engine):
    def lint(self, text, author="self"):
        if os.getpid() != CYCLE:  # a scoring worker, not this process
            marker.write_text(str(os.getpid()))
            os._exit(1)  # dies without a word, as an OOM kill would
        return super().lint(text, author)

dying = DiesInAWorker.__new__(DiesInAWorker)
dying.__dict__.update(default_engine(person).__dict__)
feeds = [FeedSpec(str(p), "url", "jordan") for p in sorted(folder.glob("*.xml"))]
with open_store(folder / "state.db") as store:
    report = run_cycle(Config(), person, store, now=datetime(2026, 3, 10, tzinfo=UTC),
                       feeds=feeds, engine=dying)
    stored = store.posts("jordan")
mine = [sp for sp in stored if sp.identity.confidence != "not_me"]
print(len(feeds), len(report.new), len(stored), len(mine), sum(sp.verdict.scored for sp in mine))
"""


def test_a_scoring_worker_that_dies_costs_nothing_but_speed(tmp_path: Path) -> None:
    from selfwatch.scorer import POOL_MIN_FEEDS

    folder = tmp_path / "feeds"
    folder.mkdir()
    for i in range(POOL_MIN_FEEDS + 5):
        (folder / f"f{i:03}.xml").write_bytes(
            rss(("Jordan Avery", f"https://f{i}.example/rant", "Jordan Avery: my boss is a clown"))
        )
    marker = tmp_path / "died"
    done = subprocess.run(
        [sys.executable, "-c", WORKER_DIES, str(folder), str(marker)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    feeds, new, stored, mine, scored = map(int, done.stdout.split())
    assert marker.exists()  # a worker did start, and died on its first posts
    assert feeds == new == stored == POOL_MIN_FEEDS + 5
    assert mine == scored > 0  # what the worker had is scored here instead


LOGS_LINTS = """
import os, sys
from datetime import datetime
from pathlib import Path
from selfwatch.checklist import default_engine
from selfwatch.checklist.engine import Engine
from selfwatch.config import Config
from selfwatch.model import FeedSpec, Profile
from selfwatch.watch import open_store, run_cycle

db, log, now, urls = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
person = Profile(key="jordan", name="Jordan Avery", search=False)

class Logged(Engine):
    def lint(self, text, author="self"):
        with open(log, "a", encoding="utf-8") as out:  # one line per text read, from any process
            out.write(f"{os.getpid()} {text.splitlines()[0]}\\n")
        return super().lint(text, author)

logged = Logged.__new__(Logged)
logged.__dict__.update(default_engine(person).__dict__)
feeds = [FeedSpec(url, "url", "jordan") for url in urls]
with open_store(db) as store:
    report = run_cycle(Config(), person, store, now=datetime.fromisoformat(now), feeds=feeds,
                       engine=logged)
print(os.getpid(), len(report.new), len(report.errors))
"""


def test_workers_parse_bodies_and_never_score_a_post_the_profile_has(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    from selfwatch.scorer import POOL_MIN_FEEDS

    def items(i: int, count: int) -> bytes:
        return rss(
            *(
                (f"Jordan Avery story {i}.{n}", f"https://f{i}.example/{n}", "Jordan Avery spoke")
                for n in range(count)
            )
        )

    feeds = POOL_MIN_FEEDS + 5  # enough for the workers to start (in a process of one thread)
    urls = [
        feed_server.add(f"/f{i}.xml", Route(body=items(i, 2), etag='"v1"')) for i in range(feeds)
    ]
    log = tmp_path / "linted.txt"

    def cycle(now: str) -> tuple[int, int, int]:
        args = [str(tmp_path / "s.db"), str(log), now, *urls]
        done = subprocess.run(
            [sys.executable, "-c", LOGS_LINTS, *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        pid, new, failed = map(int, done.stdout.split())
        return pid, new, failed

    first = cycle("2026-03-10T14:00:00+00:00")
    for i in range(feeds):  # every feed changes: its two posts again, and one new one
        feed_server.routes[f"/f{i}.xml"] = Route(body=items(i, 3), etag='"v2"')
    second = cycle("2026-03-10T15:00:00+00:00")
    assert (first[1:], second[1:]) == ((2 * feeds, 0), (feeds, 0))
    linted = [line.split(" ", 1) for line in log.read_text(encoding="utf-8").splitlines()]
    titles = sorted(title for _, title in linted)
    expected = sorted(f"Jordan Avery story {i}.{n}" for i in range(feeds) for n in range(3))
    assert titles == expected  # each post read once: a post it had was not scored again
    assert {int(pid) for pid, _ in linted} - {first[0], second[0]}  # workers did read some


@pytest.mark.parametrize("feeds", [3, 45], ids=["here", "in workers"])
def test_a_story_many_feeds_share_is_decided_and_scored_once_per_process(
    feed_server: FeedServer, tmp_path: Path, feeds: int
) -> None:
    from selfwatch.scorer import POOL_MIN_FEEDS

    shared = [
        ("Jordan Avery wins the award", "https://news.example/award", "Jordan Avery won"),
        ("Jordan Avery at the meetup", "https://news.example/meetup", "Jordan Avery spoke"),
    ]
    urls = [
        feed_server.add(
            f"/s{i}.xml",
            Route(body=rss(*shared, (f"Jordan Avery {i}", f"https://f{i}.example/", "Jordan"))),
        )
        for i in range(feeds)
    ]
    log = tmp_path / "linted.txt"
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            LOGS_LINTS,
            str(tmp_path / "s.db"),
            str(log),
            NOW.isoformat(),
            *urls,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.split()[1]) == 2 + feeds  # every post stored, the shared ones once
    linted = [tuple(line.split(" ", 1)) for line in log.read_text(encoding="utf-8").splitlines()]
    titles = [title for _, title in linted]
    assert sorted(set(titles)) == sorted(
        [t for t, _, _ in shared] + [f"Jordan Avery {i}" for i in range(feeds)]
    )
    assert len(set(linted)) == len(linted)  # no process read one story twice
    if feeds < POOL_MIN_FEEDS:
        assert len(titles) == len(set(titles))  # one process: each story read once


def test_deciding_and_scoring_never_read_which_feed_a_post_came_from() -> None:
    """What lets a cycle score a story several feeds share once (``_Work.score_all``)."""
    from dataclasses import replace

    from selfwatch.match import Feedback
    from selfwatch.parse import read_feed
    from selfwatch.scorer import decide_and_score

    engine = cached_engine(PERSON)
    posts = [
        *read_feed(fixture("google_news.xml"), "https://news.google.com/rss").posts,
        Post("p1", "https://e.example/1", "Jordan Avery", "My boss is a clown, says Jordan Avery"),
    ]
    for post in posts:
        for own in (False, True):
            here = decide_and_score(post, own, engine, PERSON, Feedback.from_marks([]), NOW)
            moved = replace(post, feed_url="https://elsewhere.example/feed")
            there = decide_and_score(moved, own, engine, PERSON, Feedback.from_marks([]), NOW)
            assert here == there


WHAT_CHECK_IMPORTS = """
import atexit, sys
HEAVY = ("multiprocessing", "concurrent.futures", "logging", "email.utils", "zoneinfo", "httpx",
         "ssl", "feedparser")
atexit.register(lambda: print("imported:", *(m for m in HEAVY if m in sys.modules),
                              file=sys.stderr))
sys.argv = ["selfwatch", "--config", sys.argv[1], "check"]
from selfwatch.cli import main
sys.exit(main())
"""


def test_a_check_with_scoring_workers_imports_nothing_it_does_not_use(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    """What its first request waited for: ~14 ms of multiprocessing, ~10 of email.utils ..."""
    from selfwatch.scorer import POOL_MIN_FEEDS

    urls = [
        feed_server.add(f"/f{i}.xml", Route(body=fixture("google_news.xml"), etag=f'"{i}"'))
        for i in range(POOL_MIN_FEEDS + 2)
    ]
    config = write_config(tmp_path / "config.toml", urls)
    done = subprocess.run(
        [sys.executable, "-c", WHAT_CHECK_IMPORTS, str(config)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")},
    )
    assert done.returncode == 0, done.stderr
    assert f"{POOL_MIN_FEEDS + 2} feed(s) polled, 0 failed" in done.stdout
    assert done.stderr.splitlines()[-1] == "imported:"


def test_the_collector_is_paused_for_a_cycle_and_then_runs_again(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    import gc

    from selfwatch.checklist import default_engine
    from selfwatch.checklist.engine import Engine

    seen: list[bool] = []

    class Watched(Engine):
        def lint(self, text: str, author: str = "self"):  # type: ignore[no-untyped-def]
            seen.append(gc.isenabled())
            return super().lint(text, author)  # type: ignore[arg-type]

    watched = Watched.__new__(Watched)
    watched.__dict__.update(default_engine(PERSON).__dict__)
    url = feed_server.add(
        "/news.xml", Route(body=rss(("Jordan Avery", "https://e.example/a", "x")))
    )
    assert gc.isenabled()
    with open_store(tmp_path / "s.db") as store:
        run_cycle(Config(), PERSON, store, now=NOW, feeds=[spec(url)], engine=watched)
        assert seen == [False]  # scored while paused
        assert gc.isenabled()
        broken = Watched.__new__(Watched)
        broken.__dict__.update(watched.__dict__)
        broken.lint = lambda text, author="self": 1 / 0  # type: ignore[method-assign]
        other = feed_server.add(
            "/other.xml", Route(body=rss(("Jordan Avery", "https://e.example/b", "y")))
        )
        with pytest.raises(ZeroDivisionError):  # a cycle that fails gives the collector back
            run_cycle(Config(), PERSON, store, now=NOW, feeds=[spec(other)], engine=broken)
        assert gc.isenabled()
