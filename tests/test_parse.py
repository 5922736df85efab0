"""parse.py: real-looking feeds in, clean Posts out; hostile or broken bytes handled."""

from __future__ import annotations

import contextlib
import time
import tracemalloc
from datetime import UTC, datetime

import pytest
from feedserver import fixture

from selfwatch import parse
from selfwatch.errors import FetchError
from selfwatch.fastfeed import read_entries
from selfwatch.parse import canonical_url, html_to_text, parse_feed, post_id, read_feed

FEED = "https://feeds.example/feed.xml"


def test_google_news_unwraps_old_article_ids_and_keeps_opaque_ones() -> None:
    posts = parse_feed(fixture("google_news.xml"), FEED)
    assert len(posts) == 4
    first = posts[0]
    assert first.url == (
        "https://www.oregonlive.com/business/2026/03/acme-corp-opens-pearl-district-office.html"
    )
    assert first.title == (
        "Acme Corp opens Pearl District office, names Jane Doe engineering lead - OregonLive.com"
    )
    assert first.published == datetime(2026, 3, 9, 18, 30, tzinfo=UTC)
    assert first.guid.startswith("CBMi")
    # Newer ids carry no URL: the link stays on Google News, minus its "oc" tracking flag.
    assert posts[2].url.startswith("https://news.google.com/rss/articles/CBMiNkFVX3lxTE5k")
    assert "oc=" not in posts[2].url
    assert "&nbsp;" not in first.text and "<font" not in first.text


def test_google_alerts_links_are_unwrapped_and_tracking_dropped() -> None:
    posts = parse_feed(fixture("google_alerts.atom"), FEED)
    assert [p.url for p in posts] == [
        "https://www.portlandtechjournal.com/2026/03/acme-corp-jane-doe-platform?ref=feed",
        "https://osubeavers.com/news/2026/3/9/softball-doe-player-of-the-week.aspx",
    ]
    assert posts[0].title == "Acme Corp names Jane Doe to lead Portland platform team"
    assert posts[1].text.startswith(
        "Senior shortstop Jane Doe hit .520 with three home runs & nine"
    )
    assert posts[0].guid == "tag:google.com,2013:googlealerts/feed:14029384756102938475"


def test_bing_news_click_links_are_unwrapped() -> None:
    posts = parse_feed(fixture("bing_news.xml"), FEED)
    assert posts[0].url == (
        "https://www.bizjournals.com/portland/news/2026/03/09/acme-corp-portland-hub.html"
    )
    assert posts[1].title == 'Open-source maintainers on burnout: "We need to talk about it"'
    assert posts[1].text.endswith("matters more than hype.")


def test_reddit_search_keeps_opaque_ids_and_reddit_authors() -> None:
    posts = parse_feed(fixture("reddit_search.atom"), "https://www.reddit.com/search.rss?q=x")
    assert [p.guid for p in posts] == ["t3_1jb3k9x", "t3_1ja7q2m"]
    assert posts[0].author == "/u/pdx_throwaway_42"
    assert posts[0].text.startswith("Anyone else see the Acme Corp talk by Jane Doe")
    assert "I've heard" in posts[0].text
    assert posts[0].published == datetime(2026, 3, 8, 21, 14, 5, tzinfo=UTC)


def test_hnrss_stories_and_comments() -> None:
    stories = parse_feed(fixture("hnrss_newest.xml"), FEED)
    assert stories[0].url == "https://github.com/janedoe/tokio-cancel"
    assert stories[0].author == "janedoe_pdx"
    assert stories[0].title == "Show HN: Tokio-cancel – structured cancellation for async Rust"
    comments = parse_feed(fixture("hnrss_newcomments.xml"), FEED)
    assert comments[0].url == "https://news.ycombinator.com/item?id=43301777"
    assert "(I'm Jane Doe, I work on the platform team at Acme.)" in comments[0].text


def test_mastodon_posts_have_text_but_no_title() -> None:
    posts = parse_feed(fixture("mastodon.rss"), "https://hachyderm.io/@janedoe.rss")
    assert posts[0].title == ""
    assert posts[0].text == (
        "Big news: I'm leading the new platform team at Acme Corp's Portland office 🎉\n\n"
        "We're hiring Rust folks, DM me. #rustlang #pdx"
    )
    assert posts[0].url == "https://hachyderm.io/@janedoe/114137781512345678"


