"""Recall and false alarms of the semantic scorer (selfwatch.checklist.semantic), honestly measured.

Usage::

    python benchmarks/semantic.py                # both parts below
    python benchmarks/semantic.py --part loso    # leave-one-set-out only (train extra + cache)
    python benchmarks/semantic.py --part vouch   # what it adds to the engine, leaving a set out
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


FOLDS = ROOT / "out" / "semantic" / "folds"


def vouch(show: bool) -> None:
    """Print what the table adds to the engine as it ships: vouching for a rule's term.

    For each development set that ``scripts/train_support.py --loso`` leaves out, the support
    model and the table are both trained without it (the table's thresholds from the other
    sets' held-out scores), and the engine lints it three ways: the rules alone, with the
    support model, with both. A fifth of the real posts (never read by the table's training)
    goes with each set. The fold tables are kept in ``out/semantic/folds``.
    """
    import json
    import random

    import numpy as np
    import train_support as ts
    from build_semantic import (
        CACHE,
        CATEGORIES,
        Config,
        Vectors,
        supported_thresholds,
        thresholds,
        train,
        training_posts,
        write_table,
    )
    from semantic_data import dev_sets

    from selfwatch.checklist.classifier import parse_classifier
    from selfwatch.checklist.engine import default_engine

    devs = dev_sets()
    saved = np.load(CACHE / "oof.npz")
    vectors = None
    rows = ts.read_sets() + ts.read_extra()  # the training-only posts always train
    real_posts = ts.ROOT.parent / "shared" / "data" / "real_posts"
    real = ts.read_real(real_posts, ts.ROOT / "out" / "grades.tsv")
    random.Random(0).shuffle(real)
    engine = default_engine()
    modes = ("rules", "support", "both")
    hits: dict[str, Counter[str]] = {m: Counter() for m in modes}
    totals: dict[str, Counter[str]] = {m: Counter() for m in modes}
    for k, held in enumerate(ts.HELD):
        folder = FOLDS / held
        if not (folder / "semantic.json").exists():
            vectors = vectors or Vectors()
            folder.mkdir(parents=True, exist_ok=True)
            model = train(vectors, training_posts(held), Config())
            write_table(model, np.zeros(len(CATEGORIES)), np.zeros(len(CATEGORIES)), folder)
        meta = json.loads((folder / "semantic.json").read_text(encoding="utf-8"))
        others = {n: (saved[n], p) for n, p in devs.items() if n != held}
        meta["thresholds"] = [float(v) for v in thresholds(others, Config().spare)]
        meta["supported_thresholds"] = [float(v) for v in supported_thresholds(others)]
        (folder / "semantic.json").write_text(json.dumps(meta), encoding="utf-8")
        semantic.load.cache_clear()
        table = semantic.load(folder)
        fold = real[k :: len(ts.HELD)]
        rest = [r for j, r in enumerate(real) if j % len(ts.HELD) != k]
        support = parse_classifier(ts.train([r for r in rows if r[0] != held] + rest, ts.THRESHOLD))
        test = [r for r in rows if r[0] == held]
        for mode in modes:
            engine.support = None if mode == "rules" else support
            engine.semantic = table if mode == "both" else None
            t = totals[mode]
            for _, text, label in test:
                cats = ts.flagged(engine, text)
                if label:
                    t["risky"] += 1
                    t["hits"] += label in cats
                    hits[mode][label] += label in cats
                else:
                    t["ordinary"] += 1
                    t["false alarms"] += bool(cats)
            for _, text, _ in fold:
                flagged = ts.flagged(engine, text)
                t["real"] += bool(flagged)
                if show and mode == "both" and flagged:
                    engine.semantic = None
                    if flagged - ts.flagged(engine, text):
                        print(f"  newly flagged real post ({held}): {text[:200]!r}")
                    engine.semantic = table
        print(f"{held}: trained without it", flush=True)
    semantic.load.cache_clear()
    print(f"\n{'category':14}" + "".join(f" {m:>8}" for m in modes))
    for cat in RISK_CATEGORIES:
        print(f"{cat:14}" + "".join(f" {hits[m][cat]:8d}" for m in modes))
    for mode, t in totals.items():
        print(
            f"{mode:>8}: recall {t['hits'] / t['risky']:.1%} ({t['hits']}/{t['risky']}), "
            f"ordinary false alarms {t['false alarms'] / t['ordinary']:.1%} "
            f"({t['false alarms']}/{t['ordinary']}), real posts flagged {t['real']}/{len(real)}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the parts asked for."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("loso", "real", "vouch", "all"), default="all")
    parser.add_argument("--show", action="store_true", help="--part vouch: new real flags")
    parser.add_argument("--sets", help="pool only these held-out sets, e.g. heldout2,heldout3")
    parser.add_argument("--reuse", action="store_true", help="reuse the build's held-out scores")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, help="write every flagged real post here")
    parser.add_argument("--grades", type=Path, help="TSV of '<id>\\t<ok|low|fa>' per flag")
    args = parser.parse_args(argv)
    if args.part == "vouch":
        vouch(args.show)
        return 0
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
