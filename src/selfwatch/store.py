"""The state database: feeds and their health, posts seen, what was decided about them, feedback.

One SQLite file in WAL mode. Every write runs in a transaction and every insert is keyed by a
stable id (the post id, the profile key, the feed URL), so a run that dies half-way loses
nothing it committed and the next run repeats nothing it already stored. The schema grows by
appending a function to ``MIGRATIONS``; ``PRAGMA user_version`` counts the ones applied.

Timestamps are passed in by the caller (never read from the clock here) and stored as UTC
ISO 8601 text, so they sort as strings; a naive datetime is taken to be UTC.

Feeds are per profile. A feed row keeps the URL it was configured with and the URL it is
fetched from now: after a permanent redirect (``move_feed``) the config may still name the old
URL, and ``feed_states`` still finds the row by it.

Record a poll's posts before saving its feed state (or wrap both in ``transaction()``): an ETag
saved without its posts would hide them behind a 304 on the next poll.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from .errors import NotFoundError, StoreError
from .match import Feedback, Mark, MarkKind, Scope, author_key, site_of
from .model import (
    Confidence,
    Evidence,
    FeedKind,
    FeedSpec,
    FeedState,
    Finding,
    Identity,
    Level,
    Mention,
    Post,
    Verdict,
    is_open_flag,
)

Status = Literal["new", "acked", "ignored"]
DigestKind = Literal["regular", "baseline", "heartbeat", "silent"]
Channel = Literal["smtp", "file", "none"]
Order = Literal["newest", "risk"]
BUSY_TIMEOUT_MS = 30_000
"""How long a statement waits for another process's write before giving up."""
COACH = "coach"
"""The audience of the coach's combined digest: a delivery cursor apart from each client's."""


@dataclass(frozen=True)
class StoredPost:
    """A post as recorded for one profile: the post, who it is about, its verdict and triage."""

    profile: str
    post: Post
    identity: Identity
    verdict: Verdict
    feeds: tuple[str, ...]
    """Every feed of this profile that found the post, first finder first."""
    seen_at: datetime
    status: Status = "new"
    digest_id: int | None = None

    @property
    def id(self) -> str:
        """Return the post id."""
        return self.post.id

    @property
    def open_flag(self) -> bool:
        """Return True when the post is an open flag (see ``model.is_open_flag``)."""
        return is_open_flag(self.verdict.flagged, self.status, self.identity.confidence)


@dataclass(frozen=True)
class Polled:
    """One feed's poll on its way to the store: its posts, decided and scored, and its state."""

    spec: FeedSpec
    state: FeedState
    """The state the poll left (validators, health); ``state.url`` other than the row's: moved."""
    items: Sequence[tuple[Post, Identity, Verdict]]
    also_found: Collection[str] = ()
    """Ids of posts the profile already has that this poll found too: only linked to the feed."""


@dataclass(frozen=True)
class DigestRecord:
    """A digest that went out (or was written to files, or recorded silently)."""

    id: int
    profile: str
    created_at: datetime
    kind: DigestKind
    channel: Channel
    subject: str
    recipients: tuple[str, ...]
    items: int


@dataclass(frozen=True)
class FeedHealth:
    """One feed of a profile as last polled: what it is, its state and how many posts it found."""

    spec: FeedSpec
    """The feed as it is fetched now (``spec.url`` is the current URL)."""
    state: FeedState
    configured_url: str
    """The URL the feed was first saved under (differs from ``spec.url`` after a move)."""
    posts: int = 0


# --- schema ----------------------------------------------------------------------------------

Migration = Callable[[sqlite3.Connection], None]

_SCHEMA_1 = (
    """CREATE TABLE feeds (
        id INTEGER PRIMARY KEY,
        profile TEXT NOT NULL,
        url TEXT NOT NULL,
        configured_url TEXT NOT NULL,
        kind TEXT NOT NULL DEFAULT 'url',
        own INTEGER NOT NULL DEFAULT 0,
        label TEXT NOT NULL DEFAULT '',
        etag TEXT,
        last_modified TEXT,
        last_success TEXT,
        last_error TEXT NOT NULL DEFAULT '',
        last_error_at TEXT,
        failures INTEGER NOT NULL DEFAULT 0,
        next_attempt TEXT,
        disabled TEXT NOT NULL DEFAULT '',
        UNIQUE (profile, url)
    )""",
    "CREATE INDEX feeds_configured ON feeds (profile, configured_url)",
    """CREATE TABLE posts (
        id TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        title TEXT NOT NULL,
        text TEXT NOT NULL,
        author TEXT NOT NULL DEFAULT '',
        published TEXT,
        guid TEXT NOT NULL DEFAULT '',
        first_seen TEXT NOT NULL
    )""",
    """CREATE TABLE post_feeds (
        post_id TEXT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
        feed_id INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
        first_seen TEXT NOT NULL,
        PRIMARY KEY (post_id, feed_id)
    ) WITHOUT ROWID""",
    "CREATE INDEX post_feeds_feed ON post_feeds (feed_id)",
    """CREATE TABLE profile_posts (
        profile TEXT NOT NULL,
        post_id TEXT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
        confidence TEXT NOT NULL CHECK (confidence IN ('me', 'maybe', 'not_me')),
        role TEXT NOT NULL CHECK (role IN ('author', 'subject')),
        reason TEXT NOT NULL DEFAULT '',
        mentions TEXT NOT NULL DEFAULT '[]',
        score INTEGER NOT NULL,
        flagged INTEGER NOT NULL,
        findings TEXT NOT NULL DEFAULT '[]',
        checklist_version TEXT NOT NULL DEFAULT '',
        seen_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'acked', 'ignored')),
        digest_id INTEGER,
        PRIMARY KEY (profile, post_id)
    )""",
    "CREATE INDEX profile_posts_post ON profile_posts (post_id)",
    "CREATE INDEX profile_posts_seen ON profile_posts (profile, seen_at)",
    """CREATE TABLE feedback (
        id INTEGER PRIMARY KEY,
        profile TEXT NOT NULL,
        post_id TEXT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('me', 'notme')),
        author TEXT NOT NULL DEFAULT '',
        site TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX feedback_profile ON feedback (profile, id)",
)


def _m1_initial(db: sqlite3.Connection) -> None:
    for statement in _SCHEMA_1:
        db.execute(statement)


_SCHEMA_2 = (
    """CREATE TABLE digests (
        id INTEGER PRIMARY KEY,
        profile TEXT NOT NULL,
        created_at TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('regular', 'baseline', 'heartbeat', 'silent')),
        channel TEXT NOT NULL CHECK (channel IN ('smtp', 'file', 'none')),
        subject TEXT NOT NULL DEFAULT '',
        recipients TEXT NOT NULL DEFAULT '',
        message_id TEXT NOT NULL DEFAULT '',
        items INTEGER NOT NULL DEFAULT 0
    )""",
    "CREATE INDEX digests_profile ON digests (profile, id)",
    "CREATE INDEX profile_posts_pending ON profile_posts (profile, digest_id)",
    """CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        profile TEXT NOT NULL,
        kind TEXT NOT NULL,
        at TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX events_profile ON events (profile, kind, id)",
)


