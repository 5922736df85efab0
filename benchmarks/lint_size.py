"""Benchmark `selfwatch lint` on large inputs: a 1 MB draft, and what the guards refuse.

    python benchmarks/lint_size.py [--size 1000000]

Each case runs the real command in a child process and prints its wall time, peak RSS and
exit status:

* a text of ``--size`` bytes made of the hand-written posts in tests/fixtures (ordinary and
  risky, one per line, repeated until the size is reached): the target is under 2 s;
* the same text opening with a quotation mark (a post that quotes or reposts is decided once
  per text: deciding it per finding made this case quadratic);
* the same text at 50 MB, which the size guard refuses (exit 3) before reading it;
* 5 MB of random bytes, which the binary guard refuses (exit 3);
* for scale, `python -c "import click"`, the floor of any click command's start-up.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ("ordinary_posts.txt", "risky_posts.txt")


def posts() -> list[str]:
    """Return the hand-written posts of the test corpora."""
    lines: list[str] = []
    for name in CORPORA:
        text = (ROOT / "tests" / "fixtures" / name).read_text(encoding="utf-8")
        lines += [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    return lines


def draft(size: int) -> str:
    """Return about ``size`` bytes of posts, one paragraph each, in a fixed shuffled order."""
    pool = posts()
    rng = random.Random(12)
    parts: list[str] = []
    total = 0
    while total < size:
        line = rng.choice(pool)
        parts.append(line)
        total += len(line.encode("utf-8")) + 2
    return "\n\n".join(parts)[:size]


def run(args: list[str]) -> tuple[float, int, int]:
    """Return the wall time, the child's own peak RSS in MB and its exit status."""
    started = time.perf_counter()
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_maxrss // 1024, child.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    args = parser.parse_args()
    selfwatch = [sys.executable, "-m", "selfwatch"]
    env_home = tempfile.mkdtemp(prefix="selfwatch-bench-")
    os.environ.setdefault("SELFWATCH_HOME", env_home)
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        text = folder / "draft.txt"
        text.write_text(draft(args.size), encoding="utf-8")
        # A draft that opens with a quotation mark: whether the post quotes or republishes is
        # decided once per text, never per finding (it once made this case quadratic)
        quoted = folder / "quoted.txt"
        quoted.write_text('"' + draft(args.size), encoding="utf-8")
        huge = folder / "huge.txt"
        chunk = draft(1_000_000).encode("utf-8")
        with huge.open("wb") as out:  # written in parts: this process stays small
            for _ in range(50):
                out.write(chunk)
        blob = folder / "blob.bin"
        noise = random.Random(5)
        with blob.open("wb") as out:
            for _ in range(5):
                out.write(noise.randbytes(1_000_000))
        del chunk
        run([*selfwatch, "lint", "--format", "json", str(text)])  # warm the engine cache
        cases = [
            ("import click (floor)", [sys.executable, "-c", "import click"]),
            (f"lint {text.stat().st_size:,} B text", [*selfwatch, "lint", str(text)]),
            (f"lint {quoted.stat().st_size:,} B, opening quote", [*selfwatch, "lint", str(quoted)]),
            (f"lint {huge.stat().st_size:,} B (refused)", [*selfwatch, "lint", str(huge)]),
            (f"lint {blob.stat().st_size:,} B binary (refused)", [*selfwatch, "lint", str(blob)]),
        ]
        print(f"{'case':40} {'time':>8} {'peak RSS':>9} {'exit':>5}")
        for name, command in cases:
            elapsed, peak, code = run(command)
            print(f"{name:40} {elapsed:7.2f}s {peak:6d} MB {code:5}")


if __name__ == "__main__":
    main()
