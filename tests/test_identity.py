"""Tests for "is this me?" end to end: feedback scope, undo, the explanation, check and init.

Feeds come from a real HTTP server on 127.0.0.1, the state is a real SQLite file, and every
command runs through the CLI.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from click.testing import CliRunner, Result
from feedserver import FeedServer, Route

from selfwatch.cli import cli
from selfwatch.config import load_config
from selfwatch.watch import open_store

NEWS = "https://news.google.com/rss/articles/"
DUKE = "Duke's Jordan Avery scores 22 as Blue Devils top Wake Forest"
DUKE_AGAIN = "Jordan Avery and Duke basketball part ways"
PROMOTED = "Jordan Avery named engineering lead at Initech"
RANT = "Jordan Avery of Initech: my boss is a clueless clown and I hate this job"
TAMPA = "Tampa realtor Jordan Avery sells Westchase home"
TAMPA_AGAIN = "Jordan Avery lists another Westchase pool home"


def rss(items: list[tuple[str, str, str]]) -> bytes:
    """Return an RSS feed with one item per (title, link, description).

    The rant is signed by the person (``dc:creator``): a post is the person's risk only when
    they wrote it.
    """
    when = datetime(2026, 3, 1, tzinfo=UTC)
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link><description>{d}</description>"
        + ("<dc:creator>Jordan Avery</dc:creator>" if t == RANT else "")
        + f"<pubDate>{format_datetime(when - timedelta(days=i))}</pubDate></item>"
        for i, (t, link, d) in enumerate(items)
    )
    return (
        '<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<channel><title>search</title>{body}</channel></rss>"
    ).encode()


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input)


def setup(feed_server: FeedServer, tmp_path, items: list[tuple[str, str, str]]) -> str:
    url = feed_server.add("/search.xml", Route(body=rss(items)))
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[[profiles]]
key = "jordan"
name = "Jordan Avery"
employers = ["Initech"]
context_terms = ["Portland", "backend engineer"]
search = false
feeds = ["{url}"]
""",
        encoding="utf-8",
    )
    return str(path)


def ids(config: str) -> dict[str, tuple[str, str]]:
    """Return {title: (id, confidence)} for every stored post."""
    with open_store() as store:
        posts = store.posts("jordan")
    return {sp.post.title: (sp.id, sp.identity.confidence) for sp in posts}


NEWS_ITEMS = [
    (DUKE, NEWS + "duke1", "The sophomore guard hit four threes as Duke basketball rolled on."),
    (PROMOTED, NEWS + "promo", "The Portland backend engineer will lead payments."),
    (RANT, NEWS + "rant", "Posted from Portland."),
    (DUKE_AGAIN, NEWS + "duke2", "Fans were surprised."),
]


def test_one_notme_changes_its_post_and_learns_but_never_a_post_with_stronger_evidence(
    feed_server, tmp_path
):
    config = setup(feed_server, tmp_path, NEWS_ITEMS)
    assert run("--config", config, "check").exit_code == 0
    before = ids(config)
    assert before[PROMOTED][1] == before[RANT][1] == "me"
    assert before[DUKE_AGAIN][1] == "maybe"  # a full name, nothing else either way

    result = run("--config", config, "notme", before[DUKE][0])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"{before[DUKE][0][:10]}: recorded notme; now not me")
    assert re.match(r"learned: .*'duke'.* point to a namesake", lines[1]), lines[1]
    assert lines[2] == "1 other post(s) changed:"
    assert lines[3].split()[:4] == [before[DUKE_AGAIN][0][:10], "maybe", "->", "not_me"]
    after = ids(config)
    # The same site (news.google.com) and no author: nothing else moved, the flagged rant stays.
    assert after[PROMOTED][1] == after[RANT][1] == "me"
    flagged = run("--config", config, "history", "--flagged")
    assert before[RANT][0][:10] in flagged.output


