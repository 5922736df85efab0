"""Audit the person's own archive: read exports, lint every post, store it, rank what to fix.

``audit()`` runs four steps: read the exports (archive.py), lint each post's text with the
engine, record every post in the store (as the person's own, feed ``archive:<source>``), and
return the risky posts (those the checklist flags) ranked by score, worst level and date, each
with the action to take (actions.py). Retweets and boosts are counted and skipped: they are not
the person's own words. A post found twice in one run (say the zip and its unpacked folder) is
linted once.

Re-running on the same archive adds nothing to the store: post ids come from the export's own
ids, and the store keys every row by them. The report always uses the fresh verdict; the store
keeps the verdict from the first run (``Store.record_post`` never overwrites).

Speed: linting is the slow step (about 1 ms a post), so large archives are linted by worker
processes, each given the engine once; writes go in transactions of ``BATCH`` posts.
"""

from __future__ import annotations

import csv
import io
import json
import os
import pickle
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from multiprocessing import active_children, get_context
from pathlib import Path
from typing import Any

from .actions import Action, suggest_action
from .archive import ArchiveItem, read_archive
from .checklist import Engine
from .digest import excerpt, linted_text
from .errors import SelfwatchError
from .model import Identity, Level, Post, Profile, Verdict
from .output import finding_dict, terminal_safe
from .store import Store

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` each time a batch of posts is linted and stored."""

IDENTITY = Identity(confidence="me", role="author", reason="your own archive")
BATCH = 1000
"""Posts per store transaction, and by default how often progress is reported."""
CHUNK = 250
"""Texts sent to a lint worker at a time."""
PARALLEL_MIN = 3000
"""Below this many posts, starting worker processes costs more than it saves."""
MAX_WORKERS = 8
CSV_FIELDS = (
    "rank", "date", "url", "source", "kind", "visibility", "score", "level", "categories",
    "rules", "matched", "action", "why", "excerpt", "id",
)  # fmt: skip


@dataclass(frozen=True)
class AuditEntry:
    """One risky post: where it came from, the checklist's verdict and what to do about it."""

    item: ArchiveItem
    verdict: Verdict
    action: Action

    @property
    def post(self) -> Post:
        """Return the post."""
        return self.item.post

    @property
    def worst_level(self) -> Level | None:
        """Return the highest level among the risk findings, or None."""
        return max((f.level for f in self.verdict.risks), default=None)


@dataclass(frozen=True)
class AuditResult:
    """What an audit found: the risky posts, riskiest first, and the counts behind them."""

    profile: str
    generated_at: datetime
    entries: tuple[AuditEntry, ...]
    read: int
    """Items read from the exports, reposts and duplicates included."""
    reposts: int
    duplicates: int
    linted: int
    new: int
    """Posts the store had not seen before for this profile."""
    sources: tuple[tuple[str, int], ...]
    """Posts linted per export kind, most first."""


# --- steps ----------------------------------------------------------------------------------


def collect(
    paths: Iterable[Path], *, twitter_handle: str | None = None
) -> tuple[list[ArchiveItem], int, int, int]:
    """Return the own posts in ``paths`` (first copy of each) and the counts read, reposts, dups."""
    seen: dict[str, ArchiveItem] = {}
    read = reposts = duplicates = 0
    for path in paths:
        for item in read_archive(path, twitter_handle=twitter_handle):
            read += 1
            if item.is_repost:
                reposts += 1
            elif item.post.id in seen:
                duplicates += 1
            else:
                seen[item.post.id] = item
    return list(seen.values()), read, reposts, duplicates


def lint_chunks(
    engine: Engine, posts: Sequence[Post], *, workers: int | None = None
) -> Iterator[list[Verdict]]:
    """Yield the posts' verdicts in order, ``CHUNK`` at a time; large runs use worker processes.

    ``workers=None`` uses one worker per CPU but one (up to ``MAX_WORKERS``, and none with
    fewer than three CPUs) from ``PARALLEL_MIN`` posts on. An engine that cannot be pickled,
    or workers that cannot start or die, lint here in this process instead.
    """
    texts = [linted_text(p) for p in posts]
    count = _worker_count(workers, len(texts))
    if count > 1 and _picklable(engine):
        yield from _lint_parallel(engine, texts, count)
    else:
        for start in range(0, len(texts), CHUNK):
            yield [engine.lint(t) for t in texts[start : start + CHUNK]]


def lint_posts(
    engine: Engine, posts: Sequence[Post], *, workers: int | None = None
) -> list[Verdict]:
    """Return the verdict for each post, in order (see ``lint_chunks``)."""
    return [v for chunk in lint_chunks(engine, posts, workers=workers) for v in chunk]


def _worker_count(workers: int | None, total: int) -> int:
    if workers is not None:
        return max(1, workers)
    if total < PARALLEL_MIN:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    # One CPU stays with this process, which unpickles verdicts and writes SQLite meanwhile;
    # on two CPUs, one worker would only add start-up and pickling cost (measured).
    spare = min(cpus - 1, MAX_WORKERS)
    return spare if spare >= 2 else 1


def _picklable(engine: Engine) -> bool:
    try:
        pickle.dumps(engine)
    except (pickle.PicklingError, TypeError, AttributeError):
        return False
    return True


_BROKEN = (BrokenProcessPool, OSError, ValueError)


def _lint_parallel(engine: Engine, texts: list[str], workers: int) -> Iterator[list[Verdict]]:
    chunks = [texts[i : i + CHUNK] for i in range(0, len(texts), CHUNK)]
    done = 0
    # spawn, not fork: the parent holds an open SQLite connection, and forking a process with
    # open connections or threads is unsafe; each worker unpickles the engine once.
    context = get_context("spawn")
    before = set(active_children())
    try:
        with ProcessPoolExecutor(workers, context, _start_worker, (engine,)) as pool:
            try:
                for verdicts in pool.map(_lint_chunk, chunks):
                    done += 1
                    yield verdicts
            except _BROKEN:
                # Python 3.11 joins the surviving workers of a broken pool without stopping
                # them, and a worker idle on the task queue waits for ever: leaving the
                # ``with`` would hang (seen in the tests). Stop this pool's workers first.
                for child in set(active_children()) - before:
                    child.terminate()
                raise
    except _BROKEN:
        # Workers could not start (no process support in a sandbox) or died (killed for
        # memory): finish here. ValueError: a worker that dies while the pool is still
        # spawning the others breaks the pool mid-spawn ("bad value(s) in fds_to_keep"); a
        # ValueError from the engine itself is raised again by the serial lint below.
        # A script calling this must still guard its main module (``if __name__ ==
        # "__main__"``), as every use of spawned processes must.
        for chunk in chunks[done:]:
            yield [engine.lint(t) for t in chunk]


_worker_engine: Engine | None = None
"""The engine of a lint worker process (set once by ``_start_worker``; unused in the parent)."""


def _start_worker(engine: Engine) -> None:
    global _worker_engine
    _worker_engine = engine


def _lint_chunk(texts: list[str]) -> list[Verdict]:
    assert _worker_engine is not None, "lint worker started without an engine"
    return [_worker_engine.lint(t) for t in texts]


def record(
    store: Store,
    profile: str,
    items: Sequence[ArchiveItem],
    verdicts: Sequence[Verdict],
    now: datetime,
) -> int:
    """Store each item as the profile's own post, ``BATCH`` per transaction; return new count."""
    new = 0
    for start in range(0, len(items), BATCH):
        with store.transaction():
            for item, verdict in zip(
                items[start : start + BATCH], verdicts[start : start + BATCH], strict=True
            ):
                new += store.record_post(
                    profile, item.post, item.post.feed_url, IDENTITY, verdict, now
                )
    return new


def _lint_and_record(
    engine: Engine,
    store: Store,
    profile: str,
    items: Sequence[ArchiveItem],
    now: datetime,
    workers: int | None,
    progress: Progress | None,
    batch: int,
) -> tuple[list[Verdict], int]:
    """Lint ``items`` and store them a batch at a time; return the verdicts and the new count.

    Each batch is stored as soon as its verdicts are in: while worker processes lint ahead,
    the SQLite writes here overlap their work.
    """
    verdicts: list[Verdict] = []
    new = stored = 0
    for chunk in lint_chunks(engine, [i.post for i in items], workers=workers):
        verdicts.extend(chunk)
        if len(verdicts) - stored >= batch or len(verdicts) == len(items):
            new += record(store, profile, items[stored : len(verdicts)], verdicts[stored:], now)
            stored = len(verdicts)
            if progress:
                progress(stored, len(items))
    return verdicts, new


def rank(entries: Iterable[AuditEntry]) -> list[AuditEntry]:
    """Return ``entries`` riskiest first: score, then worst level, then newest; undated last."""

    def key(e: AuditEntry) -> tuple[int, int, int, float, str]:
        when = e.post.published
        return (
            -e.verdict.score,
            -(e.worst_level or 0),
            when is None,
            -when.timestamp() if when else 0.0,
            e.post.id,
        )

    return sorted(entries, key=key)


def audit(
    paths: Sequence[Path],
    profile: Profile,
    *,
    store: Store,
    engine: Engine,
    now: datetime,
    progress: Progress | None = None,
    workers: int | None = None,
    batch: int = BATCH,
) -> AuditResult:
    """Read, lint and store the person's own posts in ``paths``; return the risky ones ranked.

    ``progress(done, total)`` is called after every ``batch`` posts are linted and stored.
    """
    handle = profile.handle("x") or profile.handle("twitter")
    items, read, reposts, duplicates = collect(paths, twitter_handle=_bare(handle))
    verdicts, new = _lint_and_record(
        engine, store, profile.key, items, now, workers, progress, batch
    )
    risky = [
        AuditEntry(item, verdict, suggest_action(item.post, IDENTITY, verdict))
        for item, verdict in zip(items, verdicts, strict=True)
        if verdict.flagged
    ]
    return AuditResult(
        profile=profile.key,
        generated_at=now,
        entries=tuple(rank(risky)),
        read=read,
        reposts=reposts,
        duplicates=duplicates,
        linted=len(items),
        new=new,
        sources=tuple(Counter(i.source for i in items).most_common()),
    )


def _bare(handle: str | None) -> str | None:
    """Return a configured handle without its ``@`` or profile URL (``@jane`` -> ``jane``)."""
    if not handle:
        return None
    return handle.rstrip("/").rsplit("/", 1)[-1].lstrip("@") or None


# --- output ---------------------------------------------------------------------------------


def rows(result: AuditResult) -> list[dict[str, Any]]:
    """Return one flat dict per risky post, in rank order (the CSV and JSON rows)."""
    out = []
    for number, e in enumerate(result.entries, 1):
        risks = e.verdict.risks
        out.append(
            {
                "rank": number,
                "date": e.post.published.isoformat() if e.post.published else "",
                "url": e.post.url,
                "source": e.item.source,
                "kind": "reply" if e.item.is_reply else "post",
                "visibility": e.item.visibility,
                "score": e.verdict.score,
                "level": e.worst_level.label if e.worst_level else "",
                "categories": "; ".join(dict.fromkeys(f.category for f in risks)),
                "rules": "; ".join(dict.fromkeys(f.rule for f in risks)),
                "matched": "; ".join(dict.fromkeys(f.matched for f in risks)),
                "action": e.action.kind,
                "why": e.action.why,
                "excerpt": excerpt(e.post, 200),
                "id": e.post.id,
            }
        )
    return out


def _cell(value: object) -> object:
    # A cell starting with = + - @ runs as a formula in spreadsheets; a quote keeps it text.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_report(result: AuditResult) -> str:
    """Return the action list as CSV text, one row per risky post."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, CSV_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows(result):
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return buffer.getvalue()


def json_report(result: AuditResult) -> str:
    """Return the audit as JSON: a summary and the risky posts with their findings."""
    posts = [
        {**row, "title": e.action.title, "findings": [finding_dict(f) for f in e.verdict.risks]}
        for row, e in zip(rows(result), result.entries, strict=True)
    ]
    doc = {
        "profile": result.profile,
        "generated_at": result.generated_at.isoformat(),
        "summary": _summary(result),
        "posts": posts,
    }
    return json.dumps(doc, indent=2, ensure_ascii=False)


def _summary(result: AuditResult) -> dict[str, Any]:
    return {
        "read": result.read,
        "reposts_skipped": result.reposts,
        "duplicates": result.duplicates,
        "linted": result.linted,
        "new_in_store": result.new,
        "risky": len(result.entries),
        "sources": dict(result.sources),
    }


def write_csv(result: AuditResult, path: Path) -> None:
    """Write the CSV action list to ``path`` (UTF-8 with a BOM, so spreadsheets read it right)."""
    _write(path, csv_report(result), "utf-8-sig")


def write_json(result: AuditResult, path: Path) -> None:
    """Write the JSON audit to ``path``."""
    _write(path, json_report(result) + "\n", "utf-8")


def _write(path: Path, text: str, encoding: str) -> None:
    try:
        path.write_text(text, encoding=encoding, newline="")
    except OSError as exc:
        raise SelfwatchError(
            f"{path}: cannot write the audit report ({exc.strerror or exc})"
        ) from None


def render_text(result: AuditResult, *, limit: int | None = None) -> str:
    """Return the terminal report: each risky post with its findings and action, then a summary."""
    lines: list[str] = []
    shown = result.entries if limit is None else result.entries[:limit]
    for number, e in enumerate(shown, 1):
        when = e.post.published.strftime("%Y-%m-%d") if e.post.published else "undated"
        kind = " reply" if e.item.is_reply else ""
        lines.append(
            f"{number:>3}. score {e.verdict.score:>3}  {when}  {e.item.source}{kind}  "
            f"{terminal_safe(e.post.url) or '(no link)'}"
        )
        lines.append(f"     {terminal_safe(excerpt(e.post, 160))}")
        for f in e.verdict.risks:
            lines.append(
                f"     {f.level.label} {f.rule}: {terminal_safe(f.message)} "
                f"[{terminal_safe(f.matched)!r}]"
            )
        lines.append(f"     -> {e.action.title}: {terminal_safe(e.action.why)}")
        lines.append("")
    if limit is not None and len(result.entries) > limit:
        lines.append(f"... and {len(result.entries) - limit} more (use --format csv for all)")
    sources = ", ".join(f"{n} {s}" for s, n in result.sources) or "none"
    lines.append(
        f"{result.linted} posts audited ({sources}); {len(result.entries)} risky; "
        f"{result.reposts} reposts skipped; {result.new} new in the store."
    )
    return "\n".join(lines)
