"""Train the support model shipped in ``src/selfwatch/checklist/data/support.json``.

Usage::

    python scripts/train_support.py            # train on every labelled set, write the package file
    python scripts/train_support.py --loso     # first measure it: leave one held-out set out

One head per risk category, a logistic regression over the classifier's features
(:func:`selfwatch.checklist.classifier.featurize`, :class:`SparseHead` from
``train_classifier.py``). The engine asks it only where a rule's term is found without the
co-evidence the rule needs (a target, a first person, a work word): a head at or above its
threshold stands in for that evidence, never for a quotation, a negation or an exception.

Trained on the posts written and labelled for this project: ``tests/fixtures`` and the
development sets ``benchmarks/heldout``, ``heldout2``-``heldout4``, ``heldout6``, ``heldout7``
and ``heldout9`` (each risky post positive for its category, every other post negative for it),
and the real posts under ``../shared/data/real_posts/`` as negatives, except those graded
``ok`` or ``low`` in ``out/grades.tsv``; and the posts written for training only
(``scripts/train_data`` with ``held_back/``) at a weight of 0.3 (``--extra``). The sets scored
blind and never read (``heldout5``, ``heldout8``, ``heldout10``) and the blind one
(``heldout11``) are never read here.

``--loso`` trains seven times, each time without one of the development sets and a fifth of
the real posts, and lints the set left out with the real engine, with and without the model:
recall on its risky posts, false alarms on its ordinary posts, and real posts newly flagged.
Each set was written by a different author who never saw the rules, so this is the honest
measure of what the model adds on phrasing it never saw; the threshold is chosen here.

Needs scikit-learn and numpy (dev only).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer  # type: ignore[import-untyped]

from selfwatch.checklist.classifier import SUPPORT_PATH, featurize, parse_classifier
from selfwatch.checklist.engine import Engine, default_engine
from selfwatch.model import RISK_CATEGORIES, Level

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_classifier import SparseHead, export

ROOT = Path(__file__).resolve().parent.parent
SETS = {
    "fixtures": ("tests/fixtures/risky_posts.txt", "tests/fixtures/ordinary_posts.txt"),
    **{
        name: (f"benchmarks/{name}/risky.txt", f"benchmarks/{name}/ordinary.txt")
        for name in (
            "heldout",
            "heldout2",
            "heldout3",
            "heldout4",
            "heldout6",
            "heldout7",
            "heldout9",
        )
    },
}
# The posts written for training only (scripts/train_data, held_back/ too) count 0.3 of a
# hand-written set's post: at full weight (six sets) --loso measured 75.1 -> 76.4 % but the
# model vouched for a customer's complaint ("The manager at the restaurant was rude and
# useless") and two other pass examples; at 0.3, with no learned vouching for a missing
# employer, over the seven sets: 78.7 -> 79.3 % recall, 0.4 -> 0.2 % ordinary false alarms.
HELD = ("heldout", "heldout2", "heldout3", "heldout4", "heldout6", "heldout7", "heldout9")
SUPPORTED = ("politics", "religion", "employer", "violence", "sexual", "substance", "confidential")
"""The categories with a head. Under ``--loso`` with all eleven, only these gained (substance
and violence once their heads also back the ``substance.learned`` and ``violence.learned``
rules); hate and harassment are left to the rules' target structure (a head reads a quoted slur
as the writer's, and "the refugees are getting killed" as hate), and profanity and personal
data gained nothing."""
C = 1.0
KEEP = 3000
"""Features kept per head: 8,000 (with C=3) measured the same under ``--loso``."""
THRESHOLD = 0.7
"""Chosen with ``--loso`` (recall gained against false alarms on the sets left out)."""


def lines(path: Path) -> list[str]:
    """Return the non-blank, non-comment lines of ``path``."""
    text = path.read_text(encoding="utf-8").splitlines()
    return [s.strip() for s in text if s.strip() and not s.startswith("#")]


def read_sets() -> list[tuple[str, str, str]]:
    """Return ``(set, text, category or "")`` for every labelled post."""
    rows = []
    for name, (risky, ordinary) in SETS.items():
        for line in lines(ROOT / risky):
            category, _, text = line.partition("|")
            rows.append((name, text.strip(), category.strip()))
        rows.extend((name, text, "") for text in lines(ROOT / ordinary))
    return rows


EXTRA = ROOT / "scripts" / "train_data"
EXTRA_WEIGHT = 0.3


def read_extra() -> list[tuple[str, str, str]]:
    """Return ``("extra", text, category or "")`` for the posts written for training only."""
    rows = []
    for path in sorted([*EXTRA.glob("risky*.txt"), *EXTRA.glob("held_back/risky*.txt")]):
        for line in lines(path):
            category, _, text = line.partition("|")
            rows.append(("extra", text.strip(), category.strip()))
    for path in sorted([*EXTRA.glob("ordinary*.txt"), *EXTRA.glob("held_back/ordinary*.txt")]):
        rows.extend(("extra", text, "") for text in lines(path))
    return rows


def read_real(folder: Path, grades: Path) -> list[tuple[str, str, str]]:
    """Return ``("real", text, "")`` for the real posts, less those graded risky."""
    risky = set()
    if grades.exists():
        for line in grades.read_text(encoding="utf-8").splitlines():
            fields = line.split("\t")
            if len(fields) >= 2 and fields[1] in ("ok", "low"):
                risky.add(fields[0])
    rows = []
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                post = json.loads(line)
                if post["id"] not in risky:
                    rows.append(("real", post["text"], ""))
    return rows


def train(
    rows: Sequence[tuple[str, str, str]], threshold: float, extra: float = EXTRA_WEIGHT
) -> dict[str, Any]:
    """Fit one head per category on ``rows`` (the ``extra`` set's posts at weight ``extra``);
    return the weights document."""
    texts = [text for _, text, _ in rows]
    vectorizer = CountVectorizer(analyzer=featurize, binary=False, min_df=2)
    x = vectorizer.fit_transform(texts).tocsr()
    weight = np.asarray([extra if name == "extra" else 1.0 for name, _, _ in rows])
    fitted = []
    for category in SUPPORTED:
        y = np.asarray([label == category for _, _, label in rows], dtype=int)
        fitted.append((vectorizer, SparseHead(C, KEEP).fit(x, y, weight), threshold))
    sources = "tests/fixtures, benchmarks/heldout1-4, 6, 7 and 9, scripts/train_data, real posts"
    trained_on = dict.fromkeys(SUPPORTED, sources)
    return export(list(SUPPORTED), fitted, trained_on)


def flagged(engine: Any, text: str) -> set[str]:
    """Return the categories with a risk finding at warning or above."""
    found = engine.lint(text).findings
    return {f.category for f in found if f.is_risk and f.level >= Level.WARNING}


def loso(
    rows: list[tuple[str, str, str]],
    real: list[tuple[str, str, str]],
    show: bool = False,
    extra: float = EXTRA_WEIGHT,
) -> None:
    """Print what the model adds on each held-out set when trained without it."""
    random.Random(0).shuffle(real)
    engine = default_engine()
    # The support model alone: the packaged word table was trained on the set left out
    # (benchmarks/semantic.py --part vouch measures the two together, fold by fold)
    engine.semantic = None
    plain = Engine(engine.checklist, None, engine.classifier)
    plain.support = None

    def flagged_before(text: str) -> bool:
        return bool(flagged(plain, text))

    totals = {"rules": [0, 0, 0, 0, 0], "with model": [0, 0, 0, 0, 0]}
    per: dict[str, Counter[str]] = {"rules": Counter(), "with model": Counter()}
    for k, held in enumerate(HELD):
        fold = real[k :: len(HELD)]
        rest = [r for j, r in enumerate(real) if j % len(HELD) != k]
        model = parse_classifier(train([r for r in rows if r[0] != held] + rest, THRESHOLD, extra))
        test = [r for r in rows if r[0] == held]
        for mode, support in (("rules", None), ("with model", model)):
            engine.support = support
            t = totals[mode]
            for _, text, label in test:
                cats = flagged(engine, text)
                if label:
                    t[0] += 1
                    t[1] += label in cats
                    per[mode][label] += label in cats
                    per[mode]["fa:" + label] += bool(cats - {label})
                else:
                    t[2] += 1
                    t[3] += bool(cats)
                    if show and support is not None and cats and not flagged_before(text):
                        print(f"  newly flagged ordinary post ({held}): {text}")
                    per[mode].update("fa:" + c for c in cats)
            t[4] += sum(bool(flagged(engine, text)) for _, text, _ in fold)
        print(f"{held}: trained without it and {len(fold)} real posts", flush=True)
    for category in RISK_CATEGORIES:
        a, b = per["rules"], per["with model"]
        print(
            f"  {category:<14} hits {a[category]:>3} -> {b[category]:>3}   "
            f"other-category and ordinary flags {a['fa:' + category]} -> {b['fa:' + category]}"
        )
    for mode, (n, hits, m, fa, real_flags) in totals.items():
        print(
            f"{mode:>10}: recall {hits / n:.1%} ({hits}/{n}), ordinary false alarms "
            f"{fa / m:.1%} ({fa}/{m}), real posts flagged {real_flags}/{len(real)}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Measure with --loso, or train on everything and write the weights file."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--grades", type=Path, default=ROOT / "out" / "grades.tsv")
    parser.add_argument("--out", type=Path, default=SUPPORT_PATH)
    parser.add_argument("--loso", action="store_true", help="measure, leaving one set out")
    parser.add_argument("--show", action="store_true", help="with --loso: print new false alarms")
    parser.add_argument(
        "--extra",
        type=float,
        default=EXTRA_WEIGHT,
        help=f"weight of scripts/train_data's posts (default {EXTRA_WEIGHT}; 0 leaves them out)",
    )
    args = parser.parse_args(argv)
    rows = read_sets()
    if args.extra > 0:
        rows += read_extra()
    real = read_real(args.data / "real_posts", args.grades)
    if args.loso:
        loso(rows, real, args.show, args.extra)
        return 0
    document = train(rows + real, THRESHOLD, args.extra)
    args.out.write_text(json.dumps(document, separators=(",", ":"), ensure_ascii=False) + "\n")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
