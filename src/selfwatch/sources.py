"""Which feeds to poll for a profile: configured feeds, search feeds, and the person's own.

Pure: builds FeedSpec values from a Profile, touches no network. Search feeds quote each
name as a phrase; engines that understand ``-term`` (Google News, Bing) also get the
profile's exclude terms. Handles become the person's own feeds (``own=True``); a handle
that cannot be turned into a feed URL is a ConfigError naming ``profiles[KEY].handles.SITE``.
Handles for sites without a feed (e.g. ``linkedin``) are left for name matching only.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import PurePath
from typing import Protocol, TypeVar
from urllib.parse import quote, quote_plus, urlsplit

from .errors import ConfigError
from .model import FeedKind, FeedSpec, Profile

__all__ = [
    "FEED_SITES",
    "configured_only",
    "feed_label",
    "feeds_for",
    "guess_kind",
    "handle_feed",
    "search_feeds",
]

_SEARCH_LABELS: dict[FeedKind, str] = {
    "google_news": "Google News",
    "bing_news": "Bing News",
    "reddit": "Reddit search",
    "hn": "Hacker News stories",
    "hn_comments": "Hacker News comments",
}
ARCHIVE = "archive:"
"""Feed URL prefix under which ``selfwatch audit`` stores a person's own exports."""
_ARCHIVE_NAMES = {
    "twitter": "X/Twitter",
    "linkedin": "LinkedIn",
    "csv": "CSV",
    "jsonl": "JSON Lines",
}

_KIND_LABELS: dict[FeedKind, str] = {
    **_SEARCH_LABELS,
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
    "youtube": "YouTube",
    "github": "GitHub",
    "medium": "Medium",
    "substack": "Substack",
    "stackoverflow": "Stack Overflow",
    "google_alerts": "Google Alerts",
    "url": "Feed",
    "file": "File",
}


def feeds_for(profile: Profile) -> tuple[FeedSpec, ...]:
    """Return every feed to poll for ``profile``, configured ones first, without duplicate URLs.

    Raise ConfigError listing every handle that cannot be turned into a feed URL.
    """
    configured = [_refine(feed) for feed in profile.feeds]
    search = search_feeds(profile) if profile.search else ()
    own, problems = _own_feeds(profile)
    if problems:
        raise ConfigError(problems)
    return _dedupe([*configured, *search, *own])


class _KnownFeed(Protocol):
    @property
    def spec(self) -> FeedSpec: ...
    @property
    def configured_url(self) -> str: ...


_Feed = TypeVar("_Feed", bound=_KnownFeed)


def configured_only(profile: Profile, feeds: Sequence[_Feed]) -> list[_Feed]:
    """Return the recorded ``feeds`` that the profile's config still has, and its archives.

    A feed removed from the config (or whose path was corrected) keeps its posts in history,
    but its health is no longer reported: not in digests, the report, ``status`` or
    ``profiles``. A moved feed is still found by the URL it was configured with.
    """
    try:
        wanted = {spec.url for spec in feeds_for(profile)}
    except ConfigError:
        wanted = {spec.url for spec in profile.feeds}
    return [
        f
        for f in feeds
        if f.spec.url.startswith(ARCHIVE) or f.configured_url in wanted or f.spec.url in wanted
    ]


def search_feeds(profile: Profile) -> tuple[FeedSpec, ...]:
    """Return the search-engine feeds for each of the profile's names, as quoted phrases."""
    feeds: list[FeedSpec] = []
    for name in profile.all_names:
        phrase = _quoted(name)
        with_exclusions = " ".join([phrase, *(f"-{_quoted(t)}" for t in profile.exclude_terms)])
        urls: dict[FeedKind, str] = {
            "google_news": "https://news.google.com/rss/search?q="
            f"{quote_plus(with_exclusions)}&hl=en-US&gl=US&ceid=US:en",
            "bing_news": f"https://www.bing.com/news/search?q={quote_plus(with_exclusions)}"
            "&format=rss",
            "reddit": f"https://www.reddit.com/search.rss?q={quote_plus(phrase)}&sort=new",
            "hn": f"https://hnrss.org/newest?q={quote_plus(phrase)}",
            "hn_comments": f"https://hnrss.org/newcomments?q={quote_plus(phrase)}",
        }
        for kind, url in urls.items():
            label = f"{_SEARCH_LABELS[kind]}: {phrase}"
            feeds.append(FeedSpec(url=url, kind=kind, profile=profile.key, label=label))
    return tuple(feeds)


