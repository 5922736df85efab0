"""Digest building (sections, subject) and rendering (escaping, highlights, golden files)."""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from selfwatch.digest import (
    SECTION_LIMIT,
    Digest,
    build_digest,
    combine,
    digest_subject,
    excerpt,
    finding_snippet,
    linted_text,
    locate,
    render_html,
    render_text,
    safe_href,
    snippet,
    template_dirs,
)
from selfwatch.errors import ConfigError
from selfwatch.model import FeedSpec, FeedState, Finding, Identity, Level, Post, Profile, Verdict

NOW = datetime(2026, 1, 5, 7, 30, tzinfo=UTC)
GOLDEN = Path(__file__).parent / "golden"

PROFILE = Profile(
    key="jane",
    name="Jane Doe",
    variants=("J. Doe",),
    handles=(("mastodon", "@jane@hachyderm.io"),),
    employers=("Acme Analytics",),
    feeds=(
        FeedSpec("https://hachyderm.io/@jane.rss", "mastodon", "jane", own=True, label="Mastodon"),
        FeedSpec(
            "https://www.reddit.com/search.rss?q=%22Jane+Doe%22", "reddit", "jane", label="Reddit"
        ),
        FeedSpec("https://hnrss.org/newest?q=%22Jane+Doe%22", "hn", "jane", label="Hacker News"),
        FeedSpec("https://jane.example/feed.xml", "url", "jane", own=True, label="Blog"),
    ),
    timezone="Europe/Berlin",
)

ME = Identity("me", "subject", "full name 'Jane Doe' with context term 'Acme Analytics'")
MAYBE = Identity("maybe", "subject", "full name 'Jane Doe' but no context term")
OWN = Identity("me", "author", "posted from your Mastodon account @jane@hachyderm.io")
NOT_ME = Identity("not_me", "subject", "'Jane Doe' the country singer (exclude term 'Nashville')")


def find(post: Post, word: str, rule: str, category: str, level: Level, message: str) -> Finding:
    """Return a finding on the first occurrence of ``word`` in the linted text of ``post``."""
    text = linted_text(post)
    start = text.index(word)
    before = text[:start]
    line = before.count("\n") + 1
    col = start - (before.rfind("\n") + 1) + 1
    suggestion = "" if category in ("praise", "expertise", "achievement") else "Rephrase it."
    return Finding(
        rule, category, level, start, start + len(word), line, col, word, message, suggestion
    )


def sample_items() -> list[tuple[Post, Identity, Verdict, tuple[str, ...]]]:
    """Return a realistic week of judged posts for Jane Doe."""
    rant = Post(
        id="m1",
        url="https://hachyderm.io/@jane/111",
        title="",
        text="Another Monday at Acme Analytics. My manager is a clown and this job sucks, "
        "honestly. At least the new pipeline I built cut our costs by 40%.",
        author="@jane@hachyderm.io",
        published=datetime(2026, 1, 4, 21, 12, tzinfo=UTC),
    )
    rant_verdict = Verdict(
        score=78,
        flagged=True,
        findings=(
            find(
                rant,
                "clown",
                "employer.badmouthing",
                "employer",
                Level.ERROR,
                "Insulting your manager in public tells a recruiter how you will talk about them.",
            ),
            find(
                rant,
                "sucks",
                "profanity.mild",
                "profanity",
                Level.WARNING,
                "Casual swearing reads as unprofessional to many hiring managers.",
            ),
            find(
                rant,
                "cut our costs by 40%",
                "achievement.metric",
                "achievement",
                Level.INFO,
                "A measurable result is exactly what employers look for.",
            ),
        ),
    )
    doxx = Post(
        id="r1",
        url="https://www.reddit.com/r/dataengineering/comments/abc/",
        title="Anyone know Jane Doe from Acme Analytics?",
        text="She gave a talk last year. Her number is +49 170 1234567 if you want to ask her.",
        author="u/throwaway_991",
        published=datetime(2026, 1, 3, 15, 0, tzinfo=UTC),
    )
    doxx_verdict = Verdict(
        score=65,
        flagged=True,
        findings=(
            find(
                doxx,
                "+49 170 1234567",
                "personal_data.phone",
                "personal_data",
                Level.ERROR,
                "Your phone number in public invites spam, scams and harassment.",
            ),
        ),
    )
    talk = Post(
        id="h1",
        url="https://news.ycombinator.com/item?id=4242",
        title="Jane Doe: Streaming joins without tears (talk)",
        text="A clear, well-researched talk on stream processing. Jane Doe explains watermarks "
        "better than anyone I have read.",
        author="pg_fan",
        published=datetime(2026, 1, 2, 10, 0, tzinfo=UTC),
    )
    talk_verdict = Verdict(
        score=0,
        flagged=False,
        findings=(
            find(
                talk,
                "well-researched",
                "praise.quality",
                "praise",
                Level.INFO,
                "Others vouching for your work is the strongest signal a recruiter can find.",
            ),
            find(
                talk,
                "stream processing",
                "expertise.topic",
                "expertise",
                Level.INFO,
                "Shows the expertise you want to be hired for.",
            ),
        ),
    )
    news = Post(
        id="n1",
        url="https://regional.example/news/2026/01/meetup",
        title="Data meetup draws record crowd",
        text="Speakers included Jane Doe and Sam Lee. The next meetup is in March.",
        author="",
        published=datetime(2026, 1, 1, 18, 0, tzinfo=UTC),
    )
    singer = Post(
        id="x1",
        url="https://music.example/jane-doe-tour",
        title="Jane Doe announces Nashville tour",
        text="The country singer returns.",
        published=datetime(2026, 1, 4, 9, 0, tzinfo=UTC),
    )
    quiet = Verdict(score=0, flagged=False, findings=())
    return [
        (news, MAYBE, quiet, ("Google News",)),
        (talk, ME, talk_verdict, ("Hacker News", "Google News")),
        (doxx, ME, doxx_verdict, ("Reddit",)),
        (singer, NOT_ME, quiet, ("Google News",)),
        (rant, OWN, rant_verdict, ("Mastodon",)),
    ]


