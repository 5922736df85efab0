"""Recall and false alarms of the semantic scorer (selfwatch.checklist.semantic), honestly measured.

Usage::

    python benchmarks/semantic.py                # both parts below
    python benchmarks/semantic.py --part loso    # leave-one-set-out only (train extra + cache)
    python benchmarks/semantic.py --part real --out out/semantic_flags.txt --grades G.tsv

Leave-one-set-out (needs the ``train`` extra and ``scripts/build_semantic.py embed``): for each of
the four hand-written risky/ordinary pairs (tests/fixtures, benchmarks/heldout, heldout2,
heldout3) a model is trained on the other three, our own training posts and the public tweets,
and scored on the one left out. Printed per category:

- ``oracle``: recall at the threshold that lets at most 1 % of that set's ordinary posts through
  for that category alone (each category on its own: the threshold sees the test set);
- ``engine``: the rules' recall on the same posts (a finding of the category at warning+);
- ``alone``: the scorer at the thresholds shipped in the package (chosen from these same
  held-out scores, pooled over the four sets, one ordinary post spared per category);
- ``either``: the engine OR the scorer alone;
- ``backed``: the engine OR (rule evidence of the category AND the scorer at the lower
  ``supported_thresholds``): the scorer never flags a category on its own;
- ``gated``: the engine OR the scorer at the lower ``supported_thresholds`` where the rules have
  evidence of the category (a finding at any level, or a rule's term) and at ``thresholds``
  elsewhere;
and the last line: the share of ordinary posts with any risk category, for each.

``--sets heldout2,heldout3`` pools only the sets named (the fresh ones: the rules were tuned
on the first two). ``--reuse`` reads the held-out scores the last ``build_semantic.py train``
saved instead of training four models again.

Real posts (``../shared/data/real_posts``, read-only, never copied): how many posts each category
flags at warning+ for the engine, the scorer alone, the scorer gated by the rules' evidence (as
above), and ``new``: the gated flags the engine did not already raise. ``--out`` writes every
post the scorer flags, with its evidence words, for grading (``out/`` is git-ignored);
``--grades`` (``<id>\\t<ok|low|fa>`` lines) then prints the graded table per mode.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from real_posts import DEFAULT_DATA, read_archives  # noqa: E402

from selfwatch.checklist import semantic  # noqa: E402
from selfwatch.model import RISK_CATEGORIES, Level  # noqa: E402

FA_BUDGET = 0.01


def engine_categories(text: str) -> tuple[set[str], set[str]]:
    """Return the risk categories the rules flag in ``text`` at warning+, and have evidence of."""
    from build_semantic import rule_evidence

    from selfwatch import lint_text

    warned = {
        f.category
        for f in lint_text(text).findings
        if f.category in RISK_CATEGORIES and f.level >= Level.WARNING
    }
    return warned, rule_evidence(text)


COLUMNS = ("oracle", "engine", "alone", "either", "backed", "gated")


def loso(reuse: bool, only: Sequence[str] = ()) -> None:
    """Print the leave-one-set-out table (see the module docstring)."""
    import numpy as np
    from build_semantic import CACHE, Config, Vectors, leave_one_set_out
    from semantic_data import dev_sets

    table = semantic.load()
    alone, backed = np.asarray(table.thresholds), np.asarray(table.supported_thresholds)
    if reuse:
        saved = np.load(CACHE / "oof.npz")
        oof = {name: (saved[name], posts) for name, posts in dev_sets().items()}
    else:
        oof = leave_one_set_out(Vectors(), Config())
    if only:
        oof = {name: v for name, v in oof.items() if name in only}
    tally: dict[str, Counter[str]] = {c: Counter() for c in RISK_CATEGORIES}
    fa: Counter[str] = Counter()
    per_set: dict[str, Counter[str]] = {}
    for set_name, (scores, posts) in oof.items():
        labels = np.asarray(posts.labels)
        spare = int(FA_BUDGET * (labels == "").sum())
        oracle_cut = np.sort(scores[labels == ""], axis=0)[::-1][spare]
        for row, (text, label) in enumerate(zip(posts.texts, posts.labels, strict=True)):
            warned, seen = engine_categories(text)
            cut = np.where([c in seen for c in RISK_CATEGORIES], backed, alone)
            hits = {
                "oracle": scores[row] > oracle_cut,
                "engine": np.asarray([c in warned for c in RISK_CATEGORIES]),
                "alone": scores[row] >= alone,
            }
            evidence = np.asarray([c in seen for c in RISK_CATEGORIES])
            hits["either"] = hits["engine"] | hits["alone"]
            hits["backed"] = hits["engine"] | (evidence & (scores[row] >= backed))
            hits["gated"] = hits["engine"] | (scores[row] >= cut)
            if label:
                k = RISK_CATEGORIES.index(label)
                tally[label]["posts"] += 1
                tally[label].update(name for name, h in hits.items() if h[k])
                per_set.setdefault(set_name, Counter())["posts"] += 1
                per_set[set_name].update(name for name, h in hits.items() if h[k])
            else:
                fa["posts"] += 1
                fa.update(name for name, h in hits.items() if h.any() and name != "oracle")
    print(f"\nleave-one-set-out recall, pooled over {', '.join(oof)}", end="")
    _print_loso(tally, fa)
    print("\nper held-out set (mean recall over its risky posts)")
    for set_name, t in per_set.items():
        print(
            f"{set_name:14} {t['posts']:5d}"
            + "".join(f" {t[c] / t['posts']:7.1%}" for c in COLUMNS)
        )


def _print_loso(tally: dict[str, Counter[str]], fa: Counter[str]) -> None:
    print()
    print(f"{'category':14} {'posts':>5}" + "".join(f" {c:>7}" for c in COLUMNS))
    total: Counter[str] = Counter()
    for cat, t in tally.items():
        total.update(t)
        print(f"{cat:14} {t['posts']:5d}" + "".join(f" {t[c] / t['posts']:7.1%}" for c in COLUMNS))
    print(f"{'total':14} {total['posts']:5d}", end="")
    print("".join(f" {total[c] / total['posts']:7.1%}" for c in COLUMNS))
    n = fa["posts"]
    print(f"{'ordinary FA':14} {n:5d} {'':>7}" + "".join(f" {fa[c] / n:7.1%}" for c in COLUMNS[1:]))


MODES = ("engine", "alone", "backed", "gated", "new")
Flag = tuple[str, str, dict[str, set[str]], list[str]]
"""A flagged real post: id, text, categories per mode (alone, gated, engine), evidence lines."""


def real(data: Path, out: Path | None, grades: Path | None) -> None:
    """Print what the shipped thresholds flag on real posts; optionally write or grade them."""
    table = semantic.load()
    counts: dict[str, Counter[str]] = {m: Counter() for m in MODES}
    flagged: list[Flag] = []
    total = 0
    for posts in read_archives(data).values():
        for post in posts:
            total += 1
            words = semantic.words(post["text"])
            warned, seen = engine_categories(post["text"])
            modes = {
                "engine": warned,
                "alone": set(semantic.flagged(words)),
                "backed": set(semantic.flagged(words, supported=seen)),
            }
            modes["gated"] = modes["alone"] | modes["backed"]
            modes["new"] = modes["backed"] - warned
            for mode, cats in modes.items():
                counts[mode].update(cats)
                counts[mode]["(posts)"] += bool(cats)
            if modes["gated"]:
                why = [f"{c}: {', '.join(semantic.evidence(words, c))}" for c in modes["gated"]]
                flagged.append((post["id"], post["text"], modes, why))
    print(f"\nreal posts: {total}; posts and categories flagged at warning+ by")
    print(f"{'category':14}" + "".join(f" {m:>7}" for m in counts))
    for cat in ("(posts)", *table.categories):
        print(f"{cat:14}" + "".join(f" {counts[m][cat]:7d}" for m in counts))
    print("(new: backed flags of a category the engine did not already flag at warning+)")
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8") as fh:
            for pid, text, modes, why in flagged:
                marks = " ".join(f"{m}={','.join(sorted(c))}" for m, c in modes.items() if c)
                fh.write(f"=== {pid}  {marks}\n{text}\n" + "".join(f"  {w}\n" for w in why))
                fh.write("\n")
        print(f"wrote {len(flagged)} flagged posts to {out}")
    if grades:
        _print_grades(grades, flagged)


def _print_grades(path: Path, flagged: Sequence[Flag]) -> None:
    """Print, per mode and category, how the graded flags split into ok, low and fa."""
    marks = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            pid, _, grade = line.partition("\t")
            marks[pid.strip()] = grade.split()[0] if grade.strip() else ""
    for mode in ("alone", "backed", "new"):
        table: dict[str, Counter[str]] = {}
        for pid, _text, modes, _why in flagged:
            grade = marks.get(pid, "ungraded")
            for cat in modes[mode]:
                table.setdefault(cat, Counter())[grade] += 1
            if modes[mode]:
                table.setdefault("(posts)", Counter())[grade] += 1
        print(
            f"\n{mode}: {'category':14} {'flags':>6} {'ok':>5} {'low':>5} {'fa':>5} {'ungraded':>9}"
        )
        for cat, c in sorted(table.items()):
            n = sum(c.values())
            print(
                f"{'':{len(mode) + 2}}{cat:14} {n:6d} {c['ok']:5d} {c['low']:5d} {c['fa']:5d} "
                f"{c['ungraded']:9d}"
            )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the parts asked for."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("loso", "real", "all"), default="all")
    parser.add_argument("--sets", help="pool only these held-out sets, e.g. heldout2,heldout3")
    parser.add_argument("--reuse", action="store_true", help="reuse the build's held-out scores")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, help="write every flagged real post here")
    parser.add_argument("--grades", type=Path, help="TSV of '<id>\\t<ok|low|fa>' per flag")
    args = parser.parse_args(argv)
    if args.part in ("loso", "all"):
        loso(args.reuse, args.sets.split(",") if args.sets else ())
    if args.part in ("real", "all"):
        if not args.data.is_dir():
            print(f"no data at {args.data}", file=sys.stderr)
            return 2
        real(args.data, args.out, args.grades)
    return 0


if __name__ == "__main__":
    sys.exit(main())
