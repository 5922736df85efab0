"""Measure lint speed: posts per second in-process, and the cold ``selfwatch lint`` start.

Usage::

    python benchmarks/speed.py                 # posts from ../shared/data, 15 cold runs each
    python benchmarks/speed.py --runs 31 --posts 20000 --data DIR

Targets (issue 9): ``lint_text`` throughput as a ratio to VADER's ``polarity_scores`` on the
same posts in the same run, floor 0.12x, aim 0.4x; a 1 MB text scored in linear time (printed
for 128 KB and 1 MB); cold ``selfwatch lint`` of a small file <= 150 ms median wall time
(printed next to ``python -c "import click"`` to show what the
interpreter and click alone cost on this machine); and the lint path must not import httpx,
feedparser or jinja2.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data"
HEAVY = ("httpx", "feedparser", "jinja2")
RATIO_FLOOR = 0.12
RATIO_AIM = 0.4
COLD_TARGET_MS = 150.0
SAMPLE_FILE = """Excited to share that our team shipped the new search index today!
Honestly my manager is a clown and this place is a joke.
Great talk at PyCon on property-based testing, slides are up.
"""
MODULES_PROBE = """
import json, sys
sys.argv = ["selfwatch", "lint", sys.argv[1]]
try:
    from selfwatch.cli import main
    main()
except SystemExit:
    pass
finally:
    sys.stderr.write("MODULES:" + json.dumps([m for m in %r if m in sys.modules]) + "\\n")
"""


def load_posts(data: Path, limit: int) -> tuple[list[str], str]:
    """Return up to ``limit`` tweet-length posts from the data set, or synthetic ones."""
    posts: list[str] = []
    for name in ("offensive_val", "hate_val", "stance_val", "offensive_train", "hate_train"):
        path = data / "tweeteval" / f"{name}.jsonl"
        if not path.is_file():
            continue
        with open(path, encoding="utf-8") as handle:
            posts.extend(json.loads(line)["text"] for line in handle)
        if len(posts) >= limit:
            return posts[:limit], f"tweeteval ({data})"
    if posts:
        return posts, f"tweeteval ({data})"
    words = ["the", "team", "shipped", "a", "great", "release", "today", "my", "boss", "is"]
    words += ["a", "clown", "at", "pycon", "talk", "slides"]
    synthetic = [" ".join(words[(i * 7 + j) % len(words)] for j in range(18)) for i in range(limit)]
    return synthetic, "synthetic (no data directory)"


def throughput(posts: Sequence[str], rounds: int) -> tuple[float, float, float]:
    """Return (first, best, median) posts/second of ``lint_text``, one call per post.

    After a warm-up on the first 500 posts, each round lints every post once. The first round
    meets most words for the first time, so it pays for the per-word caches (the classifier's
    word weights, token normalisation) that later rounds find filled: it is the figure for a
    stream of new posts; the median is the steady state of a long run with a stable vocabulary.
    """
    from selfwatch import lint_text

    for text in posts[:500]:
        lint_text(text)
    rates = []
    for _ in range(rounds):
        started = time.perf_counter()
        for text in posts:
            lint_text(text)
        rates.append(len(posts) / (time.perf_counter() - started))
    return rates[0], max(rates), statistics.median(rates)


def vader_rate(posts: Sequence[str], rounds: int) -> float:
    """Return VADER's median posts/second over the same posts: the tool a user would pick."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    for text in posts[:500]:
        analyzer.polarity_scores(text)
    rates = []
    for _ in range(rounds):
        started = time.perf_counter()
        for text in posts:
            analyzer.polarity_scores(text)
        rates.append(len(posts) / (time.perf_counter() - started))
    return statistics.median(rates)


def long_text_seconds(size: int) -> tuple[float, float]:
    """Return the wall and CPU seconds ``lint_text`` takes on ``size`` characters of ordinary
    sentences (on a busy shared machine the CPU time is the steadier of the two; it counts the
    child process that matches a long text's patterns too)."""
    from selfwatch import lint_text

    sentences = [
        "My boss is a clown and I hate this job.",
        "The weather in Portland was lovely today",
        "We shipped the release and the team did great work.",
        "Call me at 503-555-0142 if you want the details.",
    ]
    text = ""
    i = 0
    while len(text) < size:
        text += sentences[i % len(sentences)] + " "
        i += 1
    started, cpu = time.perf_counter(), _cpu_seconds()
    lint_text(text[:size])
    return time.perf_counter() - started, _cpu_seconds() - cpu


def _cpu_seconds() -> float:
    """Return the CPU seconds of this process and of its finished children: a long draft's
    patterns are matched in a child process."""
    times = os.times()
    return time.process_time() + times.children_user + times.children_system


def deep_speed(posts: Sequence[str], vader: float) -> None:
    """Print the deep checklist's load time and its posts/second (``[checklist] deep``)."""
    from selfwatch.checklist import default_engine
    from selfwatch.model import ChecklistSettings

    began = time.perf_counter()
    engine = default_engine(settings=ChecklistSettings(deep=True))
    engine.lint("warm up")
    loaded = time.perf_counter() - began
    began = time.perf_counter()
    for text in posts:
        engine.lint(text)
    rate = len(posts) / (time.perf_counter() - began)
    ratio = rate / vader
    print(f"  deep checklist: {rate:,.0f} posts/s on {len(posts)} posts ({ratio:.3f}x VADER)")
    print(f"  deep checklist: engine and MiniLM loaded in {loaded:.2f} s")