def test_site_wide_marks_are_refused_for_aggregators(feed_server, tmp_path):
    config = setup(feed_server, tmp_path, NEWS_ITEMS)
    run("--config", config, "check")
    before = ids(config)
    result = run("--config", config, "notme", before[DUKE][0], "--site")
    assert result.exit_code == 2
    assert result.output == (
        "Error: google.com is a site where many people post: a mark cannot cover all of it; "
        "mark the post alone, or its author with --author\n"
    )
    assert ids(config) == before  # nothing recorded
    assert run("--config", config, "undo").output == "Error: no me/notme feedback to undo\n"


def test_a_site_wide_mark_covers_a_site_but_not_a_strong_post_on_it(feed_server, tmp_path):
    site = "https://www.tampabay.example/real-estate/"
    config = setup(
        feed_server,
        tmp_path,
        [
            (TAMPA, site + "1", "Listed by Bayside Realty."),
            (TAMPA_AGAIN, site + "2", "Four bedrooms."),
            ("Jordan Avery of Initech on housing", site + "3", "The Portland backend engineer."),
        ],
    )
    run("--config", config, "check")
    before = ids(config)
    assert before[TAMPA_AGAIN][1] == "maybe"
    result = run("--config", config, "notme", before[TAMPA][0], "--site")
    assert result.exit_code == 0, result.output
    assert "covers every post by that site: https://www.tampabay.example/real-estate/1" in (
        result.output
    )
    after = ids(config)
    assert after[TAMPA_AGAIN][1] == "not_me"
    assert after["Jordan Avery of Initech on housing"][1] == "maybe"
    shown = run("--config", config, "show", before[TAMPA_AGAIN][0])
    assert "-4  site tampabay.example was marked not-me" in shown.output


def test_undo_forgets_the_last_mark_and_what_it_taught(feed_server, tmp_path):
    config = setup(feed_server, tmp_path, NEWS_ITEMS)
    run("--config", config, "check")
    before = ids(config)
    run("--config", config, "notme", before[DUKE][0])
    assert ids(config)[DUKE_AGAIN][1] == "not_me"
    result = run("--config", config, "undo")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"{before[DUKE][0][:10]}: undid notme; now ")
    assert lines[1].startswith("forgot: ") and "'duke'" in lines[1]
    assert before[DUKE_AGAIN][0][:10] in result.output and "not_me -> maybe" in result.output
    assert ids(config) == before
    again = run("--config", config, "undo")
    assert (again.exit_code, again.output) == (2, "Error: no me/notme feedback to undo\n")


def test_show_prints_the_evidence_for_and_against_with_points(feed_server, tmp_path):
    config = setup(
        feed_server,
        tmp_path,
        [(PROMOTED, NEWS + "promo", "The Portland backend engineer."), (TAMPA, NEWS + "t", "")],
    )
    run("--config", config, "check", "--all")
    posts = ids(config)
    me = run("--config", config, "show", posts[PROMOTED][0]).output
    assert "identity:  me (subject): full name; employer 'Initech'; context 'Portland'" in me
    assert "  for:      +3  full name\n" in me
    assert "            +1  employer 'Initech'\n" in me
    assert "            +1  'Initech' next to the name\n" in me
    assert "  total      7  (me from 4 with something specific, maybe from 2, below 2 not me)" in me
    namesake = run("--config", config, "show", posts[TAMPA][0]).output
    assert "  against:  -2  another occupation 'realtor'" in namesake
    assert "another place 'Tampa'" in namesake
    assert "  total     -1" in namesake


def test_check_lists_your_posts_and_counts_what_it_set_aside(feed_server, tmp_path):
    config = setup(feed_server, tmp_path, [*NEWS_ITEMS, (TAMPA, NEWS + "t", "")])
    result = run("--config", config, "check")
    assert result.exit_code == 0, result.output
    head = result.output.splitlines()[0]
    assert head == (
        "jordan: 1 feed(s) polled, 0 failed, 5 new post(s), 2 about a namesake or not naming "
        "you set aside (--all lists them)"
    )
    assert "Tampa realtor" not in result.output and "Duke's" not in result.output
    assert "Initech" in result.output
    listed = run("--config", config, "history", "--all")
    assert "Tampa realtor" in listed.output


