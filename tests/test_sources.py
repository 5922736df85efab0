"""sources.py: which feed URLs a profile turns into."""

from __future__ import annotations

import pytest

from selfwatch.errors import ConfigError
from selfwatch.model import FeedSpec, Profile
from selfwatch.sources import FEED_SITES, feed_label, feeds_for, guess_kind, handle_feed


def jane(**changes: object) -> Profile:
    values: dict[str, object] = {
        "key": "jane",
        "name": "Jane Doe",
        "variants": ("J. Doe",),
        "exclude_terms": ("softball", "Beavers softball"),
    }
    values.update(changes)
    return Profile(**values)  # type: ignore[arg-type]


def test_search_feeds_for_each_name_with_exclusions_where_supported() -> None:
    urls = [f.url for f in feeds_for(jane())]
    assert urls == [
        "https://news.google.com/rss/search?q=%22Jane+Doe%22+-softball+-%22Beavers+softball%22"
        "&hl=en-US&gl=US&ceid=US:en",
        "https://www.bing.com/news/search?q=%22Jane+Doe%22+-softball+-%22Beavers+softball%22"
        "&format=rss",
        "https://www.reddit.com/search.rss?q=%22Jane+Doe%22&sort=new",
        "https://hnrss.org/newest?q=%22Jane+Doe%22",
        "https://hnrss.org/newcomments?q=%22Jane+Doe%22",
        "https://news.google.com/rss/search?q=%22J.+Doe%22+-softball+-%22Beavers+softball%22"
        "&hl=en-US&gl=US&ceid=US:en",
        "https://www.bing.com/news/search?q=%22J.+Doe%22+-softball+-%22Beavers+softball%22"
        "&format=rss",
        "https://www.reddit.com/search.rss?q=%22J.+Doe%22&sort=new",
        "https://hnrss.org/newest?q=%22J.+Doe%22",
        "https://hnrss.org/newcomments?q=%22J.+Doe%22",
    ]


def test_search_feeds_are_labelled_and_not_own() -> None:
    feeds = feeds_for(jane(variants=()))
    assert [f.kind for f in feeds] == ["google_news", "bing_news", "reddit", "hn", "hn_comments"]
    assert {f.profile for f in feeds} == {"jane"}
    assert not any(f.own for f in feeds)
    assert feeds[0].label == 'Google News: "Jane Doe"'
    assert feeds[4].label == 'Hacker News comments: "Jane Doe"'


def test_search_can_be_switched_off() -> None:
    assert feeds_for(jane(search=False)) == ()


HANDLES = [
    ("mastodon", "@janedoe@Hachyderm.io", "https://hachyderm.io/@janedoe.rss"),
    ("mastodon", "janedoe@hachyderm.io", "https://hachyderm.io/@janedoe.rss"),
    ("mastodon", "https://hachyderm.io/@janedoe", "https://hachyderm.io/@janedoe.rss"),
    ("bluesky", "@janedoe.bsky.social", "https://bsky.app/profile/janedoe.bsky.social/rss"),
    ("bluesky", "janedoe.dev", "https://bsky.app/profile/janedoe.dev/rss"),
    (
        "bluesky",
        "did:plc:z72i7hdynmk6r22z27h6tvur",
        "https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvur/rss",
    ),
    (
        "youtube",
        "UC7kJd9vQ2xLm4Np8Rt3Ws1A",
        "https://www.youtube.com/feeds/videos.xml?channel_id=UC7kJd9vQ2xLm4Np8Rt3Ws1A",
    ),
    (
        "youtube",
        "https://www.youtube.com/channel/UC7kJd9vQ2xLm4Np8Rt3Ws1A",
        "https://www.youtube.com/feeds/videos.xml?channel_id=UC7kJd9vQ2xLm4Np8Rt3Ws1A",
    ),
    ("github", "janedoe", "https://github.com/janedoe.atom"),
    ("github", "@jane-doe", "https://github.com/jane-doe.atom"),
    ("medium", "@janedoe", "https://medium.com/feed/@janedoe"),
    ("medium", "jane.doe", "https://medium.com/feed/@jane.doe"),
    ("substack", "janedoe", "https://janedoe.substack.com/feed"),
    ("substack", "https://janedoe.substack.com/", "https://janedoe.substack.com/feed"),
    ("stackoverflow", "5551234", "https://stackoverflow.com/feeds/user/5551234"),
    (
        "stackoverflow",
        "https://stackoverflow.com/users/5551234/jane-doe",
        "https://stackoverflow.com/feeds/user/5551234",
    ),
]


