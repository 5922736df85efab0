"""Flagged share on real professionals' own posts (unlabelled): where false alarms show up.

Usage::

    python benchmarks/real_posts.py                   # table per archive and per category
    python benchmarks/real_posts.py --out out/flags.txt   # also every flagged post, to grade
    python benchmarks/real_posts.py --grades G.tsv    # false-alarm table from graded flags

The posts are read from ``../shared/data/real_posts/`` and never copied into the project: the
list of flagged posts goes to a file you name (``out/`` is git-ignored). A post counts as
flagged when it has a risk finding at ``warning`` or above; ``info`` findings (mild swearing,
a topic mention) are listed but never flag a post.

Grading: write a tab-separated file, one line per flagged post, ``<post id>\\t<grade>`` where
grade is ``ok`` (a careful career coach would flag it too), ``low`` (correct but low stakes) or
``fa`` (a false alarm). ``--grades`` then prints false alarms per category.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Sequence
from hashlib import blake2b
from pathlib import Path

from selfwatch.checklist import default_engine
from selfwatch.model import ChecklistSettings, Finding, Level

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "real_posts"


def real_third(post_id: str) -> int:
    """Return which third (0, 1 or 2) of the real posts ``post_id`` falls in: the deep
    checklist's build (scripts/build_deep.py) trains on third 0, sets thresholds on third 1 and
    never reads third 2, where ``--deep`` counts its flags apart."""
    return int(blake2b(post_id.encode(), digest_size=8).hexdigest(), 16) % 3


def read_archives(folder: Path) -> dict[str, list[dict[str, str]]]:
    """Return the posts of every ``*.jsonl`` archive in ``folder``, by archive name."""
    out = {}
    for path in sorted(folder.glob("*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            out[path.stem] = [json.loads(line) for line in fh if line.strip()]
    return out


def risky(findings: Sequence[Finding]) -> list[Finding]:
    """Return the risk findings at warning or above: the ones that flag a post."""
    return [f for f in findings if f.is_risk and f.level >= Level.WARNING]


def describe(f: Finding) -> str:
    """Return one line for a finding: level, rule, matched words and the evidence."""
    target = f" target={f.target!r}" if getattr(f, "target", "") else ""
    stance = f" stance={f.stance}" if getattr(f, "stance", "") else ""
    return f"  {f.level.label} {f.rule} {f.matched!r}{target}{stance}: {f.why}"


def main(argv: Sequence[str] | None = None) -> int:
    """Lint every real post and print flagged shares; optionally write or grade the flags."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, help="write every flagged post and its findings here")
    parser.add_argument("--grades", type=Path, help="TSV of '<id>\\t<ok|low|fa>' per flagged post")
    parser.add_argument("--deep", action="store_true", help="with the deep checklist")
    args = parser.parse_args(argv)
    engine = default_engine(settings=ChecklistSettings(deep=True) if args.deep else None)
    if not args.data.is_dir():
        print(f"no data at {args.data}", file=sys.stderr)
        return 2
    archives = read_archives(args.data)
    per_archive: dict[str, tuple[int, int]] = {}
    per_category: Counter[str] = Counter()
    flagged_posts: list[tuple[str, str, list[Finding]]] = []
    info_only = 0
    for name, posts in archives.items():
        n_flagged = 0
        for post in posts:
            findings = engine.lint(post["text"]).findings
            hits = risky(findings)
            if hits:
                n_flagged += 1
                flagged_posts.append((post["id"], post["text"], list(findings)))
                for category in dict.fromkeys(f.category for f in hits):
                    per_category[category] += 1
            elif any(f.is_risk for f in findings):
                info_only += 1
        per_archive[name] = (n_flagged, len(posts))
    total = sum(n for _, n in per_archive.values())
    flagged = sum(k for k, _ in per_archive.values())
    print(f"{'archive':28} {'posts':>6} {'flagged':>8} {'share':>7}")
    for name, (k, n) in per_archive.items():
        print(f"{name:28} {n:6d} {k:8d} {k / n:7.1%}")
    print(f"{'all':28} {total:6d} {flagged:8d} {flagged / total:7.1%}")
    print(f"(plus {info_only} posts with info-level findings only, which do not flag)")
    print("\nflagged posts by category (a post can count in several):")
    for category, k in per_category.most_common():
        print(f"  {category:14} {k:4d}")
    if args.deep:
        unseen = [p for p in flagged_posts if real_third(p[0]) == 2]
        by_deep = [p for p in unseen if any(f.rule.endswith(".deep") for f in risky(p[2]))]
        n = sum(real_third(p["id"]) == 2 for posts in archives.values() for p in posts)
        print(f"\nthe third the deep build never read: {n} posts, {len(unseen)} flagged, ", end="")
        print(f"{len(by_deep)} of them by a .deep finding")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with args.out.open("w", encoding="utf-8") as fh:
            for pid, text, findings in flagged_posts:
                fh.write(f"=== {pid}\n{text}\n")
                fh.writelines(describe(f) + "\n" for f in findings if f.is_risk)
                fh.write("\n")
        print(f"\nwrote {len(flagged_posts)} flagged posts to {args.out}")
    if args.grades:
        print_grades(args.grades, flagged_posts)
    return 0


def print_grades(path: Path, flagged_posts: list[tuple[str, str, list[Finding]]]) -> None:
    """Print false alarms per category from a grades file; list flags that are not graded."""
    grades = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            pid, _, grade = line.partition("\t")
            grades[pid.strip()] = grade.strip().split()[0] if grade.strip() else ""
    table: dict[str, Counter[str]] = {}
    ungraded = []
    for pid, _text, findings in flagged_posts:
        grade = grades.get(pid)
        if grade is None:
            ungraded.append(pid)
            continue
        for category in dict.fromkeys(f.category for f in risky(findings)):
            table.setdefault(category, Counter())[grade] += 1
        table.setdefault("(posts)", Counter())[grade] += 1
    print(f"\n{'category':14} {'flags':>6} {'ok':>5} {'low':>5} {'fa':>5} {'fa share':>9}")
    for category, c in sorted(table.items()):
        n = sum(c.values())
        print(f"{category:14} {n:6d} {c['ok']:5d} {c['low']:5d} {c['fa']:5d} {c['fa'] / n:9.1%}")
    if ungraded:
        print(f"\n{len(ungraded)} flagged posts are not graded: {', '.join(ungraded[:10])} ...")


if __name__ == "__main__":
    raise SystemExit(main())
