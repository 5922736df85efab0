"""One watch cycle for one profile: fetch its feeds, decide who each post is about, score, store.

Order matters for crash safety: a feed's posts are recorded in the same transaction as its new
HTTP validators, so a crash never leaves an ETag saved for posts that were not (the next poll
would get a 304 and lose them), and a re-run never duplicates what was stored.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .config import Config, state_dir
from .errors import StoreError
from .future import Future
from .lockfile import PidLock, holder
from .model import (
    FeedSpec,
    FeedState,
    FetchResult,
    Profile,
)
from .scorer import Answer, Fed, Scorer, score
from .sources import feeds_for
from .store import Polled, Store, StoredPost

if TYPE_CHECKING:
    import httpx

    from .checklist import Engine

__all__ = [
    "POLL_LOCK",
    "CycleReport",
    "FeedOutcome",
    "PollLock",
    "database_path",
    "open_store",
    "run_cycle",
    "score",
]

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


def run_cycle(
    config: Config,
    profile: Profile,
    store: Store,
    *,
    now: datetime,
    transport: httpx.BaseTransport | None = None,
    feeds: Sequence[FeedSpec] | None = None,
    engine: Engine | None = None,
    on_wait: Callable[[int | None], object] | None = None,
) -> CycleReport:
    """Poll the profile's feeds once and store what is new; one bad feed never stops the rest.

    Each feed's posts are stored as soon as that feed has answered, while the others are still
    downloading. Only one cycle runs at a time per state database: another one (a second
    ``check``, the agent) is waited for, and ``on_wait`` is told its PID first.
    """
    from .fetch import is_due, load_parser, read_body, stream_batches

    specs = list(feeds if feeds is not None else feeds_for(profile))
    load_engine = (lambda: engine) if engine is not None else _engine_loader(config, profile)
    with PollLock(store.path.parent / POLL_LOCK, on_wait=on_wait), _collector_paused():
        states = store.feed_states(profile.key, [s.url for s in specs])
        # A feed that moved (301) is fetched from where it lives now.
        jobs = [(replace(s, url=states[s.url].url or s.url), states[s.url]) for s in specs]
        by_url = {job.url: (spec, state) for (job, state), spec in zip(jobs, specs, strict=True)}
        feedback = store.feedback(profile.key)
        outcomes: dict[str, FeedOutcome] = {s.url: FeedOutcome(s, None) for s in specs}
        new: list[StoredPost] = []
        # Feeds that brought no posts (304s, errors) only update their state: those updates are
        # written in batches, since losing one to a crash costs nothing but a repeated poll.
        quiet: list[tuple[FeedSpec, FeedState]] = []
        due = [st for _, st in jobs if is_due(st, now)]
        bodies = any(not (st.etag or st.last_modified) for st in due)
        if bodies:
            # A feed without validators answers with a body, which this process and the
            # scoring workers may both parse: the parser is imported once, before they fork.
            load_parser()
        scorer = Scorer(
            load_engine,
            profile,
            feedback,
            now,
            len(due),
            known=lambda ids: store.known_posts(profile.key, ids),
            everything=lambda: store.known_posts(profile.key),
            bodies=bodies,
        )
        feeding: list[_Feeding] = []
        try:
            # Each batch is every result in by then: while one is stored, the next one grows.
            # Bodies are parsed by the scoring workers when there are workers.
            for batch in stream_batches(
                jobs, config.fetch, now=now, transport=transport, parse=not scorer.parses
            ):
                for result in batch:
                    spec, state = by_url[result.url]
                    if result.body is not None and scorer.busy():
                        result = read_body(result)  # parsed here: the workers have enough
                    if result.body is not None or result.posts:
                        feeding.append(_Feeding(spec, state, result, scorer.feed(result, spec.own)))
                        continue
                    fresh = _next(state, result, now)
                    outcomes[spec.url] = FeedOutcome(spec, result, 0, fresh)
                    quiet.append((spec, fresh))
                    if len(quiet) >= STATE_BATCH:
                        _save_states(store, profile, quiet)
                # Store what is scored by now; the rest waits for the next batch, or the end.
                new.extend(_store_fed(store, profile, feeding, scorer, outcomes, quiet, now))
            new.extend(_store_fed(store, profile, feeding, scorer, outcomes, quiet, now, wait=True))
        except BaseException:  # Ctrl-C, or a failure: what the workers still have is not wanted
            scorer.close(abandon=True)
            raise
        scorer.close()
        report = CycleReport(profile.key, now, tuple(new), tuple(outcomes.values()))
        with store.transaction():
            _save_states(store, profile, quiet)
            store.log_event(
                profile.key,
                "poll",
                now,
                f"{sum(1 for f in report.feeds if f.result)} feed(s) polled, "
                f"{len(report.errors)} failed, {len(new)} new "
                f"({sum(1 for sp in new if sp.verdict.flagged)} flagged)",
            )
    return report


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a cycle runs (its workers, forked in it, too).

    A cycle makes hundreds of thousands of objects that live to its end (posts, verdicts, the
    parsers' trees): its hundred or so collections freed next to nothing (a few hundred objects
    in reference cycles, of a 500-feed cycle) and cost ~13 ms of its main process and more of
    its worker's. Reference counting still frees the rest as before; the few cycles are
    collected once the collector runs again, after.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _engine_loader(config: Config, profile: Profile) -> Callable[[], Engine]:
    """Return a loader of the profile's checklist engine (from the disk cache when it can)."""

    def load() -> Engine:
        from .checklist import cached_engine  # here: a cycle of 304s never needs it

        return cached_engine(profile, config.checklist)

    return load


