"""Decide who a cycle's posts are about and score them: here, or in forked worker processes.

Deciding (``match.identify``) and scoring (the checklist engine) are the CPU work of a watch
cycle. Only posts that may be about the person are scored: one decided ``not_me`` (a
namesake's, or one not naming them) is stored with ``SET_ASIDE``, and scored when feedback
makes it theirs (``triage.mark``). A big cycle hands them to worker processes so they run
beside the fetching, parsing and storing that this process does; a small one does them here,
where starting a worker would cost more than it saves.

The workers are forked, on Linux only, before the cycle starts any thread (forking a process
with threads running is unsafe), so each inherits the engine, the profile and the feedback
already in memory: nothing is pickled but the posts and their verdicts. Forked workers never
touch the parent's SQLite connection, and they leave with ``os._exit``, so no finalizer of
theirs closes it. A worker that dies, or a pool that cannot start, costs nothing but speed:
its posts are scored here.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from datetime import datetime
from multiprocessing import get_context

from .checklist import Engine
from .evidence import linted_text
from .identity import identify
from .match import Feedback
from .model import SCORE_LIMIT, Author, Identity, Post, Profile, Verdict

POOL_MIN_FEEDS = 40
"""Cycles with fewer due feeds than this decide and score their posts in this process."""

Scored = list[tuple[Identity, Verdict]]

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


def decide(
    post: Post, profile: Profile, own: bool, feedback: Feedback, seen: datetime | None = None
) -> Identity:
    """Decide who ``post`` is about from the part of it the checklist reads, too."""
    if len(post.text) > SCORE_LIMIT:
        post = replace(post, text=post.text[:SCORE_LIMIT])
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
    scored: Scored = []
    for post in posts:
        who = decide(post, profile, own, feedback, seen)
        verdict = SET_ASIDE if who.confidence == "not_me" else score(engine, post, identity=who)
        scored.append((who, verdict))
    return scored


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

    def score_all(self, posts: Sequence[Post], own: bool) -> Scored:
        if self.engine is None:
            self.engine = self.load()
        return score_all(posts, own, self.engine, self.profile, self.feedback, self.now)


_work: _Work | None = None
"""What forked workers score with: set before the fork, inherited by the children."""


def _score_in_worker(posts: Sequence[Post], own: bool) -> Scored:
    assert _work is not None, "scoring worker forked without its work"
    return _work.score_all(posts, own)


class Scorer:
    """Scores each feed's posts, in worker processes when the cycle is big enough.

    ``engine`` loads the checklist engine: a worker loads it on its first posts (beside this
    process's fetching), and a cycle with nothing new (all 304s) never loads it.
    """

    def __init__(
        self,
        engine: Callable[[], Engine],
        profile: Profile,
        feedback: Feedback,
        now: datetime,
        feeds: int,
    ) -> None:
        self.work = _Work(engine, profile, feedback, now)
        self.pool: ProcessPoolExecutor | None = None
        if feeds >= POOL_MIN_FEEDS:
            self.pool = _start_pool(self.work)

    def submit(self, posts: Sequence[Post], own: bool) -> Future[Scored]:
        """Start scoring ``posts``; the future gives one (identity, verdict) per post."""
        if self.pool is not None:
            try:
                return self.pool.submit(_score_in_worker, posts, own)
            except (BrokenProcessPool, RuntimeError):
                self.close()
        done: Future[Scored] = Future()
        done.set_result(self.work.score_all(posts, own))
        return done

    def result(self, future: Future[Scored], posts: Sequence[Post], own: bool) -> Scored:
        """Return the future's result; score the posts here if its worker died."""
        try:
            return future.result()
        except BrokenProcessPool:
            self.close()
            return self.work.score_all(posts, own)

    def close(self) -> None:
        """Stop the workers (pending work is cancelled; its posts are scored here instead)."""
        global _work
        if self.pool is not None:
            pool, self.pool = self.pool, None
            pool.shutdown(wait=True, cancel_futures=True)
        _work = None


def _start_pool(work: _Work) -> ProcessPoolExecutor | None:
    """Fork the workers now, while this process has no other thread, or return None."""
    global _work
    import threading

    if sys.platform != "linux" or threading.active_count() > 1:
        return None
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count() or 1
    if cpus < 2:
        return None
    _work = work
    # One CPU stays here for fetching, parsing and storing; the rest score.
    pool = ProcessPoolExecutor(max(1, cpus - 1), mp_context=get_context("fork"))
    try:
        pool.submit(int).result()  # forks every worker at once, before any thread starts
    except (BrokenProcessPool, OSError):
        pool.shutdown(wait=False, cancel_futures=True)
        _work = None
        return None
    return pool
