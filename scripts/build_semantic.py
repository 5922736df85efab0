"""Build the semantic scorer's word table (src/selfwatch/checklist/data/semantic.*).

Usage (needs the ``train`` extra)::

    python scripts/build_semantic.py embed    # cache a MiniLM vector per word in out/semantic/
    python scripts/build_semantic.py train    # fit, fold and write the package table

``embed`` runs MiniLM-L6 (scripts/minilm.py) on every word of the English word list and of the
training posts, each word alone (``[CLS] word [SEP]``, mean of the outputs): about 50,000 words
in 5 minutes on one core. ``train`` fits one logistic regression per risk category on two
feature groups, both means over a post's words so that they fold into one number per word:
the centred word vectors, and each word's share of the post (a bag of words). Training posts
(scripts/semantic_data.py): the four hand-written dev pairs, our own posts in
scripts/train_data/, and the public hate and offensive tweets at a low weight; never the real
posts. Each category's threshold lets ``SPARE`` of the ~1,100 ordinary dev posts through when
each dev pair is scored by a model trained without it (leave-one-set-out); the shipped model is
then fitted on everything.
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
from semantic_data import ROOT, Posts, dev_sets, own_posts, public_posts, vocabulary

from selfwatch.checklist.semantic import FORMAT, words
from selfwatch.model import RISK_CATEGORIES

CACHE = ROOT / "out" / "semantic"
DATA = ROOT / "src/selfwatch/checklist/data"
CATEGORIES = RISK_CATEGORIES
DIM = 384
OTHER_WEIGHT = 0.3
"""Weight of another category's risky post as a negative (a hate post may swear too)."""
SOURCE_WEIGHT = {"tweets": 0.05, "stance": 0.0}
"""Weight of a public tweet against a hand-written post. Stance tweets (on politics or religion,
with a stance) hurt ``politics`` in leave-one-set-out, so they are left out."""
C = 0.1
ALPHA = 100.0
"""Scale of the word-share features against the standardised vector: with one C for both,
a larger scale regularises word identity less (0.70 -> 0.85 mean recall from 1 to 100)."""
SPARE = 2
"""Held-out ordinary posts allowed above a category's threshold (of about 1,100)."""
MARGIN = 0.0
PRUNE = 0.0
"""Words whose scores are all below this (in absolute value) are left out of the table."""