def test_a_delivered_post_is_not_sent_again_when_its_label_changes(feed_server, tmp_path):
    config = setup(feed_server, tmp_path, NEWS_ITEMS)
    run("--config", config, "check")
    posts = ids(config)
    out = tmp_path / "digests"
    first = run("--config", config, "digest", "--to-file", str(out))
    assert first.exit_code == 0, first.output
    run("--config", config, "notme", posts[PROMOTED][0])
    run("--config", config, "me", posts[PROMOTED][0])
    assert ids(config)[PROMOTED][1] == "me"
    run("--config", config, "me", posts[DUKE][0])  # never sent: not me until now
    preview = run("--config", config, "digest", "--preview")
    assert DUKE.replace("'", "&#39;") in preview.output or DUKE in preview.output
    assert PROMOTED not in preview.output


# --- init asks, and asks again -----------------------------------------------------------------


def test_init_asks_for_context_and_namesakes_and_reasks_on_a_bad_answer(tmp_path):
    path = tmp_path / "c.toml"
    answers = "\n".join(
        [
            "Jordan Avery",
            "jordan.avery",  # bad: no domain
            "jordan.avery@example.com",
            "Initech",
            "githib=jordanavery",  # bad: unknown site
            "github=jordanavery",
            "Jordan",  # bad: part of the name
            "Portland, backend engineer",
            "Portland realtor",  # bad: uses one of your own words
            "a Tampa realtor, Duke basketball",
            "19x0",  # bad: not a year
            "1991",
        ]
    )
    result = run("--config", str(path), "init", input=answers + "\n")
    assert result.exit_code == 0, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert errors == [
        "Error: 'jordan.avery' is not an email address (like jane@example.com)",
        f"Error: unknown site 'githib'; known sites: {', '.join(_sites())}",
        "Error: 'Jordan' is part of your name; give a city, school, job or employer",
        "Error: 'Portland' is one of your own words; describe the namesake by what is not you "
        "(their city, team, school or job)",
        "Error: '19x0' is not a birth year (like 1990); leave it empty to skip",
    ]
    (person,) = load_config(path).profiles
    assert person.emails == ("jordan.avery@example.com",)
    assert person.handles == (("github", "jordanavery"),)
    assert person.context_terms == ("Portland", "backend engineer")
    assert person.exclude_terms == ("Tampa realtor", "Duke basketball")
    assert person.birth_year == 1991


def test_init_questions_about_namesakes_and_age_are_optional(tmp_path):
    path = tmp_path / "c.toml"
    result = run("--config", str(path), "init", input="Sam Lee\n\n\n\nPortland\n\n\n")
    assert result.exit_code == 0, result.output
    (person,) = load_config(path).profiles
    assert (person.exclude_terms, person.birth_year) == ((), None)
    flags = run(
        "--config", str(path), "init", "--force", "--name", "Sam Lee", "--birth-year", "1990"
    )
    assert flags.exit_code == 0, flags.output
    assert load_config(path).profiles[0].birth_year == 1990


def _sites() -> tuple[str, ...]:
    from selfwatch.config import HANDLE_SITES

    return HANDLE_SITES


# --- what a mark learns, and what it may cover -------------------------------------------------


def _jordan():
    from selfwatch.model import Profile

    return Profile(
        key="jordan",
        name="Jordan Avery",
        handles=(("reddit", "pdx_backend"),),
        employers=("Initech",),
        context_terms=("Portland",),
    )