def test_youtube_text_comes_from_media_description() -> None:
    (video,) = parse_feed(fixture("youtube.atom"), FEED)
    assert video.url == "https://www.youtube.com/watch?v=Qx7pL2mN9aB"
    assert video.author == "Jane Doe Codes"
    assert video.text.startswith("Recording of my talk at the Portland Rust meetup.")
    assert video.guid == "yt:video:Qx7pL2mN9aB"


def test_github_activity() -> None:
    posts = parse_feed(fixture("github.atom"), "https://github.com/janedoe.atom")
    assert posts[0].title == "janedoe pushed to main in janedoe/tokio-cancel"
    assert "Fix drop-guard race when the runtime shuts down" in posts[0].text
    assert posts[1].author == "janedoe"


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("cp1252.xml", None),
        ("cp1252_noprolog.xml", "application/rss+xml; charset=windows-1252"),
    ],
)
def test_windows_1252_from_prolog_or_content_type(name: str, content_type: str | None) -> None:
    (post,) = parse_feed(fixture(name), FEED, content_type=content_type)
    assert post.title == "“Ship it” – Jane Doe on the €2M migration"
    assert post.text == "Jane Doe’s team moved the billing stack — without downtime."
    assert post.published == datetime(2026, 3, 4, 1, 0, tzinfo=UTC)  # -0800 made UTC


def test_iso_8859_1_and_the_usual_mislabel() -> None:
    (post,) = parse_feed(fixture("latin1.xml"), FEED)
    assert post.title == "Rencontre avec Jane Doe, ingénieure chez Acme Corp"
    assert "« française »" in post.text
    assert post.author == "Renée François"
    assert post.published == datetime(2026, 3, 7, 8, 30, tzinfo=UTC)
    (mislabelled,) = parse_feed(fixture("latin1_mislabelled.xml"), FEED)
    assert "l’équipe “plateforme”" in mislabelled.text


def test_utf16_feed() -> None:
    data = fixture("mastodon.rss").decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    posts = parse_feed(data.encode("utf-16"), FEED)
    assert "Acme Corp's Portland office 🎉" in posts[0].text


def test_unrecoverable_xml_is_a_fetch_error_naming_the_feed() -> None:
    with pytest.raises(FetchError, match=r"^https://feeds\.example/feed\.xml: not a readable"):
        parse_feed(fixture("malformed.xml"), FEED)
    with pytest.raises(FetchError, match="not a readable RSS or Atom feed"):
        parse_feed(fixture("not_a_feed.html"), FEED, content_type="text/html")
    with pytest.raises(FetchError, match="empty"):
        parse_feed(b"  \n", FEED)


def test_recoverable_xml_still_gives_posts() -> None:
    data = (
        b'<rss version="2.0"><channel><title>x</title><item><title>Jane & Acme</title>'
        b"<link>/posts/1</link></item></channel></rss>"
    )
    (post,) = parse_feed(data, "https://janedoe.dev/feed.xml")
    assert post.url == "https://janedoe.dev/posts/1"  # relative links resolve against the feed
    assert post.title == "Jane & Acme"


def test_an_empty_valid_feed_is_no_posts() -> None:
    assert parse_feed(b'<rss version="2.0"><channel><title>x</title></channel></rss>', FEED) == ()


def _measure(data: bytes) -> tuple[float, int]:
    tracemalloc.start()
    started = time.perf_counter()
    with contextlib.suppress(FetchError):
        parse_feed(data, FEED)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return elapsed, peak


def test_billion_laughs_is_not_expanded() -> None:
    elapsed, peak = _measure(fixture("billion_laughs.xml"))
    assert elapsed < 1.0
    assert peak < 5_000_000
    # Nothing is expanded, and the item, whose only text was the entity, is not a post.
    parsed = read_feed(fixture("billion_laughs.xml"), FEED)
    assert parsed.posts == () and parsed.skipped == 1


