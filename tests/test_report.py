"""The pre-screen report: built from a real store, one profile only, escaped, charted, printable."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from browser import INSTALL_HINT, Chromium, find_chromium

from selfwatch.digest import linted_text
from selfwatch.model import FeedSpec, FeedState, Finding, Identity, Level, Post, Profile, Verdict
from selfwatch.report import (
    Bar,
    Report,
    band,
    build_report,
    column_chart,
    render_report,
    report_from_store,
    row_chart,
    timeline,
)
from selfwatch.store import Status, Store

NOW = datetime(2026, 1, 5, 7, 30, tzinfo=UTC)
T0 = NOW - timedelta(hours=1)

MASTODON = FeedSpec(
    "https://hachyderm.io/@jane.rss", "mastodon", "jane", own=True, label="Mastodon"
)
REDDIT = FeedSpec(
    "https://www.reddit.com/search.rss?q=%22Jane+Doe%22", "reddit", "jane", label="Reddit"
)
HN = FeedSpec("https://hnrss.org/newest?q=%22Jane+Doe%22", "hn", "jane", label="Hacker News")
BLOG = FeedSpec("https://jane.example/feed.xml", "url", "jane", own=True, label="Blog")
SAM_FEED = FeedSpec("https://sam.example/feed.xml", "url", "sam", own=True, label="Sam's blog")

JANE = Profile(
    key="jane",
    name="Jane Doe",
    employers=("Acme Analytics",),
    feeds=(MASTODON, REDDIT, HN, BLOG),
    timezone="Europe/Berlin",
)
SAM = Profile(key="sam", name="Sam Roe", feeds=(SAM_FEED,))

ME = Identity("me", "subject", "full name 'Jane Doe' with context term 'Acme Analytics'")
OWN = Identity("me", "author", "posted from your Mastodon account")
MAYBE = Identity("maybe", "subject", "full name 'Jane Doe' but no context term")
NOT_ME = Identity("not_me", "subject", "'Jane Doe' the country singer (exclude term 'Nashville')")
SAM_ME = Identity("me", "author", "posted on your blog")
NONE = Verdict(0, False, ())


def neutral(post: Post) -> float:
    """Return a neutral tone, so tests do not load VADER."""
    return 0.0


def post(post_id: str, title: str, text: str, when: datetime, **kw: str) -> Post:
    url = kw.pop("url", f"https://social.example/{post_id}")
    return Post(post_id, url, title, text, kw.pop("author", "someone"), when, **kw)


def finding(p: Post, word: str, rule: str, level: Level, message: str = "") -> Finding:
    """Return a finding on the first ``word`` in ``p``'s linted text, category from the rule id."""
    text = linted_text(p)
    start = text.index(word)
    category = rule.split(".")[0]
    message = message or f"{category} matters to employers"
    return Finding(
        rule,
        category,
        level,
        start,
        start + len(word),
        1,
        start + 1,
        word,
        message,
        "Rephrase it.",
        why=f"term '{word}'",
    )


def verdict(score: int, *findings: Finding) -> Verdict:
    return Verdict(score, score >= 40, findings)


RANT = post(
    "m1",
    "",
    "Another Monday at Acme Analytics. My manager is a clown and this job "
    "sucks. At least my new pipeline cut our costs by 40%.",
    datetime(2026, 1, 4, 21, 0, tzinfo=UTC),
)
DOXX = post(
    "r1",
    "Anyone know Jane Doe from Acme Analytics?",
    "Her number is +49 170 1234567.",
    datetime(2025, 11, 3, 15, 0, tzinfo=UTC),
)
RANT2 = post(
    "m2",
    "",
    "Election day. Damn, the senator is wrong again, says Jane Doe.",
    datetime(2025, 11, 20, 9, 0, tzinfo=UTC),
)
TALK = post(
    "h1",
    "Jane Doe: Streaming joins without tears (talk)",
    "A well-researched talk. Jane Doe explains watermarks better than anyone.",
    datetime(2025, 12, 2, 10, 0, tzinfo=UTC),
)
PLAIN = post(
    "b1", "Acme Analytics hires Jane Doe", "Welcome aboard.", datetime(2025, 12, 10, tzinfo=UTC)
)
SINGER = post(
    "s1",
    "Jane Doe tour dates in Nashville",
    "Damn good country music.",
    datetime(2025, 12, 12, tzinfo=UTC),
)
MARKED = post(
    "x1",
    "Jane Doe wins the softball league",
    "What a crap umpire.",
    datetime(2025, 12, 14, tzinfo=UTC),
)
SHARED = post(
    "c1",
    "Meetup recap: Jane Doe and Sam Roe",
    "Great talks by Jane Doe and Sam Roe.",
    datetime(2025, 12, 20, tzinfo=UTC),
)
TWEET = post(
    "t1",
    "",
    "Shipped the 2.0 release of our stream processor today.",
    datetime(2025, 12, 24, tzinfo=UTC),
    url="https://x.com/janedoe/status/1",
)
SAM_RANT = post(
    "q1",
    "Sam Roe quits Initech in a huff",
    "Initech is a dump run by fools.",
    datetime(2025, 12, 1, tzinfo=UTC),
)
SAM_WIN = post(
    "q2", "Sam Roe wins the chili cookoff", "Best chili in Ohio.", datetime(2025, 12, 5, tzinfo=UTC)
)

