"""Turn feed bytes into Posts: plain text, canonical URLs, UTC times, stable ids.

Pure: no network, no files, no clock. feedparser does the RSS/Atom work on the bytes we
fetched (never on a URL); this module adds three guards around it:

* a DOCTYPE with an internal subset is removed before parsing, because feedparser keeps
  "safe" entity declarations and its fallback parser expands them without any limit
  (one 100 kB entity used 2,000 times is 200 MB of text);
* a document feedparser cannot read as a feed raises FetchError naming the feed;
* text is decoded the way browsers do, so a feed labelled ISO-8859-1 that really is
  Windows-1252 keeps its curly quotes and euro signs.
"""

from __future__ import annotations

import base64
import calendar
import functools
import hashlib
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from html import unescape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import SplitResult, parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from .errors import FetchError
from .model import Post

__all__ = ["ParsedFeed", "canonical_url", "html_to_text", "parse_feed", "post_id", "read_feed"]


@functools.cache
def _feedparser() -> Any:
    """Return feedparser, imported on first use: URLs and HTML need none of its ~20 ms."""
    import feedparser

    # feedparser asks xml.sax for the "drv_libxml2" driver first, a Python 2 module that no
    # longer exists: the failed import searched sys.path on every parse (80 us a feed, 3.5 us
    # without). Empty, xml.sax takes its default, expat, which feedparser ended up using anyway.
    feedparser.api.PREFERRED_XML_PARSERS = []
    return feedparser


# Markup whose content is never readable text.
_SKIP_TAGS = frozenset({"script", "style", "template", "noscript", "head", "title"})
# Elements that stand apart as paragraphs (a blank line) or as lines (a line break).
_PARAGRAPH_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "dl", "figure", "footer", "form", "h1",
        "h2", "h3", "h4", "h5", "h6", "header", "hr", "main", "nav", "ol", "p", "pre",
        "section", "table", "ul",
    }
)  # fmt: skip
_LINE_TAGS = frozenset({"dd", "div", "dt", "figcaption", "li", "tr"})


