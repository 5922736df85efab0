"""Read a person's own data exports and turn every post in them into an :class:`ArchiveItem`.

Supported exports, found by file name and content, in a single file, a directory or a zip
(read in place, never extracted):

* **X/Twitter**: ``data/tweets.js`` and its split parts ``tweets-part1.js``, ... (also the older
  ``tweet.js``), each ``window.YTD.tweets.partN = [...]``. t.co links are expanded, media links
  dropped, ``&amp;`` and friends decoded. The handle comes from ``account.js`` beside them
  (or ``twitter_handle``); links are ``https://x.com/<handle>/status/<id>``, or
  ``https://x.com/i/web/status/<id>`` without a handle. ``deleted-tweets.js`` is ignored: those
  posts are gone.
* **Mastodon**: ``outbox.json`` (an ActivityPub OrderedCollection); ``Create`` activities are
  posts (HTML stripped, the content warning kept as the title).
* **Facebook**: ``your_posts_1.json``, ``your_posts_2.json``, ... (and the newer
  ``your_posts__check_ins__photos_and_videos_1.json``), with Facebook's mojibake repaired.
  Facebook's export has no post links.
* **Reddit** (GDPR export): ``posts.csv`` and ``comments.csv``.
* **LinkedIn**: ``Shares.csv`` and ``Comments.csv``.
* **Generic**, only when named directly: a CSV with a ``text``/``body``/``content``/``message``
  column, JSON Lines with the same field names, or plain text with one post per paragraph.

Inside a directory or zip only the known export files are read, so a Reddit export's
``messages.csv`` (private messages, with a ``body`` column) is never mistaken for posts.

Reposts (retweets, Mastodon boosts) are not the person's own words: they come back marked
``is_repost=True`` and the audit counts and skips them. Everything else comes
back, replies included (``is_reply=True``): a reply is still the person speaking in public.

The parsers (``parse_file``) are pure functions over bytes; ``read_archive`` and its helpers
are the only code here that touches the file system.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any, Literal

from .errors import InputError
from .model import Post
from .parse import html_to_text
from .sources import ARCHIVE

Source = Literal["twitter", "mastodon", "facebook", "reddit", "linkedin", "csv", "jsonl", "text"]

MAX_FILE_BYTES = 1 << 30
"""Largest single file (or zip member, uncompressed) read: 1 GiB is ~400,000 tweets."""
MAX_ZIP_RATIO = 200
"""A zip member that claims to expand more than this many times is refused (a zip bomb)."""

SUPPORTED = (
    "an X/Twitter archive (zip, or data/tweets.js and tweets-partN.js), "
    "a Mastodon archive (zip, or outbox.json), "
    "Facebook your_posts_N.json (JSON format download), "
    "Reddit posts.csv / comments.csv, LinkedIn Shares.csv / Comments.csv, "
    "or a CSV / JSON Lines file with a text, body, content or message field, "
    "or plain text (.txt, .md) with one post per paragraph"
)
TEXT_FIELDS = ("text", "body", "content", "message")
DATE_FIELDS = ("date", "created_at", "published", "timestamp", "time", "created")
URL_FIELDS = ("url", "link", "permalink")
ID_FIELDS = ("id", "native_id", "guid")

_YTD = re.compile(rb"^\s*window\.YTD\.\w+\.part\d+\s*=\s*")
_YTD_TEXT = re.compile(r"\s*window\.YTD\.\w+\.part\d+\s*=\s*")
_TWEETS = re.compile(r"^tweets?(-part\d+)?\.js$")
_FACEBOOK = re.compile(r"^your_posts.*\.json$")
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_TWITTER_DATE = re.compile(r"^\w{3} (\w{3}) (\d{1,2}) (\d\d):(\d\d):(\d\d) ([+-]\d{4}) (\d{4})$")
_PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


@dataclass(frozen=True)
class ArchiveItem:
    """One post from an export: the normalised Post and what the export said about it."""

    post: Post
    source: Source
    native_id: str
    """The export's own id (tweet id, status URI, ...), or a hash of date and text."""
    is_reply: bool = False
    is_repost: bool = False
    """A retweet or boost: someone else's words, kept only to be counted."""
    visibility: str = ""
    """``public``, ``unlisted``, ``followers``, ``direct`` when the export says; else empty."""
    origin: str = ""
    """Where it was read: the file, or ``archive.zip!data/tweets.js``."""