STATE_BATCH = 50
"""Feed states without posts written per transaction."""


@dataclass(frozen=True, eq=False)  # compared by identity: a list of them drops one by one
class _Feeding:
    """One feed's answer on its way to the store: being parsed and scored."""

    spec: FeedSpec
    state: FeedState
    """The state before this poll."""
    result: FetchResult
    future: Future[Answer]


def _next(state: FeedState, result: FetchResult, now: datetime) -> FeedState:
    """Return the feed's state after ``result`` (at its new URL after a permanent redirect)."""
    from .fetch import next_state

    fresh = next_state(state, result, now)
    return replace(fresh, url=result.moved_to) if result.moved_to else fresh


def _store_fed(
    store: Store,
    profile: Profile,
    feeding: list[_Feeding],
    scorer: Scorer,
    outcomes: dict[str, FeedOutcome],
    quiet: list[tuple[FeedSpec, FeedState]],
    now: datetime,
    *,
    wait: bool = False,
) -> list[StoredPost]:
    """Store each feed whose posts are scored (all of them with ``wait``) with its state.

    The feeds ready together go in one transaction, each with its state. The CPU work happens
    before the write lock is taken, so other processes wait only for the inserts themselves.
    A feed whose body did not parse, or had no posts, joins the quiet ones.
    """
    ready = [wait or job.future.done() for job in feeding]
    polls: list[tuple[_Feeding, Fed, Polled]] = []
    failure: BaseException | None = None
    for job, now_ready in zip(list(feeding), ready, strict=True):
        if not now_ready:
            continue
        try:
            fed = scorer.fed(job.future, job.result, job.spec.own)
        except BaseException as exc:  # the feeds scored before it are still stored
            failure = exc
            break
        feeding.remove(job)
        fresh = _next(job.state, fed.result, now)
        outcomes[job.spec.url] = FeedOutcome(job.spec, fed.result, 0, fresh)
        if not fed.result.posts:
            quiet.append((job.spec, fresh))
            continue
        items = [(p, i, v) for p, (i, v) in zip(fed.posts, fed.scored, strict=True)]
        polls.append((job, fed, Polled(job.spec, fresh, items, fed.known)))
    stored: list[StoredPost] = []
    if polls:
        added = store.record_polls(profile.key, [poll for _, _, poll in polls], now)
        for (job, fed, poll), new in zip(polls, added, strict=True):
            outcomes[job.spec.url] = FeedOutcome(job.spec, fed.result, len(new), poll.state)
            stored.extend(new)
    if failure is not None:
        raise failure
    return stored


def _save_states(store: Store, profile: Profile, quiet: list[tuple[FeedSpec, FeedState]]) -> None:
    store.save_feed_states(profile.key, quiet)
    quiet.clear()


POLL_LOCK = "poll.lock"


class PollLock:
    """An exclusive lock beside the database while a cycle runs; waits for the holder.

    Two cycles at once would fetch every feed twice and race to store the same posts. The
    second one waits (``on_wait`` is told the holder's PID first) up to ``timeout`` seconds,
    then gives up with a StoreError. The kernel drops the lock when its process dies.
    """

    def __init__(
        self,
        path: Path,
        *,
        timeout: float = 1800.0,
        on_wait: Callable[[int | None], object] | None = None,
    ) -> None:
        self.path = path
        self.timeout = timeout
        self.on_wait = on_wait
        self._lock = PidLock(path)

    def __enter__(self) -> PollLock:
        if self._lock.try_acquire():
            return self
        who = holder(self.path)
        if self.on_wait is not None:
            self.on_wait(who)
        deadline = time.monotonic() + self.timeout
        pause = 0.01
        while not self._lock.try_acquire():
            if time.monotonic() >= deadline:
                named = f"PID {who}" if who else "another process"
                raise StoreError(
                    f"{self.path}: {named} has been polling for over {self.timeout:g} s; "
                    "stop it or wait for it, then run this again"
                )
            time.sleep(pause)
            pause = min(pause * 2, 0.2)
        return self

    def __exit__(self, *exc: object) -> None:
        self._lock.release()