def sample_health() -> list[FeedState]:
    """Return feed states: one healthy, one failing, one disabled."""
    return [
        FeedState("https://hachyderm.io/@jane.rss", last_success=NOW - timedelta(hours=1)),
        FeedState(
            "https://www.reddit.com/search.rss?q=%22Jane+Doe%22",
            last_success=datetime(2026, 1, 2, 6, 0, tzinfo=UTC),
            last_error="HTTP 429 Too Many Requests",
            last_error_at=datetime(2026, 1, 5, 6, 0, tzinfo=UTC),
            failures=3,
        ),
        FeedState(
            "https://jane.example/feed.xml",
            last_success=datetime(2025, 12, 20, 6, 0, tzinfo=UTC),
            last_error="HTTP 410 Gone",
            last_error_at=datetime(2025, 12, 21, 6, 0, tzinfo=UTC),
            disabled="410 Gone",
        ),
    ]


def fixed_tone(post: Post) -> float:
    """Return a fixed tone so the golden files do not depend on the sentiment lexicon."""
    return {"h1": 0.8, "n1": 0.0}.get(post.id, -0.5)


def sample_digest() -> Digest:
    """Return the realistic digest used by the golden files and the mailer tests."""
    return build_digest(
        PROFILE,
        sample_items(),
        sample_health(),
        now=NOW,
        since=NOW - timedelta(days=7),
        sentiment=fixed_tone,
    )


# --- building ----------------------------------------------------------------------------


def test_sections_split_posts_and_drop_not_me() -> None:
    digest = sample_digest()
    assert [i.post.id for i in digest.flagged] == ["m1", "r1"]
    assert [i.post.id for i in digest.good_news] == ["h1"]
    assert [i.post.id for i in digest.mentions] == ["n1"]
    assert "x1" not in {i.post.id for i in digest.items}


def test_flagged_post_with_good_findings_stays_only_in_flagged() -> None:
    digest = sample_digest()
    rant = digest.flagged[0]
    assert rant.verdict.good
    assert rant not in digest.good_news


def test_flagged_order_is_score_then_level_then_newest() -> None:
    def item(
        pid: str, score: int, level: Level, day: int
    ) -> tuple[Post, Identity, Verdict, tuple[str, ...]]:
        post = Post(
            pid,
            f"https://e.example/{pid}",
            "t",
            "bad",
            published=datetime(2026, 1, day, tzinfo=UTC),
        )
        found = Finding("x.y", "hate", level, 0, 1, 1, 1, "t", "m", "s")
        return post, ME, Verdict(score, True, (found,)), ()

    items = [
        item("low", 50, Level.ERROR, 3),
        item("tie-warning", 70, Level.WARNING, 3),
        item("tie-error-old", 70, Level.ERROR, 1),
        item("tie-error-new", 70, Level.ERROR, 2),
        item("top", 90, Level.INFO, 1),
    ]
    digest = build_digest(PROFILE, items, [], now=NOW, sentiment=fixed_tone)
    assert [i.post.id for i in digest.flagged] == [
        "top",
        "tie-error-new",
        "tie-error-old",
        "tie-warning",
        "low",
    ]


