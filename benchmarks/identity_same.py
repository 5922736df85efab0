"""What ``identify`` decides, post by post: the guard for a change meant to make it faster only.

Usage::

    python benchmarks/identity_same.py --save out/identity_base.txt   # before a change
    python benchmarks/identity_same.py --diff out/identity_base.txt   # after it

Deciding who a post is about is the biggest share of a cycle's CPU after parsing; a change that
speeds it up must not change one answer. This writes one line per (post, profile) pair: the
development parts of the namesake corpus (``benchmarks/identity/``: cases, aside, fresh and
fresh2), each post against every profile of ``profiles.toml``, as a multi-client ``check``
asks, and the 1,001 posts of ``benchmarks/poll.py``'s 500 feeds against its profile, as a
cycle decides them. Each line is the ``repr`` of the ``Identity``: its confidence, role,
reason, mentions and every piece of evidence. ``--diff`` prints the pairs whose answer changed
and exits 1 when any did. It also prints the time ``identify`` took over the pairs (best of 3).

The blind part (``fresh3.toml``) is never read here. Writing the output into the project is
never needed (``out/`` is git-ignored).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import identity as corpus
import poll

from selfwatch.fetch import read_body
from selfwatch.identity import identify
from selfwatch.match import Feedback
from selfwatch.model import FetchResult, Post, Profile

PARTS = ("cases.toml", "aside.toml", "fresh.toml", "fresh2.toml")
"""The development parts: the blind ``fresh3.toml`` is not among them, on purpose."""
POLL_PROFILE = Profile(key="jane-doe", name=poll.PERSON, search=False)


def pairs() -> Iterator[tuple[str, Post, Profile, bool]]:
    """Yield (label, post, profile, own) for every pair this guard decides."""
    people = corpus.load_profiles()
    for part in PARTS:
        for case in corpus.load_cases(part):
            for key, person in people.items():
                own = case.own and key == case.person
                yield f"{case.post.id} {key}", case.post, person, own
    for i in range(500):
        body = poll.feed_body(i)
        fed = read_body(FetchResult(f"https://f{i}.example/feed", "ok", 200, body=body))
        for post in fed.posts:
            yield f"poll:{i}:{post.id}", post, POLL_PROFILE, False


def decide_all() -> tuple[list[str], float]:
    """Return one line per pair, and the best of three timings of deciding them all."""
    todo = list(pairs())
    feedback = Feedback()
    best = float("inf")
    lines: list[str] = []
    for _ in range(3):
        started = time.process_time()
        answers = [
            identify(post, person, own=own, feedback=feedback, seen=corpus.SEEN)
            for _, post, person, own in todo
        ]
        best = min(best, time.process_time() - started)
        lines = [f"{label} | {answer!r}" for (label, *_), answer in zip(todo, answers, strict=True)]
    return lines, best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--save", type=Path, help="write the lines to this file")
    group.add_argument("--diff", type=Path, help="compare with the lines saved in this file")
    args = parser.parse_args()
    lines, took = decide_all()
    print(f"{len(lines):,} pairs decided in {took * 1000:.0f} ms (best of 3)", file=sys.stderr)
    if args.save:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"wrote {args.save}", file=sys.stderr)
        return 0
    before = args.diff.read_text(encoding="utf-8").splitlines()
    if len(before) != len(lines):
        print(f"{len(before):,} pairs saved, {len(lines):,} now: not the same pairs")
        return 1
    changed = [(old, new) for old, new in zip(before, lines, strict=True) if old != new]
    for old, new in changed:
        print(f"- {old}\n+ {new}")
    print(f"{len(changed)} of {len(lines):,} answers changed")
    return 1 if changed else 0


if __name__ == "__main__":
    raise SystemExit(main())