def _quoted(term: str) -> str:
    term = term.replace('"', "").strip()
    return f'"{term}"' if " " in term or term == "" else term


def _own_feeds(profile: Profile) -> tuple[list[FeedSpec], list[str]]:
    feeds: list[FeedSpec] = []
    problems: list[str] = []
    for site, handle in profile.handles:
        if site not in _HANDLERS:
            continue
        try:
            feeds.append(handle_feed(site, handle, profile.key))
        except ValueError as exc:
            problems.append(f"profiles[{profile.key}].handles.{site}: {exc}")
    return feeds, problems


def handle_feed(site: str, handle: str, profile: str) -> FeedSpec:
    """Return the own-posts feed for ``handle`` on ``site``; raise ValueError if it is malformed."""
    build = _HANDLERS.get(site)
    if build is None:
        raise ValueError(f"no feed is known for site {site!r} (known: {', '.join(FEED_SITES)})")
    url, label = build(handle.strip())
    return FeedSpec(url=url, kind=site, profile=profile, own=True, label=label)  # type: ignore[arg-type]


def _mastodon(handle: str) -> tuple[str, str]:
    account = re.fullmatch(r"@?([A-Za-z0-9_]+)@([A-Za-z0-9.-]+\.[A-Za-z]{2,})", handle)
    # Also accept the profile URL people copy from the browser.
    page = re.fullmatch(r"https?://([A-Za-z0-9.-]+\.[A-Za-z]{2,})/@([A-Za-z0-9_]+)/?", handle)
    if account:
        user, instance = account.group(1), account.group(2)
    elif page:
        user, instance = page.group(2), page.group(1)
    else:
        raise ValueError(
            f"not a Mastodon handle: {handle!r} (expected @user@instance, "
            "e.g. @jane@mastodon.social)"
        )
    instance = instance.lower()
    return f"https://{instance}/@{user}.rss", f"Mastodon @{user}@{instance}"


def _bluesky(handle: str) -> tuple[str, str]:
    handle = handle.removeprefix("@")
    did = re.fullmatch(r"did:(plc|web):[A-Za-z0-9._:%-]+", handle)
    domain = re.fullmatch(r"([A-Za-z0-9-]+\.)+[A-Za-z]{2,}", handle)
    if not (did or domain):
        raise ValueError(
            f"not a Bluesky handle: {handle!r} (expected a domain handle like "
            "jane.bsky.social, or a did:plc: id)"
        )
    value = handle if did else handle.lower()
    return f"https://bsky.app/profile/{value}/rss", f"Bluesky @{value}"


def _youtube(handle: str) -> tuple[str, str]:
    m = re.fullmatch(
        r"(?:https?://(?:www\.)?youtube\.com/channel/)?(UC[A-Za-z0-9_-]{22})/?", handle
    )
    if not m:
        raise ValueError(
            f"not a YouTube channel id: {handle!r} (expected the 24-character id starting "
            "with UC, from the channel's About > Share channel > Copy channel ID; @handles "
            "have no feed)"
        )
    return (
        f"https://www.youtube.com/feeds/videos.xml?channel_id={m.group(1)}",
        f"YouTube channel {m.group(1)}",
    )


def _github(handle: str) -> tuple[str, str]:
    user = handle.removeprefix("@")
    if not re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}", user):
        raise ValueError(f"not a GitHub user name: {handle!r} (e.g. janedoe)")
    return f"https://github.com/{user}.atom", f"GitHub {user}"


def _medium(handle: str) -> tuple[str, str]:
    user = handle.removeprefix("@")
    if not re.fullmatch(r"[A-Za-z0-9_.]{1,30}", user):
        raise ValueError(f"not a Medium user name: {handle!r} (e.g. @janedoe)")
    return f"https://medium.com/feed/@{quote(user)}", f"Medium @{user}"


