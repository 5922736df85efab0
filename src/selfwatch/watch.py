"""One watch cycle for one profile: fetch its feeds, decide who each post is about, score, store.

Order matters for crash safety: a feed's posts are recorded in the same transaction as its new
HTTP validators, so a crash never leaves an ETag saved for posts that were not (the next poll
would get a 304 and lose them), and a re-run never duplicates what was stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .checklist import Engine, default_engine
from .config import Config, state_dir
from .digest import linted_text
from .identity import identify
from .model import FeedSpec, FeedState, FetchResult, Identity, Post, Profile, Verdict
from .sources import feeds_for
from .store import Store, StoredPost

if TYPE_CHECKING:
    import httpx

DB_NAME = "selfwatch.db"


@dataclass(frozen=True)
class FeedOutcome:
    """What one feed gave in a cycle."""

    spec: FeedSpec
    result: FetchResult | None
    """None when the feed was not due (backing off, or disabled)."""
    new: int = 0
    state: FeedState | None = None


@dataclass(frozen=True)
class CycleReport:
    """The result of one cycle for one profile: the new posts and each feed's outcome."""

    profile: str
    started: datetime
    new: tuple[StoredPost, ...]
    feeds: tuple[FeedOutcome, ...]

    @property
    def errors(self) -> tuple[FeedOutcome, ...]:
        """Return the feeds that failed this cycle."""
        return tuple(f for f in self.feeds if f.result and f.result.status in ("error", "gone"))


def database_path() -> Path:
    """Return the state database's path (in ``$SELFWATCH_HOME``)."""
    return state_dir() / DB_NAME


def open_store(path: Path | None = None) -> Store:
    """Open (creating if needed) the state database."""
    path = path or database_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return Store.open(path)


def score(engine: Engine, post: Post) -> Verdict:
    """Return the checklist verdict for a post (title and text, as the digest highlights them)."""
    return engine.lint(linted_text(post))


def run_cycle(
    config: Config,
    profile: Profile,
    store: Store,
    *,
    now: datetime,
    transport: httpx.AsyncBaseTransport | None = None,
    feeds: Sequence[FeedSpec] | None = None,
    engine: Engine | None = None,
) -> CycleReport:
    """Poll the profile's feeds once and store what is new; one bad feed never stops the rest."""
    from .fetch import fetch_all, next_state

    specs = list(feeds if feeds is not None else feeds_for(profile))
    states = store.feed_states(profile.key, [s.url for s in specs])
    # A feed that moved (301) is fetched from where it lives now.
    jobs = [(replace(s, url=states[s.url].url or s.url), states[s.url]) for s in specs]
    by_url = {job.url: (spec, state) for (job, state), spec in zip(jobs, specs, strict=True)}
    results = fetch_all(jobs, config.fetch, now=now, transport=transport)
    engine = engine or default_engine(profile, config.checklist)
    feedback = store.feedback(profile.key)
    outcomes: dict[str, FeedOutcome] = {s.url: FeedOutcome(s, None) for s in specs}
    new: list[StoredPost] = []
    for result in results:
        spec, state = by_url[result.url]
        fresh = next_state(state, result, now)
        if result.moved_to:
            fresh = replace(fresh, url=result.moved_to)
        with store.transaction():
            added = 0
            for post in result.posts:
                identity = identify(post, profile, own=spec.own, feedback=feedback, seen=now)
                if _record(store, profile, post, spec, identity, engine, now):
                    added += 1
                    new.append(store.get(post.id, profile.key))
            store.save_feed_state(profile.key, spec, fresh)
        outcomes[spec.url] = FeedOutcome(spec, result, added, fresh)
    report = CycleReport(profile.key, now, tuple(new), tuple(outcomes.values()))
    store.log_event(
        profile.key,
        "poll",
        now,
        f"{len(results)} feed(s) polled, {len(report.errors)} failed, {len(new)} new "
        f"({sum(1 for sp in new if sp.verdict.flagged)} flagged)",
    )
    return report


def _record(
    store: Store,
    profile: Profile,
    post: Post,
    spec: FeedSpec,
    identity: Identity,
    engine: Engine,
    now: datetime,
) -> bool:
    return store.record_post(profile.key, post, spec.url, identity, score(engine, post), now)
