"""Tests for reading own-data exports: every format, its quirks, directories and zips."""

from __future__ import annotations

import json
import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from selfwatch.archive import (
    ArchiveItem,
    archive_id,
    fix_mojibake,
    parse_date,
    parse_file,
    read_archive,
)
from selfwatch.errors import InputError

FIXTURES = Path(__file__).parent / "fixtures" / "archives"


def read(path: Path, twitter_handle: str | None = None) -> list[ArchiveItem]:
    return list(read_archive(path, twitter_handle=twitter_handle))


def by_text(items: list[ArchiveItem], start: str) -> ArchiveItem:
    found = [i for i in items if i.post.text.startswith(start)]
    assert len(found) == 1, [i.post.text for i in items]
    return found[0]


def zip_dir(source: Path, target: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(source.rglob("*")):
            if path.is_file():
                archive.write(path, prefix + path.relative_to(source).as_posix())
    return target


# --- X / Twitter ----------------------------------------------------------------------------


@pytest.fixture
def twitter_dir(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURES / "twitter", tmp_path / "twitter-2024-01-01-abc"))


def test_twitter_directory_reads_both_parts_with_handle_from_account_js(twitter_dir: Path) -> None:
    items = read(twitter_dir)
    assert {i.source for i in items} == {"twitter"}
    assert len(items) == 5  # 4 in tweets.js + 1 in tweets-part1.js; deleted-tweets.js ignored
    boss = by_text(items, "My boss at Acme Corp")
    assert boss.native_id == "1050118621198921728"
    assert boss.post.url == "https://x.com/janedoe_pdx/status/1050118621198921728"
    assert boss.post.published == datetime(2018, 10, 10, 20, 19, 24, tzinfo=UTC)
    assert boss.post.id == archive_id("twitter", "1050118621198921728")
    assert boss.post.feed_url == "archive:twitter"
    assert boss.post.author == "@janedoe_pdx"
    assert not any("Bluebird" in i.post.text for i in items)


def test_twitter_expands_tco_drops_media_links_and_decodes_entities(twitter_dir: Path) -> None:
    items = read(twitter_dir)
    talk = by_text(items, "Gave a talk")
    assert talk.post.text == (
        "Gave a talk on Rust async at the Portland meetup, slides are up & free #rustlang "
        "https://janedoe.dev/talks/rust-async"
    )
    city = by_text(items, "what the fuck")
    assert city.post.text == "what the fuck is wrong with this city"
    assert "t.co" not in " ".join(i.post.text for i in items)


def test_twitter_marks_retweets_and_replies(twitter_dir: Path) -> None:
    items = read(twitter_dir)
    retweet = by_text(items, "RT @samwrites")
    assert retweet.is_repost and not retweet.is_reply
    reply = by_text(items, "@pdxeats So wasted")
    assert reply.is_reply and not reply.is_repost
    assert sum(i.is_repost for i in items) == 1


def test_twitter_single_file_with_ytd_prefix_and_no_account_js(tmp_path: Path) -> None:
    tweets = tmp_path / "tweets.js"
    tweets.write_bytes((FIXTURES / "twitter" / "data" / "tweets.js").read_bytes())
    items = read(tweets)
    assert len(items) == 4
    assert by_text(items, "My boss").post.url == ("https://x.com/i/web/status/1050118621198921728")
    assert read(tweets, twitter_handle="jd")[0].post.url.startswith("https://x.com/jd/status/")


def test_twitter_single_file_finds_the_sibling_account_js(twitter_dir: Path) -> None:
    items = read(twitter_dir / "data" / "tweets-part1.js")
    assert [i.post.url for i in items] == ["https://x.com/janedoe_pdx/status/1335312345678901248"]


def test_twitter_zip_is_read_without_extracting(twitter_dir: Path, tmp_path: Path) -> None:
    archive = zip_dir(twitter_dir, tmp_path / "twitter-2024.zip")
    before = sorted(tmp_path.rglob("*"))
    items = read(archive)
    assert len(items) == 5
    assert items[0].origin.startswith(f"{archive}!data/")
    assert all(i.post.url.startswith("https://x.com/janedoe_pdx/") for i in items)
    assert sorted(tmp_path.rglob("*")) == before


