"""Tests for the SQLite state store, against real database files in tmp_path."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from selfwatch.errors import NotFoundError, StoreError
from selfwatch.identity import identify
from selfwatch.match import Mark
from selfwatch.model import FeedSpec, FeedState, Finding, Identity, Level, Mention, Post, Verdict
from selfwatch.store import MIGRATIONS, Polled, Store

T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
FEED_A = "https://news.example.org/rss?q=jane"
FEED_B = "https://search.example.net/feed/jane"

ME = Identity("me", "subject", "full name + context 'Portland'")
CLEAN = Verdict(0, False, (), "v1")


def make_post(post_id: str = "a1b2c3d4", **kw: object) -> Post:
    values: dict[str, object] = {
        "id": post_id,
        "url": f"https://blog.example.com/{post_id}",
        "title": f"Post {post_id}",
        "text": "Jane Doe talks about pipelines in Portland.",
        "author": "Sam Writer",
        "published": T0 - timedelta(days=1),
    }
    values.update(kw)
    return Post(**values)  # type: ignore[arg-type]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "selfwatch.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    with Store.open(db_path) as s:
        yield s


def count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


# --- opening and migrations ------------------------------------------------------------------


def test_open_creates_schema_and_reopen_is_idempotent(db_path: Path) -> None:
    with Store.open(db_path) as store:
        assert store.schema_version == len(MIGRATIONS)
        store.record_post("jane", make_post(), FEED_A, ME, CLEAN, T0)
    with Store.open(db_path) as store:
        assert store.schema_version == len(MIGRATIONS)
        assert len(store.posts("jane")) == 1
    with sqlite3.connect(db_path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"feeds", "posts", "post_feeds", "profile_posts", "feedback"} <= tables


def test_wal_mode_is_on(store: Store, db_path: Path) -> None:
    with sqlite3.connect(db_path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_two_open_stores_share_the_file(db_path: Path) -> None:
    with Store.open(db_path) as one, Store.open(db_path) as two:
        assert one.record_post("jane", make_post("p1"), FEED_A, ME, CLEAN, T0)
        assert two.record_post("jane", make_post("p2"), FEED_A, ME, CLEAN, T0)
        assert not two.record_post("jane", make_post("p1"), FEED_B, ME, CLEAN, T0)
        assert {p.id: p.feeds for p in one.posts("jane")} == {
            "p1": (FEED_A, FEED_B),
            "p2": (FEED_A,),
        }


def test_newer_schema_is_refused(db_path: Path) -> None:
    Store.open(db_path).close()
    with sqlite3.connect(db_path) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(StoreError, match=r"schema 99.*upgrade selfwatch"):
        Store.open(db_path)


def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match=r"junk\.db: not a usable selfwatch database"):
        Store.open(path)


# --- posts -----------------------------------------------------------------------------------


def test_same_post_from_two_feeds_is_stored_once_with_both_feeds(
    store: Store, db_path: Path
) -> None:
    post = make_post()
    assert store.record_post("jane", post, FEED_A, ME, CLEAN, T0) is True
    assert store.record_post("jane", post, FEED_B, ME, CLEAN, T0 + timedelta(hours=1)) is False
    (stored,) = store.posts("jane")
    assert stored.feeds == (FEED_A, FEED_B)
    assert stored.seen_at == T0
    assert stored.post.feed_url == FEED_A
    assert count(db_path, "posts") == 1
    assert count(db_path, "post_feeds") == 2


def test_same_post_for_two_profiles_shares_one_row(store: Store, db_path: Path) -> None:
    post = make_post()
    assert store.record_post("jane", post, FEED_A, ME, CLEAN, T0)
    assert store.record_post("john", post, FEED_A, ME, CLEAN, T0)
    assert count(db_path, "posts") == 1
    assert count(db_path, "profile_posts") == 2
    # Feeds are per profile: john's copy of FEED_A is his own row.
    assert store.posts("john")[0].feeds == (FEED_A,)
    assert len(store.posts()) == 2


def test_record_post_is_idempotent_across_reopen(db_path: Path) -> None:
    post = make_post()
    with Store.open(db_path) as store:
        assert store.record_post("jane", post, FEED_A, ME, CLEAN, T0)
    with Store.open(db_path) as store:
        assert not store.record_post("jane", post, FEED_A, ME, CLEAN, T0 + timedelta(days=1))
        (stored,) = store.posts("jane")
    assert stored.seen_at == T0
    assert stored.post == Post(**{**post.__dict__, "feed_url": FEED_A})
    assert count(db_path, "post_feeds") == 1


def test_a_crash_inside_a_cycle_leaves_nothing_partial(db_path: Path) -> None:
    with (
        Store.open(db_path) as store,
        pytest.raises(RuntimeError, match="power cut"),
        store.transaction(),
    ):
        store.record_post("jane", make_post("p1"), FEED_A, ME, CLEAN, T0)
        store.record_post("jane", make_post("p2"), FEED_A, ME, CLEAN, T0)
        raise RuntimeError("power cut")
    with Store.open(db_path) as store:
        assert store.posts() == []
        # The next run records everything once.
        assert store.record_post("jane", make_post("p1"), FEED_A, ME, CLEAN, T0)
    for table, rows in (("posts", 1), ("post_feeds", 1), ("profile_posts", 1), ("feeds", 1)):
        assert count(db_path, table) == rows


def test_a_failure_half_way_through_record_post_rolls_it_back(db_path: Path) -> None:
    bad = Identity("unsure", "subject", "")  # type: ignore[arg-type]
    with Store.open(db_path) as store, pytest.raises(sqlite3.IntegrityError):
        # The post row and the feed link are written before the CHECK on confidence fails.
        store.record_post("jane", make_post(), FEED_A, bad, CLEAN, T0)
    for table in ("posts", "post_feeds", "profile_posts", "feeds"):
        assert count(db_path, table) == 0


def test_nested_transaction_failure_rolls_back_only_the_inner_block(store: Store) -> None:
    with store.transaction():
        store.record_post("jane", make_post("p1"), FEED_A, ME, CLEAN, T0)
        with pytest.raises(ValueError), store.transaction():
            store.record_post("jane", make_post("p2"), FEED_A, ME, CLEAN, T0)
            raise ValueError("skip this one")
    assert [p.id for p in store.posts()] == ["p1"]


def test_findings_and_mentions_round_trip_exactly(store: Store) -> None:
    findings = (
        Finding(
            "employer.badmouthing", "employer", Level.ERROR, 10, 24, 2, 5, "my boss is a clown",
            "Criticising your employer in public.", "Say it in private.", "term 'clown' + 'boss'",
        ),
        Finding("misc.note", "expertise", Level.INFO, 0, 3, 1, 1, "über", "Naïve — “quoted”", ""),
        Finding("x.y", "profanity", Level.WARNING, 1, 2, 1, 2, "a", "m", "s"),
    )  # fmt: skip
    verdict = Verdict(72, True, findings, "builtin-2026.1")
    mention = Mention("Jane Doe", "text", 0, 8, "Jane Doe talks about…")
    identity = Identity("maybe", "author", "full name, no context", (mention,))
    store.record_post("jane", make_post(), FEED_A, identity, verdict, T0)
    stored = store.get("a1b2c3d4")
    assert stored.verdict == verdict
    assert stored.identity == identity
    assert [f.level for f in stored.verdict.findings] == [Level.ERROR, Level.INFO, Level.WARNING]


def test_posts_filters_and_orders(store: Store) -> None:
    risky = Verdict(80, True, (), "v1")
    mild = Verdict(45, True, (), "v1")
    maybe = Identity("maybe", "subject", "full name, no context")
    store.record_post("jane", make_post("old", published=T0 - timedelta(days=9)), "", ME, mild, T0)
    store.record_post("jane", make_post("new", published=T0), "", maybe, risky, T0 + timedelta(1))
    store.record_post("jane", make_post("nodate", published=None), "", ME, CLEAN, T0)
    store.record_post("john", make_post("other"), "", ME, risky, T0)

    assert [p.id for p in store.posts("jane")] == ["new", "nodate", "old"]
    assert [p.id for p in store.posts("jane", order="risk")] == ["new", "old", "nodate"]
    assert [p.id for p in store.posts("jane", flagged=True)] == ["new", "old"]
    assert [p.id for p in store.posts("jane", flagged=False)] == ["nodate"]
    assert [p.id for p in store.posts("jane", confidence="maybe")] == ["new"]
    assert [p.id for p in store.posts("jane", confidence=["me"])] == ["nodate", "old"]
    assert [p.id for p in store.posts("jane", since=T0 + timedelta(hours=1))] == ["new"]
    assert [p.id for p in store.posts("jane", order="risk", limit=1)] == ["new"]
    assert {p.profile for p in store.posts(flagged=True)} == {"jane", "john"}
    assert {p.status for p in store.posts()} == {"new"}
    assert store.posts("jane", status="acked") == []
    assert store.posts("nobody") == []


def test_timestamps_are_kept_in_utc(store: Store) -> None:
    paris = timezone(timedelta(hours=1))
    post = make_post(published=datetime(2026, 1, 1, 10, 0, tzinfo=paris))
    store.record_post("jane", post, FEED_A, ME, CLEAN, datetime(2026, 1, 2, 12, 0))  # naive = UTC
    stored = store.get(post.id)
    assert stored.post.published == datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    assert stored.seen_at == datetime(2026, 1, 2, 12, 0, tzinfo=UTC)


# --- lookup by id or prefix ------------------------------------------------------------------


@pytest.fixture
def several(store: Store) -> Store:
    for post_id in ("abc123", "abd456", "abc", "fff000"):
        store.record_post("jane", make_post(post_id), FEED_A, ME, CLEAN, T0)
    store.record_post("john", make_post("fff000"), FEED_B, ME, CLEAN, T0)
    store.record_post("john", make_post("eee111"), FEED_B, ME, CLEAN, T0)
    return store


def test_get_by_full_id_and_unique_prefix(several: Store) -> None:
    assert several.get("abc123").id == "abc123"
    assert several.get("abd").id == "abd456"
    assert several.get("  abd4 ").id == "abd456"
    assert several.get("e").profile == "john"


def test_get_exact_id_wins_over_longer_ids_it_prefixes(several: Store) -> None:
    assert several.get("abc").id == "abc"


def test_get_ambiguous_prefix(several: Store) -> None:
    with pytest.raises(NotFoundError) as info:
        several.get("ab")
    assert str(info.value) == (
        "post id 'ab' is ambiguous: it starts 3 ids (abc, abc123, abd456); give more characters"
    )


def test_get_unknown(several: Store) -> None:
    with pytest.raises(NotFoundError, match=r"^no post with id 'zz'$"):
        several.get("zz")
    with pytest.raises(NotFoundError, match=r"^no post with id 'eee' for profile 'jane'$"):
        several.get("eee", "jane")
    with pytest.raises(NotFoundError, match="give a post id"):
        several.get("")


def test_get_across_profiles_asks_for_profile(several: Store) -> None:
    with pytest.raises(NotFoundError) as info:
        several.get("fff")
    assert str(info.value) == (
        "post fff000 was recorded for several profiles (jane, john); pick one with --profile"
    )
    assert several.get("fff", "john").feeds == (FEED_B,)
    assert several.get("fff000", profile="jane").feeds == (FEED_A,)


def test_set_identity(several: Store) -> None:
    new = Identity("not_me", "subject", "this post was marked not-me")
    several.set_identity("jane", "abc123", new)
    assert several.get("abc123").identity == new
    with pytest.raises(NotFoundError):
        several.set_identity("jane", "eee111", new)


# --- feeds -----------------------------------------------------------------------------------

SPEC = FeedSpec(FEED_A, "google_news", "jane", label="Google News: Jane Doe")


def test_feed_state_save_and_load(store: Store) -> None:
    state = FeedState(
        url=FEED_A,
        etag='W/"abc"',
        last_modified="Wed, 31 Dec 2025 10:00:00 GMT",
        last_success=T0,
        last_error="HTTP 503",
        last_error_at=T0 - timedelta(hours=2),
        failures=0,
        next_attempt=T0 + timedelta(minutes=30),
    )
    store.save_feed_state("jane", SPEC, state)
    states = store.feed_states("jane", [FEED_A, FEED_B])
    assert states == {FEED_A: state, FEED_B: FeedState(url=FEED_B)}
    # Feeds are per profile.
    assert store.feed_states("john", [FEED_A]) == {FEED_A: FeedState(url=FEED_A)}
    # Saving again updates in place.
    later = FeedState(url=FEED_A, failures=3, last_error="timeout", disabled="410 Gone")
    store.save_feed_state("jane", SPEC, later)
    assert store.feed_states("jane", [FEED_A])[FEED_A] == later


def test_a_batch_of_feed_states_is_saved_as_one_at_a_time_would(tmp_path: Path) -> None:
    urls = [f"https://feeds.example/{i}.xml" for i in range(30)]
    moved = "https://feeds.example/moved.xml"

    def fill(store: Store) -> None:
        for url in urls:  # rows that exist, some of them moved since
            store.save_feed_state("jane", FeedSpec(url, "url", "jane"), FeedState(url))
        store.move_feed("jane", urls[3], "https://feeds.example/3-new.xml")
        store.save_feed_state("john", FeedSpec(urls[0], "url", "john"), FeedState(urls[0]))

    batch = [
        (FeedSpec(url, "url", "jane", label=f"feed {i}"), FeedState(url, etag=f'"{i}"'))
        for i, url in enumerate([*urls[:20], "https://feeds.example/new.xml"])
    ]
    batch[3] = (batch[3][0], FeedState("https://feeds.example/3-new.xml", etag='"3"'))
    batch[5] = (batch[5][0], FeedState(moved, etag='"5"'))  # a 301 seen in this poll
    results = []
    for name, many in (("one.db", False), ("batch.db", True)):
        with Store.open(tmp_path / name) as store:
            fill(store)
            if many:
                store.save_feed_states("jane", batch)
            else:
                for spec, state in batch:
                    store.save_feed_state("jane", spec, state)
            asked = [*urls, moved, "https://feeds.example/new.xml"]
            results.append((store.feed_states("jane", asked), store.feed_health("jane")))
    assert results[0] == results[1]
    states, _ = results[1]
    assert states[urls[5]].url == moved and states[urls[5]].etag == '"5"'
    assert states[urls[3]].url == "https://feeds.example/3-new.xml"  # found by its old URL
    assert states[urls[3]].etag == '"3"'
    assert states[urls[25]].etag is None  # not in the batch


def test_a_batch_of_polls_is_stored_as_one_feed_at_a_time_would(tmp_path: Path) -> None:
    urls = [f"https://feeds.example/{i}.xml" for i in range(40)]
    other = Identity("not_me", "subject", "another Jane Doe")

    def poll(i: int) -> Polled:
        shared = make_post("shared", text="Jane Doe, found by every other feed")
        own = [make_post(f"p{i}-{n}", title=f"Post {i}.{n}") for n in range(3)]
        items = [(p, ME if n else other, CLEAN) for n, p in enumerate(own)]
        if i % 2:
            items.append((shared, ME, CLEAN))
            items.append((own[0], ME, CLEAN))  # the same post twice in one feed
        state = FeedState(urls[i], etag=f'"{i}"')
        if i == 7:
            state = FeedState("https://feeds.example/7-moved.xml", etag='"7"')  # a 301
        also = ("old",) if i == 9 else ()
        return Polled(FeedSpec(urls[i], "url", "jane", label=f"feed {i}"), state, items, also)

    polls = [poll(i) for i in range(40)]
    results = []
    for name, many in (("one.db", False), ("batch.db", True)):
        with Store.open(tmp_path / name) as store:
            store.save_feed_state("jane", FeedSpec(urls[0], "url", "jane"), FeedState(urls[0]))
            store.record_post("jane", make_post("old"), urls[0], ME, CLEAN, T0)
            store.record_post("john", make_post("p3-1"), "", ME, CLEAN, T0)  # another profile's
            statements: list[str] = []
            store._db.set_trace_callback(statements.append)
            if many:
                added = store.record_polls("jane", polls, T0 + timedelta(hours=1))
            else:
                added = []
                for p in polls:
                    with store.transaction():
                        seen = T0 + timedelta(hours=1)
                        added.append(
                            store.record_posts(
                                "jane", p.items, p.spec.url, seen, also_found=p.also_found
                            )
                        )
                        store.save_feed_state("jane", p.spec, p.state)
            store._db.set_trace_callback(None)
            everything = store.posts("jane", confidence=("me", "maybe", "not_me"))
            # Each row of an executemany is traced: count the look-ups and the transactions.
            asked = [q for q in statements if q.startswith(("SELECT", "BEGIN", "SAVEPOINT"))]
            results.append((added, everything, store.feed_health("jane"), len(asked)))
    (one, batch) = results
    assert batch[:3] == one[:3]
    assert sum(map(len, batch[0])) == 40 * 3 + 1  # "shared" is new once, "old" never
    assert (
        batch[3] <= 12 < 40 < one[3]
    )  # a few look-ups for the batch, not a few per feed  # a dozen statements for the whole batch


def test_what_recording_returns_is_what_is_read_back(store: Store) -> None:
    """New posts come back as stored: found at the feed they were recorded for, times in UTC."""
    times = {
        "utc": T0,
        "naive": datetime(2026, 1, 1, 9, 30),
        "berlin": datetime(2026, 1, 1, 11, 0, 5, 17, tzinfo=timezone(timedelta(hours=2))),
        "none": None,
    }
    posts = [
        make_post(key, published=when, feed_url=FEED_B if key != "utc" else FEED_A)
        for key, when in times.items()
    ]
    added = store.record_posts("jane", [(p, ME, CLEAN) for p in posts], FEED_A, T0)
    read = {sp.id: sp for sp in store.posts("jane")}
    assert {sp.id: sp for sp in added} == read
    assert all(sp.post.feed_url == FEED_A for sp in added)
    assert read["berlin"].post.published == datetime(2026, 1, 1, 9, 0, 5, 17, tzinfo=UTC)
    assert read["naive"].post.published == datetime(2026, 1, 1, 9, 30, tzinfo=UTC)


def test_move_feed_keeps_state_and_posts_and_the_old_url_still_finds_it(store: Store) -> None:
    new_url = "https://news.example.org/v2/rss?q=jane"
    store.save_feed_state("jane", SPEC, FeedState(url=FEED_A, etag="e1", last_success=T0))
    store.record_post("jane", make_post(), FEED_A, ME, CLEAN, T0)
    assert store.move_feed("jane", FEED_A, new_url) is True
    old, new = store.feed_states("jane", [FEED_A, new_url]).values()
    assert old == new == FeedState(url=new_url, etag="e1", last_success=T0)
    assert store.posts("jane")[0].feeds == (new_url,)
    (health,) = store.feed_health("jane")
    assert (health.spec.url, health.configured_url, health.posts) == (new_url, FEED_A, 1)
    assert store.move_feed("jane", "https://unknown.example/feed", new_url) is False


def test_move_onto_an_existing_feed_merges_them(store: Store) -> None:
    store.record_post("jane", make_post("p1"), FEED_A, ME, CLEAN, T0)
    store.record_post("jane", make_post("p2"), FEED_B, ME, CLEAN, T0)
    store.record_post("jane", make_post("p3"), FEED_A, ME, CLEAN, T0)
    store.record_post("jane", make_post("p3"), FEED_B, ME, CLEAN, T0)
    assert store.move_feed("jane", FEED_A, FEED_B)
    assert [h.spec.url for h in store.feed_health("jane")] == [FEED_B]
    assert {p.id: p.feeds for p in store.posts("jane")} == {
        "p1": (FEED_B,),
        "p2": (FEED_B,),
        "p3": (FEED_B,),
    }


def test_save_feed_state_with_a_new_url_moves_the_feed(store: Store) -> None:
    new_url = "https://news.example.org/moved"
    store.save_feed_state("jane", SPEC, FeedState(url=FEED_A))
    store.save_feed_state("jane", SPEC, FeedState(url=new_url, etag="e2"))
    assert store.feed_states("jane", [FEED_A])[FEED_A] == FeedState(url=new_url, etag="e2")
    assert len(store.feed_health("jane")) == 1


def test_feed_health_lists_problems_first_with_label_and_kind(store: Store) -> None:
    own = FeedSpec("https://jane.example/feed.xml", "url", "jane", own=True, label="Blog")
    gone = FeedSpec(FEED_B, "reddit", "jane")
    store.save_feed_state("jane", SPEC, FeedState(url=FEED_A, failures=2, last_error="timeout"))
    store.save_feed_state("jane", own, FeedState(url=own.url, last_success=T0))
    store.save_feed_state("jane", gone, FeedState(url=FEED_B, disabled="410 Gone"))
    store.record_post("jane", make_post(), own.url, ME, CLEAN, T0)
    health = store.feed_health("jane")
    assert [h.spec for h in health] == [gone, SPEC, own]
    assert [h.state.failures for h in health] == [0, 2, 0]
    assert [h.posts for h in health] == [0, 0, 1]
    assert store.feed_health("john") == []


def test_a_post_from_an_unsaved_feed_creates_a_bare_feed_row(store: Store) -> None:
    store.record_post("jane", make_post(), FEED_A, ME, CLEAN, T0)
    (health,) = store.feed_health("jane")
    assert (health.spec.url, health.spec.kind, health.state) == (FEED_A, "url", FeedState(FEED_A))
    store.save_feed_state("jane", SPEC, FeedState(url=FEED_A, etag="x"))
    (health,) = store.feed_health("jane")
    assert (health.spec, health.posts) == (SPEC, 1)


# --- feedback --------------------------------------------------------------------------------


def test_feedback_is_recorded_and_reduced(store: Store, db_path: Path) -> None:
    store.record_post("jane", make_post("p1", author="Sam  Writer"), FEED_A, ME, CLEAN, T0)
    assert store.add_feedback("jane", "p1", "notme", T0, words=("duke",))
    assert not store.add_feedback("jane", "p1", "notme", T0 + timedelta(1))  # nothing new
    assert count(db_path, "feedback") == 1
    feedback = store.feedback("jane")
    assert feedback.not_me_posts == {"p1"}
    assert feedback.not_me_words == {"duke"}
    assert not feedback.not_me_authors and not feedback.not_me_sites  # not asked for
    assert store.feedback("john").not_me_posts == frozenset()
    store.add_feedback("jane", "p1", "me", T0 + timedelta(2), scope="site")  # latest wins
    feedback = store.feedback("jane")
    assert feedback.me_posts == {"p1"}
    assert not feedback.not_me_posts
    assert feedback.me_sites == {"example.com"}
    assert store.marks("jane")[-1].scope == "site"
    with pytest.raises(NotFoundError):
        store.add_feedback("jane", "nope", "me", T0)


def test_undo_feedback_removes_the_newest_mark(store: Store) -> None:
    store.record_post("jane", make_post("p1"), FEED_A, ME, CLEAN, T0)
    store.record_post("john", make_post("p2"), FEED_A, ME, CLEAN, T0)
    store.add_feedback("jane", "p1", "notme", T0)
    store.add_feedback("john", "p2", "me", T0 + timedelta(1))
    assert store.undo_feedback("jane") == ("jane", Mark("notme", "p1", "sam writer", "example.com"))
    assert store.undo_feedback()[0] == "john"
    with pytest.raises(NotFoundError, match="no me/notme feedback to undo"):
        store.undo_feedback()


def test_feedback_shapes_a_later_identify(db_path: Path) -> None:
    from selfwatch.model import Profile

    # Two terms: a name and a town alone are "maybe" ("me" needs something specific).
    jane = Profile(key="jane", name="Jane Doe", context_terms=("Portland", "pipelines"))
    first = make_post("p1", url="https://www.softball-news.example/a", author="Coach")
    later = make_post("p2", url="https://softball-news.example/b", author="Someone Else")
    platform = make_post("p3", url="https://www.reddit.com/r/x/1", author="u/coach")
    with Store.open(db_path) as store:
        who = identify(first, jane, own=False, feedback=store.feedback("jane"))
        assert who.confidence == "me"
        store.record_post("jane", first, FEED_A, who, CLEAN, T0)
        store.record_post("jane", platform, FEED_A, who, CLEAN, T0)
        store.add_feedback("jane", "p1", "notme", T0, scope="site")
        store.add_feedback("jane", "p3", "notme", T0, scope="author")
        store.add_feedback("jane", "p3", "notme", T0, scope="site")  # a platform: never kept
    with Store.open(db_path) as store:
        feedback = store.feedback("jane")
    who = identify(later, jane, own=False, feedback=feedback)
    assert who.confidence == "not_me"
    assert who.reason == (
        "full name; context 'Portland'; context 'pipelines'; but site softball-news.example "
        "was marked not-me"
    )
    # A reddit post says nothing about other reddit posts, but its author was asked for.
    other_reddit = make_post("p4", url="https://reddit.com/r/y/2", author="u/someone")
    assert identify(other_reddit, jane, own=False, feedback=feedback).confidence == "me"
    same_author = make_post("p5", url="https://reddit.com/r/y/3", author="u/coach")
    assert identify(same_author, jane, own=False, feedback=feedback).confidence == "not_me"