@pytest.mark.parametrize(("site", "handle", "url"), HANDLES)
def test_handles_become_own_feeds(site: str, handle: str, url: str) -> None:
    (feed,) = feeds_for(jane(search=False, handles=((site, handle),)))
    assert feed == FeedSpec(url=url, kind=site, profile="jane", own=True, label=feed.label)  # type: ignore[arg-type]
    assert feed.label


BAD = [
    ("mastodon", "janedoe", "not a Mastodon handle: 'janedoe' (expected @user@instance"),
    ("bluesky", "jane doe", "not a Bluesky handle"),
    ("youtube", "@janedoecodes", "not a YouTube channel id: '@janedoecodes'"),
    ("github", "jane_doe!", "not a GitHub user name"),
    ("github", "-jane", "not a GitHub user name"),
    ("medium", "jane/doe", "not a Medium user name"),
    ("substack", "jane doe", "not a Substack publication name"),
    ("stackoverflow", "jane-doe", "not a Stack Overflow user id"),
]


@pytest.mark.parametrize(("site", "handle", "message"), BAD)
def test_bad_handles_name_their_key(site: str, handle: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        feeds_for(jane(handles=((site, handle),)))
    assert str(caught.value).startswith(f"profiles[jane].handles.{site}: {message}")


def test_every_bad_handle_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as caught:
        feeds_for(jane(handles=(("mastodon", "x"), ("github", "ok-user"), ("youtube", "y"))))
    assert [p.split(":")[0] for p in caught.value.problems] == [
        "profiles[jane].handles.mastodon",
        "profiles[jane].handles.youtube",
    ]


def test_sites_without_a_feed_are_left_for_matching() -> None:
    profile = jane(search=False, handles=(("linkedin", "janedoe"), ("github", "janedoe")))
    assert [f.url for f in feeds_for(profile)] == ["https://github.com/janedoe.atom"]
    assert "linkedin" not in FEED_SITES
    with pytest.raises(ValueError, match="no feed is known for site 'linkedin'"):
        handle_feed("linkedin", "janedoe", "jane")


def test_configured_feeds_come_first_and_duplicates_go() -> None:
    configured = (
        FeedSpec("https://hnrss.org/newest?q=%22Jane+Doe%22", "url", "jane", label="My HN"),
        FeedSpec("HTTPS://GitHub.com/janedoe.atom", "url", "jane", own=True),
        FeedSpec("https://www.google.com/alerts/feeds/0451278832/9182736450", "url", "jane"),
        FeedSpec("/home/jane/exports/blog.xml", "file", "jane"),
    )
    feeds = feeds_for(jane(variants=(), feeds=configured, handles=(("github", "janedoe"),)))
    urls = [f.url for f in feeds]
    assert urls[:4] == [f.url for f in configured]
    assert len(urls) == len(set(urls)) == 4 + 4  # HN stories and GitHub were already there
    assert feeds[0].label == "My HN"
    # A pasted URL gets its kind recognised, for labels and for the matcher.
    assert [f.kind for f in feeds[:4]] == ["hn", "github", "google_alerts", "file"]


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://news.google.com/rss/search?q=x", "google_news"),
        ("https://www.google.com/alerts/feeds/1/2", "google_alerts"),
        ("https://www.bing.com/news/search?q=x&format=rss", "bing_news"),
        ("https://old.reddit.com/r/portland/.rss", "reddit"),
        ("https://hnrss.org/newcomments?q=x", "hn_comments"),
        ("https://fosstodon.org/@jane.rss", "mastodon"),
        ("https://janedoe.dev/index.xml", "url"),
        ("file:///tmp/feed.xml", "file"),
        ("feeds/local.xml", "file"),
    ],
)
def test_guess_kind(url: str, kind: str) -> None:
    assert guess_kind(url) == kind


def test_feed_labels() -> None:
    assert feed_label(FeedSpec("https://x.example/f", "url", "jane", label="Mine")) == "Mine"
    assert feed_label(FeedSpec("https://www.google.com/alerts/feeds/1/2", "url", "jane")) == (
        "Google Alerts google.com/alerts/feeds/1/2"
    )
    assert feed_label(FeedSpec("https://janedoe.dev/index.xml", "url", "jane")) == (
        "janedoe.dev/index.xml"
    )
    assert feed_label(FeedSpec("file:///home/jane/blog.xml", "file", "jane")) == "File blog.xml"
    long = feed_label(FeedSpec("https://janedoe.dev/" + "a" * 100, "url", "jane"))
    assert len(long) == 60 and long.endswith("...")
    for feed in feeds_for(jane(handles=(("mastodon", "@janedoe@hachyderm.io"),))):
        assert feed_label(feed) == feed.label != ""
