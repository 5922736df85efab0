"""Train the linear heads shipped in ``src/selfwatch/data/classifier.json``.

Usage::

    python scripts/train_classifier.py            # reads ../shared/data, writes the package file
    python scripts/train_classifier.py --data DIR --out PATH --folds 5

Heads: ``offensive`` from ``tweeteval/offensive_train`` and ``hate`` from ``tweeteval/hate_train``.
Only train splits are used to fit, to choose the regularisation strength and to pick each head's
threshold (k-fold cross-validation on train); the val splits are read afterwards only to print
a report. Davidson is never used here: the benchmarks report it as out-of-domain.

Needs scikit-learn and numpy (dev only); inference in ``selfwatch.classifier`` is pure Python.
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
from sklearn.feature_extraction.text import CountVectorizer  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
from sklearn.metrics import f1_score  # type: ignore[import-untyped]
from sklearn.model_selection import StratifiedKFold, cross_val_predict  # type: ignore[import-untyped]

from selfwatch.classifier import DEFAULT_PATH, FEATURIZER_VERSION, featurize

ROOT = Path(__file__).resolve().parent.parent
HEADS = {"offensive": "tweeteval/offensive", "hate": "tweeteval/hate"}
SCALE = 1000
"""Weights are stored as integers in thousandths: smaller file, faster load."""
C_GRID = (0.25, 0.5, 1.0, 2.0)


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


def fit_head(
    texts: list[str], y: np.ndarray[Any, Any], folds: int
) -> tuple[CountVectorizer, LogisticRegression, float, dict[str, float]]:
    """Choose C and the threshold by cross-validation on train, then fit on all of train."""
    vectorizer = CountVectorizer(analyzer=featurize, binary=True, min_df=2)
    x = vectorizer.fit_transform(texts)
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=13)
    report: dict[str, float] = {}
    best: tuple[float, float, float] = (C_GRID[0], 0.5, -1.0)
    for c in C_GRID:
        model = LogisticRegression(l1_ratio=1.0, solver="liblinear", C=c, max_iter=2000)
        proba = cross_val_predict(model, x, y, cv=cv, method="predict_proba")[:, 1]
        threshold, f1 = best_threshold(y, proba)
        report[f"C={c}"] = round(f1, 4)
        if f1 > best[2]:
            best = (c, threshold, f1)
    c, threshold, _ = best
    model = LogisticRegression(l1_ratio=1.0, solver="liblinear", C=c, max_iter=2000)
    model.fit(x, y)
    report["chosen_C"] = c
    return vectorizer, model, threshold, report


def export(
    heads: Sequence[str],
    fitted: Sequence[tuple[CountVectorizer, LogisticRegression, float]],
) -> dict[str, Any]:
    """Return the JSON document: integer weights per feature kind, rows aligned with ``heads``."""
    table: dict[str, list[int]] = {}
    for i, (vectorizer, model, _) in enumerate(fitted):
        names = vectorizer.get_feature_names_out()
        coefs = np.rint(model.coef_[0] * SCALE).astype(int)
        for j in np.flatnonzero(coefs):
            table.setdefault(str(names[j]), [0] * len(heads))[i] = int(coefs[j])
    words: dict[str, list[int]] = {}
    bigrams: dict[str, list[int]] = {}
    extras: dict[str, list[int]] = {}
    for name in sorted(table):
        kind, _, value = name.partition(":")
        if kind == "word":
            words[value] = table[name]
        elif kind == "bigram":
            bigrams[value] = table[name]
        else:
            extras[name] = table[name]
    return {
        "format": 1,
        "featurizer": FEATURIZER_VERSION,
        "heads": list(heads),
        "scale": SCALE,
        "bias": [round(float(m.intercept_[0]), 4) for _, m, _ in fitted],
        "thresholds": [t for _, _, t in fitted],
        "trained_on": {h: HEADS[h] + "_train" for h in heads},
        "words": words,
        "bigrams": bigrams,
        "extras": extras,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Train both heads, write the weights file and print CV and val figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(argv)
    fitted = []
    for head, stem in HEADS.items():
        started = time.perf_counter()
        texts, y = read_jsonl(args.data / f"{stem}_train.jsonl")
        vectorizer, model, threshold, report = fit_head(texts, y, args.folds)
        fitted.append((vectorizer, model, threshold))
        nonzero = int(np.count_nonzero(np.rint(model.coef_[0] * SCALE)))
        print(
            f"{head}: CV macro-F1 by C {report}; threshold {threshold}; "
            f"{nonzero} non-zero weights; {time.perf_counter() - started:.0f}s"
        )
        val_texts, val_y = read_jsonl(args.data / f"{stem}_val.jsonl")
        proba = model.predict_proba(vectorizer.transform(val_texts))[:, 1]
        val_f1 = f1_score(val_y, proba >= threshold, average="macro")
        print(f"{head}: val macro-F1 {val_f1:.4f} (report only; not used for any choice)")
    document = export(list(HEADS), fitted)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(document, separators=(",", ":"), ensure_ascii=False) + "\n")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
