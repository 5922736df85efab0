"""The labelled posts the semantic scorer is trained and measured on (build time only).

Three sources, each read where it lives and never copied into the package:

- the hand-written dev pairs: twelve pairs of ``category | post`` risky files and one-post-a-line
  ordinary files (tests/fixtures and benchmarks/heldout, heldout2-4, heldout6, heldout7 and
  heldout9-13);
- posts written for training only, in ``scripts/train_data/`` (same two formats);
- the public tweet sets in ``../shared/data`` (TweetEval hate and stance; Davidson).

Real professionals' posts (``../shared/data/real_posts``) are never read here: they only
measure false alarms, in ``benchmarks/semantic.py``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from selfwatch.checklist.semantic import words
from selfwatch.model import RISK_CATEGORIES

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
TRAIN_DATA = ROOT / "scripts" / "train_data"
DEV_SETS = (
    ("tuned", ROOT / "tests/fixtures/risky_posts.txt", ROOT / "tests/fixtures/ordinary_posts.txt"),
    ("heldout", ROOT / "benchmarks/heldout/risky.txt", ROOT / "benchmarks/heldout/ordinary.txt"),
    ("heldout2", ROOT / "benchmarks/heldout2/risky.txt", ROOT / "benchmarks/heldout2/ordinary.txt"),
    ("heldout3", ROOT / "benchmarks/heldout3/risky.txt", ROOT / "benchmarks/heldout3/ordinary.txt"),
    ("heldout4", ROOT / "benchmarks/heldout4/risky.txt", ROOT / "benchmarks/heldout4/ordinary.txt"),
    ("heldout6", ROOT / "benchmarks/heldout6/risky.txt", ROOT / "benchmarks/heldout6/ordinary.txt"),
    ("heldout7", ROOT / "benchmarks/heldout7/risky.txt", ROOT / "benchmarks/heldout7/ordinary.txt"),
    ("heldout9", ROOT / "benchmarks/heldout9/risky.txt", ROOT / "benchmarks/heldout9/ordinary.txt"),
    *(
        (d, ROOT / f"benchmarks/{d}/risky.txt", ROOT / f"benchmarks/{d}/ordinary.txt")
        for d in ("heldout10", "heldout11", "heldout12", "heldout13")
    ),
)


@dataclass
class Posts:
    """Texts with a category each ("" for an ordinary post) and a weight in training."""

    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    source: list[str] = field(default_factory=list)

    def add(self, text: str, label: str, source: str) -> None:
        """Append one post."""
        self.texts.append(text)
        self.labels.append(label)
        self.source.append(source)

    def extend(self, other: Posts) -> None:
        """Append every post of ``other``."""
        self.texts += other.texts
        self.labels += other.labels
        self.source += other.source


def read_lines(path: Path) -> list[str]:
    """Return the non-blank, non-comment lines of ``path``, stripped."""
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def read_pair(name: str, risky: Path, ordinary: Path) -> Posts:
    """Return the posts of one risky/ordinary pair of files, labelled and tagged ``name``."""
    posts = Posts()
    if risky.exists():
        for line in read_lines(risky):
            category, sep, text = line.partition("|")
            category = category.strip()
            if not sep or category not in RISK_CATEGORIES:
                raise SystemExit(f"{risky}: expected 'category | post', got {line!r}")
            posts.add(text.strip(), category, name)
    if ordinary.exists():
        for text in read_lines(ordinary):
            posts.add(text, "", name)
    return posts


def dev_sets() -> dict[str, Posts]:
    """Return the hand-written dev pairs by name."""
    return {name: read_pair(name, r, o) for name, r, o in DEV_SETS}


def own_posts() -> Posts:
    """Return the posts written for training (``scripts/train_data/*``)."""
    posts = Posts()
    for path in sorted(TRAIN_DATA.glob("*risky*.txt")):
        posts.extend(read_pair("own", path, Path("/nonexistent")))
    for path in sorted(TRAIN_DATA.glob("*ordinary*.txt")):
        posts.extend(read_pair("own", Path("/nonexistent"), path))
    return posts


def public_posts() -> Posts:
    """Return the public tweet sets' train splits, labelled with our categories.

    Sources: ``hatEval`` (TweetEval hate: 1 -> hate, 0 -> ordinary), ``davidson`` (hate speech
    -> hate, other offensive -> profanity, neither -> ordinary), ``stance`` (a stance on
    atheism -> religion, on the other targets -> politics). The builder weighs each source.
    """
    posts = Posts()
    for row in _jsonl(SHARED / "tweeteval" / "hate_train.jsonl"):
        posts.add(str(row["text"]), "hate" if row["label"] else "", "hatEval")
    for row in _jsonl(SHARED / "davidson" / "labeled.jsonl"):
        label = "hate" if row.get("hate") else "profanity" if row["label"] else ""
        posts.add(str(row["text"]), label, "davidson")
    for row in _jsonl(SHARED / "tweeteval" / "stance_train.jsonl"):
        if row["label"]:
            label = "religion" if row.get("target") == "atheism" else "politics"
            posts.add(str(row["text"]), label, "stance")
    return posts


def _jsonl(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def vocabulary(*groups: Posts, min_count: int = 2) -> list[str]:
    """Return the English word list plus the words seen ``min_count`` times in ``groups``."""
    counts: dict[str, int] = {}
    for posts in groups:
        for text in posts.texts:
            for w in words(text):
                counts[w] = counts.get(w, 0) + 1
    listed = (ROOT / "src/selfwatch/checklist/data/english_words.txt").read_text().split()
    seen = {w for w, n in counts.items() if n >= min_count and _wordlike(w)}
    return sorted(set(listed) | seen)


def _wordlike(w: str) -> bool:
    return 1 < len(w) <= 24 and w[0].isalpha() and all(c.isalnum() or c in "'-*" for c in w)
