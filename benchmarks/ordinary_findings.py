"""Every risk finding on the ordinary posts the rules may be developed on: the guard after a change.

Usage::

    python benchmarks/ordinary_findings.py --save out/ordinary_base.txt   # before a change
    python benchmarks/ordinary_findings.py --diff out/ordinary_base.txt   # after it

A rule written from one missed post can fire on harmless posts elsewhere. This lists every risk
finding at ``warning`` or above on the harmless posts of the development sets (the "tuned" and
"held out" pairs of ``benchmarks/checklist.py``) and of the posts written for training
(``scripts/train_data/ordinary*.txt`` and ``batch5/ordinary5.txt``), one line each, sorted:
``<source> <rule> | <post>``. ``--diff`` prints the lines a change added (``+``) or removed
(``-``) and exits 1 when it added any.

The scored and blind sets are never read here: the sets come from ``checklist.SETS`` by their
role, so a set moved to "scored" or "blind" drops out on its own. Writing the output into the
project is never needed (``out/`` is git-ignored).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from checklist import ROOT, SETS, alarms, read_posts

TRAINING = (
    *sorted((ROOT / "scripts" / "train_data").glob("ordinary*.txt")),
    ROOT / "scripts" / "train_data" / "batch5" / "ordinary5.txt",
)
NEVER = ("scored", "blind")
"""Roles of ``checklist.SETS`` whose posts this script must never read."""


def sources() -> list[tuple[str, Path]]:
    """Return ``(name, path)`` of every ordinary file this guard reads: development and
    training sets only."""
    found = [(ordinary.parent.name, ordinary) for name, _, ordinary in SETS if name not in NEVER]
    found += [(path.stem, path) for path in TRAINING if path.exists()]
    return found


def findings() -> Iterator[str]:
    """Yield one ``<source> <rule> | <post>`` line per risk finding, in file order."""
    for name, path in sources():
        for text in read_posts(path):
            for rule in dict.fromkeys(f.rule for f in alarms(text)):
                yield f"{name} {rule} | {text}"


def main(argv: Sequence[str] | None = None) -> int:
    """Print (or save, or compare) the findings on the ordinary development posts."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--save", type=Path, help="write the lines to this file")
    group.add_argument("--diff", type=Path, help="compare with the lines saved in this file")
    args = parser.parse_args(argv)
    lines = sorted(findings())
    posts = sum(len(read_posts(path)) for _, path in sources())
    if args.save:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
        print(f"{len(lines)} findings on {posts} ordinary posts, saved to {args.save}")
        return 0
    if args.diff:
        before = set(args.diff.read_text(encoding="utf-8").splitlines())
        added = [line for line in lines if line not in before]
        removed = sorted(before - set(lines))
        for line in removed:
            print(f"- {line}")
        for line in added:
            print(f"+ {line}")
        print(f"{len(added)} added, {len(removed)} removed, {len(lines)} findings on {posts} posts")
        return 1 if added else 0
    for line in lines:
        print(line)
    print(f"{len(lines)} findings on {posts} ordinary posts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
