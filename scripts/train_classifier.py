"""Train the linear heads shipped in ``src/selfwatch/checklist/data/classifier.json``.

Usage::

    python scripts/train_classifier.py            # reads ../shared/data, writes the package file
    python scripts/train_classifier.py --data DIR --out PATH --folds 5

Heads: ``offensive`` from ``tweeteval/offensive_train`` and ``hate`` from ``tweeteval/hate_train``.
Only train splits are used to fit, to choose the regularisation strength and to pick each head's
threshold (k-fold cross-validation on train); the val splits are read afterwards only to print
a report. Davidson is never used here: the benchmarks report it as out-of-domain.

Needs scikit-learn and numpy (dev only); inference in
``selfwatch.checklist.classifier`` is pure Python.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse  # type: ignore[import-untyped]
from sklearn.feature_extraction.text import CountVectorizer  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
from sklearn.metrics import f1_score  # type: ignore[import-untyped]
from sklearn.model_selection import StratifiedKFold  # type: ignore[import-untyped]

from selfwatch.checklist.classifier import DEFAULT_PATH, FEATURIZER_VERSION, featurize

ROOT = Path(__file__).resolve().parent.parent
HEADS = {"offensive": "tweeteval/offensive", "hate": "tweeteval/hate"}
SCALE = 1000
"""Weights are stored as integers in thousandths: smaller file, faster load."""
C_GRID = (0.01, 0.03, 0.1)
KEEP = 8000
"""Features kept per head (see :class:`SparseHead`): keeps the file small and loading fast."""


def read_jsonl(path: Path) -> tuple[list[str], np.ndarray[Any, np.dtype[np.int64]]]:
    """Return the texts and 0/1 labels of one JSON Lines split."""
    texts: list[str] = []
    labels: list[int] = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            texts.append(row["text"])
            labels.append(int(row["label"]))
    return texts, np.asarray(labels)


def best_threshold(y: np.ndarray[Any, Any], proba: np.ndarray[Any, Any]) -> tuple[float, float]:
    """Return the threshold that maximises macro-F1 on out-of-fold probabilities, and that F1."""
    best = (0.5, -1.0)
    for t in np.arange(0.20, 0.80, 0.01):
        f1 = float(f1_score(y, proba >= t, average="macro"))
        if f1 > best[1]:
            best = (round(float(t), 2), f1)
    return best


class SparseHead:
    """A logistic regression over NB-scaled features, cut to its ``keep`` strongest and refitted.

    Each feature column is first multiplied by its naive-Bayes log-count ratio (Wang & Manning,
    2012, "NBSVM"): a feature seen mostly in one class starts out louder, which the L2 penalty
    then trusts more. The product of the scale and the fitted weight is an ordinary linear
    weight, so the shipped model and the pure-Python scoring are unchanged. The cut (largest
    |weight| x sqrt(document frequency): strong *and* common) keeps the file small and scoring
    cheap; refitting on the kept columns lets them make up for the dropped ones.
    """

    def __init__(self, c: float, keep: int) -> None:
        self.c, self.keep = c, keep
        self.columns: np.ndarray[Any, Any] = np.zeros(0, dtype=int)
        self.ratio: np.ndarray[Any, Any] = np.zeros(0)
        self.model = self._model()

    def _model(self) -> LogisticRegression:
        return LogisticRegression(C=self.c, solver="liblinear", max_iter=2000)

    def fit(
        self, x: Any, y: np.ndarray[Any, Any], weight: np.ndarray[Any, Any] | None = None
    ) -> SparseHead:
        """Fit on all columns, keep the ``keep`` strongest, refit on those (each row counted
        ``weight`` times, 1 by default)."""
        present = (x > 0).astype(float)
        if weight is not None:
            present = sparse.diags(weight) @ present
        pos = np.asarray(present[y == 1].sum(axis=0)).ravel() + 1.0
        neg = np.asarray(present[y == 0].sum(axis=0)).ravel() + 1.0
        ratio = np.log((pos / pos.sum()) / (neg / neg.sum()))
        full = self._model().fit(x @ sparse.diags(ratio), y, sample_weight=weight)
        strength = np.abs(full.coef_[0] * ratio) * np.sqrt(pos + neg - 2.0)
        self.columns = np.sort(np.argsort(-strength)[: self.keep])
        self.ratio = ratio[self.columns]
        self.model = self._model().fit(self._scaled(x), y, sample_weight=weight)
        return self

    def _scaled(self, x: Any) -> Any:
        return x[:, self.columns] @ sparse.diags(self.ratio)

    def predict_proba(self, x: Any) -> np.ndarray[Any, Any]:
        """Return P(class 1) for each row of ``x`` (all columns)."""
        return np.asarray(self.model.predict_proba(self._scaled(x))[:, 1])

    def coefficients(self, width: int) -> np.ndarray[Any, Any]:
        """Return the weights on the raw features, over all ``width`` columns (zeros if cut)."""
        coef = np.zeros(width)
        coef[self.columns] = self.model.coef_[0] * self.ratio
        return coef

    @property
    def intercept(self) -> float:
        """Return the bias term."""
        return float(self.model.intercept_[0])


def out_of_fold(
    x: Any, y: np.ndarray[Any, Any], c: float, keep: int, folds: int
) -> np.ndarray[Any, Any]:
    """Return out-of-fold probabilities of a :class:`SparseHead` (the cut is redone per fold)."""
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=13)
    proba = np.zeros(len(y))
    for fit_rows, held_out in cv.split(x, y):
        head = SparseHead(c, keep).fit(x[fit_rows], y[fit_rows])
        proba[held_out] = head.predict_proba(x[held_out])
    return proba


def fit_head(
    texts: list[str], y: np.ndarray[Any, Any], folds: int, keep: int
) -> tuple[CountVectorizer, SparseHead, float, dict[str, float], np.ndarray[Any, Any]]:
    """Choose C and the threshold by cross-validation on train, then fit on all of train.

    Also returns the out-of-fold probabilities of the chosen C, for tuning the rules on train.
    """
    # Counts, not presence: only char: features repeat (once per distinct word having them).
    vectorizer = CountVectorizer(analyzer=featurize, binary=False, min_df=2)
    x = vectorizer.fit_transform(texts).tocsr()
    report: dict[str, float] = {}
    best: tuple[float, float, float] = (C_GRID[0], 0.5, -1.0)
    best_proba = np.zeros(len(y))
    for c in C_GRID:
        proba = out_of_fold(x, y, c, keep, folds)
        threshold, f1 = best_threshold(y, proba)
        report[f"C={c}"] = round(f1, 4)
        if f1 > best[2]:
            best, best_proba = (c, threshold, f1), proba
    c, threshold, _ = best
    report["chosen_C"] = c
    return vectorizer, SparseHead(c, keep).fit(x, y), threshold, report, best_proba


def export(
    heads: Sequence[str],
    fitted: Sequence[tuple[CountVectorizer, SparseHead, float]],
    trained_on: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Return the JSON document: integer weights per feature kind, rows aligned with ``heads``."""
    table: dict[str, list[int]] = {}
    for i, (vectorizer, head, _) in enumerate(fitted):
        names = vectorizer.get_feature_names_out()
        coefs = np.rint(head.coefficients(len(names)) * SCALE).astype(int)
        for j in np.flatnonzero(coefs):
            table.setdefault(str(names[j]), [0] * len(heads))[i] = int(coefs[j])
    kinds: dict[str, dict[str, list[int]]] = {"word": {}, "bigram": {}, "char": {}}
    extras: dict[str, list[int]] = {}
    for name in sorted(table):
        kind, _, value = name.partition(":")
        if kind in kinds:
            kinds[kind][value] = table[name]
        else:
            extras[name] = table[name]
    return {
        "format": 1,
        "featurizer": FEATURIZER_VERSION,
        "heads": list(heads),
        "scale": SCALE,
        "bias": [round(head.intercept, 4) for _, head, _ in fitted],
        "thresholds": [t for _, _, t in fitted],
        "trained_on": trained_on or {h: HEADS[h] + "_train" for h in heads},
        "words": kinds["word"],
        "bigrams": kinds["bigram"],
        "chars": kinds["char"],
        "extras": extras,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Train both heads, write the weights file and print CV and val figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--keep", type=int, default=KEEP, help="features kept per head")
    parser.add_argument(
        "--oof", type=Path, help="also write out-of-fold train probabilities here (JSON)"
    )
    args = parser.parse_args(argv)
    fitted = []
    oof: dict[str, list[float]] = {}
    for head, stem in HEADS.items():
        started = time.perf_counter()
        texts, y = read_jsonl(args.data / f"{stem}_train.jsonl")
        vectorizer, model, threshold, report, proba = fit_head(texts, y, args.folds, args.keep)
        fitted.append((vectorizer, model, threshold))
        oof[head] = [round(float(p), 4) for p in proba]
        width = len(vectorizer.get_feature_names_out())
        nonzero = int(np.count_nonzero(np.rint(model.coefficients(width) * SCALE)))
        print(
            f"{head}: CV macro-F1 by C {report}; threshold {threshold}; "
            f"{nonzero} non-zero weights; {time.perf_counter() - started:.0f}s"
        )
        val_texts, val_y = read_jsonl(args.data / f"{stem}_val.jsonl")
        proba = model.predict_proba(vectorizer.transform(val_texts).tocsr())
        val_f1 = f1_score(val_y, proba >= threshold, average="macro")
        print(f"{head}: val macro-F1 {val_f1:.4f} (report only; not used for any choice)")
    document = export(list(HEADS), fitted)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(document, separators=(",", ":"), ensure_ascii=False) + "\n")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB)")
    if args.oof:
        args.oof.write_text(json.dumps(oof) + "\n")
        print(f"wrote out-of-fold train probabilities to {args.oof}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
