"""fastfeed gives the posts feedparser gives: on every fixture and on generated variants."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from feedserver import FIXTURES

from selfwatch.errors import FetchError
from selfwatch.fastfeed import read_entries
from selfwatch.parse import ParsedFeed, read_feed

# feedparser warns about its own updated/published aliases when the reference path reads them.
pytestmark = pytest.mark.filterwarnings("ignore:To avoid breaking existing software")

URL = "https://feeds.example/feed.xml"
CONTENT_TYPES = (
    None,
    "application/rss+xml; charset=utf-8",
    "application/atom+xml",
    "text/xml",
    "text/xml; charset=UTF-8",
    "application/xml; charset=iso-8859-1",
)


def both(data: bytes, content_type: str | None) -> tuple[object, object]:
    """Return what read_feed gives with the fast reader and with feedparser alone."""
    results: list[object] = []
    for fast in (True, False):
        try:
            parsed: object = read_feed(data, URL, content_type=content_type, fast=fast)
        except FetchError as exc:
            parsed = ("error", str(exc))
        results.append(parsed)
    return results[0], results[1]


@pytest.mark.parametrize("path", sorted(FIXTURES.iterdir()), ids=lambda p: p.name)
def test_every_fixture_reads_the_same(path: Path) -> None:
    data = path.read_bytes()
    for content_type in CONTENT_TYPES:
        fast, reference = both(data, content_type)
        assert fast == reference, content_type


def test_the_plain_feeds_are_read_fast() -> None:
    plain = ("google_news.xml", "bing_news.xml", "reddit_search.atom", "hnrss_newest.xml",
             "mastodon.rss", "google_alerts.atom", "youtube.atom", "github.atom")  # fmt: skip
    for name in plain:
        assert read_entries((FIXTURES / name).read_bytes(), None) is not None, name
    for name in ("billion_laughs.xml", "latin1.xml", "malformed.xml", "not_a_feed.html"):
        assert read_entries((FIXTURES / name).read_bytes(), None) is None, name


# --- generated variants ----------------------------------------------------------------------

NS = (
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
    'xmlns:media="http://search.yahoo.com/mrss/" xmlns:x="https://unknown.example/ns"'
)
TEXTS = (
    "Jane Doe joins Acme",
    "Tom &amp; Jerry &amp;amp; friends",
    "A <b>bold</b> claim",
    "<![CDATA[Jane <i>Doe</i> &amp; co]]>",
    "Caf\u00c3\u00a9 Jane",  # UTF-8 read as Latin-1, written out again
    "dash &#150; and &#8217;quote&#8217;",
    "  spaced   out\n text  ",
    "",
    "&lt;p&gt;escaped html&lt;/p&gt;",
    "x &lt; y &amp;&amp; y &gt; z",
    "Jane Doe\u2019s caf\u00e9 \u20ac5",
    "&#x26;nbsp; and &amp;nbsp; entities",
)
RFC822 = (
    "Tue, 10 Mar 2026 14:00:00 GMT",
    "10 Mar 2026 14:00:00 +0000",
    "Tue, 03 Mar 2026 17:00:00 -0800",
    "Tue, 10 Mar 2026 14:00:00 UT",
    "Tue, 10 Mar 2026 14:00 GMT",
    "Tue, 10 Mar 2026 14:00:00 EST",
    "Tue, 10 Mar 26 14:00:00 GMT",
    "Mon, 30 Feb 2026 10:00:00 GMT",
    "2026-03-10T14:00:00Z",
    "not a date",
    "",
)
W3C = (
    "2026-03-10T14:00:00Z",
    "2026-03-10T14:00:00+02:00",
    "2026-03-10T14:00:00.123456-05:30",
    "2026-03-10T14:00:00.5Z",
    "2026-03-10",
    "2026-03-10T14:00Z",
    "2026-02-30T10:00:00Z",
    "Tue, 10 Mar 2026 14:00:00 GMT",
    "",
)
AUTHORS = (
    "<author><name>Jane Doe</name><uri>https://jane.example</uri></author>",
    "<author><name> Caf\u00c3\u00a9 </name><email>j@x.io</email></author>",
    "<author><email>j@x.io</email></author>",
    "<author><name></name></author>",
)
RSS_AUTHORS = ("jane@example.com (Jane Doe)", "Jane Doe", "Doe &lt;j@x.io&gt;", "")
CREATORS = ("Jane Doe", "Caf\u00c3\u00a9", "a@b.org")
LINKS = (
    "https://news.example/a?x=1&amp;y=2",
    "https://news.example/b?x=1&amp;amp;y=2",
    "http:///news.example/c",
    "/relative/path",
    "https://news.example/d#frag",
    "",
)


def _rss_child(rng: random.Random) -> str:
    text, link = rng.choice(TEXTS), rng.choice(LINKS)
    text = text if "CDATA" in text or "<" not in text or rng.random() < 0.1 else "plain"
    kind = rng.choice(("", ' type="html"', ' type="text"', ' type="xhtml"', ' mode="base64"'))
    if rng.random() < 0.1:  # now and then something only feedparser reads
        return rng.choice((
            f"<title{kind}>{text}</title>",
            f"<description{kind}>{text}</description>",
            "<x:nested><title>inner title</title></x:nested>",
            f"<title>{text}<b>nested</b></title>",
            "<lastBuildDate>Tue, 10 Mar 2026 14:00:00 GMT</lastBuildDate>",
            f"<pubDate>{rng.choice(RFC822)}</pubDate>",
        ))  # fmt: skip
    return rng.choice((
        f"<title>{text}</title>",
        f"<link>{link}</link>",
        f"<description>{text}</description>",
        f"<content:encoded>{text}</content:encoded>",
        f"<guid>{link or 'tag:x,2026:1'}</guid>",
        f'<guid isPermaLink="false">{link or "t3_abc"}</guid>',
        f'<guid isPermaLink="{rng.choice(("true", "True", "no"))}">{link}</guid>',
        f"<pubDate>{rng.choice(RFC822[:4])}</pubDate>",
        f"<dc:date>{rng.choice(W3C[:4])}</dc:date>",
        f"<author>{rng.choice(RSS_AUTHORS)}</author>",
        f"<dc:creator>{rng.choice(CREATORS)}</dc:creator>",
        "<category>news</category>",
        "<comments>https://news.example/c</comments>",
        '<source url="https://src.example/">Source &amp; Co</source>',
        f"<x:extra>{text}</x:extra>",
        f"<media:title>{text}</media:title>",
        f"<media:description>{text}</media:description>",
        f'<media:content url="https://m.example/a.png"><media:description type="plain">'
        f"{text}</media:description></media:content>",
        f"<media:group><media:title>{text}</media:title><media:description>{text}"
        "</media:description><media:thumbnail url='https://m.example/t.png'/></media:group>",
        '<media:thumbnail url="https://m.example/t.png"/>',
        "<enclosure url='https://m.example/a.mp3' type='audio/mpeg' length='1'/>",
    ))  # fmt: skip


def _atom_child(rng: random.Random) -> str:
    text, link = rng.choice(TEXTS), rng.choice(LINKS)
    kind = rng.choice(("", ' type="html"', ' type="text"', ' type="text/html"', ' type="TEXT"'))
    rel = rng.choice(("", ' rel="alternate"', ' rel="self"', ' rel="related"', ' rel="ALTERNATE"'))
    ltype = rng.choice(("", ' type="text/html"', ' type="application/xhtml+xml"', ' type="html"',
                        ' type="application/atom+xml"', ' type="TEXT/HTML"'))  # fmt: skip
    safe = text if "CDATA" in text or "<" not in text else "plain"
    if rng.random() < 0.1:  # now and then something only feedparser reads
        return rng.choice((
            f'<content src="{link}"/>',
            f"<published>{rng.choice(W3C)}</published>",
            "<rights>(c) Jane</rights>",
            f"<div xmlns='http://www.w3.org/1999/xhtml'>{safe}</div>",
            f'<summary type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">{safe}</div></summary>',
        ))  # fmt: skip
    return rng.choice((
        f"<title{kind}>{safe}</title>",
        f"<summary{kind}>{safe}</summary>",
        f"<content{kind}>{safe}</content>",
        f'<link{rel}{ltype} href="{link}"/>',
        f'<link{rel} url="{link}" href="https://other.example/"/>',
        f"<id>{link or 'tag:x,2026:2'}</id>",
        f"<published>{rng.choice(W3C[:4])}</published>",
        f"<updated>{rng.choice(W3C[:4])}</updated>",
        rng.choice(AUTHORS),
        '<category term="news" label="News"/>',
        f"<x:extra>{safe}</x:extra>",
        f"<media:group><media:title>{safe}</media:title>"
        f"<media:description>{safe}</media:description>"
        "<media:community><media:starRating count='3'/></media:community></media:group>",
        '<media:thumbnail url="https://m.example/t.png" width="1"/>',
    ))  # fmt: skip


def _rss_feed(rng: random.Random) -> bytes:
    items = "".join(
        "<item>" + "".join(_rss_child(rng) for _ in range(rng.randint(1, 7))) + "</item>"
        for _ in range(rng.randint(1, 3))
    )
    prolog = rng.choice(('<?xml version="1.0" encoding="UTF-8"?>', "", "<?xml version='1.0'?>"))
    return (
        f'{prolog}<rss version="2.0" {NS}><channel><title>t</title><link>https://x.example/'
        f"</link>{items}</channel></rss>"
    ).encode()


def _atom_feed(rng: random.Random) -> bytes:
    entries = "".join(
        "<entry>" + "".join(_atom_child(rng) for _ in range(rng.randint(1, 7))) + "</entry>"
        for _ in range(rng.randint(1, 3))
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:media="http://search.yahoo.com/mrss/" xmlns:x="https://unknown.example/ns">'
        f"<title>t</title><id>urn:feed</id>{entries}</feed>"
    ).encode()


@pytest.mark.parametrize("shape", ["rss", "atom"])
def test_generated_feeds_read_the_same(shape: str) -> None:
    rng = random.Random(f"fastfeed-{shape}")
    fast_read = 0
    for n in range(600):
        data = _rss_feed(rng) if shape == "rss" else _atom_feed(rng)
        content_type = rng.choice(CONTENT_TYPES[:3] if rng.random() < 0.8 else CONTENT_TYPES)
        fast, reference = both(data, content_type)
        assert fast == reference, f"case {n}: {data.decode()!r} as {content_type}"
        if isinstance(fast, ParsedFeed) and read_entries(data, content_type) is not None:
            fast_read += 1
    assert fast_read > 250  # the variants exercise the fast reader, not only the fallback


def test_what_the_fast_reader_leaves_to_feedparser() -> None:
    rss = b'<rss version="2.0"><channel><item><title>t</title>%s</item></channel></rss>'
    assert read_entries(rss % b"", None) is not None
    for odd in (
        b"<pubDate>Tue, 10 Mar 2026 14:00 EST</pubDate>",  # an uncommon date
        b"<author>a</author><author>b</author>",  # two authors
        b"<title>a<b>b</b></title>",  # markup nested in a text element
        b"<lastBuildDate>Tue, 10 Mar 2026 14:00:00 GMT</lastBuildDate>",  # read as a date
        b'<description type="xhtml">x</description>',  # XHTML content
    ):
        assert read_entries(rss % odd, None) is None, odd
    assert read_entries(rss % b"", "text/xml") is None  # US-ASCII by RFC 3023
    assert read_entries(rss % b"", "application/xml; charset=iso-8859-1") is None
    assert read_entries(b"\xef\xbb\xbf" + rss % b"", None) is None  # a byte-order mark
    assert read_entries(b"<!DOCTYPE rss>" + rss % b"", None) is None
    assert read_entries(rss.replace(b"<item>", b'<item xml:base="https://x/">') % b"", None) is None
    rdf = b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><item/></rdf:RDF>'
    assert read_entries(rdf, None) is None
    collides = b'<rss version="2.0" xmlns:dc="https://not-dc.example/"><channel><item>'
    assert read_entries(collides + b"<dc:title>x</dc:title></item></channel></rss>", None) is None
    ours = b'<rss version="2.0" xmlns:title="urn:x"><channel><item><title>t</title>'
    odd = ours + b"<title:detail>x</title:detail></item></channel></rss>"  # "title_detail"
    assert read_entries(odd, None) is None


def test_the_tables_copied_from_feedparser_still_match_it() -> None:
    """fastfeed keeps its own copy of the few feedparser tables it reads: they must not drift."""
    from feedparser.html import _cp1252
    from feedparser.mixin import _FeedParserMixin
    from feedparser.sanitizer import _HTMLSanitizer
    from feedparser.urls import _urljoin

    from selfwatch import fastfeed

    assert dict(fastfeed.NAMESPACES) == _FeedParserMixin.namespaces
    assert len(fastfeed.NAMESPACES) == len(_FeedParserMixin.namespaces)
    assert set(_FeedParserMixin.html_types) == fastfeed.HTML_TYPES
    assert set(_HTMLSanitizer.acceptable_elements) == fastfeed.HTML_ELEMENTS
    assert _cp1252 == fastfeed.CP1252
    texts = [
        "plain words", "a &amp; b", "<b>bold</b>", "<blink>x</blink>", "&nosuch; thing",
        "x &#169; y", "<p>para", "</p>", "<event-source>a</event-source>", "&lt;b&gt;",
        "<B>Loud</B> &copy;", "tag </video> &#x41;",
    ]  # fmt: skip
    for text in texts:
        assert fastfeed.looks_like_html(text) == _FeedParserMixin.looks_like_html(text), text
    uris = [
        "https://example.com/a?b=1&c=2", "http:///three/slashes", "HTTPS:////x.example/",
        "relative/path", "", "  spaced ", "https://[::1", "mailto:jane@example.com",
        "https://example.com/a/../b/./c", "ftp://host//x",
    ]  # fmt: skip
    for uri in uris:
        assert fastfeed._uri(uri) == _urljoin("", uri), uri


def test_reading_a_plain_feed_never_imports_feedparser() -> None:
    """feedparser (~20 ms to import) is loaded only for a feed the fast reader cannot read."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from selfwatch.parse import read_feed\n"
        f"posts = read_feed(Path({str(FIXTURES / 'google_news.xml')!r}).read_bytes(), 'u').posts\n"
        "assert posts and 'feedparser' not in sys.modules, sorted(sys.modules)\n"
        "assert 'email.utils' not in sys.modules  # ~10 ms to import, for dates read here\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    "date",
    [
        "Tue, 10 Mar 2026 09:15:00 GMT", "10 Mar 2026 09:15:00 +0000", "Sun, 1 Mar 2026 23:59:59 Z",
        "Tue, 10 Mar 2026 09:15:00 -0000", "Tue, 10 Mar 2026 09:15:00 +0530",
        "Tue, 10 Mar 2026 09:15:00 -0800", "Mon, 01 Jan 0024 00:00:00 UT",
        "Mon, 01 Jan 0099 00:00:00 UTC", "Sat, 29 Feb 2025 10:00:00 GMT",
        "Sat, 31 Apr 2026 10:00:00 GMT", "Sat, 10 Mar 2026 24:00:00 GMT",
        "Tue, 10 Mar 2026 09:15:00 EST", "Tue, 10 Mar 2026 9:15:00 GMT",
    ],
)  # fmt: skip
def test_rss_dates_read_the_same(date: str) -> None:
    """The fast reader's RFC 822 dates (its own pattern, not email.utils) are feedparser's."""
    data = (
        "<rss version='2.0'><channel><title>t</title><item><title>Jordan Avery</title>"
        f"<link>https://example.com/a</link><pubDate>{date}</pubDate></item></channel></rss>"
    ).encode()
    fast, reference = both(data, "application/rss+xml")
    assert fast == reference
