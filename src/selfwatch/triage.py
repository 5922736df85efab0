"""Triage: acknowledge a post, ignore it, or ignore one rule on it. Persisted in the store.

* ``ack``: seen and handled; stays in history and the report (shown as handled), leaves the
  open-flags count.
* ``ignore``: never shown again in digests or the report's flagged list.
* ``ignore --rule R``: only rule R (a rule id or a category) is dropped from that post; the score
  and flag are recomputed from the remaining findings.
* ``me`` / ``notme``: the post is (not) about the person; what it teaches re-decides the rest
  (see ``feedback``), and ``undo`` forgets the newest such mark. A post already sent in a digest
  keeps its place in that digest and is never sent again, whatever its label becomes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from .checklist import Engine, risk_score
from .errors import NotFoundError, did_you_mean
from .match import Feedback, MarkKind, Scope
from .model import Confidence, Profile
from .store import Store, StoredPost

EngineFor = Callable[[Profile], Engine]
"""Returns the checklist engine for a profile: called only when a set-aside post needs scoring."""


def ack(store: Store, post_id: str, profile: str | None) -> StoredPost:
    """Mark a post as seen and handled."""
    target = store.get(post_id, profile)
    store.set_status(target.profile, target.id, "acked")
    return store.get(target.id, target.profile)


def ignore(
    store: Store,
    post_id: str,
    profile: str | None,
    *,
    rule: str | None = None,
    threshold: int,
    now: datetime,
) -> StoredPost:
    """Ignore a post entirely, or only ``rule`` (id or category) on it."""
    target = store.get(post_id, profile)
    if rule is None:
        store.set_status(target.profile, target.id, "ignored")
        return store.get(target.id, target.profile)
    verdict = target.verdict
    drop = [f for f in verdict.findings if rule in (f.rule, f.category)]
    if not drop:
        ids = sorted({f.rule for f in verdict.findings})
        hint = did_you_mean(rule, [*ids, *{f.category for f in verdict.findings}])
        raise NotFoundError(
            f"post {target.id[:10]} has no finding for {rule!r}{hint} "
            f"(it has: {', '.join(ids) or 'none'})"
        )
    keep = tuple(f for f in verdict.findings if f not in drop)
    score = risk_score(keep)
    updated = replace(verdict, findings=keep, score=score, flagged=score >= threshold)
    with store.transaction():
        for rule_id in sorted({f.rule for f in drop}):
            store.ignore_rule(target.profile, target.id, rule_id, updated, now)
    return store.get(target.id, target.profile)


# --- "is this me?" feedback ---------------------------------------------------------------------


@dataclass(frozen=True)
class Relabel:
    """A post whose identity changed because of feedback: what it was and what it is now."""

    post: StoredPost
    before: Confidence


@dataclass(frozen=True)
class Lesson:
    """What one ``me`` / ``notme`` (or its undo) did: the post, the words learned, the fallout."""

    post: StoredPost
    kind: MarkKind
    scope: Scope
    words: tuple[str, ...]
    others: tuple[Relabel, ...]
    recorded: bool = True
    """False when the same mark was already the latest for this post."""


def mark(
    store: Store,
    profile: Profile,
    post_id: str,
    kind: MarkKind,
    now: datetime,
    scope: Scope = "post",
    *,
    engine_for: EngineFor,
) -> Lesson:
    """Record ``me`` / ``notme`` for a post, learn from it, and re-decide every post it touches.

    Only the marked post is decided by the mark; the others change only if the learned words
    (or, when asked, the author- or site-wide mark) now outweigh their own evidence. A post
    that was set aside unscored is scored with ``engine_for(profile)`` once it may be theirs.
    """
    from .feedback import check_scope, learn, post_words

    target = store.get(post_id, profile.key)
    check_scope(target.post, profile, scope)
    other_side: tuple[Confidence, ...] = ("not_me",) if kind == "me" else ("me",)
    theirs = post_words(
        sp.post for sp in store.posts(profile.key, confidence=other_side) if sp.id != target.id
    )
    words = learn(target.post, profile, target.identity, kind, theirs)
    with store.transaction():
        before = store.feedback(profile.key)
        recorded = store.add_feedback(profile.key, target.id, kind, now, scope=scope, words=words)
        others = _redecide(store, profile, before, skip=target.id, engine_for=engine_for)
    return Lesson(store.get(target.id, profile.key), kind, scope, words, others, recorded)


def undo(
    store: Store, profiles: dict[str, Profile], profile: str | None, *, engine_for: EngineFor
) -> Lesson:
    """Forget the newest ``me`` / ``notme`` (of ``profile``, or of any) and re-decide its posts."""
    with store.transaction():
        key, last = store.undo_feedback(profile)
        if key not in profiles:
            raise NotFoundError(f"the last feedback is for profile {key!r}, not in the config")
        before = Feedback.from_marks([*store.marks(key), last])
        others = _redecide(store, profiles[key], before, skip=None, engine_for=engine_for)
    target = store.get(last.post_id, key)
    rest = tuple(r for r in others if r.post.id != target.id)
    return Lesson(target, last.kind, last.scope, last.words, rest)


def _redecide(
    store: Store, profile: Profile, before: Feedback, skip: str | None, engine_for: EngineFor
) -> tuple[Relabel, ...]:
    """Re-decide the posts whose identity the change of feedback changes; return them.

    Each post is judged with the feedback before and after the change; only a post whose
    decision differs is stored again. So a mark changes what it teaches and nothing else: a post
    decided by an older version of the matcher is not relabelled as a side effect. A post that
    was set aside unscored and may now be the person's is scored here.
    """
    from .identity import identify
    from .scorer import score
    from .sources import feeds_for

    after = store.feedback(profile.key)
    own_feeds = {spec.url for spec in feeds_for(profile) if spec.own}
    changed = []
    engine: Engine | None = None
    for sp in store.posts(profile.key):
        own = bool(own_feeds.intersection(sp.feeds))
        then = identify(sp.post, profile, own=own, feedback=before, seen=sp.seen_at)
        now = identify(sp.post, profile, own=own, feedback=after, seen=sp.seen_at)
        if now == then:
            continue
        store.set_identity(profile.key, sp.id, now)
        if not sp.verdict.scored and now.confidence != "not_me":
            engine = engine or engine_for(profile)
            store.set_verdict(profile.key, sp.id, score(engine, sp.post, identity=now))
        if sp.id != skip and now.confidence != sp.identity.confidence:
            changed.append(Relabel(store.get(sp.id, profile.key), sp.identity.confidence))
    return tuple(changed)