# --- values ---------------------------------------------------------------------------------


def archive_id(source: str, native_id: str) -> str:
    """Return the stable 16-hex-digit post id for ``native_id`` in a ``source`` export."""
    return hashlib.sha256(f"archive:{source}\n{native_id}".encode()).hexdigest()[:16]


def _content_key(*parts: object) -> str:
    """Return a native id for exports without one: a hash of what identifies the post."""
    joined = "\n".join(str(p) for p in parts)
    return "h:" + hashlib.sha256(joined.encode()).hexdigest()[:20]


def _item(
    source: Source,
    native_id: str,
    *,
    text: str,
    title: str = "",
    url: str = "",
    published: datetime | None = None,
    author: str = "",
    **flags: Any,
) -> ArchiveItem:
    post = Post(
        id=archive_id(source, native_id),
        url=url,
        title=title,
        text=text,
        author=author,
        published=published,
        feed_url=f"{ARCHIVE}{source}",
        guid=native_id,
    )
    return ArchiveItem(post=post, source=source, native_id=native_id, **flags)


def parse_date(value: object) -> datetime | None:
    """Return ``value`` as an aware UTC datetime, or None when it is empty or unreadable.

    Reads epoch seconds (or milliseconds), ISO 8601 (``2019-03-02 10:00:00 UTC`` too), the
    Twitter form ``Wed Oct 10 20:19:24 +0000 2018`` and RFC 2822. Naive times are UTC.
    """
    if isinstance(value, bool) or value in (None, ""):
        return None
    if isinstance(value, int | float) or re.fullmatch(r"\d{9,13}(\.\d+)?", str(value).strip()):
        seconds = float(value)  # type: ignore[arg-type]
        return datetime.fromtimestamp(seconds / 1000 if seconds > 1e11 else seconds, UTC)
    text = str(value).strip()
    found = _parse_date_text(text)
    if found is None:
        return None
    return found.replace(tzinfo=UTC) if found.tzinfo is None else found.astimezone(UTC)


def _parse_date_text(text: str) -> datetime | None:
    match = _TWITTER_DATE.match(text)
    if match and match.group(1) in _MONTHS:
        mon, day, hh, mm, ss, tz, year = match.groups()
        iso = f"{year}-{_MONTHS[mon]:02d}-{int(day):02d}T{hh}:{mm}:{ss}{tz[:3]}:{tz[3:]}"
        return datetime.fromisoformat(iso)
    try:
        return datetime.fromisoformat(re.sub(r"\s*(UTC|GMT)$", "+00:00", text))
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


def fix_mojibake(value: str) -> str:
    """Return ``value`` with Facebook's mojibake undone (``cafÃ©`` -> ``café``).

    Facebook writes each UTF-8 byte as its own ``\\u00xx`` escape. A string that is not
    made of such bytes (it has characters above U+00FF, or its bytes are not UTF-8) is
    returned unchanged, so already-correct text survives.
    """
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def _fix_all(value: Any) -> Any:
    if isinstance(value, str):
        return fix_mojibake(value)
    if isinstance(value, list):
        return [_fix_all(v) for v in value]
    if isinstance(value, dict):
        return {k: _fix_all(v) for k, v in value.items()}
    return value