def test_twitter_old_style_tweet_js_name_and_prefix(tmp_path: Path) -> None:
    old = tmp_path / "tweet.js"
    old.write_text(
        'window.YTD.tweet.part0 = [ { "tweet" : { "id_str" : "42", "full_text" : "hello", '
        '"created_at" : "Fri Feb 23 22:34:37 +0000 2018" } } ]',
        encoding="utf-8",
    )
    [item] = read(old)
    assert item.post.text == "hello"
    assert item.post.published == datetime(2018, 2, 23, 22, 34, 37, tzinfo=UTC)


# --- Mastodon -------------------------------------------------------------------------------


def test_mastodon_outbox_strips_html_keeps_cw_and_marks_boosts() -> None:
    items = read(FIXTURES / "mastodon" / "outbox.json")
    own = [i for i in items if not i.is_repost]
    assert len(own) == 3
    assert [i.post.url for i in items if i.is_repost] == [
        "https://hachyderm.io/users/samwrites/statuses/109499999999999999"
    ]
    hello = by_text(own, "Hello fediverse!")
    assert hello.post.text == (
        "Hello fediverse! I write about #python & data pipelines. Blog: https://janedoe.dev/"
    )
    assert "<" not in hello.post.text
    assert hello.post.url == "https://mastodon.social/@janedoe/109312345678901234"
    assert hello.native_id == "https://mastodon.social/users/janedoe/statuses/109312345678901234"
    assert hello.visibility == "public"
    assert hello.post.published == datetime(2022, 11, 9, 18, 4, 51, tzinfo=UTC)
    reply = by_text(own, "@samwrites smoked")
    assert reply.is_reply and reply.post.title == "interview story"
    garden = by_text(own, "New year")
    assert garden.post.text == "New year, new garden beds.\nTomatoes first."
    assert garden.visibility == "followers"


def test_mastodon_zip_reads_outbox_and_ignores_other_json(tmp_path: Path) -> None:
    archive = zip_dir(FIXTURES / "mastodon", tmp_path / "archive-20240101.zip")
    items = read(archive)
    assert {i.source for i in items} == {"mastodon"}
    assert len(items) == 4


# --- Facebook -------------------------------------------------------------------------------


def test_facebook_fixes_mojibake_and_skips_photo_only_posts() -> None:
    items = read(FIXTURES / "facebook")
    texts = [i.post.text for i in items]
    assert texts == [
        "Best café in Portland, hands down 😀",
        "Call me at +1 503 555 0142 if you want the couch, free to a good home",
        "Mötley Crüe tickets secured. Déjà vu from 2005!",
    ]
    assert items[0].post.published == datetime(2019, 3, 2, 10, 0, tzinfo=UTC)
    assert items[0].post.url == ""
    assert items[0].source == "facebook"


def test_facebook_second_part_and_newer_file_name_in_zip(tmp_path: Path) -> None:
    raw = (FIXTURES / "facebook/your_activity_across_facebook/posts/your_posts_1.json").read_bytes()
    other = json.dumps([{"timestamp": 1700000000, "data": [{"post": "Part two"}]}]).encode()
    archive = tmp_path / "facebook-janedoe.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("posts/your_posts_1.json", raw)
        z.writestr("your_activity_across_facebook/posts/your_posts_2.json", other)
        z.writestr(
            "your_activity_across_facebook/posts/your_posts__check_ins__photos_and_videos_1.json",
            json.dumps([{"timestamp": 1700000001, "data": [{"post": "Check-in at PDX"}]}]),
        )
        z.writestr("your_activity_across_facebook/comments_and_reactions/comments.json", "{}")
    texts = [i.post.text for i in read(archive)]
    assert "Part two" in texts and "Check-in at PDX" in texts
    assert "Best café in Portland, hands down 😀" in texts
    assert len(texts) == 5


def test_fix_mojibake_round_trip_only() -> None:
    assert fix_mojibake("caf\u00c3\u00a9") == "café"
    assert fix_mojibake("\u00f0\u009f\u0098\u0080") == "😀"
    assert fix_mojibake("café") == "café"  # already right: its Latin-1 bytes are not UTF-8
    assert fix_mojibake("naïve 😀") == "naïve 😀"  # above U+00FF: not mojibake
    assert fix_mojibake("plain") == "plain"


# --- Reddit and LinkedIn CSV ----------------------------------------------------------------