def test_health_lists_only_failing_and_disabled_feeds_with_labels() -> None:
    digest = sample_digest()
    assert [(h.label, h.status) for h in digest.health] == [
        ("Blog", "disabled"),
        ("Reddit", "failing"),
    ]


def test_health_falls_back_to_the_url_without_a_label() -> None:
    state = FeedState("https://other.example/rss", failures=1, last_error="timeout")
    digest = build_digest(PROFILE, [], [state], now=NOW)
    assert digest.health[0].label == "https://other.example/rss"


def test_subject_counts_every_post_and_flags() -> None:
    assert (
        sample_digest().subject
        == "selfwatch: 2 flagged, 4 new mentions of Jane Doe, 2 feeds failing"
    )


@pytest.mark.parametrize(
    ("flagged", "total", "failing", "baseline", "expected"),
    [
        (3, 12, 0, False, "selfwatch: 3 flagged, 12 new mentions of Jane Doe"),
        (0, 1, 0, False, "selfwatch: 1 new mention of Jane Doe"),
        (0, 0, 0, False, "selfwatch: nothing new about Jane Doe"),
        (0, 0, 1, False, "selfwatch: nothing new about Jane Doe, 1 feed failing"),
        (2, 40, 0, True, "selfwatch baseline: 2 flagged, 40 existing mentions of Jane Doe"),
    ],
)
def test_subject_wording(
    flagged: int, total: int, failing: int, baseline: bool, expected: str
) -> None:
    assert digest_subject("Jane  Doe\n", flagged, total, failing, baseline) == expected


def test_baseline_digest_says_so() -> None:
    digest = build_digest(PROFILE, sample_items(), [], now=NOW, baseline=True, sentiment=fixed_tone)
    assert digest.subject.startswith("selfwatch baseline: 2 flagged, 4 existing mentions")
    assert "This is a baseline" in render_text(digest)
    assert "This is a baseline" in render_html(digest)


def test_empty_digest_renders_a_reassuring_line() -> None:
    digest = build_digest(PROFILE, [], [], now=NOW)
    assert digest.empty
    assert "Nothing new about Jane Doe, and every feed is working." in render_text(digest)
    assert "Nothing new about Jane Doe, and every feed is working." in render_html(digest)


def test_combined_digest_has_a_section_per_profile() -> None:
    other = replace(PROFILE, key="sam", name="Sam Lee", feeds=())
    sam = build_digest(other, [], [], now=NOW)
    combined = combine([sample_digest(), sam], now=NOW, key="coach", title="Coach Kim's clients")
    assert (
        combined.subject == "selfwatch: 2 flagged, 4 new mentions, 2 feeds failing across 2 clients"
    )
    html = render_html(combined)
    text = render_text(combined)
    for rendered in (html, text):
        assert "Coach Kim&#39;s clients" in rendered or "Coach Kim's clients" in rendered
        assert rendered.index("Jane Doe") < rendered.index("Sam Lee")
        assert "Nothing new about Sam Lee" in rendered
    assert "##### Sam Lee #####" in text


def test_combined_digest_opens_with_a_client_table_and_names_each_client() -> None:
    sam = build_digest(replace(PROFILE, key="sam", name="Sam Lee", feeds=()), [], [], now=NOW)
    combined = combine([sample_digest(), sam], now=NOW, timezone="America/New_York")
    assert combined.title == "Jane Doe and Sam Lee"
    text = render_text(combined)
    table = text[: text.index("##### Jane Doe")]
    assert "Client" in table and "Open flags" in table and "Worst score" in table
    assert re.search(r"^Jane Doe +2 +4 +78 +2$", table, re.M), table
    assert re.search(r"^Sam Lee +0 +0 +- +0$", table, re.M), table
    # Each client by name, not "you"; every time in the coach's zone, not Jane's Berlin time.
    assert "Posts an employer could hold against Jane Doe, riskiest first." in text
    assert "against you" not in text
    assert "Certainly Jane Doe, Jane Doe's post: posted from their Mastodon account" in text
    assert "Generated 2026-01-05 02:30 EST; all times in America/New_York" in text
    assert "CET" not in text
    html = render_html(combined)
    assert 'class="clients"' in html and "against Jane Doe" in html and "CET" not in html


