"""Audit the person's own archive: read exports, lint every post, store it, rank what to fix.

``audit()`` runs four steps: read the exports (archive.py), lint each post's text with the
engine, record every post in the store (as the person's own, feed ``archive:<source>``), and
return the risky posts (those the checklist flags) ranked by score, worst level and date, each
with the action to take (actions.py). Retweets and boosts are counted and skipped: they are not
the person's own words. A post found twice in one run (say the zip and its unpacked folder) is
linted once.

Re-running on the same archive adds nothing to the store: post ids come from the export's own
ids, and the store keys every row by them. The report always uses the verdict of the checklist
as it is now; the store keeps the verdict from the first run (``Store.record_post`` never
overwrites). Given a ``memo`` key (``checklist.verdict_key``: the checklist, the profile's
settings and selfwatch's own files), what that checklist said of a text is kept and read back
on the next run instead of linting the text again: re-running on a grown export lints only the
new posts. Another checklist (a rule file edited, selfwatch upgraded) is another key.

Speed: linting is the slow step (about 1 ms a post), so large archives are linted by worker
processes, each given the engine once; writes go in transactions of ``BATCH`` posts.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import pickle
import tempfile
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime
from hashlib import blake2b
from multiprocessing import active_children, get_context
from pathlib import Path
from typing import Any, NamedTuple

from .actions import Action, suggest_action
from .archive import ArchiveItem, check_paths, read_archive
from .checklist import Engine
from .digest import excerpt
from .errors import SelfwatchError
from .evidence import ReadsVerdict, linted_text
from .model import Identity, Post, Profile, Verdict
from .output import finding_dict, terminal_safe
from .store import Store

Progress = Callable[[int, bool], None]
"""Called as ``progress(done, final)`` each time a batch of posts is linted and stored.

