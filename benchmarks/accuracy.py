"""Measure the checklist against the labeled development data in ../shared/data.

Usage::

    python benchmarks/accuracy.py                      # val splits + Davidson (out-of-domain)
    python benchmarks/accuracy.py --split train        # for tuning
    python benchmarks/accuracy.py --engine classifier  # the learned heads alone
    python benchmarks/accuracy.py --split train --errors 20 --set offensive

Mapping from findings to a prediction:

- offensive sets and Davidson: positive = any finding at ``warning`` or above in profanity, hate,
  harassment, violence or sexual;
- hate sets: positive = any ``warning``+ finding in hate;
- stance set: every tweet is political or religious, so we report the recall of any politics or
  religion finding at any level (``#SemST`` is stripped first).

better-profanity (``contains_profanity``) and alt-profanity-check (``predict``) are printed side by
side when installed. The data is read, never copied: see ../shared/data/README.md.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from selfwatch.model import Level

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data"
ABUSE = frozenset(("profanity", "hate", "harassment", "violence", "sexual"))
TOPICS = frozenset(("politics", "religion"))
SEMST = re.compile(r"#SemST\b", re.IGNORECASE)

Found = dict[str, Level]
"""Category -> highest level found in one text."""
Detector = Callable[[Sequence[str]], list[Found]]


@dataclass(frozen=True)
class Dataset:
    """One labeled set and how to turn findings into a yes/no for it."""

    name: str
    path: Path
    kind: str  # "abuse", "hate" or "topic"
    target: str = ""


@dataclass(frozen=True)
class Row:
    """One labeled text."""

    text: str
    label: int


def datasets(data: Path, split: str) -> list[Dataset]:
    """Return the sets to report for ``split`` (Davidson always whole: it has no splits)."""
    tweeteval = data / "tweeteval"
    return [
        # Floors set in issue 9 (the old 0.80 / 0.85 targets are figures now, not gates)
        Dataset(f"offensive_{split}", tweeteval / f"offensive_{split}.jsonl", "abuse", ">= 0.74"),
        Dataset(f"hate_{split}", tweeteval / f"hate_{split}.jsonl", "hate", ">= 0.70"),
        Dataset(f"stance_{split}", tweeteval / f"stance_{split}.jsonl", "topic", ">= 0.70"),
        Dataset("davidson", data / "davidson" / "labeled.jsonl", "abuse", ">= 0.87"),
    ]


def read_rows(dataset: Dataset) -> list[Row]:
    """Return the texts and labels of ``dataset`` (``#SemST`` stripped from the stance set)."""
    rows = []
    with open(dataset.path, encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            text = record["text"]
            if dataset.kind == "topic":
                text = SEMST.sub("", text).strip()
            rows.append(Row(text, int(record["label"])))
    return rows


def positive(found: Found, kind: str) -> bool:
    """Apply the mapping in the module docstring to one text's findings."""
    if kind == "abuse":
        return any(cat in ABUSE and level >= Level.WARNING for cat, level in found.items())
    if kind == "hate":
        return found.get("hate", 0) >= Level.WARNING
    return any(cat in TOPICS for cat in found)


def rules_detector() -> Detector:
    """Return a detector running ``selfwatch.lint_text`` (the whole engine)."""
    from selfwatch import lint_text

    def detect(texts: Sequence[str]) -> list[Found]:
        results = []
        for text in texts:
            found: Found = {}
            for finding in lint_text(text).findings:
                if finding.level > found.get(finding.category, 0):
                    found[finding.category] = finding.level
            results.append(found)
        return results

    return detect


def classifier_detector() -> Detector:
    """Return a detector using only the classifier heads: offensive -> profanity, hate -> hate."""
    from selfwatch.checklist.classifier import load_classifier

    clf = load_classifier()
    categories = {"offensive": "profanity", "hate": "hate"}

    def detect(texts: Sequence[str]) -> list[Found]:
        results = []
        for text in texts:
            flags = clf.flags(text)
            results.append({categories[h]: Level.WARNING for h, on in flags.items() if on})
        return results

    return detect


def baseline_detectors() -> dict[str, tuple[Detector, bool]]:
    """Return the installed third-party baselines, each with whether it is slow.

    Each says only "profane or not". better-profanity costs about 0.1 s per tweet here, so it
    runs on a fixed random sample of the larger sets (``--slow-sample``).
    """
    found: dict[str, tuple[Detector, bool]] = {}
    try:
        from better_profanity import profanity  # type: ignore[import-untyped]

        profanity.load_censor_words()

        def better(texts: Sequence[str]) -> list[Found]:
            return [_as_found(profanity.contains_profanity(t)) for t in texts]

        found["better-profanity"] = (better, True)
    except ImportError:
        pass
    try:
        from profanity_check import predict  # type: ignore[import-untyped]

        def alt(texts: Sequence[str]) -> list[Found]:
            return [_as_found(bool(p)) for p in predict(list(texts))]

        found["alt-profanity-check"] = (alt, False)
    except ImportError:
        pass
    return found


def _as_found(flagged: bool) -> Found:
    # A profanity filter's "yes" counts for every mapping: profanity and hate alike.
    return {"profanity": Level.WARNING, "hate": Level.WARNING} if flagged else {}


@dataclass(frozen=True)
class Scores:
    """Precision and recall of the positive class, macro-F1 over both classes."""

    precision: float
    recall: float
    macro_f1: float
    seconds: float


def score(labels: Sequence[int], predicted: Sequence[bool], seconds: float) -> Scores:
    """Return precision, recall and macro-F1 for binary ``labels`` and ``predicted``."""
    tp = sum(1 for y, p in zip(labels, predicted, strict=True) if y and p)
    fp = sum(1 for y, p in zip(labels, predicted, strict=True) if not y and p)
    fn = sum(1 for y, p in zip(labels, predicted, strict=True) if y and not p)
    tn = len(labels) - tp - fp - fn
    f1_pos = _f1(tp, fp, fn)
    f1_neg = _f1(tn, fn, fp)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return Scores(precision, recall, (f1_pos + f1_neg) / 2, seconds)


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def evaluate(
    dataset: Dataset, rows: Sequence[Row], detector: Detector
) -> tuple[Scores, list[bool]]:
    """Run ``detector`` over ``rows`` and score it with the set's mapping."""
    started = time.perf_counter()
    found = detector([r.text for r in rows])
    seconds = time.perf_counter() - started
    predicted = [positive(f, dataset.kind) for f in found]
    if dataset.kind == "topic":  # every row is on topic: recall over all of them
        return score([1] * len(rows), predicted, seconds), predicted
    return score([r.label for r in rows], predicted, seconds), predicted


def print_table(results: Iterable[tuple[Dataset, int, str, Scores]]) -> None:
    """Print one line per (set, detector)."""
    print(f"{'set':<16} {'n':>6}  {'detector':<20} {'P':>6} {'R':>6} {'macroF1':>8} {'s':>6}")
    for dataset, n, name, s in results:
        if dataset.kind == "topic":
            print(
                f"{dataset.name:<16} {n:>6}  {name:<20} {'':>6} {s.recall:>6.3f} "
                f"{'(recall)':>8} {s.seconds:>6.1f}"
            )
        else:
            print(
                f"{dataset.name:<16} {n:>6}  {name:<20} {s.precision:>6.3f} {s.recall:>6.3f} "
                f"{s.macro_f1:>8.3f} {s.seconds:>6.1f}"
            )


def print_errors(
    rows: Sequence[Row], predicted: Sequence[bool], detector: Detector, count: int
) -> None:
    """Print ``count`` false positives and false negatives with what was found in each."""
    false_pos = [r for r, p in zip(rows, predicted, strict=True) if p and not r.label]
    false_neg = [r for r, p in zip(rows, predicted, strict=True) if not p and r.label]
    for title, sample in (("FALSE POSITIVES", false_pos), ("FALSE NEGATIVES", false_neg)):
        print(f"\n== {title}: {len(sample)} in all, first {min(count, len(sample))} ==")
        for row in sample[:count]:
            found = detector([row.text])[0]
            shown = ", ".join(f"{c}:{lv.label}" for c, lv in found.items()) or "-"
            print(f"- [{shown}] {row.text.strip()[:200]!r}")
        if title == "FALSE POSITIVES" and not sample:
            print("(none)")


def main(argv: Sequence[str] | None = None) -> int:
    """Score the chosen engine and the baselines on each set; print a table and the targets."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data dir")
    parser.add_argument("--split", choices=("val", "train"), default="val")
    parser.add_argument("--engine", choices=("rules", "classifier"), default="rules")
    parser.add_argument("--no-baselines", action="store_true", help="skip third-party filters")
    parser.add_argument("--errors", type=int, default=0, help="print N false pos./neg.")
    parser.add_argument("--set", dest="only", help="only this set (e.g. offensive, davidson)")
    parser.add_argument(
        "--slow-sample",
        type=int,
        default=800,
        help="rows (seeded sample) for slow baselines on larger sets; 0 = all",
    )
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        parser.error(f"no data directory at {args.data} (use --data DIR)")
    engine = rules_detector() if args.engine == "rules" else classifier_detector()
    name = "selfwatch" if args.engine == "rules" else "selfwatch-classifier"
    others = {} if args.no_baselines or args.errors else baseline_detectors()
    results: list[tuple[Dataset, int, str, Scores]] = []
    targets: list[str] = []
    for dataset in datasets(args.data, args.split):
        if args.only and not dataset.name.startswith(args.only):
            continue
        rows = read_rows(dataset)
        ours, predicted = evaluate(dataset, rows, engine)
        results.append((dataset, len(rows), name, ours))
        baseline_f1: dict[str, float] = {}
        if dataset.kind != "topic":
            for other, (detector, slow) in others.items():
                subset = list(range(len(rows)))
                if slow and 0 < args.slow_sample < len(rows):
                    subset = sorted(random.Random(7).sample(subset, args.slow_sample))
                    mine = score(
                        [rows[i].label for i in subset], [predicted[i] for i in subset], 0.0
                    )
                    results.append((dataset, len(subset), f"{name} (sample)", mine))
                theirs, _ = evaluate(dataset, [rows[i] for i in subset], detector)
                results.append((dataset, len(subset), other, theirs))
                baseline_f1[other] = theirs.macro_f1
                if slow and len(subset) < len(rows):
                    baseline_f1[other + " ours"] = mine.macro_f1
        targets.append(_target_line(dataset, ours, baseline_f1))
        if args.errors:
            print_errors(rows, predicted, engine, args.errors)
    print()
    print_table(results)
    print()
    for line in targets:
        print(line)
    return 0


def _target_line(dataset: Dataset, ours: Scores, baselines: dict[str, float]) -> str:
    value = ours.recall if dataset.kind == "topic" else ours.macro_f1
    ok = value >= float(dataset.target.split()[-1])
    measure = "recall" if dataset.kind == "topic" else "macro-F1"
    others = ", ".join(f"{name} {f1:.3f}" for name, f1 in baselines.items() if "ours" not in name)
    beside = f" (beside {others})" if others else ""
    verdict = "PASS" if ok else "MISS"
    return f"floor {dataset.name}: {measure} {value:.3f} {dataset.target}: {verdict}{beside}"


if __name__ == "__main__":
    sys.exit(main())