def _m2_digests(db: sqlite3.Connection) -> None:
    for statement in _SCHEMA_2:
        db.execute(statement)


def _m3_triage(db: sqlite3.Connection) -> None:
    db.execute(
        """CREATE TABLE ignored_rules (
            profile TEXT NOT NULL,
            post_id TEXT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
            rule TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (profile, post_id, rule)
        ) WITHOUT ROWID"""
    )


def _m4_unread_and_malformed(db: sqlite3.Connection) -> None:
    db.execute("ALTER TABLE feeds ADD COLUMN malformed TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE profile_posts ADD COLUMN unread INTEGER NOT NULL DEFAULT 0")


def _m5_audiences(db: sqlite3.Connection) -> None:
    # A digest has an audience: '' is the person's own digest (whose delivered posts keep
    # profile_posts.digest_id), any other value a separate reader such as the coach's combined
    # digest, whose delivered posts are listed in audience_posts. Neither consumes the other.
    db.execute("ALTER TABLE digests ADD COLUMN audience TEXT NOT NULL DEFAULT ''")
    db.execute(
        """CREATE TABLE audience_posts (
            audience TEXT NOT NULL,
            profile TEXT NOT NULL,
            post_id TEXT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
            digest_id INTEGER NOT NULL,
            PRIMARY KEY (audience, profile, post_id)
        ) WITHOUT ROWID"""
    )


def _m6_identity_evidence(db: sqlite3.Connection) -> None:
    # Feedback is scoped (a mark covers an author or a site only when asked) and keeps the
    # words it taught; marks made before this apply to their own post only. Each decision keeps
    # the evidence weighed for it, for `show` and the digest.
    db.execute("ALTER TABLE feedback ADD COLUMN scope TEXT NOT NULL DEFAULT 'post'")
    db.execute("ALTER TABLE feedback ADD COLUMN words TEXT NOT NULL DEFAULT '[]'")
    db.execute("ALTER TABLE profile_posts ADD COLUMN evidence TEXT NOT NULL DEFAULT '[]'")


def _m7_unscored(db: sqlite3.Connection) -> None:
    # A post decided not about the person is stored unscored (scored = 0); it is scored when
    # feedback makes it the person's. Posts stored before this were all scored.
    db.execute("ALTER TABLE profile_posts ADD COLUMN scored INTEGER NOT NULL DEFAULT 1")


_SCHEMA_8 = (
    # What an engine said of a text before: an audit re-run reads its verdicts back instead
    # of linting the same posts again. ``engine`` is ``checklist.verdict_key``; a text is its
    # blake2b digest. Only recent engines' verdicts are kept (``Store.use_engine``).
    """CREATE TABLE lint_memo (
        engine TEXT NOT NULL,
        text_key TEXT NOT NULL,
        score INTEGER NOT NULL,
        flagged INTEGER NOT NULL,
        findings TEXT NOT NULL,
        checklist_version TEXT NOT NULL,
        PRIMARY KEY (engine, text_key)
    ) WITHOUT ROWID""",
    "CREATE TABLE lint_engines (engine TEXT PRIMARY KEY, used_at TEXT NOT NULL)",
)


def _m8_lint_memo(db: sqlite3.Connection) -> None:
    for statement in _SCHEMA_8:
        db.execute(statement)


MIGRATIONS: list[Migration] = [
    _m1_initial,
    _m2_digests,
    _m3_triage,
    _m4_unread_and_malformed,
    _m5_audiences,
    _m6_identity_evidence,
    _m7_unscored,
    _m8_lint_memo,
]
"""Applied in order, each once; append new ones, never edit an applied one."""


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _until_free(step: Callable[[], None], timeout: float) -> None:
    """Run ``step``, again while SQLite says busy, for up to ``timeout`` seconds.

    The busy timeout covers most waits, but SQLite reports some lock conflicts at once (a
    second process switching a brand-new file to WAL, or migrating it): those are retried.
    """
    deadline = time.monotonic() + timeout
    pause = 0.005
    while True:
        try:
            step()
            return
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc) or time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


# --- value encoding --------------------------------------------------------------------------