The total is not known in advance: the exports are read as they are linted.
"""

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
class AuditEntry(ReadsVerdict):
    """One risky post: where it came from, the checklist's verdict and what to do about it."""

    item: ArchiveItem
    verdict: Verdict
    action: Action

    @property
    def post(self) -> Post:
        """Return the post."""
        return self.item.post


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
    remembered: int = 0
    """Of the posts linted, those whose verdict the same checklist gave on an earlier run."""


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

    ``workers=None`` uses worker processes from ``PARALLEL_MIN`` posts on (see
    ``_pool_size``). An engine that cannot be pickled, or workers that cannot start or die,
    lint here in this process instead.
    """
    texts = [linted_text(p) for p in posts]
    chunks = (texts[i : i + CHUNK] for i in range(0, len(texts), CHUNK))
    yield from lint_batches(engine, chunks, _pool_size(workers, len(texts) >= PARALLEL_MIN))


def lint_posts(
    engine: Engine, posts: Sequence[Post], *, workers: int | None = None
) -> list[Verdict]:
    """Return the verdict for each post, in order (see ``lint_chunks``)."""
    return [v for chunk in lint_chunks(engine, posts, workers=workers) for v in chunk]


def _pool_size(workers: int | None, large: bool) -> int:
    """Return how many lint processes to start: 0 lints in this process.

    An explicit ``workers`` of 1 means this process alone. By default a large run gets one
    process per spare CPU, one CPU staying with this process (it reads the export, unpickles
    verdicts and writes SQLite meanwhile); on two CPUs one worker only adds start-up and
    pickling cost (measured: 2,100 posts/s against 2,800 here alone), so none is started.
    """
    if workers is not None:
        return workers if workers > 1 else 0
    if not large:
        return 0
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    spare = min(cpus - 1, MAX_WORKERS)
    return spare if spare >= 2 else 0


def _pickled(engine: Engine) -> bytes | None:
    """Return ``engine`` pickled, or None when it cannot be (then it lints here)."""
    try:
        return pickle.dumps(engine, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError):
        return None


_BROKEN = (BrokenProcessPool, OSError, ValueError)


def lint_batches(
    engine: Engine, batches: Iterable[list[str]], processes: int
) -> Iterator[list[Verdict]]:
    """Yield each batch's verdicts in order, linted by ``processes`` workers (0: here).

    Batches are taken from ``batches`` only a few ahead of the ones being linted, so a stream
    of texts is never held whole.
    """
    batches = iter(batches)
    if processes >= 1:
        # The workers start with the first texts to lint: a re-run whose every post's verdict
        # is remembered (empty batches) never pickles the engine nor starts a process.
        for texts in batches:
            if texts:
                batches = itertools.chain([texts], batches)
                break
            yield []
        else:
            return
    data = _pickled(engine) if processes >= 1 else None
    if data is None:
        for texts in batches:
            yield [engine.lint(t) for t in texts]
        return
    # The workers read the engine from a file (owner-only), not from their start-up pipe: the
    # pipe holds 64 KB, a pickled engine megabytes, and a worker stopped while it was still
    # being started (see below) left the parent blocked for ever writing the rest to it.
    fd, path = tempfile.mkstemp(prefix="selfwatch-engine-", suffix=".pickle")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        yield from _lint_in_pool(engine, batches, processes, path)
    finally:
        os.unlink(path)


def _lint_in_pool(
    engine: Engine, batches: Iterator[list[str]], processes: int, path: str
) -> Iterator[list[Verdict]]:
    """Yield each batch's verdicts in order from ``processes`` workers that load the engine
    pickled at ``path``; what they leave undone when they die is linted here."""
    pending: deque[list[str]] = deque()
    # spawn, not fork: the parent holds an open SQLite connection, and forking a process with
    # open connections or threads is unsafe; each worker unpickles the engine once.
    before = set(active_children())
    try:
        with ProcessPoolExecutor(processes, get_context("spawn"), _start_worker, (path,)) as pool:
            futures: deque[Future[list[Verdict]]] = deque()
            try:
                for texts in batches:
                    pending.append(texts)
                    futures.append(pool.submit(_lint_chunk, texts))
                    if len(futures) > 2 * processes:  # enough to keep the workers busy
                        verdicts = futures.popleft().result()
                        pending.popleft()
                        yield verdicts
                while futures:
                    verdicts = futures.popleft().result()
                    pending.popleft()
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
        for texts in (*pending, *batches):
            yield [engine.lint(t) for t in texts]


_worker_engine: Engine | None = None
"""The engine of a lint worker process (set once by ``_start_worker``; unused in the parent)."""


def _start_worker(path: str) -> None:
    global _worker_engine
    with open(path, "rb") as fh:
        _worker_engine = pickle.load(fh)


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
        chunk = zip(items[start : start + BATCH], verdicts[start : start + BATCH], strict=True)
        by_feed: dict[str, list[tuple[Post, Identity, Verdict]]] = {}
        for item, verdict in chunk:
            by_feed.setdefault(item.post.feed_url, []).append((item.post, IDENTITY, verdict))
        with store.transaction():
            for feed_url, rows in by_feed.items():
                new += len(store.record_posts(profile, rows, feed_url, now))
    return new


@dataclass
class _Tally:
    """What reading the exports counted, filled in as the posts stream by."""

    read: int = 0
    reposts: int = 0
    duplicates: int = 0
    sources: Counter[str] = field(default_factory=Counter)


def own_posts(
    paths: Iterable[Path], tally: _Tally, *, twitter_handle: str | None = None
) -> Iterator[ArchiveItem]:
    """Yield the own posts in ``paths`` as they are read (first copy of each), counting."""
    seen: set[str] = set()
    for path in paths:
        for item in read_archive(path, twitter_handle=twitter_handle):
            tally.read += 1
            if item.is_repost:
                tally.reposts += 1
            elif item.post.id in seen:
                tally.duplicates += 1
            else:
                seen.add(item.post.id)
                tally.sources[item.source] += 1
                yield item


def _batched(items: Iterable[ArchiveItem], size: int) -> Iterator[list[ArchiveItem]]:
    batch: list[ArchiveItem] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


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
    memo: str | None = None,
) -> AuditResult:
    """Read, lint and store the person's own posts in ``paths``; return the risky ones ranked.

    The posts stream through: read, linted and stored ``batch`` at a time, and only the risky
    ones are kept, so memory does not grow with the archive. Every input is checked to be an
    export before anything is stored. ``progress(done, final)`` is called after every batch.
    With ``memo`` (``checklist.verdict_key`` of ``engine``), verdicts are kept in the store
    and a text that engine read on an earlier run is not linted again.
    """
    check_paths(paths)
    handle = profile.handle("x") or profile.handle("twitter")
    tally = _Tally()
    items = own_posts(paths, tally, twitter_handle=_bare(handle))
    batches = _batched(items, batch)
    held: deque[_Held] = deque()
    if memo is not None:
        store.use_engine(memo, now)

    def texts() -> Iterator[list[str]]:
        for chunk in batches:
            said = [linted_text(i.post) for i in chunk]
            keys = [text_key(t) for t in said] if memo is not None else []
            known = store.remembered(memo, keys) if memo is not None else {}
            fresh = [n for n in range(len(said)) if not known or keys[n] not in known]
            held.append(_Held(chunk, keys, known, fresh))  # waits while its texts are linted
            yield [said[n] for n in fresh]

    large = sum(_size(p) for p in paths) >= PARALLEL_MIN_BYTES
    risky: list[AuditEntry] = []
    done = new = remembered = 0
    for linted in lint_batches(engine, texts(), _pool_size(workers, large)):
        chunk, keys, known, fresh = held.popleft()
        verdicts = linted
        if memo is not None:
            store.remember(memo, [(keys[n], v) for n, v in zip(fresh, linted, strict=True)])
            got = dict(zip(fresh, linted, strict=True))
            verdicts = [got[n] if n in got else known[keys[n]] for n in range(len(chunk))]
            remembered += len(chunk) - len(fresh)
        new += record(store, profile.key, chunk, verdicts, now)
        risky.extend(
            AuditEntry(item, verdict, suggest_action(item.post, IDENTITY, verdict))
            for item, verdict in zip(chunk, verdicts, strict=True)
            if verdict.flagged
        )
        # A batch is reported once the next one is in, so the last call is the final one.
        if progress and done:
            progress(done, False)
        done += len(chunk)
    if progress and done:
        progress(done, True)
    return AuditResult(
        profile=profile.key,
        generated_at=now,
        entries=tuple(rank(risky)),
        read=tally.read,
        reposts=tally.reposts,
        duplicates=tally.duplicates,
        linted=done,
        new=new,
        remembered=remembered,
        sources=tuple(tally.sources.most_common()),
    )


class _Held(NamedTuple):
    """A batch of posts waiting for the verdicts of the texts sent to be linted."""

    items: list[ArchiveItem]
    keys: list[str]
    """Each text's ``text_key`` (none without a memo)."""
    known: dict[str, Verdict]
    """Verdicts the memo had, by key."""
    fresh: list[int]
    """Positions of the texts sent to be linted."""


def text_key(text: str) -> str:
    """Return the key a text's verdict is remembered by (a digest of it, read as the person's)."""
    return blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


PARALLEL_MIN_BYTES = 2_000_000
"""Exports smaller than this are linted in this process (about 3,000 tweets)."""


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size if path.exists() else 0


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
        "remembered": result.remembered,
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
    again = (
        f", {result.remembered} of them judged by this same checklist on an earlier run"
        if result.remembered
        else ""
    )
    lines.append(
        f"{result.linted} posts audited ({sources}){again}; {len(result.entries)} risky; "
        f"{result.reposts} reposts skipped; {result.new} new in the store."
    )
    return "\n".join(lines)