def test_a_notme_never_learns_a_word_the_persons_own_posts_use():
    from selfwatch.feedback import learn, post_words
    from selfwatch.identity import identify
    from selfwatch.model import Post

    namesake = Post(id="n", url="https://a.example/n", title=TAMPA, text="Seattle open house.")
    mine = [Post(id="m", url="https://b.example/m", title="Jordan Avery in Seattle", text="")]
    who = identify(namesake, _jordan(), own=False)
    learned = learn(namesake, _jordan(), who, "notme", post_words(mine))
    assert "tampa" in learned and "realtor" in learned
    assert "seattle" not in learned  # the person's own post uses it
    assert not {"jordan", "avery", "portland", "initech"} & set(learned)


def test_an_author_wide_mark_is_refused_for_the_persons_own_name_or_handle():
    import pytest

    from selfwatch.errors import FeedbackError
    from selfwatch.feedback import check_scope
    from selfwatch.model import Post

    for author in ("Jordan Avery", "/u/pdx_backend", "u/pdx_backend", "@pdx_backend"):
        post = Post(id="p", url="https://a.example/p", title="x", text="", author=author)
        with pytest.raises(FeedbackError, match="is your own name or handle"):
            check_scope(post, _jordan(), "author")
    other = Post(id="p", url="https://a.example/p", title="x", text="", author="/u/ursula")
    check_scope(other, _jordan(), "author")  # someone else: allowed
    nobody = Post(id="p", url="https://a.example/p", title="x", text="")
    with pytest.raises(FeedbackError, match="names no author"):
        check_scope(nobody, _jordan(), "author")


def test_a_mark_relabels_only_what_it_changes_not_posts_an_older_matcher_decided(
    feed_server, tmp_path
):
    from selfwatch.model import Identity

    config = setup(feed_server, tmp_path, NEWS_ITEMS)
    run("--config", config, "check")
    posts = ids(config)
    stale = Identity("maybe", "subject", "full name, no context")  # as an older version said
    with open_store() as store:
        store.set_identity("jordan", posts[PROMOTED][0], stale)
    result = run("--config", config, "notme", posts[DUKE][0])
    assert posts[PROMOTED][0][:10] not in result.output
    assert ids(config)[PROMOTED][1] == "maybe"  # untouched: the mark says nothing about it


HOLD_POLL_LOCK = """
import sys
from pathlib import Path
from selfwatch.watch import PollLock
with PollLock(Path(sys.argv[1])):
    print("locked", flush=True)
    sys.stdin.readline()
"""


def test_a_mark_waits_for_a_running_poll_in_another_process(feed_server, tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    config = setup(feed_server, tmp_path, NEWS_ITEMS)
    run("--config", config, "check")
    target = ids(config)[DUKE][0]
    lock = Path(os.environ["SELFWATCH_HOME"]) / "poll.lock"
    poll = subprocess.Popen(
        [sys.executable, "-c", HOLD_POLL_LOCK, str(lock)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert poll.stdout is not None and poll.stdin is not None
    assert poll.stdout.readline().strip() == "locked"
    mark = subprocess.Popen(
        [sys.executable, "-m", "selfwatch", "--config", config, "notme", target],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert mark.stderr is not None
    waiting = mark.stderr.readline()
    assert waiting.startswith(f"waiting for another selfwatch poll (PID {poll.pid}) to finish")
    assert mark.poll() is None  # it cannot record anything while the poll holds the lock
    assert ids(config)[DUKE][1] == "not_me" and "marked" not in _reason(target)
    poll.stdin.write("done\n")
    poll.stdin.close()
    assert poll.wait(timeout=60) == 0
    out, _ = mark.communicate(timeout=60)
    assert mark.returncode == 0, out
    assert out.startswith(f"{target[:10]}: recorded notme; now not me")
    assert _reason(target) == "this post was marked not-me"


def _reason(post_id: str) -> str:
    with open_store() as store:
        return store.get(post_id, "jordan").identity.reason
