"""Benchmark the own-archive audit on a synthetic 50,000-tweet archive.

    python benchmarks/audit.py [--posts 50000] [--workers N] [--keep]

First runs ``selfwatch audit`` itself, in its own process, on archives of a fifth and all of
``--posts`` tweets, and prints posts/s and the peak RSS of each (memory must stay flat as the
archive grows). Then writes a ``data/tweets.js`` (with the ``window.YTD.tweets.part0``
prefix, entities, t.co links, replies and retweets, about 5 % of posts risky) and
``account.js`` into a temporary directory, then times the whole ``audit()`` on a fresh store
(storing overlaps the linting, which runs in worker processes unless ``--workers 1``), the
same audit again (a re-run, which must add nothing and reads the first run's verdicts back
instead of linting), and then each step on its own: parse (read the export), lint, store
(SQLite, batched transactions), and the ranking with actions. The command itself is re-run
too, on the full archive: what a user who audits the same export twice waits for.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from selfwatch.actions import suggest_action
from selfwatch.audit import (
    IDENTITY,
    AuditEntry,
    AuditResult,
    audit,
    collect,
    lint_posts,
    rank,
    record,
)
from selfwatch.checklist import verdict_key
from selfwatch.checklist.engine import default_engine
from selfwatch.model import Profile
from selfwatch.store import Store

NOW = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
JANE = Profile(
    key="jane",
    name="Jane Doe",
    phones=("+1 503 555 0142",),
    employers=("Acme Corp",),
    confidential_terms=("Bluebird",),
)
T = TypeVar("T")

OPENERS = (
    "Just", "Finally", "Today I", "Quick thought:", "Honestly,", "PSA:", "Reminder:",
    "Not gonna lie,", "Weekend plans:", "Hot take:",
)  # fmt: skip
BODIES = (
    "shipped the new search pipeline and it is {n} percent faster",
    "spent {n} hours debugging a race condition in our async code",
    "gave a talk on data pipelines at the Portland meetup, slides are up",
    "reading about database indexes and query planners again",
    "the farmers market had the best peaches this week",
    "hiked {n} miles in Forest Park, no blisters",
    "learning Rust lifetimes, slowly getting there",
    "our team mentored {n} new interns this summer",
    "coffee number {n} and it is only noon",
    "finished a {n}k run before work",
    "wrote up notes on structured logging for small teams",
    "who else is going to the conference next month?",
)
RISKY = (
    "my boss is a clown and this job sucks",
    "so wasted last night, still hungover at standup",
    "what the fuck is wrong with this city",
    "smoked a joint before the interview haha",
    "Project Bluebird launches next month, do not tell anyone",
)
TAGS = ("#python", "#rustlang", "#portland", "#datascience", "#running", "", "", "")


def tweet(number: int, rng: random.Random, start: datetime) -> dict[str, object]:
    """Return one archive tweet object, shaped like the real export."""
    tweet_id = str(1_000_000_000_000_000_000 + number * 7919)
    risky = rng.random() < 0.05
    body = rng.choice(RISKY) if risky else rng.choice(BODIES).format(n=rng.randint(2, 90))
    text = f"{rng.choice(OPENERS)} {body} {rng.choice(TAGS)}".strip()
    urls: list[dict[str, object]] = []
    if rng.random() < 0.2:
        short = f"https://t.co/{number:010d}"
        urls.append({"url": short, "expanded_url": f"https://janedoe.dev/p/{number}",
                     "display_url": f"janedoe.dev/p/{number}", "indices": ["0", "23"]})  # fmt: skip
        text = f"{text} {short}"
    if rng.random() < 0.08:
        text = f"RT @samwrites: {text}"
    created = start + timedelta(minutes=number * 97)
    item: dict[str, object] = {
        "retweeted": False,
        "source": '<a href="https://mobile.twitter.com" rel="nofollow">Twitter Web App</a>',
        "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": urls},
        "favorite_count": str(rng.randint(0, 50)),
        "id_str": tweet_id,
        "id": tweet_id,
        "truncated": False,
        "retweet_count": "0",
        "created_at": created.strftime("%a %b %d %H:%M:%S +0000 %Y"),
        "favorited": False,
        "full_text": text,
        "lang": "en",
    }
    if rng.random() < 0.25:
        item["in_reply_to_status_id_str"] = str(int(tweet_id) - 1)
        item["in_reply_to_screen_name"] = "pdxeats"
    return {"tweet": item}


def write_archive(folder: Path, posts: int) -> Path:
    """Write a synthetic Twitter archive with ``posts`` tweets; return its data directory."""
    rng = random.Random(20260101)
    start = datetime(2012, 1, 1, tzinfo=UTC)
    data = folder / "data"
    data.mkdir(parents=True)
    tweets = [tweet(n, rng, start) for n in range(posts)]
    body = json.dumps(tweets, indent=2)
    (data / "tweets.js").write_text(f"window.YTD.tweets.part0 = {body}", encoding="utf-8")
    account = [{"account": {"username": "janedoe_pdx", "accountId": "1175030146"}}]
    (data / "account.js").write_text(
        f"window.YTD.account.part0 = {json.dumps(account)}", encoding="utf-8"
    )
    return data


def timed(label: str, count: int, step: Callable[[], T]) -> tuple[T, float]:
    """Run ``step``, print its time and rate, and return its result and seconds."""
    began = time.perf_counter()
    result = step()
    seconds = time.perf_counter() - began
    print(f"{label:<8} {seconds:7.2f} s  {count / seconds:>10,.0f} posts/s")
    return result, seconds


def main() -> None:
    """Build the archive, time each step and the re-run, and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=50_000)
    parser.add_argument("--workers", type=int, default=None, help="lint processes (default: CPUs)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="selfwatch-audit-"))
    try:
        run(folder, args.posts, args.workers)
    finally:
        if not args.keep:
            shutil.rmtree(folder)


def cli_run(
    folder: Path, count: int, workers: int | None, again: bool = False
) -> tuple[float, int]:
    """Run ``selfwatch audit`` on a fresh archive of ``count`` tweets; return seconds and MB.

    The command runs in its own process, so its peak RSS (from ``wait4``) is the audit's own.
    ``again``: on the archive and state a run before left.
    """
    if not again:
        # Written by a child process: a process started from this one would inherit its peak
        # RSS.
        writer = multiprocessing.get_context("spawn").Process(
            target=write_archive, args=(folder / f"cli-{count}", count)
        )
        writer.start()
        writer.join()
    data = folder / f"cli-{count}" / "data"
    config = folder / f"cli-{count}.toml"
    config.write_text(
        '[[profiles]]\nkey = "jane"\nname = "Jane Doe"\nsearch = false\n'
        'employers = ["Acme Corp"]\nhandles = { x = "janedoe_pdx" }\n',
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "selfwatch", "--config", str(config), "audit",
               str(data.parent), "--profile", "jane", "--format", "json",
               "--out", str(folder / f"cli-{count}.json")]  # fmt: skip
    if workers is not None:
        command += ["--workers", str(workers)]
    env = {**os.environ, "SELFWATCH_HOME": str(folder / f"cli-{count}-state")}
    began = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - began
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(
            f"selfwatch audit failed: {child.stderr.read().decode() if child.stderr else ''}"
        )
    return seconds, usage.ru_maxrss // 1024


def run(folder: Path, count: int, workers: int | None) -> None:
    """Time each step on a fresh archive of ``count`` tweets in ``folder``."""
    # The command as people run it, at two archive sizes: memory must not grow with the archive.
    # First, while this process is small: a child inherits its parent's peak RSS figure.
    for size in sorted({max(count // 5, 1), count}):
        seconds, peak = cli_run(folder, size, workers)
        print(f"cli      {size:,} tweets: {seconds:.2f} s, {size / seconds:,.0f} posts/s, "
              f"peak RSS {peak} MB (`selfwatch audit`, its own process)")  # fmt: skip
    seconds, peak = cli_run(folder, count, workers, again=True)
    print(f"cli      {count:,} tweets again: {seconds:.2f} s, {count / seconds:,.0f} posts/s, "
          f"peak RSS {peak} MB (the first run's verdicts read back)")  # fmt: skip

    began = time.perf_counter()
    data = write_archive(folder / "twitter", count)
    size = (data / "tweets.js").stat().st_size
    print(f"archive  {count:,} tweets, {size / 2**20:.1f} MiB, written in "
          f"{time.perf_counter() - began:.1f} s to {folder}")  # fmt: skip

    began = time.perf_counter()
    engine = default_engine(JANE)
    print(f"engine   {time.perf_counter() - began:7.2f} s")

    # The whole audit first, in a fresh process state; then each step on its own.
    with Store.open(folder / "state" / "audit.db") as store:
        memo = verdict_key(JANE, None)

        def whole(now: datetime) -> AuditResult:
            paths = [folder / "twitter"]
            return audit(
                paths, JANE, store=store, engine=engine, now=now, workers=workers, memo=memo
            )

        first, _ = timed("audit()", count, lambda: whole(NOW))
        again, _ = timed("re-run", count, lambda: whole(NOW + timedelta(days=1)))
        assert again.new == 0, "a re-run must not add posts"
        assert again.remembered == again.linted, "a re-run must read every verdict back"
        assert [e.post.id for e in again.entries] == [e.post.id for e in first.entries]
    del first, again

    (items, read, reposts, _dups), parse_s = timed(
        "parse", count, lambda: collect([folder / "twitter"])
    )
    posts = [i.post for i in items]
    verdicts, lint_s = timed("lint", len(posts), lambda: lint_posts(engine, posts, workers=workers))
    with Store.open(folder / "state" / "steps.db") as store:
        new, store_s = timed(
            "store", len(items), lambda: record(store, "jane", items, verdicts, NOW)
        )
    risky, rank_s = timed("rank", len(items), lambda: rank(
        AuditEntry(i, v, suggest_action(i.post, IDENTITY, v))
        for i, v in zip(items, verdicts, strict=True) if v.flagged
    ))  # fmt: skip
    total = parse_s + lint_s + store_s + rank_s
    print(f"steps    {total:7.2f} s  {count / total:>10,.0f} posts/s "
          f"({read:,} read, {reposts:,} retweets skipped, {len(items):,} linted, "
          f"{new:,} stored, {len(risky):,} risky)")  # fmt: skip


if __name__ == "__main__":
    main()