def test_reddit_posts_and_comments() -> None:
    items = read(FIXTURES / "reddit")
    assert {i.source for i in items} == {"reddit"}
    assert len(items) == 4  # the [deleted] post is skipped, messages.csv is never read
    assert not any("private" in i.post.text for i in items)
    rant = by_text(items, "I hate my job")
    assert rant.post.title == "Rant" and not rant.is_reply
    assert rant.native_id == "uq3m8z"
    assert rant.post.published == datetime(2022, 5, 15, 18, 40, 12, tzinfo=UTC)
    bakery = by_text(items, "Moving to the neighbourhood")
    assert bakery.post.text.endswith("Can anyone recommend a good bakery in Portland?")
    hungover = by_text(items, "So wasted")
    assert hungover.is_reply
    assert hungover.post.url == "https://www.reddit.com/r/Portland/comments/uz0000/weekend/i9zz001/"


def test_linkedin_shares_and_comments() -> None:
    items = read(FIXTURES / "linkedin")
    assert {i.source for i in items} == {"linkedin"}
    shares = [i for i in items if not i.is_reply]
    comments = [i for i in items if i.is_reply]
    assert len(shares) == 2 and len(comments) == 2
    bluebird = by_text(shares, "Sneak peek")
    assert bluebird.post.text == 'Sneak peek: Project Bluebird launches next month. "Stay tuned"'
    assert bluebird.post.url.startswith("https://www.linkedin.com/feed/update/urn%3Ali%3Ashare")
    assert bluebird.native_id == bluebird.post.url
    assert bluebird.visibility == "member_network"
    assert bluebird.post.published == datetime(2023, 9, 1, 8, 2, 10, tzinfo=UTC)
    assert by_text(comments, "what the fuck").post.url.endswith("7121000000000000000")


def test_reddit_comments_and_linkedin_comments_share_a_name_but_not_columns(tmp_path: Path) -> None:
    reddit = tmp_path / "reddit" / "comments.csv"
    linkedin = tmp_path / "linkedin" / "Comments.csv"
    for src, dst in ((FIXTURES / "reddit/comments.csv", reddit),
                     (FIXTURES / "linkedin/Comments.csv", linkedin)):  # fmt: skip
        dst.parent.mkdir()
        shutil.copy(src, dst)
    assert {i.source for i in read(reddit)} == {"reddit"}
    assert {i.source for i in read(linkedin)} == {"linkedin"}


# --- generic formats ------------------------------------------------------------------------


def test_generic_csv_jsonl_and_text() -> None:
    csv_items = read(FIXTURES / "generic" / "drafts.csv")
    assert [i.source for i in csv_items] == ["csv", "csv"]
    assert csv_items[1].post.published == datetime(2021, 7, 5, 5, 30, tzinfo=UTC)
    assert csv_items[1].post.url == "https://janedoe.dev/notes/2"

    jsonl = read(FIXTURES / "generic" / "posts.jsonl")
    assert [i.native_id for i in jsonl] == ["b-001", "b-002"]
    assert jsonl[1].post.text == "smoked a joint before the interview haha"
    assert jsonl[1].post.published == datetime.fromtimestamp(1590000000, UTC)

    text = read(FIXTURES / "generic" / "old_posts.txt")
    assert [i.post.text for i in text] == [
        "Spent the weekend hiking Forest Park. Ten miles, no blisters.",
        "what the fuck is wrong with this city\nsome days it really gets to me",
        'Reading "Designing Data-Intensive Applications" again.',
    ]
    assert all(i.post.published is None for i in text)


def test_ids_are_stable_across_reads_and_copies(tmp_path: Path) -> None:
    first = [i.post.id for i in read(FIXTURES / "generic" / "old_posts.txt")]
    copy = tmp_path / "notes.txt"
    shutil.copy(FIXTURES / "generic" / "old_posts.txt", copy)
    assert [i.post.id for i in read(copy)] == first
    assert len(set(first)) == 3