def wall_ms(command: Sequence[str], runs: int) -> list[float]:
    """Return the wall time of ``runs`` fresh runs of ``command``, in milliseconds."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append((time.perf_counter() - started) * 1000)
    return times


def lint_command(path: Path) -> list[str]:
    """Return the installed ``selfwatch lint`` command, or ``python -m selfwatch lint``."""
    script = shutil.which("selfwatch", path=str(Path(sys.executable).parent))
    if script:
        return [script, "lint", str(path)]
    return [sys.executable, "-m", "selfwatch", "lint", str(path)]


def import_offenders(path: Path, top: int) -> list[tuple[int, int, str]]:
    """Return the ``top`` imports by self time on the lint path: (self µs, cumulative µs, name)."""
    probe = MODULES_PROBE % (HEAVY,)
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", probe, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    rows = []
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative, name = line.removeprefix("import time:").split("|", 2)
        rows.append((int(self_us), int(cumulative), name.rstrip()))
    return sorted(rows, reverse=True)[:top]


def heavy_modules(path: Path) -> list[str] | None:
    """Return the heavy modules loaded after ``selfwatch lint`` ran (None if the probe failed)."""
    result = subprocess.run(
        [sys.executable, "-c", MODULES_PROBE % (HEAVY,), str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    for line in result.stderr.splitlines():
        if line.startswith("MODULES:"):
            loaded: list[str] = json.loads(line.removeprefix("MODULES:"))
            return loaded
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Print throughput, cold-start times, import offenders and the heavy-module check."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--posts", type=int, default=10_000, help="posts per timed round")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds over the posts")
    parser.add_argument("--runs", type=int, default=15, help="cold runs of each command")
    parser.add_argument("--top", type=int, default=12, help="import offenders to list")
    parser.add_argument(
        "--no-compile", action="store_true", help="do not byte-compile the package first"
    )
    parser.add_argument(
        "--deep", type=int, default=0, help="also time the deep checklist on this many posts"
    )
    args = parser.parse_args(argv)
    failed = False

    posts, source = load_posts(args.data, args.posts)
    mean_len = sum(map(len, posts)) / len(posts)
    first, best, median = throughput(posts, args.rounds)
    vader = vader_rate(posts, args.rounds)
    ratio = median / vader
    ok = ratio >= RATIO_FLOOR
    failed |= not ok
    print(f"lint_text: {len(posts)} posts from {source}, mean {mean_len:.0f} chars, one core")
    print(f"  median {median:,.0f} posts/s ({1e6 / median:.1f} µs/post), best {best:,.0f}")
    print(f"  first round, caches cold: {first:,.0f} posts/s ({1e6 / first:.1f} µs/post)")
    print(f"  VADER polarity_scores, same posts: {vader:,.0f} posts/s")
    print(
        f"  ratio to VADER {ratio:.2f}x: floor {RATIO_FLOOR}x {'PASS' if ok else 'FAIL'}, "
        f"aim {RATIO_AIM}x {'met' if ratio >= RATIO_AIM else 'not met'}"
    )
    if args.deep:
        deep_speed(posts[: args.deep], vader)
    (small, small_cpu), (large, large_cpu) = (
        long_text_seconds(128 * 1024),
        long_text_seconds(1024 * 1024),
    )
    growth = large / small
    print(
        f"  one long text: 128 KB {small:.2f} s, 1 MB {large:.2f} s ({growth:.1f}x for 8x); "
        f"CPU {small_cpu:.2f} s, {large_cpu:.2f} s"
    )

    with tempfile.TemporaryDirectory() as tmp:
        sample = Path(tmp) / "drafts.txt"
        sample.write_text(SAMPLE_FILE, encoding="utf-8")
        env_note = os.environ.get("PYTHONDONTWRITEBYTECODE", "unset")
        if not args.no_compile:
            # An installed wheel has its .pyc files; a checkout under PYTHONDONTWRITEBYTECODE
            # would otherwise recompile every module on every run and measure the compiler.
            import selfwatch

            compileall.compile_dir(Path(selfwatch.__file__).parent, quiet=1)
        click_ms = wall_ms([sys.executable, "-c", "import click"], args.runs)
        lint_ms = wall_ms(lint_command(sample), args.runs)
        lint_median, click_median = statistics.median(lint_ms), statistics.median(click_ms)
        ok = lint_median <= COLD_TARGET_MS
        failed |= not ok
        compiled = "no" if args.no_compile else "yes"
        print(
            f"\ncold start, median of {args.runs} runs "
            f"(package precompiled: {compiled}; PYTHONDONTWRITEBYTECODE={env_note}):"
        )
        print(f"  python -c 'import click'  {click_median:7.1f} ms (min {min(click_ms):.1f})")
        print(f"  selfwatch lint FILE       {lint_median:7.1f} ms (min {min(lint_ms):.1f})")
        print(f"  difference                {lint_median - click_median:7.1f} ms")
        print(f"  target <= {COLD_TARGET_MS:.0f} ms: {'PASS' if ok else 'FAIL'}")

        print(f"\nimport time on the lint path, top {args.top} by self time (µs):")
        print(f"  {'self':>8} {'cumul.':>8}  module")
        for self_us, cumulative, name in import_offenders(sample, args.top):
            print(f"  {self_us:>8} {cumulative:>8}  {name.strip()}")

        loaded = heavy_modules(sample)
        if loaded is None:
            failed = True
            print("\nFAIL: could not run selfwatch lint to check the loaded modules")
        elif loaded:
            failed = True
            print(
                f"\nFAIL: selfwatch lint imported {', '.join(loaded)} (keep them off the lint path)"
            )
        else:
            print(f"\nok: none of {', '.join(HEAVY)} in sys.modules after selfwatch lint")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
