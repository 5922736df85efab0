"""Decide who a cycle's posts are about and score them: here, or in forked worker processes.

Parsing feeds, deciding (``match.identify``) and scoring (the checklist engine) are the CPU
work of a watch cycle. Only posts that may be about the person are scored: one decided
``not_me`` (a namesake's, or one not naming them) is stored with ``SET_ASIDE``, and scored when
feedback makes it theirs (``triage.mark``). A big cycle hands them to worker processes so they
run beside the fetching and storing that this process does, and parse the feeds' bodies too (a
process's threads share one interpreter lock, and this one's was the cycle's bottleneck); a
small one does them here, where starting a worker would cost more than it saves.

The workers are forked, on Linux only, before the cycle starts any thread (forking a process
with threads running is unsafe), so each inherits the profile, the feedback and the engine's
loader already in memory: nothing is pickled but the bodies, the posts and their verdicts, one
message each way down a pipe per job (and, once, the ids of the posts the profile has). Forked
workers never touch the parent's SQLite connection, and they leave with ``os._exit``, so no
finalizer of theirs closes it. A worker that dies, or one that cannot start, costs nothing but
speed: its bodies are parsed and its posts scored here.
"""

from __future__ import annotations

import contextlib
import itertools
import mmap
import os
import pickle
import queue
import selectors
import sys
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, cast

from .evidence import linted_text
from .forked import Channel, Child, ChildGone, settle
from .future import Future
from .match import Feedback
from .model import SCORE_LIMIT, Author, FetchResult, Identity, Post, Profile, Verdict

if TYPE_CHECKING:  # imported where posts are decided and scored: a cycle of 304s needs neither
    from .checklist import Engine

POOL_MIN_FEEDS = 40
"""Cycles with fewer due feeds than this decide and score their posts in this process."""

LEAVE_TIMEOUT = 5.0
"""Seconds the workers have to leave once told; then they are killed."""

BACKLOG = 2
"""Jobs a worker may have waiting before this process parses bodies itself (so both work)."""

Scored = list[tuple[Identity, Verdict]]


class WorkerDied(RuntimeError):
    """A scoring worker died with jobs of this cycle: they are done here instead.

    Not ``concurrent.futures``' BrokenProcessPool: importing it cost every ``check`` the
    process pool's machinery (queues, semaphores) that these workers never use.
    """


SET_ASIDE = Verdict(0, False, (), scored=False)
"""The verdict of a post decided not about the person: the checklist did not read it."""