def _substack(handle: str) -> tuple[str, str]:
    name = re.sub(r"^https?://", "", handle).removesuffix("/").lower()
    name = name.removesuffix(".substack.com")
    if not re.fullmatch(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", name):
        raise ValueError(
            f"not a Substack publication name: {handle!r} (e.g. janedoe, from janedoe.substack.com)"
        )
    return f"https://{name}.substack.com/feed", f"Substack {name}"


def _stackoverflow(handle: str) -> tuple[str, str]:
    m = re.fullmatch(r"(?:https?://stackoverflow\.com/users/)?(\d+)(?:/[^/]*)?/?", handle)
    if not m:
        raise ValueError(
            f"not a Stack Overflow user id: {handle!r} (expected the number in "
            "stackoverflow.com/users/NUMBER/name)"
        )
    return f"https://stackoverflow.com/feeds/user/{m.group(1)}", f"Stack Overflow user {m.group(1)}"


_HANDLERS: dict[str, Callable[[str], tuple[str, str]]] = {
    "mastodon": _mastodon,
    "bluesky": _bluesky,
    "youtube": _youtube,
    "github": _github,
    "medium": _medium,
    "substack": _substack,
    "stackoverflow": _stackoverflow,
}
FEED_SITES: tuple[str, ...] = tuple(_HANDLERS)
"""Sites in ``profiles.handles`` that have an own-posts feed."""


def guess_kind(url: str) -> FeedKind:
    """Return the feed kind a URL most likely is, from its host and path (``"url"`` if unknown)."""
    if not _WEB.match(url):
        return "file"
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = parts.path
    # The first that holds wins (checked one by one: a config lists hundreds of feeds).
    kind: FeedKind = "url"
    if host == "news.google.com":
        kind = "google_news"
    elif host == "google.com" and path.startswith("/alerts/feeds/"):
        kind = "google_alerts"
    elif host == "bing.com" and path.startswith("/news/"):
        kind = "bing_news"
    elif host.endswith("reddit.com"):
        kind = "reddit"
    elif host == "hnrss.org":
        kind = "hn_comments" if "comments" in path else "hn"
    elif host == "bsky.app":
        kind = "bluesky"
    elif host == "youtube.com" and path.startswith("/feeds/"):
        kind = "youtube"
    elif host == "github.com" and path.endswith(".atom"):
        kind = "github"
    elif host == "medium.com":
        kind = "medium"
    elif host.endswith(".substack.com"):
        kind = "substack"
    elif host == "stackoverflow.com" and path.startswith("/feeds/"):
        kind = "stackoverflow"
    elif _MASTODON_PATH.fullmatch(path):
        kind = "mastodon"
    return kind


_WEB = re.compile(r"^https?://", re.IGNORECASE)
_MASTODON_PATH = re.compile(r"/@[A-Za-z0-9_]+\.rss")


def _refine(feed: FeedSpec) -> FeedSpec:
    if feed.kind == "url" and (kind := guess_kind(feed.url)) != "url":
        return dataclasses.replace(feed, kind=kind)
    return feed


def feed_label(feed: FeedSpec) -> str:
    """Return a short human label for listings: the configured label, else one from the URL.

    Posts from ``selfwatch audit`` come from ``archive:<source>`` (``X/Twitter archive``).
    """
    if feed.label:
        return feed.label
    if feed.url.startswith(ARCHIVE):
        source = feed.url.removeprefix(ARCHIVE)
        return f"{_ARCHIVE_NAMES.get(source, source.capitalize())} archive"
    kind = feed.kind if feed.kind != "url" else guess_kind(feed.url)
    if kind == "file":
        return f"File {PurePath(feed.url.removeprefix('file://')).name}"
    parts = urlsplit(feed.url)
    where = (parts.hostname or "").removeprefix("www.") + parts.path.rstrip("/")
    if len(where) > 60:
        where = where[:57] + "..."
    return f"{_KIND_LABELS[kind]} {where}" if kind != "url" else where


def _dedupe(feeds: Iterable[FeedSpec]) -> tuple[FeedSpec, ...]:
    # Imported here: parse brings in feedparser, and the config loader (on the lint path)
    # uses this module to check handles.
    from .parse import canonical_url

    seen: dict[str, FeedSpec] = {}
    for feed in feeds:
        seen.setdefault(canonical_url(feed.url), feed)
    return tuple(seen.values())