def test_items_leaning_on_undefined_entities_are_skipped_and_counted() -> None:
    data = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<rss version="2.0"><channel><title>t</title>'
        b"<item><title>Jordan Avery &x;</title><link>https://e.example/1</link>"
        b"<description>&x;</description></item>"
        b"<item><title>&a9;</title><link>https://e.example/2</link></item>"
        b"<item><title>Fish &amp; chips with Jordan Avery</title>"
        b"<link>https://e.example/3</link></item>"
        b"</channel></rss>"
    )
    parsed = read_feed(data, FEED)
    assert [p.title for p in parsed.posts] == ["Fish & chips with Jordan Avery"]
    assert parsed.skipped == 2


def test_quadratic_blowup_is_not_expanded() -> None:
    # feedparser keeps "safe" entities like this one and its fallback parser expands them
    # without limit: 2,000 references to 100 kB would be 200 MB of title.
    entity = "A" * 100_000
    data = (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY a "' + entity + '">\n]>\n'
        '<rss version="2.0"><channel><title>t</title><item><title>'
        + "&a;" * 2000
        + "</title><link>https://evil.example/1</link></item></channel></rss>"
    ).encode()
    elapsed, peak = _measure(data)
    assert elapsed < 1.0
    assert peak < 20_000_000
    for encoded in (
        data,
        data.decode().replace("<?xml", "<?xml encoding='utf-16'").encode("utf-16"),
    ):
        parsed = read_feed(encoded, FEED)
        assert parsed.posts == () and parsed.skipped == 1


def test_a_doctype_without_entities_is_harmless() -> None:
    data = (
        b'<?xml version="1.0"?>\n<!DOCTYPE rss PUBLIC '
        b'"-//Netscape Communications//DTD RSS 0.91//EN"\n'
        b'  "http://my.netscape.com/publish/formats/rss-0.91.dtd">\n<rss version="0.91"><channel>'
        b"<title>x</title><item><title>Hi</title><link>https://a.example/1</link></item>"
        b"</channel></rss>"
    )
    assert [p.title for p in parse_feed(data, FEED)] == ["Hi"]


def test_ids_are_stable_and_follow_the_canonical_url() -> None:
    a = parse_feed(fixture("google_alerts.atom"), FEED)
    b = parse_feed(fixture("google_alerts.atom"), "https://elsewhere.example/feed")
    assert [p.id for p in a] == [p.id for p in b]
    assert a[0].id == post_id(a[0].url)
    assert len(a[0].id) == 16
    tracked = canonical_url(
        "https://WWW.PortlandTechJournal.com:443/2026/03/acme-corp-jane-doe-platform"
        "?utm_source=twitter&ref=feed#comments"
    )
    assert post_id(tracked) == a[0].id


def test_entries_without_links_get_ids_from_their_guid_and_feed() -> None:
    data = (
        b'<rss version="2.0"><channel><title>x</title>'
        b"<item><guid isPermaLink='false'>42</guid><description>First</description></item>"
        b"<item><guid isPermaLink='false'>43</guid><description>Second</description></item>"
        b"</channel></rss>"
    )
    one = parse_feed(data, "https://a.example/feed")
    two = parse_feed(data, "https://b.example/feed")
    assert [p.url for p in one] == ["", ""]
    assert len({p.id for p in one}) == 2
    assert one[0].id == parse_feed(data, "https://a.example/feed")[0].id
    assert one[0].id != two[0].id  # "42" only means something within its own feed


