"""Triage: acknowledge a post, ignore it, or ignore one rule on it. Persisted in the store.

* ``ack``: seen and handled; stays in history and the report (shown as handled), leaves the
  open-flags count.
* ``ignore``: never shown again in digests or the report's flagged list.
* ``ignore --rule R``: only rule R (a rule id or a category) is dropped from that post; the score
  and flag are recomputed from the remaining findings.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from .checklist import risk_score
from .errors import NotFoundError, did_you_mean
from .store import Store, StoredPost


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