def _decode(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Spreadsheet programs save CSV as Windows-1252; it decodes any byte but five.
        return data.decode("cp1252", errors="replace")


def _json(data: bytes, where: str) -> Any:
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise InputError(f"{where}: not valid JSON ({exc})") from None


# --- X / Twitter ----------------------------------------------------------------------------


def parse_twitter(data: bytes, where: str, handle: str | None = None) -> list[ArchiveItem]:
    """Return the tweets in one ``tweets.js`` (or ``tweets-partN.js``) file."""
    return list(iter_twitter(data, where, handle))


def iter_twitter(
    data: bytes | IO[bytes], where: str, handle: str | None = None
) -> Iterator[ArchiveItem]:
    """Yield the tweets of one ``tweets.js`` file, decoding one tweet object at a time.

    ``data`` may be the file's bytes or an open binary stream: a stream is read a megabyte at
    a time, so memory stays flat whatever the file's size (a 50,000-tweet file decoded whole
    was ~150 MB of dicts). A file that breaks half-way raises InputError when the break is
    reached.
    """
    stream = io.BytesIO(data) if isinstance(data, bytes) else data
    del data
    text = _TextBuffer(io.TextIOWrapper(stream, encoding="utf-8-sig", errors="replace"))
    text.skip_prefix(_YTD_TEXT)
    decoder = json.JSONDecoder()
    if text.next_char() != "[":
        raise InputError(f"{where}: expected a list of tweets after 'window.YTD...part0 ='")
    text.pos += 1
    if text.next_char() == "]":
        return
    count = 0
    while True:
        row = text.decode(decoder, f"{where}: not valid JSON after {count:,} tweet(s)")
        count += 1
        tweet = row.get("tweet", row) if isinstance(row, dict) else None
        if isinstance(tweet, dict) and tweet.get("id_str"):
            yield _tweet(tweet, where, handle)
        separator = text.next_char()
        if separator == "]":
            return
        if separator != ",":
            raise InputError(f"{where}: not valid JSON (expected ',' or ']' after a tweet)")
        text.pos += 1


class _TextBuffer:
    """A window on a text stream, refilled a megabyte at a time as JSON values are decoded."""

    CHUNK = 1 << 20

    def __init__(self, reader: io.TextIOBase) -> None:
        self.reader = reader
        self.buf = ""
        self.pos = 0
        self.eof = False
        self._more()

    def _more(self) -> bool:
        if self.eof:
            return False
        chunk = self.reader.read(self.CHUNK)
        if not chunk:
            self.eof = True
            return False
        self.buf = self.buf[self.pos :] + chunk
        self.pos = 0
        return True

    def skip_prefix(self, pattern: re.Pattern[str]) -> None:
        match = pattern.match(self.buf, self.pos)
        if match:
            self.pos = match.end()

    def next_char(self) -> str:
        """Skip white space and return the next character ("" at the end)."""
        while True:
            self.pos = _skip_space(self.buf, self.pos)
            if self.pos < len(self.buf) or not self._more():
                return self.buf[self.pos : self.pos + 1]

    def decode(self, decoder: json.JSONDecoder, problem: str) -> Any:
        """Return the next JSON value, reading more of the stream while it is cut off."""
        while True:
            self.next_char()
            try:
                value, self.pos = decoder.raw_decode(self.buf, self.pos)
                return value
            except (ValueError, RecursionError) as exc:
                # A value cut off by the end of the window is complete once more is read.
                if not self._more():
                    reason = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
                    raise InputError(f"{problem} ({reason})") from None


_SPACE = re.compile(r"[ \t\r\n]*")


def _skip_space(text: str, pos: int) -> int:
    match = _SPACE.match(text, pos)
    return match.end() if match else pos


def _tweet(tweet: Mapping[str, Any], where: str, handle: str | None) -> ArchiveItem:
    tweet_id = str(tweet["id_str"])
    text = str(tweet.get("full_text") or tweet.get("text") or "")
    entities = tweet.get("entities") or {}
    for link in entities.get("urls") or ():
        if link.get("url") and link.get("expanded_url"):
            text = text.replace(link["url"], link["expanded_url"])
    media = [
        *(entities.get("media") or ()),
        *((tweet.get("extended_entities") or {}).get("media") or ()),
    ]
    for item in media:
        if item.get("url"):
            text = text.replace(item["url"], "")
    text = html.unescape(text).strip()
    # Without the handle, X's /i/web/status/<id> link redirects to the tweet all the same.
    user = handle or "i/web"
    return _item(
        "twitter",
        tweet_id,
        text=text,
        url=f"https://x.com/{user}/status/{tweet_id}",
        published=_tweet_date(str(tweet.get("created_at") or "")),
        author=f"@{handle}" if handle else "",
        is_reply=bool(tweet.get("in_reply_to_status_id_str")),
        is_repost=text.startswith("RT @"),
        origin=where,
    )


def _tweet_date(text: str) -> datetime | None:
    # The archive's one date format, parsed directly: 50,000 tweets, 50,000 dates.
    found = _parse_date_text(text) if _TWITTER_DATE.match(text) else parse_date(text)
    return found.astimezone(UTC) if found else None


def twitter_handle(data: bytes) -> str | None:
    """Return the username in an archive's ``account.js``, or None."""
    try:
        rows = json.loads(_YTD.sub(b"", data, count=1))
        return str(rows[0]["account"]["username"]) or None
    except (ValueError, LookupError, TypeError):
        return None


# --- Mastodon -------------------------------------------------------------------------------


def parse_mastodon(data: bytes, where: str) -> list[ArchiveItem]:
    """Return the statuses in a Mastodon archive's ``outbox.json``; boosts come back as reposts."""
    doc = _json(data, where)
    activities = doc.get("orderedItems") if isinstance(doc, dict) else None
    if not isinstance(activities, list):
        raise InputError(f"{where}: not a Mastodon outbox (no 'orderedItems' list)")
    items = []
    for activity in activities:
        if not isinstance(activity, dict):
            continue
        if activity.get("type") == "Announce":
            target = str(activity.get("object") or activity.get("id") or "")
            when = parse_date(activity.get("published"))
            items.append(
                _item(
                    "mastodon",
                    target,
                    text="",
                    url=target,
                    published=when,
                    is_repost=True,
                    origin=where,
                )
            )
        elif activity.get("type") == "Create" and isinstance(activity.get("object"), dict):
            items.append(_status(activity["object"], where))
    return items


def _status(note: Mapping[str, Any], where: str) -> ArchiveItem:
    native = str(note.get("id") or note.get("url") or "")
    url = note.get("url") or native
    return _item(
        "mastodon",
        native,
        text=html_to_text(str(note.get("content") or "")),
        title=html_to_text(str(note.get("summary") or "")),
        url=str(url) if isinstance(url, str) else native,
        published=parse_date(note.get("published")),
        is_reply=bool(note.get("inReplyTo")),
        visibility=_visibility(note),
        origin=where,
    )


def _visibility(note: Mapping[str, Any]) -> str:
    to, cc = note.get("to") or [], note.get("cc") or []
    if _PUBLIC in to:
        return "public"
    if _PUBLIC in cc:
        return "unlisted"
    if any(str(a).endswith("/followers") for a in [*to, *cc]):
        return "followers"
    return "direct" if to else ""


# --- Facebook -------------------------------------------------------------------------------


def parse_facebook(data: bytes, where: str) -> list[ArchiveItem]:
    """Return the posts in a ``your_posts_N.json``; photo-only posts (no words) are left out."""
    doc = _fix_all(_json(data, where))
    if isinstance(doc, dict):  # some years wrap the list: {"status_updates_v2": [...]}
        doc = next((v for v in doc.values() if isinstance(v, list)), None)
    if not isinstance(doc, list):
        raise InputError(f"{where}: not a Facebook posts file (expected a list of posts)")
    items = []
    for entry in doc:
        if not isinstance(entry, dict):
            continue
        parts = [
            str(d["post"]) for d in entry.get("data") or () if isinstance(d, dict) and d.get("post")
        ]
        text = "\n\n".join(parts).strip()
        if not text:
            continue
        published = parse_date(entry.get("timestamp"))
        native = _content_key(entry.get("timestamp"), text)
        items.append(_item("facebook", native, text=text, published=published, origin=where))
    return items


# --- CSV exports ----------------------------------------------------------------------------


def _csv_rows(data: bytes, where: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(_decode(data, where), newline=""))
    try:
        rows = [{k: v or "" for k, v in row.items() if k is not None} for row in reader]
    except csv.Error as exc:
        raise InputError(f"{where}: not a readable CSV file ({exc})") from None
    return [f.strip() for f in reader.fieldnames or ()], rows


def _csv_kind(fields: Iterable[str]) -> str:
    names = {f.strip().lower() for f in fields}
    if {"sharecommentary", "sharelink"} <= names:
        return "linkedin_shares"
    if {"message", "link", "date"} <= names and "permalink" not in names:
        return "linkedin_comments"
    if {"permalink", "subreddit", "body"} <= names:
        return "reddit_comments" if "title" not in names else "reddit_posts"
    return "generic" if names & set(TEXT_FIELDS) else ""


def _reddit(rows: list[dict[str, str]], where: str, posts: bool) -> list[ArchiveItem]:
    items = []
    for row in rows:
        body = row.get("body", "").strip()
        body = "" if body in ("[deleted]", "[removed]") else body
        title = row.get("title", "").strip() if posts else ""
        if not (body or title):
            continue
        link = row.get("permalink", "").strip()
        if link.startswith("/"):
            link = "https://www.reddit.com" + link
        native = row.get("id", "").strip() or _content_key(row.get("date"), title, body)
        items.append(
            _item(
                "reddit",
                native,
                text=body,
                title=title,
                url=link,
                published=parse_date(row.get("date")),
                is_reply=not posts,
                origin=where,
            )
        )
    return items


def _linkedin(rows: list[dict[str, str]], where: str, shares: bool) -> list[ArchiveItem]:
    items = []
    for row in rows:
        get = {k.strip().lower(): v for k, v in row.items()}.get
        text = (get("sharecommentary") if shares else get("message")) or ""
        text = text.strip()
        if not text:
            continue
        link = ((get("sharelink") if shares else get("link")) or "").strip()
        native = link if shares and link else _content_key(get("date"), link, text)
        items.append(
            _item(
                "linkedin",
                native,
                text=text,
                url=link,
                published=parse_date(get("date")),
                is_reply=not shares,
                visibility=(get("visibility") or "").strip().lower(),
                origin=where,
            )
        )
    return items


def _field(record: Mapping[str, Any], names: tuple[str, ...]) -> Any:
    lowered = {str(k).strip().lower(): v for k, v in record.items()}
    return next((lowered[n] for n in names if lowered.get(n) not in (None, "")), None)


def _generic(records: Iterable[Mapping[str, Any]], source: Source, where: str) -> list[ArchiveItem]:
    items = []
    for record in records:
        text = str(_field(record, TEXT_FIELDS) or "").strip()
        if not text:
            continue
        date = _field(record, DATE_FIELDS)
        url = str(_field(record, URL_FIELDS) or "")
        native = str(_field(record, ID_FIELDS) or "") or _content_key(date, url, text)
        items.append(
            _item(
                source,
                native,
                text=text,
                url=url,
                published=parse_date(date),
                title=str(_field(record, ("title",)) or ""),
                origin=where,
            )
        )
    return items


def parse_csv(data: bytes, where: str) -> list[ArchiveItem]:
    """Return the posts in a Reddit, LinkedIn or generic CSV, told apart by their columns."""
    fields, rows = _csv_rows(data, where)
    kind = _csv_kind(fields)
    if kind.startswith("reddit"):
        return _reddit(rows, where, posts=kind == "reddit_posts")
    if kind.startswith("linkedin"):
        return _linkedin(rows, where, shares=kind == "linkedin_shares")
    if kind == "generic":
        return _generic(rows, "csv", where)
    shown = ", ".join(fields[:8]) or "none"
    raise InputError(
        f"{where}: no column with the post text (columns: {shown}); "
        f"name it one of {', '.join(TEXT_FIELDS)}"
    )


def parse_jsonl(data: bytes, where: str) -> list[ArchiveItem]:
    """Return the posts in a JSON Lines file: one object per line with a text-like field."""
    records = []
    for number, line in enumerate(_decode(data, where).splitlines(), 1):
        if not line.strip():
            continue
        record = _json(line.encode(), f"{where}:{number}")
        if not isinstance(record, dict):
            raise InputError(f"{where}:{number}: expected a JSON object on each line")
        records.append(record)
    return _generic(records, "jsonl", where)


def parse_text(data: bytes, where: str) -> list[ArchiveItem]:
    """Return one post per blank-line-separated paragraph of a plain text file."""
    text = _decode(data, where).replace("\r\n", "\n")
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return [_item("text", _content_key(p), text=p, origin=where) for p in dict.fromkeys(paragraphs)]


# --- detection ------------------------------------------------------------------------------

Parser = Callable[[bytes, str], list[ArchiveItem]]


def known_export(name: str) -> bool:
    """Return True if the file name is one of the export files read inside a directory or zip."""
    base = PurePosixPath(name).name
    if _TWEETS.match(base) or _FACEBOOK.match(base) or base == "outbox.json":
        return True
    return base.lower() in ("posts.csv", "comments.csv", "shares.csv")


def parse_file(name: str, data: bytes, *, twitter_handle: str | None = None) -> list[ArchiveItem]:
    """Return the posts in one export file, picking the format by ``name`` and content.

    Raise InputError when the format is not recognised, listing the supported ones.
    """
    return list(iter_file(name, data, twitter_handle=twitter_handle))


def iter_file(
    name: str, data: bytes, *, twitter_handle: str | None = None
) -> Iterator[ArchiveItem]:
    """Yield the posts of one export file as ``parse_file`` finds them (tweets one by one)."""
    if _is_twitter(name, data):
        return iter_twitter(data, name, twitter_handle)
    return iter(_parse_other(name, data))


def _is_twitter(name: str, data: bytes) -> bool:
    base = PurePosixPath(name.replace("\\", "/")).name
    return bool(_TWEETS.match(base) or _YTD.match(data[:4096].lstrip()))


def check_format(name: str, data: bytes) -> None:
    """Raise InputError unless ``data`` (or its first 4 kB) is an export format selfwatch reads."""
    if _is_twitter(name, data):
        return
    base = PurePosixPath(name.replace("\\", "/")).name
    lower = base.lower()
    head = data[:4096].lstrip()
    if lower.endswith((".csv", ".jsonl", ".ndjson", ".txt", ".md", ".text")):
        return
    if lower.endswith(".json") or head[:1] in (b"{", b"["):
        return
    raise InputError(f"{name}: unknown export format; selfwatch reads {SUPPORTED}")


def _parse_other(name: str, data: bytes, twitter_handle: str | None = None) -> list[ArchiveItem]:
    base = PurePosixPath(name.replace("\\", "/")).name
    lower = base.lower()
    head = data[:4096].lstrip()
    if lower.endswith(".csv"):
        return parse_csv(data, name)
    if lower.endswith((".jsonl", ".ndjson")):
        return parse_jsonl(data, name)
    if lower.endswith(".json") or head[:1] in (b"{", b"["):
        return _parse_json(name, base, data)
    if lower.endswith((".txt", ".md", ".text")):
        return parse_text(data, name)
    raise InputError(f"{name}: unknown export format; selfwatch reads {SUPPORTED}")


def _parse_json(name: str, base: str, data: bytes) -> list[ArchiveItem]:
    if base == "outbox.json" or b'"orderedItems"' in data[:65536]:
        return parse_mastodon(data, name)
    if _FACEBOOK.match(base) or re.search(rb'"timestamp"\s*:\s*\d', data[:65536]):
        return parse_facebook(data, name)
    raise InputError(f"{name}: unknown JSON export; selfwatch reads {SUPPORTED}")


# --- reading files, directories and zips (the only I/O here) ---------------------------------


def read_archive(path: Path, *, twitter_handle: str | None = None) -> Iterator[ArchiveItem]:
    """Yield the posts in an export file, an unpacked export directory or an export zip."""
    if path.is_dir():
        yield from _read_dir(path, twitter_handle)
    elif path.is_file() and zipfile.is_zipfile(path):
        yield from _read_zip(path, twitter_handle)
    elif path.is_file():
        handle = twitter_handle or _sibling_handle(path)
        yield from _read_file(path, handle)
    else:
        raise InputError(f"{path}: no such file or directory")


def check_paths(paths: Iterable[Path]) -> None:
    """Raise InputError for the first path that does not exist or is no export selfwatch reads.

    Only a file's name and first 4 kB are read, so a long run can refuse a bad input before it
    starts; directories and zips are checked as they are read.
    """
    for path in paths:
        if not path.exists():
            raise InputError(f"{path}: no such file or directory")
        if path.is_file() and not zipfile.is_zipfile(path):
            try:
                with path.open("rb") as stream:
                    head = stream.read(4096)
            except OSError as exc:
                raise InputError(f"{path}: cannot read it ({exc.strerror or exc})") from None
            check_format(str(path), head)


def _read_bytes(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InputError(f"{path}: larger than {MAX_FILE_BYTES >> 20} MiB; split it first")
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read it ({exc.strerror or exc})") from None


def _sibling_handle(path: Path) -> str | None:
    account = path.with_name("account.js")
    return twitter_handle(_read_bytes(account)) if account.is_file() else None


def _read_dir(root: Path, handle: str | None) -> Iterator[ArchiveItem]:
    try:
        files = sorted(p for p in root.rglob("*") if p.is_file() and known_export(p.name))
    except OSError as exc:
        raise InputError(f"{root}: cannot list it ({exc.strerror or exc})") from None
    if not files:
        raise InputError(f"{root}: no export files found; selfwatch reads {SUPPORTED}")
    for path in files:
        yield from _read_file(path, handle or _sibling_handle(path))


def _read_file(path: Path, handle: str | None) -> Iterator[ArchiveItem]:
    """Yield a file's posts; a tweets file is streamed rather than read whole."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InputError(f"{path}: larger than {MAX_FILE_BYTES >> 20} MiB; split it first")
        with path.open("rb") as stream:
            if not _is_twitter(str(path), stream.peek(4096)[:4096]):
                data = stream.read()
                yield from iter_file(str(path), data, twitter_handle=handle)
                return
            yield from iter_twitter(stream, str(path), handle)
    except OSError as exc:
        raise InputError(f"{path}: cannot read it ({exc.strerror or exc})") from None


def _read_zip(path: Path, handle: str | None) -> Iterator[ArchiveItem]:
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if handle is None:
                account = next((m for m in members if m.filename.endswith("account.js")), None)
                handle = twitter_handle(_member(archive, account, path)) if account else None
            wanted = sorted(
                (m for m in members if known_export(m.filename)), key=lambda m: m.filename
            )
            if not wanted:
                raise InputError(
                    f"{path}: no export files in this zip; selfwatch reads {SUPPORTED}"
                )
            for member in wanted:
                where = f"{path}!{member.filename}"
                if _is_twitter(member.filename, b""):  # streamed: never held whole
                    _check_member(member, where)
                    with archive.open(member) as stream:
                        yield from iter_twitter(stream, where, handle)
                    continue
                yield from iter_file(where, _member(archive, member, path), twitter_handle=handle)
    except (zipfile.BadZipFile, OSError, NotImplementedError) as exc:
        raise InputError(f"{path}: cannot read the zip ({exc})") from None


def _check_member(member: zipfile.ZipInfo, where: str) -> None:
    ratio = member.file_size / max(member.compress_size, 1)
    if member.file_size > MAX_FILE_BYTES or (member.file_size > 1 << 20 and ratio > MAX_ZIP_RATIO):
        raise InputError(f"{where}: refusing a member that expands to {member.file_size} bytes")


def _member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, path: Path) -> bytes:
    where = f"{path}!{member.filename}"
    _check_member(member, where)
    with archive.open(member) as stream:
        data = stream.read(MAX_FILE_BYTES + 1)  # the header's size may lie; never trust it
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"{where}: larger than {MAX_FILE_BYTES >> 20} MiB")
    return data