def score(
    engine: Engine, post: Post, limit: int = SCORE_LIMIT, identity: Identity | None = None
) -> Verdict:
    """Return the checklist verdict for a post (title and text, as the digest highlights them).

    Only the first ``limit`` characters are read, cut at a space so no word is split; the
    verdict's ``unread`` says how many were left. A post the person wrote (``identity.role``
    "author") is judged as theirs; one written about them by someone else as another's: a rant
    or a leak there is not their risk, an insult or their phone number is.
    """
    author: Author = "other" if identity is not None and identity.role != "author" else "self"
    text = linted_text(post)
    if len(text) <= limit:
        return engine.lint(text, author)
    cut = text.rfind(" ", limit // 2, limit + 1)
    cut = cut if cut > 0 else limit
    return replace(engine.lint(text[:cut], author), unread=len(text) - cut)


def preload() -> None:
    """Import and load here what deciding and scoring need, whatever the profile.

    A process that runs cycle after cycle (the agent) calls it before each one: the scoring
    workers a big cycle forks then start with the modules and the reference tables in memory
    (shared, copy-on-write) instead of importing and reading them again every cycle. The
    checklist engine, one per profile, the agent keeps itself (``Agent._engine``).
    """
    from . import checklist, identity  # noqa: F401
    from .clues import load_tables

    load_tables()


def decide(
    post: Post, profile: Profile, own: bool, feedback: Feedback, seen: datetime | None = None
) -> Identity:
    """Decide who ``post`` is about from the part of it the checklist reads, too."""
    if len(post.text) > SCORE_LIMIT:
        post = replace(post, text=post.text[:SCORE_LIMIT])
    from .identity import identify

    return identify(post, profile, own=own, feedback=feedback, seen=seen)


def score_all(
    posts: Sequence[Post],
    own: bool,
    engine: Engine,
    profile: Profile,
    feedback: Feedback,
    seen: datetime | None = None,
) -> Scored:
    """Return who each post is about and its verdict (judged as theirs or another's), in order.

    A post about someone else is not scored: its verdict is ``SET_ASIDE``.
    """
    return [decide_and_score(post, own, engine, profile, feedback, seen) for post in posts]


def decide_and_score(
    post: Post,
    own: bool,
    engine: Engine,
    profile: Profile,
    feedback: Feedback,
    seen: datetime | None = None,
) -> tuple[Identity, Verdict]:
    """Return who one post is about and its verdict (``SET_ASIDE`` when about someone else)."""
    who = decide(post, profile, own, feedback, seen)
    return who, SET_ASIDE if who.confidence == "not_me" else score(engine, post, identity=who)


@dataclass(frozen=True)
class Fed:
    """One feed's answer parsed, and its posts new to the profile decided and scored."""

    result: FetchResult
    """The answer with its posts (or the error parsing its body raised)."""
    known: frozenset[str]
    """Ids of its posts the profile already had: they are not decided or scored again."""
    posts: tuple[Post, ...]
    """The others, in the feed's order."""
    scored: Scored
    """One (identity, verdict) for each of ``posts``."""


Known = Callable[[Sequence[str]], set[str]]
"""Return which of these post ids the profile already has."""

Answer = Fed | tuple[frozenset[str], Scored]
"""A feed's job done: its Fed, or from a worker given posts parsed here, (known, scored)."""


class _Work:
    """What posts are scored with; the engine is loaded where it is first needed, once."""

    def __init__(
        self, engine: Callable[[], Engine], profile: Profile, feedback: Feedback, now: datetime
    ) -> None:
        self.load = engine
        self.engine: Engine | None = None
        self.profile = profile
        self.feedback = feedback
        self.now = now
        self.known: frozenset[str] = frozenset()
        """In a worker: the profile's posts when the cycle sent its first body."""
        self.done: dict[tuple[Post, bool], tuple[Identity, Verdict]] = {}
        """What this cycle gave each post here so far, by the post and ``own``."""

    def score_all(self, posts: Sequence[Post], own: bool) -> Scored:
        """Decide and score each post; a post another feed of the cycle gave too, only once.

        Search feeds often share a story: the same post (only its ``feed_url`` differs, which
        neither deciding nor scoring reads) is given what it was given the first time.
        """
        engine = self.ready()
        scored: Scored = []
        for post in posts:
            key = (replace(post, feed_url=""), own)
            found = self.done.get(key)
            if found is None:
                found = self.done[key] = decide_and_score(
                    post, own, engine, self.profile, self.feedback, self.now
                )
            scored.append(found)
        return scored

    def ready(self) -> Engine:
        """Return the engine, loading it first if this process has not yet."""
        if self.engine is None:
            self.engine = self.load()
        return self.engine

    def feed(self, result: FetchResult, own: bool, known: Known) -> Fed:
        """Parse the result's body if it has one; decide and score its posts ``known`` lacks."""
        if result.body is not None:
            from .fetch import read_body  # here: a cycle of 304s never loads the parser

            result = read_body(result)
        had = known([p.id for p in result.posts]) if result.posts else set()
        posts = tuple(p for p in result.posts if p.id not in had)
        return Fed(result, frozenset(had), posts, self.score_all(posts, own) if posts else [])

    def had(self, ids: Sequence[str]) -> set[str]:
        return {i for i in ids if i in self.known}


class Scorer:
    """Parses each feed's body and scores its posts, in worker processes when the cycle is big.

    ``engine`` loads the checklist engine: a worker loads it on its first posts (beside this
    process's fetching), and a cycle with nothing new (all 304s) never loads it. ``known``
    tells which posts the profile already has (the store, read here); ``everything`` returns
    them all, sent to the workers with the cycle's first body. A post that several feeds of
    this cycle found is decided and scored once in each process that meets it (with one
    worker, once); the store keeps the first feed's copy, with that verdict.
    """

    def __init__(
        self,
        engine: Callable[[], Engine],
        profile: Profile,
        feedback: Feedback,
        now: datetime,
        feeds: int,
        *,
        known: Known,
        everything: Callable[[], set[str]],
        bodies: bool = False,
    ) -> None:
        self.work = _Work(engine, profile, feedback, now)
        self.known = known
        self.everything = everything
        self.workers: _Workers | None = None
        if feeds >= POOL_MIN_FEEDS:
            self.workers = _Workers.start(self.work, warm=bodies)
        self._told = False

    @property
    def parses(self) -> bool:
        """Return True when bodies are parsed by workers, so the fetcher need not parse them."""
        return self.workers is not None

    def busy(self) -> bool:
        """Return True while the workers have more jobs waiting than they can start soon."""
        return self.workers is not None and self.workers.waiting() > BACKLOG * len(
            self.workers.processes
        )

    def feed(self, result: FetchResult, own: bool) -> Future[Answer]:
        """Start parsing the result's body (if any) and scoring its new posts."""
        if self.workers is not None:
            if not self._told:
                self._told = self.workers.tell(frozenset(self.everything()))
            started = self.workers.submit((result, own))
            if started is not None:
                return cast(Future[Answer], started)
        done: Future[Answer] = Future()
        done.set_result(self.work.feed(result, own, self.known))
        return done

    def fed(self, future: Future[Answer], result: FetchResult, own: bool) -> Fed:
        """Return what ``feed`` started for ``result``; do the work here if its worker died."""
        try:
            answer = future.result()
        except WorkerDied:
            return self.work.feed(result, own, self.known)
        if isinstance(answer, Fed):
            return answer
        known, scored = answer  # the posts were parsed here: only their verdicts came back
        return Fed(result, known, tuple(p for p in result.posts if p.id not in known), scored)

    def close(self, *, abandon: bool = False) -> None:
        """Stop the workers (what they still had is reported broken: it is scored here).

        With ``abandon`` (the cycle is failing, or was interrupted) they are killed at once
        rather than left to finish the jobs they still have.
        """
        if self.workers is not None:
            workers, self.workers = self.workers, None
            workers.close(abandon=abandon)


class _Workers:
    """Forked processes that score posts sent down a socket each, and one thread reading back.

    Leaner than a ProcessPoolExecutor, whose per-job machinery (a managing thread, a call
    queue, its feeding thread) cost more CPU than a cycle's pickling: here a job is one message
    each way. What a worker's socket takes of a message is written by the thread that sends
    it, the rest by a sending thread, so a full socket never holds up the cycle.
    A worker that dies fails its jobs with WorkerDied and takes no more; the Scorer
    scores those posts itself.
    """

    leave_timeout = LEAVE_TIMEOUT

    def __init__(self, children: Sequence[Child], finished: memoryview) -> None:
        self.live = dict.fromkeys(child.channel for child in children)
        """The channels to the workers still taking jobs (a set that keeps their order)."""
        self.finished = finished
        """Jobs each worker has finished, counted by the worker in memory shared with it."""
        self.sent = 0
        self.queued: Counter[Channel] = Counter()
        """Messages for each worker waiting for (or being written by) the sending thread."""
        self.writing = {child.channel: threading.Lock() for child in children}
        self.processes = list(children)
        self.jobs: dict[int, tuple[Future[object], Channel]] = {}
        self.in_flight: Counter[Channel] = Counter()
        """Jobs sent to each worker and not yet answered (a count kept, not recounted)."""
        self.ids = itertools.count()
        self.lock = threading.Lock()
        self.outbox: queue.SimpleQueue[tuple[Channel, bytes | memoryview] | None] = (
            queue.SimpleQueue()
        )
        self.reader = threading.Thread(target=self._read, name="selfwatch-scored", daemon=True)
        self.sender = threading.Thread(target=self._send, name="selfwatch-scoring", daemon=True)
        self.reader.start()
        self.sender.start()

    @classmethod
    def start(cls, work: _Work, *, warm: bool = False) -> _Workers | None:
        """Fork the workers now, while this process has no other thread, or return None."""
        if sys.platform != "linux":
            return None
        settle()  # the workers of a cycle just ended, on their way out
        if threading.active_count() > 1:
            return None
        try:
            cpus = len(os.sched_getaffinity(0))
        except AttributeError:
            cpus = os.cpu_count() or 1
        if cpus < 2:
            return None
        children: list[Child] = []
        workers = max(1, cpus - 1)
        # Anonymous shared memory: each worker counts the jobs it has finished in a slot of
        # its own, which this process reads without waiting for the answers to be read
        finished = memoryview(mmap.mmap(-1, 8 * workers)).cast("q")
        # One CPU stays here for fetching, parsing and storing; the rest score.
        for n in range(workers):
            try:
                child = Child.start(
                    _serve, (work, warm, finished, n), close=[c.channel for c in children]
                )
            except OSError:
                break
            children.append(child)
        return cls(children, finished) if children else None

    def waiting(self) -> int:
        """Return how many jobs are sent and not yet finished.

        Counted from what the workers have finished, not from the answers read back: the
        thread that reads them waits for this process's interpreter lock, which the fetching
        threads and the storing hold most of the time, so the answers lag behind.
        """
        with self.lock:
            return min(len(self.jobs), self.sent - sum(self.finished))

    def tell(self, known: frozenset[str]) -> bool:
        """Send every worker the posts the profile has (before any job); False if none is left."""
        with self.lock:
            channels = list(self.live)
        for channel in channels:
            self._post(channel, known)
        return bool(channels)

    def submit(self, work: tuple[FetchResult, bool]) -> Future[object] | None:
        """Send a job to the least busy worker; None when no worker is left."""
        future: Future[object] = Future()
        with self.lock:
            if not self.live:
                return None
            channel = min(self.live, key=lambda c: self.in_flight[c])
            job = next(self.ids)
            self.jobs[job] = (future, channel)
            self.in_flight[channel] += 1
            self.sent += 1
        self._post(channel, (job, work))
        return future

    def _post(self, channel: Channel, message: object) -> None:
        """Write what the worker's socket takes of a message now; the sending thread the rest.

        Nothing here waits for a worker: while one is busy (loading the engine, say) its
        socket fills, and the cycle went on neither parsing nor storing until the worker had
        read, up to a fifth of a cycle. A message behind one the sending thread still has
        goes to that thread too (a worker reads its messages in order).
        """
        frame = Channel.frame(pickle.dumps(message, pickle.HIGHEST_PROTOCOL))
        with self.lock:
            now = self.queued[channel] == 0
            if not now:
                self.queued[channel] += 1
        if not now:
            self.outbox.put((channel, frame))
            return
        try:
            with self.writing[channel]:
                sent = channel.send_some(frame)
                if sent < len(frame):
                    with self.lock:
                        self.queued[channel] += 1
                    self.outbox.put((channel, memoryview(frame)[sent:]))
        except OSError:  # the worker is gone: its jobs fail
            self._lost(channel)

    def close(self, *, abandon: bool = False) -> None:
        """Let the workers finish and leave (killed after 5 s), then stop both threads.

        A worker closes its socket as it leaves: once every socket has ended the cycle goes
        on, and the workers are reaped as they exit, without waiting here. ``abandon`` kills
        them at once: a worker ignores Ctrl-C (its cycle's process handles it), and would
        otherwise score every job it still had before reading the signal to leave.
        """
        if abandon:
            for child in self.processes:
                child.kill()
        for child in self.processes:
            self._post(child.channel, None)  # the worker's signal to leave
        self.outbox.put(None)
        self.sender.join()
        self.reader.join(self.leave_timeout)  # it leaves once every worker's socket has ended
        if self.reader.is_alive():  # a worker that would not leave
            for child in self.processes:
                child.kill()
            self.reader.join()
        for child in self.processes:
            self._lost(child.channel)
            child.channel.close()
            child.release()

    def _send(self) -> None:
        while (item := self.outbox.get()) is not None:
            channel, data = item
            try:
                with self.writing[channel]:
                    channel.send_frame(data)
            except OSError:  # the worker is gone: its jobs fail
                self._lost(channel)
            with self.lock:
                self.queued[channel] -= 1

    def _read(self) -> None:
        """Hand each answer to its job's future, until every worker's socket has ended."""
        with selectors.DefaultSelector() as selector:
            for child in self.processes:
                selector.register(child.channel, selectors.EVENT_READ)
            open_ = len(self.processes)
            while open_:
                for key, _ in selector.select():
                    channel = cast(Channel, key.fileobj)
                    try:
                        self._answered(channel.recv())
                        while channel.pending():  # the rest of the same read: no wake-up
                            self._answered(channel.recv())
                    except (ChildGone, OSError):
                        selector.unregister(channel)
                        open_ -= 1
                        self._lost(channel)

    def _answered(self, message: object) -> None:
        job, outcome = cast(tuple[int, object], message)
        with self.lock:
            entry = self.jobs.pop(job, None)
            if entry is not None:
                self.in_flight[entry[1]] -= 1
        if entry is None:
            return  # already failed: its worker was given up on meanwhile
        future = entry[0]
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)

    def _lost(self, channel: Channel) -> None:
        """Forget a worker that is gone; fail the jobs it had."""
        with self.lock:
            self.live.pop(channel, None)
            lost = [job for job, (_, c) in self.jobs.items() if c is channel]
            futures = [self.jobs.pop(job)[0] for job in lost]
            self.in_flight.pop(channel, None)
        for future in futures:
            future.set_exception(WorkerDied("a scoring worker died"))