def test_generic_csv_in_cp1252_and_with_a_bom(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_bytes("Message,Date\r\n\u201cCaf\u00e9\u201d rant,2020-01-01\r\n".encode("cp1252"))
    assert read(path)[0].post.text == "\u201cCaf\u00e9\u201d rant"
    path.write_bytes("\ufefftext\r\nhello\r\n".encode())
    assert read(path)[0].post.text == "hello"


def test_csv_without_a_text_column_names_the_columns(tmp_path: Path) -> None:
    path = tmp_path / "stats.csv"
    path.write_text("day,likes\n2020-01-01,3\n", encoding="utf-8")
    with pytest.raises(
        InputError, match=r"stats.csv: no column with the post text \(columns: day, likes\)"
    ):
        read(path)


def test_bad_jsonl_line_is_located(tmp_path: Path) -> None:
    path = tmp_path / "posts.jsonl"
    path.write_text('{"text": "ok"}\n{"text": \n', encoding="utf-8")
    with pytest.raises(InputError, match=r"posts.jsonl:2: not valid JSON"):
        read(path)


# --- detection and errors -------------------------------------------------------------------


def test_unknown_format_lists_what_is_supported(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0 not a post")
    with pytest.raises(InputError) as caught:
        read(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: unknown export format; selfwatch reads ")
    for name in ("tweets.js", "outbox.json", "your_posts_N.json", "Shares.csv", "comments.csv"):
        assert name in message


def test_directory_and_zip_without_exports_are_errors(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.md").write_text("hi", encoding="utf-8")
    with pytest.raises(InputError, match="no export files found"):
        read(tmp_path / "empty")
    archive = tmp_path / "media.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("media/1.jpg", b"\xff\xd8")
    with pytest.raises(InputError, match="no export files in this zip"):
        read(archive)


def test_missing_path_and_broken_json(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or directory"):
        read(tmp_path / "nope.zip")
    broken = tmp_path / "outbox.json"
    broken.write_text('{"orderedItems": [', encoding="utf-8")
    with pytest.raises(InputError, match=r"outbox\.json: not valid JSON"):
        read(broken)


def test_zip_bomb_member_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "twitter.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("data/tweets.js", b"window.YTD.tweets.part0 = [" + b" " * (8 << 20) + b"]")
    with pytest.raises(InputError, match="refusing a member that expands to"):
        read(archive)


def test_content_detection_without_a_telling_name(tmp_path: Path) -> None:
    tweets = tmp_path / "export-1.js"
    tweets.write_bytes(b'window.YTD.tweets.part0 = [{"tweet": {"id_str": "7", "full_text": "x"}}]')
    outbox = tmp_path / "mine.json"
    outbox.write_text('{"type": "OrderedCollection", "orderedItems": []}', encoding="utf-8")
    assert [i.source for i in read(tweets)] == ["twitter"]
    assert read(outbox) == []


def test_parse_file_is_pure_over_bytes() -> None:
    data = b'[{"timestamp": 1551520800, "data": [{"post": "caf\\u00c3\\u00a9"}]}]'
    [item] = parse_file("your_posts_1.json", data)
    assert item.post.text == "café"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Wed Oct 10 20:19:24 +0000 2018", datetime(2018, 10, 10, 20, 19, 24, tzinfo=UTC)),
        ("Wed Oct 10 22:19:24 +0200 2018", datetime(2018, 10, 10, 20, 19, 24, tzinfo=UTC)),
        ("2022-05-15 18:40:12 UTC", datetime(2022, 5, 15, 18, 40, 12, tzinfo=UTC)),
        ("2022-11-09T18:04:51Z", datetime(2022, 11, 9, 18, 4, 51, tzinfo=UTC)),
        ("2023-04-12 15:20:31", datetime(2023, 4, 12, 15, 20, 31, tzinfo=UTC)),
        (1551520800, datetime(2019, 3, 2, 10, 0, tzinfo=UTC)),
        ("1551520800000", datetime(2019, 3, 2, 10, 0, tzinfo=UTC)),
        ("Sat, 02 Mar 2019 10:00:00 +0000", datetime(2019, 3, 2, 10, 0, tzinfo=UTC)),
        ("", None),
        ("yesterday", None),
        (None, None),
    ],
)
def test_parse_date(value: object, expected: datetime | None) -> None:
    assert parse_date(value) == expected


def test_a_tweets_file_is_streamed_across_read_windows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from selfwatch.archive import _TextBuffer

    rows = [
        {"tweet": {"id_str": str(n), "full_text": f"Note {n}: " + "é" * 300,
                   "created_at": "Wed Oct 10 20:19:24 +0000 2018"}}
        for n in range(200)
    ]  # fmt: skip
    path = tmp_path / "tweets.js"
    path.write_text("window.YTD.tweets.part0 = " + json.dumps(rows, indent=1), encoding="utf-8")
    monkeypatch.setattr(_TextBuffer, "CHUNK", 997)  # every tweet straddles a window edge
    items = list(read_archive(path))
    assert [i.post.text for i in items] == [f"Note {n}: " + "é" * 300 for n in range(200)]
    path.write_bytes(path.read_bytes()[:-2000])
    with pytest.raises(InputError) as err:
        list(read_archive(path))
    assert str(err.value).startswith(f"{path}: not valid JSON after 19")