# --- pure helpers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://example.com/a?b=1", True),
        ("HTTP://EXAMPLE.COM/", True),
        ("javascript:alert(1)", False),
        ("  JavaScript:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("vbscript:msgbox", False),
        ("//example.com/x", False),
        ("https://exa mple.com/", False),
        ("https://example.com/\nx", False),
        ("http:///nohost", False),
        ("", False),
    ],
)
def test_safe_href_allows_only_http_and_https(url: str, ok: bool) -> None:
    assert (safe_href(url) is not None) is ok


def test_snippet_cuts_at_word_boundaries_and_folds_whitespace() -> None:
    text = "alpha beta gamma\n\ndelta TARGET epsilon zeta eta theta"
    start = text.index("TARGET")
    piece = snippet(text, start, start + 6, width=12)
    assert piece.before == "…delta "
    assert piece.match == "TARGET"
    assert piece.after == " epsilon…"


def test_snippet_keeps_whole_words_at_the_window_edge() -> None:
    text = "aaa bbb TARGET ccc ddd"
    start = text.index("TARGET")
    piece = snippet(text, start, start + 6, width=4)
    assert (piece.before, piece.after) == ("…bbb ", " ccc…")
    piece = snippet(text, start, start + 6, width=3)
    assert (piece.before, piece.after) == ("…", "…")


def test_snippet_at_the_edges_has_no_ellipsis() -> None:
    piece = snippet("boss is a clown", 10, 15)
    assert (piece.before, piece.match, piece.after) == ("boss is a ", "clown", "")


def test_locate_trusts_offsets_then_searches_then_gives_up() -> None:
    text = "Title\n\nMy boss is a Clown."
    good = Finding("r.x", "employer", Level.ERROR, 20, 25, 3, 14, "clown", "m", "s")
    assert locate(text, good) == (20, 25)
    shifted = replace(good, start=2, end=7)
    assert locate(text, shifted) == (20, 25)
    missing = replace(good, start=500, end=505, matched="absent")
    assert locate(text, missing) is None
    post = Post("p", "", "Title", "My boss is a Clown.")
    assert finding_snippet(post, missing).match == "absent"


def test_highlight_uses_the_linted_string_title_and_text() -> None:
    post = Post("p", "", "Hot take", "my boss is a clown")
    text = linted_text(post)
    start = text.index("clown")
    found = Finding("r.x", "employer", Level.ERROR, start, start + 5, 3, 14, "clown", "m", "s")
    assert finding_snippet(post, found).before == "Hot take my boss is a "


def test_excerpt_is_cut_at_a_word() -> None:
    post = Post("p", "", "", "word " * 100)
    cut = excerpt(post, length=23)
    assert cut == "word word word word…"


def test_missing_override_templates_dir_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="templates directory not found"):
        template_dirs(tmp_path / "nope")


def test_override_templates_dir_wins_and_falls_back(tmp_path: Path) -> None:
    (tmp_path / "digest.txt.j2").write_text("custom: {{ subject }}\n", encoding="utf-8")
    digest = sample_digest()
    assert render_text(digest, tmp_path) == f"custom: {digest.subject}\n"
    assert "<!DOCTYPE html>" in render_html(digest, tmp_path)


# --- escaping ----------------------------------------------------------------------------

HOSTILE_TITLE = '<script>alert("t")</script>"><img src=x onerror=alert(1)>'
HOSTILE_TEXT = 'Jane Doe is "><img src=x onerror=alert(2)> <script>steal()</script> a clown'


def hostile_digest() -> Digest:
    """Return a digest whose every feed-supplied field tries to inject markup."""
    post = Post(
        id="evil",
        url="javascript:alert(1)",
        title=HOSTILE_TITLE,
        text=HOSTILE_TEXT,
        author='<b onmouseover="x()">mallory</b>',
        published=NOW,
    )
    start = linted_text(post).index("clown")
    found = Finding(
        "harassment.insult",
        "harassment",
        Level.ERROR,
        start,
        start + 5,
        3,
        1,
        "clown",
        "Insults <em>stick</em>.",
        "Ignore it.",
    )
    verdict = Verdict(90, True, (found,))
    second = replace(post, id="evil2", url='https://ok.example/"><script>x()</script>', title="t2")
    identity = Identity("me", "subject", "reason with <script>r()</script>")
    return build_digest(
        PROFILE,
        [(post, identity, verdict, ("<i>feed</i>",)), (second, identity, verdict, ())],
        [FeedState('https://f.example/"><script>', failures=1, last_error="<script>e()</script>")],
        now=NOW,
        sentiment=fixed_tone,
    )


def test_hostile_feed_text_is_escaped_in_html() -> None:
    html = render_html(hostile_digest())
    assert "<script" not in html
    assert "<img" not in html
    assert "<b onmouseover" not in html
    assert "<i>feed" not in html
    assert "<em>stick" not in html
    assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;" in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html