def _ts(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    elif value.tzinfo is not UTC:  # most times are UTC already: astimezone would copy them
        value = value.astimezone(UTC)
    return value.isoformat(timespec="microseconds")


def _dt(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _as_stored(post: Post, feed_url: str) -> Post:
    """Return ``post`` as ``_load`` would read it back: found at ``feed_url``, its time in UTC.

    Most posts are that already: they are returned as they are, not copied.
    """
    published = post.published
    if published is not None and published.tzinfo is not UTC:
        published = _dt(_ts(published))
    elif post.feed_url == feed_url:
        return post
    return replace(post, feed_url=feed_url, published=published)


MEMO_ENGINES = 32
"""Engines (checklist versions, profiles) whose verdicts ``remember`` keeps, the last used."""
MEMO_DAYS = 90
"""An engine unused this long has its verdicts forgotten."""

_FINDING_FIELDS = tuple(f.name for f in fields(Finding))


def _findings_json(findings: tuple[Finding, ...]) -> str:
    if not findings:
        return "[]"  # most posts: json.dumps's own start costs more than the row's other fields
    # Field by field, not asdict(): asdict deep-copies every value (a third of audit's writes).
    rows = [{name: getattr(f, name) for name in _FINDING_FIELDS} for f in findings]
    for row, finding in zip(rows, findings, strict=True):
        row["level"] = finding.level.name
    return json.dumps(rows, ensure_ascii=False)


def _findings(text: str) -> tuple[Finding, ...]:
    names = {f.name for f in fields(Finding)}
    items = json.loads(text)
    return tuple(
        Finding(
            **{k: v for k, v in item.items() if k in names and k not in _FINDING_TUPLES},
            level=Level[item["level"]],
            spans=tuple(tuple(span) for span in item.get("spans", ())),
            words=tuple(item.get("words", ())),
        )
        for item in items
    )


_FINDING_TUPLES = frozenset({"level", "spans", "words"})
"""Finding fields that JSON gives back as lists (or names), rebuilt as the values they were."""


_MENTION_FIELDS = tuple(f.name for f in fields(Mention))
_EVIDENCE_FIELDS = tuple(f.name for f in fields(Evidence))


def _mentions_json(mentions: tuple[Mention, ...]) -> str:
    if not mentions:
        return "[]"
    # Field by field, as _findings_json: asdict() deep-copied each value, a third of a post's row.
    rows = [{name: getattr(m, name) for name in _MENTION_FIELDS} for m in mentions]
    return json.dumps(rows, ensure_ascii=False)


def _mentions(text: str) -> tuple[Mention, ...]:
    return tuple(Mention(**item) for item in json.loads(text))


def _state_row(spec: FeedSpec, state: FeedState, feed_id: int) -> tuple[Any, ...]:
    return (spec.kind, int(spec.own), spec.label, state.etag, state.last_modified,
            _ts(state.last_success), state.last_error, _ts(state.last_error_at), state.failures,
            _ts(state.next_attempt), state.disabled, state.malformed, feed_id)  # fmt: skip


def _evidence_json(items: tuple[Evidence, ...]) -> str:
    if not items:
        return "[]"
    rows = [{name: getattr(e, name) for name in _EVIDENCE_FIELDS} for e in items]
    return json.dumps(rows, ensure_ascii=False)


def _evidence(text: str) -> tuple[Evidence, ...]:
    return tuple(Evidence(**item) for item in json.loads(text))


def _state(row: sqlite3.Row) -> FeedState:
    return FeedState(
        url=row["url"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        last_success=_dt(row["last_success"]),
        last_error=row["last_error"],
        last_error_at=_dt(row["last_error_at"]),
        failures=row["failures"],
        next_attempt=_dt(row["next_attempt"]),
        disabled=row["disabled"],
        malformed=row["malformed"],
    )


def _stored(row: sqlite3.Row) -> StoredPost:
    feeds = tuple(row["feeds"].split("\n")) if row["feeds"] else ()
    post = Post(
        id=row["post_id"],
        url=row["url"],
        title=row["title"],
        text=row["text"],
        author=row["author"],
        published=_dt(row["published"]),
        feed_url=feeds[0] if feeds else "",
        guid=row["guid"],
    )
    identity = Identity(
        row["confidence"],
        row["role"],
        row["reason"],
        _mentions(row["mentions"]),
        _evidence(row["evidence"]),
    )
    verdict = Verdict(
        row["score"],
        bool(row["flagged"]),
        _findings(row["findings"]),
        row["checklist_version"],
        row["unread"],
        bool(row["scored"]),
    )
    seen_at = _dt(row["seen_at"])
    assert seen_at is not None  # NOT NULL column
    return StoredPost(
        row["profile"], post, identity, verdict, feeds, seen_at, row["status"], row["digest_id"]
    )


_INSERT_PROFILE_POST = """INSERT INTO profile_posts (profile, post_id, confidence, role, reason,
        mentions, evidence, score, flagged, findings, checklist_version, seen_at, unread, scored)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (profile, post_id) DO NOTHING"""


def _profile_post_row(
    profile: str, post: Post, identity: Identity, verdict: Verdict, seen: str | None
) -> tuple[Any, ...]:
    return (profile, post.id, identity.confidence, identity.role, identity.reason,
            _mentions_json(identity.mentions), _evidence_json(identity.evidence), verdict.score,
            int(verdict.flagged), _findings_json(verdict.findings), verdict.checklist_version,
            seen, verdict.unread, int(verdict.scored))  # fmt: skip


_SELECT_POSTS = """
    SELECT pp.*, p.url, p.title, p.text, p.author, p.published, p.guid,
        (SELECT group_concat(url, char(10)) FROM (
            SELECT f.url FROM post_feeds l JOIN feeds f ON f.id = l.feed_id
            WHERE l.post_id = pp.post_id AND f.profile = pp.profile
            ORDER BY l.first_seen, f.id)) AS feeds
    FROM profile_posts pp JOIN posts p ON p.id = pp.post_id
"""
_ORDER: dict[Order, str] = {
    "risk": "pp.score DESC, pp.seen_at DESC, pp.post_id",
    "newest": "coalesce(p.published, pp.seen_at) DESC, pp.seen_at DESC, pp.post_id",
}


def _one_or_many(column: str, value: str | Collection[str] | None) -> tuple[str, list[Any]]:
    if value is None:
        return "", []
    values = [value] if isinstance(value, str) else list(value)
    return f"{column} IN ({', '.join('?' * len(values))})", values


class Store:
    """The SQLite state store; open with ``Store.open(path)``, best used as a context manager."""

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self._db = db
        self.path = path
        self._depth = 0
        self._busy_timeout = BUSY_TIMEOUT_MS / 1000
        self._delivering = 0

    @classmethod
    def open(cls, path: Path, *, busy_timeout: float = BUSY_TIMEOUT_MS / 1000) -> Store:
        """Open (creating if needed) the database at ``path`` and bring its schema up to date.

        Another process writing (a second ``check``, the agent) is waited for, up to
        ``busy_timeout`` seconds per statement; a lock held longer is a StoreError saying so.
        """
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, isolation_level=None, timeout=busy_timeout)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"{path}: cannot open the state database: {exc}") from None
        db.row_factory = sqlite3.Row
        store = cls(db, path)
        store._busy_timeout = busy_timeout
        try:
            _until_free(store._setup, busy_timeout)
        except sqlite3.OperationalError as exc:
            db.close()
            if not _is_busy(exc):
                raise StoreError(
                    f"{path}: not a usable selfwatch database ({exc}); "
                    "check the path, or move the file away to start afresh"
                ) from None
            raise StoreError(store._busy_message()) from None
        except sqlite3.DatabaseError as exc:
            db.close()
            raise StoreError(
                f"{path}: not a usable selfwatch database ({exc}); "
                "check the path, or move the file away to start afresh"
            ) from None
        except BaseException:
            db.close()
            raise
        return store

    def _setup(self) -> None:
        self._db.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout * 1000)}")
        self._db.execute("PRAGMA foreign_keys = ON")
        self._db.execute("PRAGMA journal_mode = WAL")
        # In WAL mode NORMAL syncs at checkpoints, not at every commit: a power cut may undo the
        # last transactions, whole (a feed's posts with its validators), and corrupts nothing.
        self._db.execute("PRAGMA synchronous = NORMAL")
        self._migrate()

    def _busy_message(self) -> str:
        return (
            f"{self.path}: the state database is busy: another selfwatch process (a check, "
            f"the agent or an audit) has been writing to it for over {self._busy_timeout:g} s; "
            "try again once it has finished (nothing was changed)"
        )

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        """Return how many migrations the database has applied."""
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        if self.schema_version > len(MIGRATIONS):
            raise StoreError(
                f"{self.path}: the database has schema {self.schema_version}, but this selfwatch "
                f"knows only up to {len(MIGRATIONS)}; upgrade selfwatch"
            )
        for number, migration in enumerate(MIGRATIONS, start=1):
            if self.schema_version >= number:
                continue
            with self.transaction():
                # Re-read inside the write lock: another process may have just migrated.
                if self.schema_version < number:
                    migration(self._db)
                    self._db.execute(f"PRAGMA user_version = {number}")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block in one transaction (a savepoint when nested); roll back on any error."""
        savepoint = f"sp{self._depth}"
        try:
            self._db.execute("BEGIN IMMEDIATE" if self._depth == 0 else f"SAVEPOINT {savepoint}")
        except sqlite3.OperationalError as exc:
            if _is_busy(exc):  # SQLite waited busy_timeout for the other writer, in vain
                raise StoreError(self._busy_message()) from None
            raise
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            if self._depth == 0:
                self._db.execute("ROLLBACK")
            else:
                self._db.execute(f"ROLLBACK TO {savepoint}")
                self._db.execute(f"RELEASE {savepoint}")
            raise
        self._depth -= 1
        self._db.execute("COMMIT" if self._depth == 0 else f"RELEASE {savepoint}")

    @contextmanager
    def delivering(self) -> Iterator[None]:
        """Hold the delivery lock of this database for the block; wait while another holds it.

        Composing a digest, sending it and recording it run under this lock, in every process
        (``digest --send``, the agent, ``demo --send``): a second sender waits, then finds the
        posts already delivered, so concurrent senders produce one mail. The lock is an
        ``flock`` on ``<database>.deliver.lock``; the OS drops it if the holder dies. Nested
        use in one Store is allowed.
        """
        if self._delivering:
            self._delivering += 1
            try:
                yield
            finally:
                self._delivering -= 1
            return
        path = self.path.with_name(self.path.name + ".deliver.lock")
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StoreError(f"{path}: cannot open the delivery lock: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # a holder is bounded by the SMTP timeouts
            self._delivering = 1
            try:
                yield
            finally:
                self._delivering = 0
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    # --- feeds -------------------------------------------------------------------------------

    def _feed_row(self, profile: str, url: str) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self._db.execute(
            "SELECT * FROM feeds WHERE profile = ? AND (url = ? OR configured_url = ?) "
            "ORDER BY url = ? DESC, id LIMIT 1",
            (profile, url, url, url),
        ).fetchone()
        return row

    def _feed_id(self, profile: str, url: str) -> int:
        """Return the id of the feed ``url``, adding a bare row when the feed is new."""
        row = self._feed_row(profile, url)
        if row is not None:
            return int(row["id"])
        cursor = self._db.execute(
            "INSERT INTO feeds (profile, url, configured_url) VALUES (?, ?, ?)",
            (profile, url, url),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def feed_states(self, profile: str, urls: Collection[str]) -> dict[str, FeedState]:
        """Return the state of each feed in ``urls`` (a fresh state for unknown ones).

        A moved feed is found by its old URL too; its state's ``url`` is where to fetch now.
        """
        rows = self._feed_rows(profile)  # one query for the whole profile
        return {url: _state(rows[url]) if url in rows else FeedState(url=url) for url in urls}

    def known_posts(self, profile: str, post_ids: Sequence[str] | None = None) -> set[str]:
        """Return which of ``post_ids`` are already recorded for ``profile`` (None: every one)."""
        if post_ids is None:
            rows = self._db.execute(
                "SELECT post_id FROM profile_posts WHERE profile = ?", (profile,)
            )
            return {row[0] for row in rows}
        return self._existing(
            "SELECT post_id FROM profile_posts WHERE profile = ? AND post_id IN ({})",
            (profile,),
            post_ids,
        )

    def save_feed_state(self, profile: str, spec: FeedSpec, state: FeedState) -> None:
        """Store what ``spec``'s last poll left; a ``state.url`` other than the row's is a move."""
        self.save_feed_states(profile, [(spec, state)])

    def save_feed_states(self, profile: str, feeds: Sequence[tuple[FeedSpec, FeedState]]) -> None:
        """Store several feeds' states in one transaction, with one look-up for all of them."""
        if not feeds:
            return
        with self.transaction():
            # A few feeds: one indexed look-up each; many: one query for all of them.
            urls = [spec.url for spec, _ in feeds]
            rows = self._feed_rows(profile, urls) if len(feeds) > 8 else None
            updates = []
            for spec, state in feeds:
                row = rows.get(spec.url) if rows is not None else self._feed_row(profile, spec.url)
                feed_id = int(row["id"]) if row is not None else self._feed_id(profile, spec.url)
                current = row["url"] if row is not None else spec.url
                if state.url and state.url != current:
                    self.move_feed(profile, current, state.url)
                    rows = self._feed_rows(profile, urls) if rows is not None else None
                updates.append(_state_row(spec, state, feed_id))
            self._db.executemany(
                """UPDATE feeds SET kind = ?, own = ?, label = ?, etag = ?, last_modified = ?,
                    last_success = ?, last_error = ?, last_error_at = ?, failures = ?,
                    next_attempt = ?, disabled = ?, malformed = ? WHERE id = ?""",
                updates,
            )

    def _feed_rows(self, profile: str, urls: Sequence[str] | None = None) -> dict[str, sqlite3.Row]:
        """Return the profile's feed rows by URL and by configured URL, as ``_feed_row`` finds.

        With ``urls``, only the rows those URLs can find are read (a batch of a cycle's feed
        states looked all 500 rows of a big profile up again, ten times in an all-304 cycle).
        """
        by_url: dict[str, sqlite3.Row] = {}
        by_configured: dict[str, sqlite3.Row] = {}
        rows: Iterable[sqlite3.Row]
        if urls is None:
            rows = self._db.execute("SELECT * FROM feeds WHERE profile = ? ORDER BY id", (profile,))
        else:
            found: dict[int, sqlite3.Row] = {}
            for start in range(0, len(urls), 400):  # SQLite caps the number of parameters
                chunk = urls[start : start + 400]
                marks = ", ".join("?" * len(chunk))
                query = (
                    f"SELECT * FROM feeds WHERE profile = ? "
                    f"AND (url IN ({marks}) OR configured_url IN ({marks}))"
                )
                found.update(
                    (row["id"], row) for row in self._db.execute(query, (profile, *chunk, *chunk))
                )
            rows = (found[key] for key in sorted(found))
        for row in rows:
            by_url.setdefault(row["url"], row)
            by_configured.setdefault(row["configured_url"], row)
        return {**by_configured, **by_url}

    def move_feed(self, profile: str, old_url: str, new_url: str) -> bool:
        """Fetch the feed ``old_url`` from ``new_url`` from now on; return False if it is unknown.

        When ``new_url`` already has a row (two feeds redirect to one), the posts it found are
        merged into the moved feed and the other row is dropped.
        """
        with self.transaction():
            row = self._feed_row(profile, old_url)
            if row is None:
                return False
            other = self._db.execute(
                "SELECT id FROM feeds WHERE profile = ? AND url = ? AND id != ?",
                (profile, new_url, row["id"]),
            ).fetchone()
            if other is not None:
                self._db.execute(
                    "INSERT OR IGNORE INTO post_feeds (post_id, feed_id, first_seen) "
                    "SELECT post_id, ?, first_seen FROM post_feeds WHERE feed_id = ?",
                    (row["id"], other["id"]),
                )
                self._db.execute("DELETE FROM feeds WHERE id = ?", (other["id"],))
            self._db.execute("UPDATE feeds SET url = ? WHERE id = ?", (new_url, row["id"]))
            return True

    def feed_health(self, profile: str) -> list[FeedHealth]:
        """Return every feed of ``profile``, disabled and failing ones first."""
        rows = self._db.execute(
            """SELECT f.*, (SELECT count(*) FROM post_feeds l WHERE l.feed_id = f.id) AS posts
            FROM feeds f WHERE profile = ?
            ORDER BY disabled = '' , failures DESC, label = '', label, url""",
            (profile,),
        ).fetchall()
        return [self._health(row) for row in rows]

    @staticmethod
    def _health(row: sqlite3.Row) -> FeedHealth:
        kind: FeedKind = row["kind"]
        spec = FeedSpec(row["url"], kind, row["profile"], bool(row["own"]), row["label"])
        return FeedHealth(spec, _state(row), row["configured_url"], row["posts"])

    # --- posts -------------------------------------------------------------------------------

    def record_post(
        self,
        profile: str,
        post: Post,
        feed_url: str,
        identity: Identity,
        verdict: Verdict,
        seen_at: datetime,
    ) -> bool:
        """Store ``post`` for ``profile``; return True if new for it (a repeat only links the feed).

        The post's text is stored once for all profiles and feeds; the first version seen stays.
        """
        seen = _ts(seen_at)
        feed_url = feed_url or post.feed_url
        with self.transaction():
            self._db.execute(
                """INSERT INTO posts (id, url, title, text, author, published, guid, first_seen)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING""",
                (post.id, post.url, post.title, post.text, post.author, _ts(post.published),
                 post.guid, seen),
            )  # fmt: skip
            if feed_url:
                self._db.execute(
                    "INSERT OR IGNORE INTO post_feeds (post_id, feed_id, first_seen) "
                    "VALUES (?, ?, ?)",
                    (post.id, self._feed_id(profile, feed_url), seen),
                )
            cursor = self._db.execute(
                _INSERT_PROFILE_POST, _profile_post_row(profile, post, identity, verdict, seen)
            )
            return cursor.rowcount == 1

    def record_posts(
        self,
        profile: str,
        items: Sequence[tuple[Post, Identity, Verdict]],
        feed_url: str,
        seen_at: datetime,
        *,
        also_found: Collection[str] = (),
    ) -> list[StoredPost]:
        """Store one feed's posts for ``profile`` in a few statements; return those new for it.

        Does what ``record_post`` does for each item, batched: one poll of a feed costs a
        handful of statements, not five per post. ``also_found`` are ids of posts the profile
        already has that this feed found too: they are only linked to the feed.
        """
        with self.transaction():
            return self._record(profile, [(feed_url, items, also_found)], seen_at)[0]

    def record_polls(
        self, profile: str, polls: Sequence[Polled], seen_at: datetime
    ) -> list[list[StoredPost]]:
        """Store several feeds' posts and new states in one transaction; return each one's new.

        What ``record_posts`` and ``save_feed_state`` do for each feed in turn, with the same
        dozen statements for the whole batch: a cycle's feeds cost a few statements each.
        """
        with self.transaction():
            found = [(p.spec.url, p.items, p.also_found) for p in polls]
            stored = self._record(profile, found, seen_at)
            self.save_feed_states(profile, [(p.spec, p.state) for p in polls])
        return stored

    def _record(
        self,
        profile: str,
        feeds: Sequence[tuple[str, Sequence[tuple[Post, Identity, Verdict]], Collection[str]]],
        seen_at: datetime,
    ) -> list[list[StoredPost]]:
        """Store (feed URL, items, also found) in order, as ``record_posts`` would one by one."""
        seen = _ts(seen_at)
        seen_back = _dt(seen)
        assert seen_back is not None
        batches = []
        for url, items, also_found in feeds:
            unique: dict[str, tuple[Post, Identity, Verdict]] = {}
            for item in items:  # the same post twice: the first one counts, as in record_post
                unique.setdefault(item[0].id, item)
            batches.append((url, list(unique.values()), also_found))
        ids = list(dict.fromkeys(p.id for _, items, _ in batches for p, _, _ in items))
        where = self._feed_ids(profile, [url for url, _, _ in batches if url])
        stored_before = self._existing("SELECT id FROM posts WHERE id IN ({})", (), ids)
        in_posts = set(stored_before)
        in_profile = self._existing(
            "SELECT post_id FROM profile_posts WHERE profile = ? AND post_id IN ({})",
            (profile,),
            ids,
        )
        post_rows: list[tuple[Any, ...]] = []
        link_rows: list[tuple[Any, ...]] = []
        profile_rows: list[tuple[Any, ...]] = []
        fresh: list[tuple[str, list[tuple[Post, Identity, Verdict]]]] = []
        for url, items, also_found in batches:
            feed_id, found_at = where.get(url, (None, ""))
            for post, _, _ in items:
                if post.id not in in_posts:
                    in_posts.add(post.id)
                    post_rows.append((post.id, post.url, post.title, post.text, post.author,
                                      _ts(post.published), post.guid, seen))  # fmt: skip
            if feed_id is not None:
                link_rows.extend((post.id, feed_id, seen) for post, _, _ in items)
                link_rows.extend((post_id, feed_id, seen) for post_id in also_found)
            new = [item for item in items if item[0].id not in in_profile]
            in_profile.update(post.id for post, _, _ in new)
            profile_rows.extend(_profile_post_row(profile, p, i, v, seen) for p, i, v in new)
            fresh.append((found_at, new))
        self._db.executemany(
            """INSERT INTO posts (id, url, title, text, author, published, guid, first_seen)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING""",
            post_rows,
        )
        self._db.executemany(
            "INSERT OR IGNORE INTO post_feeds (post_id, feed_id, first_seen) VALUES (?, ?, ?)",
            link_rows,
        )
        self._db.executemany(_INSERT_PROFILE_POST, profile_rows)
        return [
            [
                self._load(profile, post.id)
                if post.id in stored_before  # another profile stored it first: its text stays
                else StoredPost(
                    profile,
                    _as_stored(post, found_at),
                    identity,
                    verdict,
                    (found_at,) if found_at else (),
                    seen_back,
                )
                for post, identity, verdict in new
            ]
            for found_at, new in fresh
        ]

    def remembered(self, engine: str, keys: Sequence[str]) -> dict[str, Verdict]:
        """Return what ``engine`` said before of the texts with these keys (see ``remember``)."""
        found: dict[str, Verdict] = {}
        for start in range(0, len(keys), 500):  # SQLite caps the number of parameters
            chunk = keys[start : start + 500]
            rows = self._db.execute(
                "SELECT text_key, score, flagged, findings, checklist_version FROM lint_memo "
                f"WHERE engine = ? AND text_key IN ({', '.join('?' * len(chunk))})",
                (engine, *chunk),
            )
            for key, score, flagged, findings, version in rows:
                found[key] = Verdict(score, bool(flagged), _findings(findings), version)
        return found

    def remember(self, engine: str, verdicts: Sequence[tuple[str, Verdict]]) -> None:
        """Keep what ``engine`` said of each text (by its key), for the next run to read back.

        Only whole texts' verdicts: one cut short at the scoring cap says nothing of the rest.
        """
        rows = [
            (engine, key, v.score, int(v.flagged), _findings_json(v.findings), v.checklist_version)
            for key, v in verdicts
            if not v.unread and v.scored
        ]
        with self.transaction():
            self._db.executemany("INSERT OR REPLACE INTO lint_memo VALUES (?, ?, ?, ?, ?, ?)", rows)

    def use_engine(self, engine: str, now: datetime) -> None:
        """Mark ``engine`` used now; forget the verdicts of engines long unused.

        Kept: the ``MEMO_ENGINES`` engines used last, if used within ``MEMO_DAYS`` days. A
        new checklist (a rule file edited, selfwatch upgraded) is a new engine, and so is each
        profile's (its names and employers are in its rules): a coach's clients each keep
        theirs, and the memo does not grow with every version.
        """
        since = _ts(now - timedelta(days=MEMO_DAYS))
        kept = "SELECT engine FROM lint_engines WHERE used_at >= ? ORDER BY used_at DESC LIMIT ?"
        with self.transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO lint_engines VALUES (?, ?)", (engine, _ts(now))
            )
            for table in ("lint_memo", "lint_engines"):
                self._db.execute(
                    f"DELETE FROM {table} WHERE engine NOT IN ({kept})", (since, MEMO_ENGINES)
                )

    def _feed_ids(self, profile: str, urls: Sequence[str]) -> dict[str, tuple[int, str]]:
        """Return (id, URL fetched now) of each feed in ``urls``, adding bare rows for new ones."""
        if not urls:
            return {}
        rows = self._feed_rows(profile, urls)
        missing = [url for url in dict.fromkeys(urls) if url not in rows]
        if missing:
            self._db.executemany(
                "INSERT INTO feeds (profile, url, configured_url) VALUES (?, ?, ?)",
                [(profile, url, url) for url in missing],
            )
            rows.update(self._feed_rows(profile, missing))
        return {url: (int(rows[url]["id"]), str(rows[url]["url"])) for url in urls}

    def _existing(self, sql: str, args: tuple[Any, ...], ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(ids), 500):  # SQLite caps the number of parameters
            chunk = ids[start : start + 500]
            query = sql.format(", ".join("?" * len(chunk)))
            found.update(row[0] for row in self._db.execute(query, (*args, *chunk)))
        return found

    def posts(
        self,
        profile: str | None = None,
        *,
        flagged: bool | None = None,
        since: datetime | None = None,
        confidence: Confidence | Collection[Confidence] | None = None,
        status: Status | Collection[Status] | None = None,
        order: Order = "newest",
        limit: int | None = None,
    ) -> list[StoredPost]:
        """Return recorded posts, filtered; ``since`` compares with when a post was first seen.

        ``order="newest"`` sorts by publication time (first-seen time when there is none);
        ``order="risk"`` puts the highest risk score first.
        """
        where: list[str] = []
        args: list[Any] = []
        for clause, values in (
            _one_or_many("pp.profile", profile),
            _one_or_many("pp.confidence", confidence),
            _one_or_many("pp.status", status),
        ):
            if clause:
                where.append(clause)
                args.extend(values)
        if flagged is not None:
            where.append("pp.flagged = ?")
            args.append(int(flagged))
        if since is not None:
            where.append("pp.seen_at >= ?")
            args.append(_ts(since))
        sql = _SELECT_POSTS + (f" WHERE {' AND '.join(where)}" if where else "")
        sql += f" ORDER BY {_ORDER[order]}"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        return [_stored(row) for row in self._db.execute(sql, args)]

    def get(self, post_id_or_prefix: str, profile: str | None = None) -> StoredPost:
        """Return the post whose id is or starts with ``post_id_or_prefix`` (like a git hash)."""
        prefix = post_id_or_prefix.strip()
        if not prefix:
            raise NotFoundError("give a post id, or its first few characters")
        sql = "SELECT post_id, profile FROM profile_posts WHERE substr(post_id, 1, ?) = ?"
        args: list[Any] = [len(prefix), prefix]
        if profile is not None:
            sql += " AND profile = ?"
            args.append(profile)
        rows = self._db.execute(sql, args).fetchall()
        if any(r["post_id"] == prefix for r in rows):
            rows = [r for r in rows if r["post_id"] == prefix]
        ids = sorted({r["post_id"] for r in rows})
        where = f" for profile {profile!r}" if profile else ""
        if not ids:
            raise NotFoundError(f"no post with id {prefix!r}{where}")
        if len(ids) > 1:
            shown = ", ".join(ids[:5]) + (", ..." if len(ids) > 5 else "")
            raise NotFoundError(
                f"post id {prefix!r} is ambiguous{where}: it starts {len(ids)} ids ({shown}); "
                "give more characters"
            )
        profiles = sorted({r["profile"] for r in rows})
        if len(profiles) > 1:
            raise NotFoundError(
                f"post {ids[0]} was recorded for several profiles ({', '.join(profiles)}); "
                "pick one with --profile"
            )
        return self._load(profiles[0], ids[0])

    def _load(self, profile: str, post_id: str) -> StoredPost:
        row = self._db.execute(
            _SELECT_POSTS + " WHERE pp.profile = ? AND pp.post_id = ?", (profile, post_id)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no post with id {post_id!r} for profile {profile!r}")
        return _stored(row)

    def set_identity(self, profile: str, post_id: str, identity: Identity) -> None:
        """Replace who ``post_id`` is about for ``profile`` (after feedback or a config change)."""
        with self.transaction():
            cursor = self._db.execute(
                """UPDATE profile_posts SET confidence = ?, role = ?, reason = ?, mentions = ?,
                    evidence = ? WHERE profile = ? AND post_id = ?""",
                (identity.confidence, identity.role, identity.reason,
                 _mentions_json(identity.mentions), _evidence_json(identity.evidence),
                 profile, post_id),
            )  # fmt: skip
        if cursor.rowcount == 0:
            raise NotFoundError(f"no post with id {post_id!r} for profile {profile!r}")

    def set_verdict(self, profile: str, post_id: str, verdict: Verdict) -> None:
        """Replace the checklist's verdict on ``post_id`` for ``profile`` (scoring it late)."""
        with self.transaction():
            cursor = self._db.execute(
                """UPDATE profile_posts SET score = ?, flagged = ?, findings = ?,
                    checklist_version = ?, unread = ?, scored = ?
                WHERE profile = ? AND post_id = ?""",
                (verdict.score, int(verdict.flagged), _findings_json(verdict.findings),
                 verdict.checklist_version, verdict.unread, int(verdict.scored), profile, post_id),
            )  # fmt: skip
        if cursor.rowcount == 0:
            raise NotFoundError(f"no post with id {post_id!r} for profile {profile!r}")

    # --- triage ------------------------------------------------------------------------------

    def set_status(self, profile: str, post_id: str, status: Status) -> None:
        """Set a post's triage status: ``acked`` (seen and handled) or ``ignored`` (never again)."""
        with self.transaction():
            cursor = self._db.execute(
                "UPDATE profile_posts SET status = ? WHERE profile = ? AND post_id = ?",
                (status, profile, post_id),
            )
        if cursor.rowcount == 0:
            raise NotFoundError(f"no post with id {post_id!r} for profile {profile!r}")

    def ignore_rule(
        self, profile: str, post_id: str, rule: str, verdict: Verdict, now: datetime
    ) -> None:
        """Never report ``rule`` on this post again; store ``verdict`` (without it) instead."""
        with self.transaction():
            self._db.execute(
                "INSERT OR IGNORE INTO ignored_rules (profile, post_id, rule, created_at) "
                "VALUES (?, ?, ?, ?)",
                (profile, post_id, rule, _ts(now)),
            )
            self._db.execute(
                "UPDATE profile_posts SET score = ?, flagged = ?, findings = ? "
                "WHERE profile = ? AND post_id = ?",
                (verdict.score, int(verdict.flagged), _findings_json(verdict.findings),
                 profile, post_id),
            )  # fmt: skip

    def ignored_rules(self, profile: str, post_id: str) -> set[str]:
        """Return the rules the user switched off for this post."""
        rows = self._db.execute(
            "SELECT rule FROM ignored_rules WHERE profile = ? AND post_id = ?", (profile, post_id)
        )
        return {row["rule"] for row in rows}

    # --- feedback ----------------------------------------------------------------------------

    def add_feedback(
        self,
        profile: str,
        post_id: str,
        kind: MarkKind,
        now: datetime,
        *,
        scope: Scope = "post",
        words: Collection[str] = (),
    ) -> bool:
        """Record that ``post_id`` is (``"me"``) or is not (``"notme"``) about ``profile``.

        The post's author and site are kept with the mark; they count for later posts only when
        ``scope`` is ``"author"`` or ``"site"`` (see ``match.Feedback``). ``words`` are what the
        mark taught. Repeating the latest mark of a post with the same scope adds nothing and
        returns False.
        """
        if kind not in ("me", "notme"):
            raise ValueError(f"feedback kind must be 'me' or 'notme', got {kind!r}")
        with self.transaction():
            post = self._db.execute(
                "SELECT author, url FROM posts WHERE id = ?", (post_id,)
            ).fetchone()
            if post is None:
                raise NotFoundError(f"no post with id {post_id!r}")
            last = self._db.execute(
                "SELECT kind, scope FROM feedback WHERE profile = ? AND post_id = ? "
                "ORDER BY id DESC",
                (profile, post_id),
            ).fetchone()
            if last is not None and (last["kind"], last["scope"]) == (kind, scope):
                return False
            self._db.execute(
                "INSERT INTO feedback (profile, post_id, kind, author, site, created_at, scope, "
                "words) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (profile, post_id, kind, author_key(post["author"]), site_of(post["url"]),
                 _ts(now), scope, json.dumps(list(words), ensure_ascii=False)),
            )  # fmt: skip
            return True

    def marks(self, profile: str) -> list[Mark]:
        """Return the profile's marks, oldest first."""
        rows = self._db.execute(
            "SELECT kind, post_id, author, site, scope, words FROM feedback WHERE profile = ? "
            "ORDER BY id",
            (profile,),
        )
        return [
            Mark(row["kind"], row["post_id"], row["author"], row["site"], row["scope"],
                 tuple(json.loads(row["words"])))
            for row in rows
        ]  # fmt: skip

    def feedback(self, profile: str) -> Feedback:
        """Return the profile's marks reduced to reusable signals, the latest mark winning."""
        return Feedback.from_marks(self.marks(profile))

    def undo_feedback(self, profile: str | None = None) -> tuple[str, Mark]:
        """Delete the newest mark (of ``profile``, or of any profile); return its profile and it.

        Raise NotFoundError when there is nothing to undo.
        """
        where, args = ("WHERE profile = ?", (profile,)) if profile else ("", ())
        with self.transaction():
            row = self._db.execute(
                f"SELECT * FROM feedback {where} ORDER BY id DESC LIMIT 1", args
            ).fetchone()
            if row is None:
                scope = f" for profile {profile!r}" if profile else ""
                raise NotFoundError(f"no me/notme feedback to undo{scope}")
            self._db.execute("DELETE FROM feedback WHERE id = ?", (row["id"],))
        mark = Mark(row["kind"], row["post_id"], row["author"], row["site"], row["scope"],
                    tuple(json.loads(row["words"])))  # fmt: skip
        return row["profile"], mark

    # --- digests and events --------------------------------------------------------------------

    def pending(self, profile: str, audience: str = "") -> list[StoredPost]:
        """Return the posts about ``profile``'s person not yet in a digest, most risky first.

        ``audience`` names whose digest: ``""`` the person's own, another value a separate
        reader (``"coach"``) with a cursor of its own. Posts decided ``not_me`` and posts the
        user ignored are never pending.
        """
        if audience:
            unsent = (
                "NOT EXISTS (SELECT 1 FROM audience_posts a WHERE a.audience = ?"
                " AND a.profile = pp.profile AND a.post_id = pp.post_id)"
            )
            args: tuple[str, ...] = (profile, audience)
        else:
            unsent, args = "pp.digest_id IS NULL", (profile,)
        sql = (
            _SELECT_POSTS + f" WHERE pp.profile = ? AND {unsent}"
            " AND pp.confidence != 'not_me' AND pp.status != 'ignored'"
            f" ORDER BY {_ORDER['risk']}"
        )
        return [_stored(row) for row in self._db.execute(sql, args)]

    def open_flags(self, profile: str) -> int:
        """Return how many of ``profile``'s posts are open flags (``model.is_open_flag``)."""
        row = self._db.execute(
            # The same test as model.is_open_flag, in SQL; a test keeps the two in step.
            "SELECT count(*) FROM profile_posts WHERE profile = ? AND flagged = 1 "
            "AND status = 'new' AND confidence != 'not_me'",
            (profile,),
        ).fetchone()
        return int(row[0])

    def record_digest(
        self,
        profile: str,
        *,
        created_at: datetime,
        kind: DigestKind,
        channel: Channel,
        subject: str,
        post_ids: Collection[str],
        recipients: Collection[str] = (),
        message_id: str = "",
        audience: str = "",
    ) -> int:
        """Record a delivered digest and mark its posts delivered to ``audience``, atomically."""
        with self.transaction():
            cursor = self._db.execute(
                """INSERT INTO digests (profile, created_at, kind, channel, subject, recipients,
                    message_id, items, audience) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (profile, _ts(created_at), kind, channel, subject, ", ".join(recipients),
                 message_id, len(post_ids), audience),
            )  # fmt: skip
            digest_id = int(cursor.lastrowid or 0)
            rows = [(digest_id, profile, post_id) for post_id in post_ids]
            if audience:
                self._db.executemany(
                    "INSERT OR IGNORE INTO audience_posts (audience, digest_id, profile, post_id) "
                    "VALUES (?, ?, ?, ?)",
                    [(audience, *row) for row in rows],
                )
            else:
                self._db.executemany(
                    "UPDATE profile_posts SET digest_id = ? "
                    "WHERE profile = ? AND post_id = ? AND digest_id IS NULL",
                    rows,
                )
            return digest_id

    def last_digest(
        self,
        profile: str,
        *,
        channels: Collection[str] = ("smtp", "file", "none"),
        audience: str = "",
    ) -> DigestRecord | None:
        """Return the newest digest recorded for ``profile``'s ``audience`` (on those channels)."""
        marks = ", ".join("?" for _ in channels)
        row = self._db.execute(
            f"SELECT * FROM digests WHERE profile = ? AND audience = ? AND channel IN ({marks}) "
            "ORDER BY id DESC LIMIT 1",
            (profile, audience, *channels),
        ).fetchone()
        if row is None:
            return None
        return DigestRecord(
            id=row["id"],
            profile=row["profile"],
            created_at=_dt(row["created_at"]) or datetime.min.replace(tzinfo=UTC),
            kind=row["kind"],
            channel=row["channel"],
            subject=row["subject"],
            recipients=tuple(r for r in row["recipients"].split(", ") if r),
            items=row["items"],
        )

    def log_event(self, profile: str, kind: str, at: datetime, detail: str = "") -> None:
        """Remember that something happened (a poll, a digest, a failure) for ``status``."""
        with self.transaction():
            self._db.execute(
                "INSERT INTO events (profile, kind, at, detail) VALUES (?, ?, ?, ?)",
                (profile, kind, _ts(at), detail),
            )

    def last_event(self, profile: str, kind: str) -> tuple[datetime, str] | None:
        """Return when the newest ``kind`` event of ``profile`` happened, and its detail."""
        row = self._db.execute(
            "SELECT at, detail FROM events WHERE profile = ? AND kind = ? ORDER BY id DESC LIMIT 1",
            (profile, kind),
        ).fetchone()
        if row is None:
            return None
        at = _dt(row["at"])
        assert at is not None
        return at, row["detail"]