def test_the_same_link_twice_is_one_post() -> None:
    data = (
        b'<rss version="2.0"><channel><title>x</title>'
        b"<item><title>A</title><link>https://a.example/1?utm_source=rss</link></item>"
        b"<item><title>A again</title><link>https://a.example/1</link></item>"
        b"</channel></rss>"
    )
    assert [p.title for p in parse_feed(data, FEED)] == ["A"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://Example.COM/Path?b=2&utm_medium=x&a=1#frag", "https://example.com/Path?b=2&a=1"),
        ("http://example.com:80", "http://example.com/"),
        ("https://example.com:8443/x", "https://example.com:8443/x"),
        ("https://www.google.com/url?q=https://a.example/x&sa=U", "https://a.example/x"),
        ("https://www.google.com/search?url=https://a.example/x", "https://www.google.com/search?url=https%3A%2F%2Fa.example%2Fx"),
        ("https://a.example/?fbclid=abc&id=3", "https://a.example/?id=3"),
        ("mailto:jane@example.com", "mailto:jane@example.com"),
        ("http://[::1]:8080/feed?utm_source=x", "http://[::1]:8080/feed"),
        ("http://example.com:port/x", "http://example.com:port/x"),
        ("https://example.com", "https://example.com/"),
        ("  https://a-b.example/x/y.html\n", "https://a-b.example/x/y.html"),
        ("https://example.com./x", "https://example.com/x"),
        ("https://Example.com/x", "https://example.com/x"),
        ("https://example.com/a b", "https://example.com/a b"),
    ],
)  # fmt: skip
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>Hi&nbsp;<b>world</b> &amp; co</p><p>next<br>line</p>", "Hi world & co\n\nnext\nline"),
        ("<script>alert(1)</script><style>p{}</style>kept", "kept"),
        ("plain &lt;tag&gt; text", "plain <tag> text"),
        ("AT&T rocks", "AT&T rocks"),
        ("  lots   of\tspace  ", "lots of space"),
        ("<ul><li>one</li><li>two</li></ul>", "one\ntwo"),
        ("<div>\n <p>1</p>\n <ul>\n  <li>2</li>\n  <li>3</li>\n </ul>\n</div>", "1\n\n2\n3"),
        ("&#8220;quoted&#8221; &eacute;", "“quoted” é"),
        ("", ""),
    ],
)  # fmt: skip
def test_html_to_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


def _by_htmlparser(html: str) -> str:
    extractor = parse._TextExtractor()
    extractor.feed(html)
    extractor.close()
    return parse._tidy(extractor.text())


_PIECES = (
    "<p>", "</p>", "<P CLASS='x'>", "<br>", "<br/>", "<BR />", "<li>", "</li>", "<div>",
    "</div >", "<a href=\"https://e.example/?a=1&amp;b=2\">", "</a>", "<a href=x/>",
    '<img src="a.png" alt="a > b"/>', "<td>", "</td>", "<tr>", "<font color=#333>", "</font>",
    "<script>x<y</script>", "<style>p{}</style>", "<title>t</title>", "<!-- c -->", "<!doctype>",
    "<?pi?>", "< b>", "</ a>", "<", ">", "a<b", "&amp;", "&lt;p&gt;", "&#8220;", "&eacute;",
    "&nbsp;", "&x", "AT&T", "&", "Jane Doe", "  ", "\n", "\t", "text. ", "<b>", "</b>", "<h2>",
    "</h2>", "<ul>", "</ul>", "<x:y z='1'>", "<a b=c d>", "<a b = 'c'\n e=\"f\">", "<p/>",
    "<!-- SC_OFF -->", "<!---->", "<!-- a-b -->", "<!-->", "<!--x--!>", "-->", "--",
)  # fmt: skip


def test_plain_html_is_read_as_htmlparser_reads_it() -> None:
    import random

    pick = random.Random(12).choice
    fragments = ["".join(pick(_PIECES) for _ in range(n % 12 + 1)) for n in range(4000)]
    read_fast = 0
    for html in fragments:
        extractor = parse._TextExtractor()
        if parse._read_simple(html, extractor):
            read_fast += 1
            assert parse._tidy(extractor.text()) == _by_htmlparser(html), html
    assert read_fast > 500  # many fragments took the quick way, and gave the same text
    for name in ("google_news.xml", "reddit_search.atom", "mastodon.rss", "github.atom"):
        entries = read_entries(fixture(name), None) or []
        markup = [e["summary"] for e in entries if "<" in e["summary"]]
        # The feeds' markup is plain: read without HTMLParser.
        assert markup and all(parse._read_simple(m, parse._TextExtractor()) for m in markup)
    assert not parse._read_simple("<!-- a-b --><p>a</p>", parse._TextExtractor())
    assert not parse._read_simple("<script>1 < 2</script>", parse._TextExtractor())