def _serve(pipe: Channel, work: _Work, warm: bool, finished: memoryview, slot: int) -> None:
    """Score what comes down ``pipe`` until told to stop (in a forked worker process).

    With ``warm`` the engine is loaded at once, while the cycle's first requests are still
    out, rather than when the first feed's posts arrive (and wait for it).
    """
    if warm:
        with contextlib.suppress(Exception):  # it fails again, and is reported, when scoring
            work.ready()
    while True:
        try:
            message = pipe.recv()
        except (ChildGone, OSError):  # the cycle's process has gone
            return
        if message is None:
            return
        if isinstance(message, frozenset):  # the posts the profile has: no answer
            work.known = message
            continue
        job, (result, own) = cast(tuple[int, tuple[FetchResult, bool]], message)
        try:
            fed = work.feed(result, own, work.had)
            # Posts parsed by the cycle's process are not sent back: it has them already.
            outcome: object = fed if result.body is not None else (fed.known, fed.scored)
        except Exception as exc:  # raised in the cycle, as if it had been done there
            outcome = exc
        finished[slot] += 1
        try:
            pipe.send((job, outcome))
        except (TypeError, AttributeError, pickle.PicklingError):  # an unpicklable exception
            pipe.send((job, RuntimeError(f"scoring failed: {outcome!r}")))