class _TextExtractor(HTMLParser):
    """Collect the text of an HTML fragment, with breaks where blocks begin and end."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str | int] = []
        """Text, and ints for breaks (1 = new line, 2 = blank line) that merge when adjacent."""
        self._skip = 0

    def _break(self, tag: str) -> None:
        size = 2 if tag in _PARAGRAPH_TAGS else 1 if tag in _LINE_TAGS else 0
        if tag == "br":
            self.parts.append("\n")
        elif size and self.parts and isinstance(self.parts[-1], int):
            self.parts[-1] = max(self.parts[-1], size)
        elif size:
            self.parts.append(size)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        else:
            self._break(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._break(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in ("td", "th"):
            self.parts.append(" ")
        elif tag != "br":
            self._break(tag)

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if data.isspace() and (not self.parts or isinstance(self.parts[-1], int)):
            return  # indentation between blocks would split a merged break
        self.parts.append(data)

    def text(self) -> str:
        return "".join("\n" * p if isinstance(p, int) else p for p in self.parts)


def html_to_text(s: str) -> str:
    """Return the readable text of an HTML fragment: tags dropped, entities decoded.

    Block elements and ``<br>`` become line breaks; runs of spaces collapse to one and blank
    lines to one empty line. Script and style content is dropped.
    """
    if "<" not in s and "&" not in s:
        return _tidy(s)
    parser = _TextExtractor()
    if not _read_simple(s, parser):
        parser = _TextExtractor()
        parser.feed(s)
        parser.close()
    return _tidy(parser.text())


# A start tag with a plain name and well-formed attributes, an end tag, or a comment without
# dashes or brackets in it: what HTMLParser reads the same way in every Python version, found
# by one regular expression instead of its character-level scan.
_SIMPLE_TAG = re.compile(
    r"<(?:!--[^<>-]*--|/([a-zA-Z][-.a-zA-Z0-9:_]*)\s*"
    r"|([a-zA-Z][-.a-zA-Z0-9:_]*)(?=[\s/>])"
    r"(?:\s+[^\s\"'<>/=]+(?:\s*=\s*(?:\"[^\"<>]*\"|'[^'<>]*'|[^\s\"'<>=`]+))?)*\s*(/?))>"
)
_RAW_TEXT_TAGS = frozenset(
    {"script", "style", "title", "textarea", "xmp", "iframe", "noembed", "noframes",
     "noscript", "plaintext"}
)  # fmt: skip
"""Elements some versions of HTMLParser read as raw text: those fragments go to HTMLParser."""


def _read_simple(s: str, parser: _TextExtractor) -> bool:
    """Feed ``parser`` what HTMLParser would for a fragment of plain tags; False if not one.

    Every ``<`` must open a tag ``_SIMPLE_TAG`` reads, and no tag may hold raw text; anything
    else (other comments, ``<!``, ``<?``, a stray ``<``) is left to HTMLParser. The text
    between two tags is one piece, its references decoded.
    """
    pos = 0
    while (start := s.find("<", pos)) >= 0:
        tag = _SIMPLE_TAG.match(s, start)
        if tag is None:
            return False
        if start > pos:
            parser.handle_data(unescape(s[pos:start]))
        end_name, name, closed = tag.groups()
        if name is None and end_name is None:
            pass  # a comment: it only ends the text before it
        elif end_name is not None:
            parser.handle_endtag(end_name.lower())
        elif name.lower() in _RAW_TEXT_TAGS:
            return False
        elif closed:
            parser.handle_startendtag(name.lower(), [])
        else:
            parser.handle_starttag(name.lower(), [])
        pos = tag.end()
    if pos < len(s):
        parser.handle_data(unescape(s[pos:]))
    return True


_SPACES = re.compile(r"[ \t\f\v]+")
_UNTIDY = re.compile("[\n\r\t\f\v\xa0\x80-\x9f]|  ")
"""What ``_tidy`` has more to do for than strip the ends."""
_BLANK_LINES = re.compile(r"\n{3,}")


def _tidy(text: str) -> str:
    if not _UNTIDY.search(text):
        return text.strip()  # one line, single spaces: what the steps below would give
    text = _fix_c1(text).replace("\xa0", " ").replace("\r\n", "\n").replace("\r", "\n")
    # _SPACES never spans a line break: one pass over the text does what one a line did.
    lines = [line.strip() for line in _SPACES.sub(" ", text).split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _fix_c1(text: str) -> str:
    """Map C1 control characters to the Windows-1252 characters they almost always are.

    Feeds labelled ISO-8859-1 are, like web pages, usually Windows-1252 (the WHATWG encoding
    standard decodes one as the other); U+0080-U+009F never carry meaning in feed text.
    """
    if not _C1.search(text):
        return text

    def fix(match: re.Match[str]) -> str:
        try:
            return match.group().encode("latin-1").decode("cp1252")
        except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined
            return ""

    return _C1.sub(fix, text)


_C1 = re.compile("[\x80-\x9f]")


# (host, path) of links that only redirect to a target carried in a query parameter.
_REDIRECTORS: Mapping[tuple[str, str], tuple[str, ...]] = {
    ("www.google.com", "/url"): ("url", "q"),
    ("google.com", "/url"): ("url", "q"),
    ("www.bing.com", "/news/apiclick.aspx"): ("url",),
    ("bing.com", "/news/apiclick.aspx"): ("url",),
    ("l.facebook.com", "/l.php"): ("u",),
    ("go.bsky.app", "/redirect"): ("u",),
}
_TRACKING = frozenset({"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid"})


def canonical_url(url: str) -> str:
    """Return the URL a link really points to, in one stable spelling.

    Unwraps redirector links (Google Alerts' ``google.com/url?url=``, Bing News'
    ``apiclick.aspx?url=``, old-style Google News article ids that embed the URL), drops
    ``utm_*`` and click-id tracking parameters and the fragment, lowercases scheme and host,
    drops default ports. Anything that is not an http(s) URL is returned stripped.
    """
    url = url.strip()
    plain = _PLAIN_URL.fullmatch(url)
    if plain and plain.group(1) not in _UNWRAPPED_HOSTS:
        # Lowercase, no port, user, query nor fragment: what the steps below would give
        return url if plain.group(2) else f"{url}/"
    try:
        parts = urlsplit(url)  # split once, and again only for a redirector's target
        for _ in range(3):  # a redirector may wrap another one
            target = _unwrap(parts)
            if target is None or target == url:
                break
            url = target
            parts = urlsplit(url)
        port = parts.port
    except ValueError:  # e.g. a non-numeric port: keep the link as written
        return url
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return url
    host = (parts.hostname or "").lower().rstrip(".")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if _default_port(scheme, port) else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    if not parts.query:
        query = ""
    elif _PLAIN_QUERY.fullmatch(parts.query):
        # Names and values urlencode leaves as they are: kept as written, without the round
        # trip through parse_qsl and urlencode (which would give them back unchanged)
        pairs = [pair.partition("=")[::2] for pair in parts.query.split("&")]
        query = "&".join(f"{k}={v}" for k, v in pairs if _kept(k, host))
    else:
        decoded = parse_qsl(parts.query, keep_blank_values=True)
        query = urlencode([(k, v) for k, v in decoded if _kept(k, host)])
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


_PLAIN_URL = re.compile(r"https?://([a-z0-9-]+(?:\.[a-z0-9-]+)*)(/[^?#\s]*)?")
"""An http(s) URL of a lowercase host and a path only, which canonical_url leaves as it is."""
_UNWRAPPED_HOSTS = frozenset({"news.google.com"} | {host for host, _ in _REDIRECTORS})
"""Hosts whose links canonical_url may unwrap: those always take the long way."""

_PLAIN_QUERY = re.compile(r"[\w.~-]+=[\w.~-]*(?:&[\w.~-]+=[\w.~-]*)*", re.ASCII)
"""A query of name=value pairs in the characters urlencode never escapes."""


def _kept(name: str, host: str) -> bool:
    """Return False for a tracking parameter (``utm_*``, click ids, Google News' ``oc``)."""
    lowered = name.lower()
    return not (
        lowered.startswith("utm_")
        or lowered in _TRACKING
        or (host == "news.google.com" and name == "oc")
    )


def _default_port(scheme: str, port: int | None) -> bool:
    return port is None or (scheme, port) in (("http", 80), ("https", 443))


def _unwrap(parts: SplitResult) -> str | None:
    host = (parts.hostname or "").lower()
    if host == "news.google.com":
        return _google_news_target(parts.path)
    names = _REDIRECTORS.get((host, parts.path.lower()))
    if not names:
        return None
    params = dict(parse_qsl(parts.query))
    for name in names:
        target = params.get(name, "")
        if _HTTP_URL.match(target):
            return target
    return None


def _google_news_target(path: str) -> str | None:
    """Return the publisher URL embedded in an old-style Google News article id, if any.

    Ids starting ``CBMi`` are base64 of a small protobuf holding the URL; newer ids hold an
    opaque token instead, and those links stay on news.google.com.
    """
    match = re.match(r"^/(?:rss/)?articles/([A-Za-z0-9_-]+)", path)
    if not match:
        return None
    token = match.group(1)
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except ValueError:
        return None
    found = re.search(rb"https?://[\x21-\x7e]+", raw)
    if not found:
        return None
    # The match stops at the next protobuf tag byte (non-printable), before any AMP URL.
    return found.group().decode("ascii")


def post_id(url: str, guid: str = "", feed_url: str = "") -> str:
    """Return a stable 16-hex-digit id: from the canonical URL, else from the feed's entry id.

    Entry ids are only unique within their feed, so without a link the feed URL is mixed in.
    """
    key = f"url:{url}" if url else f"guid:{feed_url}\n{guid}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class ParsedFeed:
    """A feed's posts, and how many items were left out as junk."""

    posts: tuple[Post, ...]
    skipped: int = 0
    """Items with no real text: they leaned on entities that were never defined (see below)."""


def parse_feed(data: bytes, feed_url: str, *, content_type: str | None = None) -> tuple[Post, ...]:
    """Parse RSS/Atom ``data`` fetched from ``feed_url`` into Posts, in feed order.

    ``content_type`` is the response's Content-Type header (its charset wins over the XML
    prolog, as in HTTP). Raise FetchError when the bytes are not a readable feed.
    """
    return read_feed(data, feed_url, content_type=content_type).posts


def read_feed(
    data: bytes, feed_url: str, *, content_type: str | None = None, fast: bool = True
) -> ParsedFeed:
    """Do what ``parse_feed`` does, and count the junk items it leaves out.

    An item is junk when its text refers to an entity that only the removed DOCTYPE declared
    (``&lol9;``, ``Jordan Avery &x;``), or when nothing but undefined entity references is
    left of it: the text its author meant is not there, so it is never stored or scored.

    A plain RSS 2.0 or Atom 1.0 feed is read by ``fastfeed``, which gives what feedparser
    gives for it; ``fast=False`` asks feedparser for every feed (the reference in the tests).
    """
    if not data.strip():
        raise FetchError(f"{feed_url}: the response is empty, not a feed")
    declared = _declared_entities(data)
    data, content_type = _defuse(data, content_type)
    parsed = None
    from .fastfeed import read_entries  # here: a cycle of 304s never loads the reader

    found = read_entries(data, content_type) if fast else None
    if found is None:
        # No Content-Location: feedparser would then "resolve" opaque entry ids such as
        # Reddit's "t3_1jb3k9x" against the feed URL. Links are resolved here (_entry_link).
        headers = {"content-type": content_type} if content_type else {}
        parsed = _feedparser().parse(
            data, response_headers=headers, sanitize_html=False, resolve_relative_uris=False
        )
        found = parsed.get("entries", [])
    # The lenient fallback parser can turn a broken document into empty shells: drop them.
    entries = [p for p in (_post(e, feed_url) for e in found) if p]
    posts = [p for p in entries if not _junk(p, declared)]
    broken = parsed is not None and (not parsed.get("version") or _is_broken(parsed))
    if not entries and broken:
        raise FetchError(f"{feed_url}: not a readable RSS or Atom feed ({_reason(parsed)})")
    unique: dict[str, Post] = {}
    for post in posts:  # the same link twice in one feed is one post; keep the first
        unique.setdefault(post.id, post)
    return ParsedFeed(tuple(unique.values()), len(entries) - len(posts))


_ENTITY_REF = re.compile(r"&([A-Za-z_:][\w.:-]*);")
_ENTITY_DECL = re.compile(rb"<!ENTITY\s+(?:%\s+)?([A-Za-z_:][\w.:-]*)")


def _declared_entities(data: bytes) -> frozenset[str]:
    """Return the entity names a DOCTYPE internal subset declares (they are never expanded)."""
    end = data.find(b"]>")
    head = (data[: end + 2] if end >= 0 else data[:65_536]) if b"<!ENTITY" in data[:65_536] else b""
    if not head:
        wide = _wide_encoding(data)
        if not wide:
            return frozenset()
        head = data.decode(wide, errors="replace").encode("utf-8")
    return frozenset(m.group(1).decode("utf-8", "replace") for m in _ENTITY_DECL.finditer(head))


def _junk(post: Post, declared: frozenset[str]) -> bool:
    text = f"{post.title}\n{post.text}"
    if "&" not in text:
        return False
    names = _ENTITY_REF.findall(text)
    if any(name in declared for name in names):
        return True
    rest = _ENTITY_REF.sub("", text)
    return bool(names) and not any(c.isalnum() for c in rest)


def _is_broken(parsed: Any) -> bool:
    if not parsed.get("bozo"):
        return False
    feedparser = _feedparser()
    benign = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
    return not isinstance(parsed.get("bozo_exception"), benign)


def _reason(parsed: Any) -> str:
    exc = parsed.get("bozo_exception")
    if exc is None:
        return "no RSS or Atom root element"
    line = getattr(exc, "getLineNumber", None)
    where = f" at line {line()}" if callable(line) else ""
    return f"{getattr(exc, 'getMessage', lambda: str(exc))()}{where}"


def _post(entry: Any, feed_url: str) -> Post | None:
    link = _entry_link(entry, feed_url)
    url = canonical_url(link) if link else ""
    guid = str(entry.get("id") or "")
    title = _text(entry, "title")
    text = _body(entry)
    if not (url or title or text):
        return None
    if not url and not guid:
        guid = f"{title}\n{entry.get('published') or entry.get('updated') or text[:200]}"
    return Post(
        id=post_id(url, guid, feed_url),
        url=url,
        title=title,
        text=text,
        author=_author(entry),
        published=_published(entry),
        feed_url=feed_url,
        guid=str(entry.get("id") or ""),
    )


def _entry_link(entry: Any, feed_url: str) -> str:
    link = str(entry.get("link") or "")
    if link:
        if _ABSOLUTE_LINK.match(link):
            return link  # what urljoin would give, as canonical_url reads it: one split less
        return urljoin(feed_url, link) if _HTTP_URL_EXACT.match(feed_url) else link
    guid = str(entry.get("id") or "")
    if _HTTP_URL_EXACT.match(guid):
        return guid
    return ""


_HTTP_URL = re.compile(r"https?://", re.IGNORECASE)
_HTTP_URL_EXACT = re.compile(r"https?://")
_ABSOLUTE_LINK = re.compile(r"https?://[^/?#\s]")
"""A link with its scheme and host: the feed's URL has nothing to add to it."""


def _text(entry: Any, key: str) -> str:
    value = str(entry.get(key) or "")
    kind = _detail(entry, key).get("type", "text/html")
    if kind in ("text/html", "application/xhtml+xml"):
        return html_to_text(value)
    return _tidy(value)


def _detail(entry: Any, key: str) -> Mapping[str, Any]:
    """Return the entry's ``<key>_detail`` when it is feedparser's own mapping, else nothing.

    feedparser keeps an element of a namespace it does not know as ``<prefix>_<name>``: in a
    feed declaring ``xmlns:author="..."``, ``<author:detail>`` becomes an ``author_detail``
    that is a plain string, the element's text, not the details of an author.
    """
    detail = entry.get(f"{key}_detail")
    return detail if isinstance(detail, Mapping) else {}


def _body(entry: Any) -> str:
    """Return the longest of the entry's content blocks and summary, as text."""
    best = _text(entry, "summary")
    for block in entry.get("content") or []:
        value = str(block.get("value") or "")
        if block.get("type", "text/html") in ("text/html", "application/xhtml+xml"):
            value = html_to_text(value)
        else:
            value = _tidy(value)
        if len(value) > len(best):
            best = value
    return best


def _author(entry: Any) -> str:
    """Return the author's name ("Renée" rather than RSS's "renee@example.fr (Renée)")."""
    detail = _detail(entry, "author")
    if not detail:  # feedparser's list of authors holds the same details, if any
        authors = entry.get("authors")
        first = authors[0] if isinstance(authors, list) and authors else None
        detail = first if isinstance(first, Mapping) else {}
    name = detail.get("name") or entry.get("author")
    return html_to_text(name) if isinstance(name, str) else ""


def _published(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if isinstance(value, time.struct_time):
            try:
                return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
            except (OverflowError, OSError, ValueError):  # a year no datetime can hold
                return None
    return None


# --- the entity-expansion guard ------------------------------------------------------------


def _defuse(data: bytes, content_type: str | None) -> tuple[bytes, str | None]:
    """Return ``data`` without a DOCTYPE internal subset, so no entity can be declared.

    UTF-16/32 documents are transcoded to UTF-8 first so the scan sees the real markup.
    """
    wide = _wide_encoding(data)
    if wide:
        try:
            text = data.decode(wide)
        except UnicodeDecodeError:
            return data, content_type
        text = re.sub(
            r"^(\ufeff?<\?xml[^>]*?encoding\s*=\s*)([\"'])[^\"']*\2",
            r"\1\2utf-8\2",
            text.lstrip("\ufeff"),
        )
        data = text.encode("utf-8")
        content_type = _with_charset(content_type, "utf-8")
    return _strip_doctype(data), content_type


def _wide_encoding(data: bytes) -> str | None:
    head = data[:4]
    if head.startswith((b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00")):
        return "utf-32"
    if head.startswith((b"\xfe\xff", b"\xff\xfe")):
        return "utf-16"
    if head.startswith(b"\x00\x00\x00<"):
        return "utf-32-be"
    if head.startswith(b"<\x00\x00\x00"):
        return "utf-32-le"
    if head.startswith(b"\x00<"):
        return "utf-16-be"
    if head.startswith(b"<\x00"):
        return "utf-16-le"
    return None


def _with_charset(content_type: str | None, charset: str) -> str:
    base = (content_type or "application/xml").split(";", 1)[0].strip()
    return f"{base}; charset={charset}"


def _strip_doctype(data: bytes) -> bytes:
    """Remove every ``<!DOCTYPE ... [ ... ]>`` before the root element.

    Scans with quotes and comments in mind, so a ``]>`` inside an entity value cannot end
    the declaration early. An unterminated declaration swallows the rest of the document,
    which then fails to parse: the right outcome for a hostile or broken file.
    """
    start = data.find(b"<!DOCTYPE")
    if start < 0 or re.search(rb"<[A-Za-z_]", data[:start]):
        return data
    end = _doctype_end(data, start)
    declaration = data[start:end]
    if b"[" not in declaration:
        return data
    return data[:start] + data[end:]


_DOCTYPE_TOKEN = re.compile(rb"<!--|[\"'\[\]>]")


def _doctype_end(data: bytes, start: int) -> int:
    depth = 0
    pos = start + len(b"<!DOCTYPE")
    while match := _DOCTYPE_TOKEN.search(data, pos):
        token = match.group()
        pos = match.end()
        if token == b"<!--":
            close = data.find(b"-->", pos)
            pos = len(data) if close < 0 else close + 3
        elif token in (b'"', b"'"):
            close = data.find(token, pos)
            pos = len(data) if close < 0 else close + 1
        elif token == b"[":
            depth += 1
        elif token == b"]":
            depth = max(0, depth - 1)
        elif depth == 0:  # ">" outside the internal subset
            return pos
    return len(data)