def load_vectors() -> tuple[list[str], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Return the cached words and their two vectors (full mean, inner mean)."""
    if not (CACHE / "words.txt").exists():
        return [], np.zeros((0, 384), np.float32), np.zeros((0, 384), np.float32)
    vocab = (CACHE / "words.txt").read_text(encoding="utf-8").split("\n")
    data = np.load(CACHE / "vectors.npz")
    return vocab, data["full"], data["inner"]


def embed(extra: Sequence[str] = ()) -> None:
    """Embed every vocabulary word not yet in the cache, alone, with MiniLM."""
    from minilm import MiniLM

    have, full, inner = load_vectors()
    posts = [*dev_sets().values(), own_posts(), public_posts()]
    wanted = vocabulary(*posts) + list(extra)
    known = set(have)
    todo = sorted({w for w in wanted if w not in known})
    print(f"{len(have)} cached, {len(todo)} to embed", flush=True)
    if not todo:
        return
    model = MiniLM()
    start = time.time()
    parts_full, parts_inner = [full], [inner]
    step = 4000
    for s in range(0, len(todo), step):
        f, i = model.encode_alone(todo[s : s + step])
        parts_full.append(f)
        parts_inner.append(i)
        print(f"  {s + len(f)}/{len(todo)} in {time.time() - start:.0f} s", flush=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(
        CACHE / "vectors.npz", full=np.concatenate(parts_full), inner=np.concatenate(parts_inner)
    )
    (CACHE / "words.txt").write_text("\n".join(have + todo), encoding="utf-8")


class Vectors:
    """The cached word vectors, looked up by word."""

    def __init__(self, kind: str = "full") -> None:
        vocab, full, inner = load_vectors()
        self.words = vocab
        matrix = full if kind == "full" else inner
        # Centred, so that a word outside the table counts as an average word (zero)
        self.matrix = matrix - matrix.mean(0)
        self.index = {w: i for i, w in enumerate(vocab)}

    def counts(self, texts: Sequence[str], alpha: float = 1.0) -> Any:
        """Return each known word's share of the text's words (sparse, times ``alpha``)."""
        from scipy import sparse

        rows, cols, vals = [], [], []
        for row, text in enumerate(texts):
            seen = words(text)
            for i in (self.index[w] for w in seen if w in self.index):
                rows.append(row)
                cols.append(i)
                vals.append(alpha / len(seen))
        shape = (len(texts), len(self.words))
        return sparse.csr_matrix((vals, (rows, cols)), shape=shape, dtype=np.float32)

    def mean(self, texts: Sequence[str]) -> np.ndarray[Any, Any]:
        """Return the mean word vector of each text, unknown words counting as zeros."""
        out = np.zeros((len(texts), self.matrix.shape[1]), dtype=np.float32)
        for row, text in enumerate(texts):
            seen = words(text)
            ids = [self.index[w] for w in seen if w in self.index]
            if ids:
                out[row] = self.matrix[ids].sum(0) / len(seen)
        return out


def fit(
    x: np.ndarray[Any, Any],
    labels: Sequence[str],
    sources: Sequence[str],
    source_weight: dict[str, float],
    c: float = 1.0,
    extra: Any = None,
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Fit one logistic regression per category; return weights (dim, k) and biases (k,).

    The weights apply to raw mean vectors (the standardisation is folded in). Posts of other
    risky categories are negatives at a lower weight: a hate post may well swear too.
    """
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

    mu = x.mean(0)
    sd = x.std(0) + 1e-6
    z = (x - mu) / sd
    if extra is not None:
        from scipy import sparse  # type: ignore[import-untyped]

        z = sparse.hstack([sparse.csr_matrix(z), extra]).tocsr()
    labels_a = np.asarray(labels)
    base = np.asarray([source_weight.get(s, 1.0) for s in sources])
    weights = np.zeros((z.shape[1], len(CATEGORIES)), dtype=np.float64)
    biases = np.zeros(len(CATEGORIES))
    for k, cat in enumerate(CATEGORIES):
        y = labels_a == cat
        if not y.any():
            biases[k] = -20.0
            continue
        other = (labels_a != "") & ~y
        w = base * np.where(other, OTHER_WEIGHT, 1.0)
        # balance: positives weigh as much in total as negatives
        w = np.where(y, w * (w[~y].sum() / max(w[y].sum(), 1e-9)), w)
        model = LogisticRegression(C=c, max_iter=2000)
        model.fit(z, y, sample_weight=w)
        coef = model.coef_[0].copy()
        coef[: len(sd)] /= sd
        weights[:, k] = coef
        biases[k] = model.intercept_[0] - float(coef[: len(mu)] @ mu)
    return weights, biases


class Model:
    """Per-category weights over a text's mean word vector and its word shares."""

    def __init__(
        self, vectors: Vectors, weights: np.ndarray[Any, Any], biases: np.ndarray[Any, Any]
    ):
        self.vectors = vectors
        self.dense = weights[:DIM]
        self.words = weights[DIM:] * ALPHA
        self.biases = biases

    def table(self) -> np.ndarray[Any, Any]:
        """Return the folded table: one score per word and category (before the 1/n).

        Rows whose every score is below ``PRUNE`` are zeroed: they are left out of the shipped
        table, where an unknown word counts as zero.
        """
        table = self.vectors.matrix @ self.dense + self.words
        table[np.abs(table).max(1) < PRUNE] = 0.0
        return table

    def scores(self, texts: Sequence[str]) -> np.ndarray[Any, Any]:
        """Return the (n, k) scores of ``texts``, computed from the folded table."""
        table = self.table()
        out = np.tile(self.biases, (len(texts), 1))
        for row, text in enumerate(texts):
            seen = words(text)
            ids = [self.vectors.index[w] for w in seen if w in self.vectors.index]
            if ids:
                out[row] += table[ids].sum(0) / len(seen)
        return out


def train(vectors: Vectors, posts: Posts) -> Model:
    """Fit the model on ``posts`` (see :func:`fit` for the weighting)."""
    x = vectors.mean(posts.texts)
    extra = vectors.counts(posts.texts, ALPHA)
    weights, biases = fit(x, posts.labels, posts.source, SOURCE_WEIGHT, C, extra)
    return Model(vectors, weights, biases)


def training_posts(held: str = "") -> Posts:
    """Return every training post except the dev set named ``held``."""
    posts = Posts()
    for name, dev in dev_sets().items():
        if name != held:
            posts.extend(dev)
    posts.extend(own_posts())
    posts.extend(public_posts())
    return posts


def leave_one_set_out(vectors: Vectors) -> dict[str, tuple[np.ndarray[Any, Any], Posts]]:
    """Return, for each dev set, its posts' scores by a model trained without it."""
    out = {}
    for held, dev in dev_sets().items():
        started = time.time()
        model = train(vectors, training_posts(held))
        out[held] = (model.scores(dev.texts), dev)
        print(f"  without {held}: {time.time() - started:.0f} s", file=sys.stderr, flush=True)
    return out


def thresholds(oof: dict[str, tuple[np.ndarray[Any, Any], Posts]]) -> np.ndarray[Any, Any]:
    """Return per-category thresholds: above all but ``SPARE`` held-out ordinary posts' scores."""
    ordinary = np.concatenate([s[np.asarray(p.labels) == ""] for s, p in oof.values()])
    ranked = np.sort(ordinary, axis=0)[::-1]
    return ranked[SPARE] + MARGIN


def write_table(model: Model, cuts: np.ndarray[Any, Any], folder: Path = DATA) -> None:
    """Write semantic.bin (words, then int8 rows) and semantic.json (scales, biases, cuts)."""
    table = model.table()
    keep = np.abs(table).max(1) > 0
    table = table[keep]
    vocab = [w for w, k in zip(model.vectors.words, keep, strict=True) if k]
    scales = np.abs(table).max(0) / 127.0
    rows = np.clip(np.rint(table / scales), -127, 127).astype(np.int8)
    blob = "\n".join(vocab).encode("utf-8")
    (folder / "semantic.bin").write_bytes(blob + rows.tobytes())
    meta = {
        "format": FORMAT,
        "about": "Built by scripts/build_semantic.py: see selfwatch.checklist.semantic.",
        "categories": list(CATEGORIES),
        "words_bytes": len(blob),
        "scales": [round(float(v), 7) for v in scales],
        "biases": [round(float(v), 5) for v in model.biases],
        "thresholds": [round(float(v), 4) for v in cuts],
    }
    (folder / "semantic.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    size = len(blob) + rows.size
    print(f"wrote {len(vocab)} words x {len(CATEGORIES)} ({size / 1e6:.2f} MB) to {folder}")


def build() -> None:
    """Measure leave-one-set-out to set thresholds, then fit on everything and write."""
    vectors = Vectors()
    cuts = thresholds(leave_one_set_out(vectors))
    model = train(vectors, training_posts())
    write_table(model, cuts)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the stage named on the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("stage", choices=("embed", "train"))
    args = parser.parse_args(argv)
    if args.stage == "embed":
        embed()
    else:
        build()
    return 0


if __name__ == "__main__":
    sys.exit(main())