def test_javascript_links_are_text_never_href() -> None:
    html = render_html(hostile_digest())
    assert 'href="javascript' not in html.lower()
    assert "javascript:alert(1)" in html
    assert "Link not made clickable" in html
    # An http link with quotes in it stays a link, with the quotes escaped inside the attribute.
    assert 'href="https://ok.example/&#34;&gt;&lt;script&gt;x()&lt;/script&gt;"' in html


def test_hostile_text_version_keeps_the_text_and_marks_the_link() -> None:
    text = render_text(hostile_digest())
    assert HOSTILE_TITLE in text
    assert "javascript:alert(1) (not an http/https link)" in text
    assert "**clown**" in text


# --- golden files ------------------------------------------------------------------------


def check_golden(name: str, actual: str, folder: Path = GOLDEN, regen: bool | None = None) -> None:
    """Compare ``actual`` with tests/golden/``name``; SELFWATCH_REGEN_GOLDEN=1 rewrites it."""
    path = folder / name
    if regen is None:
        regen = os.environ.get("SELFWATCH_REGEN_GOLDEN") == "1"
    if regen:
        path.parent.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8", newline="\n")
        return
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                fromfile=f"golden/{name}",
                tofile="rendered",
            )
        )
        pytest.fail(
            f"{name} differs from the golden file (SELFWATCH_REGEN_GOLDEN=1 to accept):\n{diff}",
            pytrace=False,
        )


def test_golden_html() -> None:
    check_golden("digest.html", render_html(sample_digest()))


def test_golden_text() -> None:
    check_golden("digest.txt", render_text(sample_digest()))


def test_golden_mismatch_shows_a_unified_diff(tmp_path: Path) -> None:
    check_golden("x.txt", "one\ntwo\n", tmp_path, regen=True)
    check_golden("x.txt", "one\ntwo\n", tmp_path, regen=False)
    with pytest.raises(pytest.fail.Exception) as info:
        check_golden("x.txt", "one\nthree\n", tmp_path, regen=False)
    message = str(info.value)
    assert "SELFWATCH_REGEN_GOLDEN=1" in message
    assert "--- golden/x.txt\n+++ rendered\n" in message
    assert "-two\n+three" in message


def test_long_sections_show_the_first_posts_and_say_how_many_more() -> None:
    rant, identity, verdict, sources = next(i for i in sample_items() if i[2].flagged)
    many = [
        (replace(rant, id=f"a{n:03}", url=f"https://hachyderm.io/@jane/{n}"), identity, verdict,
         sources)
        for n in range(SECTION_LIMIT + 7)
    ]  # fmt: skip
    digest = build_digest(PROFILE, many, [], now=NOW, sentiment=fixed_tone)
    assert len(digest.flagged) == SECTION_LIMIT + 7
    assert digest.subject.startswith(f"selfwatch: {SECTION_LIMIT + 7} flagged")
    text, html = render_text(digest), render_html(digest)
    for body in (text, html):
        assert body.count("https://hachyderm.io/@jane/") == SECTION_LIMIT
        assert "and 7 more" in body
        assert "selfwatch history --profile jane --flagged --limit 0" in body
    short = render_text(sample_digest())
    assert "more:" not in short


def test_terminal_escapes_from_feeds_are_written_out_in_text_and_html() -> None:
    rant, identity, verdict, sources = next(i for i in sample_items() if i[2].flagged)
    hostile = "\x1b]8;;http://evil.example\x07click\x1b]8;;\x07 \x1b[31mRED\x1b[0m \u202eevil"
    post = replace(rant, title=f"Jane Doe {hostile}", text=f"{rant.text} {hostile}")
    digest = build_digest(PROFILE, [(post, identity, verdict, sources)], [], now=NOW)
    for body in (render_text(digest), render_html(digest)):
        assert not any(c in body for c in "\x1b\x07\u202e")
        assert "\\x1b]8;;http://evil.example\\x07click" in body
    assert "\\x1b[31mRED" in render_text(digest)


def test_a_title_the_text_repeats_is_linted_once() -> None:
    news = Post(
        id="g1",
        url="https://example.com/a",
        title="Jane Doe wins open source award - OregonLive",
        text="Jane Doe wins open source award OregonLive.com",
    )
    assert linted_text(news) == news.text
    own = replace(news, title="Jane Doe wins open source award - and my boss is a clown")
    assert linted_text(own).startswith(own.title)  # the title says more than the text
    toot = replace(news, title="", text="Shipped it")
    assert linted_text(toot) == "\n\nShipped it"