JANE_POSTS = [
    (
        RANT,
        MASTODON,
        OWN,
        verdict(
            78,
            finding(RANT, "clown", "employer.badmouthing", Level.ERROR),
            finding(RANT, "sucks", "profanity.mild", Level.WARNING),
            finding(RANT, "cut our costs by 40%", "achievement.metric", Level.INFO),
        ),
    ),
    (
        DOXX,
        REDDIT,
        ME,
        verdict(65, finding(DOXX, "+49 170 1234567", "personal_data.phone", Level.ERROR)),
    ),
    (
        RANT2,
        MASTODON,
        MAYBE,
        verdict(
            45,
            finding(RANT2, "senator", "politics.partisan", Level.WARNING),
            finding(RANT2, "Damn", "profanity.mild", Level.WARNING),
        ),
    ),
    (
        TALK,
        HN,
        ME,
        verdict(
            0,
            finding(TALK, "well-researched", "expertise.depth", Level.INFO),
            finding(TALK, "better than anyone", "praise.superlative", Level.INFO),
        ),
    ),
    (PLAIN, BLOG, ME, NONE),
    (SINGER, HN, NOT_ME, verdict(50, finding(SINGER, "Damn", "profanity.mild", Level.WARNING))),
    (MARKED, REDDIT, ME, verdict(50, finding(MARKED, "crap", "profanity.mild", Level.WARNING))),
    (SHARED, HN, ME, verdict(0, finding(SHARED, "Great talks", "praise.superlative", Level.INFO))),
]
ARCHIVE = FeedSpec("archive:twitter", "url", "jane")  # as `selfwatch audit` records an export
JANE_POSTS.append(
    (TWEET, ARCHIVE, OWN, verdict(0, finding(TWEET, "Shipped", "achievement.launch", Level.INFO)))
)
SAM_POSTS = [
    (
        SAM_RANT,
        SAM_FEED,
        SAM_ME,
        verdict(70, finding(SAM_RANT, "fools", "employer.badmouthing", Level.ERROR)),
    ),
    (
        SAM_WIN,
        SAM_FEED,
        SAM_ME,
        verdict(0, finding(SAM_WIN, "Best chili", "achievement.award", Level.INFO)),
    ),
    (SHARED, SAM_FEED, SAM_ME, NONE),
]
SAM_ONLY = (
    "Sam Roe quits Initech",
    "Initech",
    "chili",
    "sam.example",
    "Sam&#39;s blog",
    "Sam's blog",
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """Return a real store holding Jane's and Sam's posts and feeds."""
    with Store.open(tmp_path / "s.db") as s:
        for profile, rows in (("jane", JANE_POSTS), ("sam", SAM_POSTS)):
            for p, feed, identity, v in rows:
                s.record_post(profile, p, feed.url, identity, v, T0)
        ok = FeedState(url="", last_success=T0)
        s.save_feed_state("jane", MASTODON, replace(ok, url=MASTODON.url))
        s.save_feed_state("jane", HN, replace(ok, url=HN.url))
        s.save_feed_state(
            "jane", BLOG, FeedState(BLOG.url, disabled="410 Gone", last_error="HTTP 410")
        )
        s.save_feed_state(
            "jane",
            REDDIT,
            FeedState(REDDIT.url, failures=2, last_error="HTTP 503", last_error_at=T0),
        )
        s.save_feed_state("sam", SAM_FEED, FeedState(SAM_FEED.url, last_success=T0))
        s.add_feedback("jane", MARKED.id, "notme", T0)
        yield s


def jane_report(store: Store, **statuses: Status) -> Report:
    """Return Jane's report after setting the triage status of posts by id (``m2="acked"``)."""
    for post_id, status in statuses.items():
        store.set_status("jane", post_id, status)
    return report_from_store(store, JANE, now=NOW, archives=("old-blog.zip",), sentiment=neutral)


# --- isolation ---------------------------------------------------------------------------------


def test_a_report_never_shows_another_profiles_posts_or_feeds(store: Store) -> None:
    html = render_report(jane_report(store))
    for text in SAM_ONLY:
        assert text not in html
    assert "Meetup recap" in html  # found for both: Jane's copy, via Jane's feed only
    assert "found via Hacker News</p>" in html
    sam = render_report(report_from_store(store, SAM, now=NOW, sentiment=neutral))
    for p, *_ in JANE_POSTS:
        if p is not SHARED:
            assert p.text[:30] not in sam
    assert "hachyderm" not in sam and "Reddit" not in sam


def test_build_report_refuses_rows_of_another_profile(store: Store) -> None:
    posts = store.posts("jane") + store.posts("sam")
    with pytest.raises(ValueError, match=r"other profiles.*sam"):
        build_report(JANE, posts, [], [], (), now=NOW, sentiment=neutral)


# --- contents and counts -------------------------------------------------------------------------


def test_sections_and_counts(store: Store) -> None:
    report = jane_report(store)
    assert [i.post.id for i in report.flagged] == ["m1", "r1", "m2"]
    assert [i.post.id for i in report.good_news] == ["h1", "t1", "c1"]
    assert [i.post.id for i in report.not_me] == ["x1"]
    assert report.identity == (Bar("me", 6), Bar("maybe", 1), Bar("not_me", 2))
    assert (report.counted, report.ignored, report.set_aside) == (7, 0, 1)
    assert report.by_category == (
        Bar("profanity", 2),
        Bar("politics", 1),  # ties in the order of model.CATEGORIES
        Bar("employer", 1),
        Bar("personal_data", 1),
    )
    assert report.good_by_category == (Bar("achievement", 2), Bar("praise", 2), Bar("expertise", 1))
    assert report.by_month == (Bar("2025-11", 2), Bar("2025-12", 0), Bar("2026-01", 1))
    assert (report.score.value, report.score.band, report.score.mean) == (78, "high", 63)
    assert {f.label: f.status for f in report.feeds} == {
        "Mastodon": "ok",
        "Hacker News": "ok",
        "Blog": "disabled",
        "Reddit": "failing",
    }
    assert report.flagged[1].sources == ("Reddit",)
    assert report.archives == ("old-blog.zip", "X/Twitter archive: 1 post")
    assert report.good_news[1].sources == ("X/Twitter archive",)

    html = render_report(report)
    ids = re.findall(r'<section id="([^"]+)">', html)
    assert ids == ["summary", "charts", "flagged", "good-news", "not-me", "coverage"]
    for heading in ("Summary", "Flagged posts (3)", "Good news (3)", "Feeds and archives covered"):
        assert f"<h2>{heading}</h2>" in html
    assert "Marked &ldquo;not me&rdquo; (1)" in html
    assert "Another 1 post was judged not about you" in html
    assert "you 6, possibly you 1, not you 2" in html
    assert "old-blog.zip" in html and "410 Gone" in html and "HTTP 503" in html


def test_findings_show_highlighted_words_rule_level_why_and_action(store: Store) -> None:
    html = render_report(jane_report(store))
    assert 'manager is a <mark class="error">clown</mark> and' in html
    assert '<mark class="good">cut our costs by 40%</mark>' in html
    assert "rule employer.badmouthing" in html and '<span class="badge error">error</span>' in html
    assert "How it was found:</strong> term &#39;clown&#39;" in html
    assert html.count('<p class="action">') == 6  # 3 flagged + 3 good news; none for "not me"
    assert "Risk score 78/100" in html


def test_ignored_posts_are_left_out_but_counted_and_acked_ones_shown_as_handled(
    store: Store,
) -> None:
    report = jane_report(store, r1="ignored", m2="acked")
    assert [i.post.id for i in report.flagged] == ["m1", "m2"]  # ignored gone, handled last
    assert (report.ignored, report.handled, report.counted) == (1, 1, 6)
    you = {b.label: b.value for b in report.identity}
    assert you["me"] + you["maybe"] == report.counted  # the two counts agree
    assert report.by_month == (Bar("2025-11", 1), Bar("2025-12", 0), Bar("2026-01", 1))
    assert "personal_data" not in {b.label for b in report.by_category}
    html = render_report(report)
    assert '<article class="item handled">' in html and "Risk score 45/100 <span" in html
    assert "1 post you set to ignore is left out" in html
    assert "+49 170" not in html


def test_score_bands_and_an_empty_report() -> None:
    assert [band(s) for s in (0, 39, 40, 69, 70, 100)] == [
        "low",
        "low",
        "moderate",
        "moderate",
        "high",
        "high",
    ]
    report = build_report(JANE, [], [], [], (), now=NOW)
    assert (report.score.value, report.score.band, report.score.mean) == (0, "low", None)
    html = render_report(report)
    assert "Nothing flagged, so there is nothing to chart." in html
    assert "<svg" not in html and "No feeds have been read" in html


def test_timeline_fills_quiet_months_up_to_now_and_counts_by_year_past_three_years() -> None:
    may = datetime(2025, 5, 9, tzinfo=UTC)
    bars = timeline([may, may, datetime(2025, 8, 1, tzinfo=UTC)], NOW)
    assert [b.label for b in bars][:2] == ["2025-05", "2025-06"] and bars[-1].label == "2026-01"
    assert [b.value for b in bars] == [2, 0, 0, 1, 0, 0, 0, 0, 0]
    old = timeline([datetime(2019, 3, 1, tzinfo=UTC), may], NOW)
    assert [b.label for b in old] == [str(y) for y in range(2019, 2027)]
    assert [b.value for b in old] == [1, 0, 0, 0, 0, 0, 1, 0]


# --- charts --------------------------------------------------------------------------------------

RECT = re.compile(
    r'<rect class="bar" data-value="(\d+)" x="[\d.]+" y="[\d.]+" '
    r'width="([\d.]+)" height="([\d.]+)"'
)


def test_bars_are_proportional_to_their_counts() -> None:
    bars = [Bar("2025-11", 4), Bar("2025-12", 0), Bar("2026-01", 1), Bar("2026-02", 2)]
    columns = [(int(v), float(h)) for v, _, h in RECT.findall(column_chart(bars, "t"))]
    assert [v for v, _ in columns] == [4, 0, 1, 2]
    assert [h for _, h in columns] == pytest.approx([140, 0, 35, 70])
    rows = [(int(v), float(w)) for v, w, _ in RECT.findall(row_chart(bars, "t"))]
    assert [w for _, w in rows] == pytest.approx([300, 0, 75, 150])


def test_report_charts_match_its_counts(store: Store) -> None:
    report = jane_report(store)
    html = render_report(report)
    months = html[html.index('id="chart-months"') : html.index('id="chart-categories"')]
    assert [(int(v), float(h)) for v, _, h in RECT.findall(months)] == [(2, 140), (0, 0), (1, 70)]
    categories = html[html.index('id="chart-categories"') : html.index('id="flagged"')]
    widths = {int(v): float(w) for v, w, _ in RECT.findall(categories)}
    assert widths == {2: 300, 1: 150}
    assert html.count('<svg class="chart"') == 3  # months, categories, good news
    ticks = re.findall(r'<text class="tick"[^>]*>([^<]+)</text>', months)
    assert ticks == ["Nov", "2025", "Dec", "Jan", "2026"]


# --- safety --------------------------------------------------------------------------------------

HOSTILE = post(
    "z1",
    "<script>alert('t')</script> Jane Doe </h3><h2>fake section</h2>",
    'Damn it. <img src=x onerror="alert(1)"> <a href="javascript:alert(2)">x</a>',
    datetime(2025, 12, 1, tzinfo=UTC),
    url="javascript:alert(3)",
    author='"><svg onload=alert(4)>',
)


def test_text_from_feeds_is_escaped_and_only_http_links_are_links(tmp_path: Path) -> None:
    v = verdict(55, finding(HOSTILE, "Damn", "profanity.mild", Level.WARNING))
    with Store.open(tmp_path / "s.db") as s:
        s.record_post("jane", HOSTILE, "javascript:alert(5)", ME, v, T0)
        html = render_report(report_from_store(s, JANE, now=NOW, sentiment=neutral))
    assert "<script" not in html and "<img" not in html and "<svg onload" not in html
    assert "<h2>fake section</h2>" not in html and "&lt;h2&gt;fake section" in html
    assert "&lt;script&gt;alert(&#39;t&#39;)" in html
    assert not re.search(r'href="\s*javascript:', html, re.IGNORECASE)
    assert "Link not made clickable (not http or https): <code>javascript:alert(3)</code>" in html
    assert '<mark class="warning">Damn</mark>' in html


def test_the_report_loads_nothing_from_anywhere(store: Store) -> None:
    html = render_report(jane_report(store))
    for banned in ("<link", "<script", "@import", "url(", "<img", "<iframe", "<object", "<embed"):
        assert banned not in html.lower()
    assert not re.search(r"\ssrc\s*=", html)
    assert "Content-Security-Policy\" content=\"default-src 'none'" in html
    # Every http(s) URL is a post link or shown as text, never something the page fetches.
    links = set(re.findall(r'href="(https?://[^"]+)"', html))
    assert links == {
        i.post.url
        for i in (
            *jane_report(store).flagged,
            *jane_report(store).good_news,
            *jane_report(store).not_me,
        )
    }


def test_a_user_template_overrides_the_packaged_one(store: Store, tmp_path: Path) -> None:
    (tmp_path / "report.html.j2").write_text("{{ report.profile_name }}: {{ report.score.band }}")
    assert render_report(jane_report(store), tmp_path) == "Jane Doe: high"


# --- in a real browser ---------------------------------------------------------------------------


class _Outline(HTMLParser):
    """Collect section ids, h2 texts, chart SVGs and bars from a DOM."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.headings: list[str] = []
        self.charts = 0
        self.bars = 0
        self._in_h2 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if tag == "section":
            self.sections.append(attr.get("id") or "")
        elif tag == "h2":
            self._in_h2 = True
            self.headings.append("")
        elif tag == "svg" and attr.get("class") == "chart":
            self.charts += 1
        elif tag == "rect" and attr.get("class") == "bar":
            self.bars += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2":
            self._in_h2 = False

    def handle_data(self, data: str) -> None:
        if self._in_h2:
            self.headings[-1] += data


@pytest.fixture
def chromium(tmp_path: Path) -> Chromium:
    executable = find_chromium()
    if executable is None:
        pytest.skip(INSTALL_HINT)
    return Chromium(executable, tmp_path / "browser", timeout=30)


def test_the_report_renders_screenshots_and_prints_in_chromium(
    store: Store, chromium: Chromium, tmp_path: Path
) -> None:
    report = jane_report(store)
    page = tmp_path / "report.html"
    page.write_text(render_report(report), encoding="utf-8")

    shot = chromium.capture(page, tmp_path / "report.png", tmp_path / "report.pdf", (1000, 1600))

    outline = _Outline()
    outline.feed(shot.dom)
    assert outline.sections == ["summary", "charts", "flagged", "good-news", "not-me", "coverage"]
    assert outline.headings[:3] == ["Summary", "Flagged posts at a glance", "Flagged posts (3)"]
    assert outline.charts == 3
    bars = len(report.by_month) + len(report.by_category) + len(report.good_by_category)
    assert outline.bars == bars

    assert shot.png.startswith(b"\x89PNG\r\n\x1a\n")
    assert (int.from_bytes(shot.png[16:20]), int.from_bytes(shot.png[20:24])) == (1000, 1600)
    assert len(shot.png) > 30_000  # a blank page compresses to a few kilobytes
    assert shot.pdf.startswith(b"%PDF-") and len(shot.pdf) > 10_000


@pytest.mark.parametrize("bars", [4, 20, 36, 60])
def test_a_long_timeline_fits_the_page_so_its_labels_are_never_scaled_down(bars: int) -> None:
    from itertools import pairwise

    from selfwatch.report import CHART_WIDTH, LABEL_ROOM

    labels = [str(2000 + n) for n in range(bars)]
    svg = str(column_chart([Bar(label, n % 3) for n, label in enumerate(labels)], "t"))
    width = float(re.search(r'<svg[^>]* width="([0-9.]+)"', svg).group(1))
    assert width <= CHART_WIDTH  # the browser scales an SVG wider than its box: 11 px -> 6 px
    ticks = [float(x) for x in re.findall(r'<text class="tick" x="([0-9.]+)"', svg)]
    assert ticks and min((b - a for a, b in pairwise(ticks)), default=99) >= LABEL_ROOM - 1
    css = render_report(build_report(Profile(key="j", name="J"), [], [], [], [], now=NOW))
    assert "#chart-months { flex-basis: 100%; }" in css  # a row of its own, not half of one
