"""A learned, explainable score per risk category: a back-stop for the rules' recall.

What it is: one logistic regression per category over the mean of static word vectors
distilled from MiniLM-L6 (``scripts/build_semantic.py``). A linear model over a mean folds into
one number per word and category, so the package ships only that table::

    score[c](text) = bias[c] + sum(table[word][c] for word in text) / (n + smooth)

where n is the number of words and ``smooth`` (5) average words keep a two-word reply from
scoring like a rant. The model's features are the mean of the (centred) MiniLM vectors of a
text's words and each word's share of the text, so both fold into the table. A word outside
it (a name, a handle, a typo) counts as an average word: zero.

Run time is pure Python: the table (``data/semantic.bin`` with ``semantic.json``) is read on
first use and kept; scoring costs one dict lookup and eleven additions per word, and the words
that added the most to a category are its explanation (:func:`evidence`).

What it is not: it reads a bag of words, so it knows nothing of negation, quotation, who is
aimed at or who wrote the post. A score is evidence that a post is *about* something an
employer would hold against the writer; the engine decides, together with its rules.

How the engine uses it (``Engine._learned``): where a rule's term is found without the
co-evidence the rule requires and the support model leans towards the category without being
sure, the table may vouch for the finding at its ``supported_thresholds`` (the rest of the
post, the term blanked out). Measured by ``benchmarks/semantic.py --part vouch``, leaving each
of the six development sets out of both models: recall 75.1 -> 75.8 %, no ordinary or real
post newly flagged. On its own (``flagged(words)``) it flagged 99 of 4,973 real posts and was
right only where the rules were already (strong swearing): it never decides alone.
"""

from __future__ import annotations

import json
import re
from array import array
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .tokens import tokenize

DATA = Path(__file__).parent / "data"
FORMAT = 1
"""Bump when the file layout changes; the build script writes it into ``semantic.json``."""
EVIDENCE_SHARE = 0.4
"""An evidence word lifts its category by at least this share of the top word's lift."""


_URL = re.compile(r"https?://\S+|\bwww\.\S+", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
EMAIL = "<email>"
NUMBER = "<num>"
LONG_NUMBER = "<longnum>"
"""Stand-ins for an email address, a number and a number of 7 digits or more (a phone, an ID)."""


def words(text: str) -> list[str]:
    """Return the words of ``text`` that the table is keyed on.

    Lowercase and de-obfuscated as the engine reads them (tokens.py), without @mentions and
    links; an email address becomes ``<email>`` and a token with digits ``<num>`` or
    ``<longnum>``.
    """
    if "http" in text or "www." in text or "WWW." in text:
        text = _URL.sub(" ", text)
    emails = 0
    if "@" in text:
        text, emails = _EMAIL.subn(" ", text)
    out = [EMAIL] * emails
    for t in tokenize(text):
        if t.mention:
            continue
        word = t.alt
        if not word.isalpha() and any(c.isdigit() for c in t.norm):
            digits = sum(c.isdigit() for c in t.norm)
            word = LONG_NUMBER if digits >= 7 else NUMBER
        out.append(word)
    return out


@dataclass(frozen=True)
class Table:
    """The folded model: a row of int8 scores per word, and per category a scale and bias."""

    categories: tuple[str, ...]
    index: dict[str, int]
    rows: array[int]
    scales: tuple[float, ...]
    biases: tuple[float, ...]
    thresholds: tuple[float, ...]
    """Per category: the score that flags a post on its own."""
    supported_thresholds: tuple[float, ...]
    """Per category: the score that flags a post when the rules found evidence of it too."""
    typical: tuple[float, ...] = ()
    """Per category: the mean word score in ordinary writing; evidence is what rises above."""
    smooth: float = 0.0
    """Average (zero) words added to every text's count, so a two-word reply cannot score
    like a rant."""

    def score(self, words: Sequence[str]) -> dict[str, float]:
        """Return the raw score (log-odds) of every category for a sequence of words."""
        k = len(self.categories)
        sums = [0] * k
        n = len(words) + self.smooth
        rows, index = self.rows, self.index
        for word in words:
            i = index.get(word)
            if i is None:
                continue
            base = i * k
            for c in range(k):
                sums[c] += rows[base + c]
        return {
            cat: self.biases[c] + (sums[c] * self.scales[c] / n if n else 0.0)
            for c, cat in enumerate(self.categories)
        }

    def contributions(self, words: Sequence[str], category: str) -> dict[str, float]:
        """Return each distinct known word's push on ``category`` above a typical word's.

        Per occurrence: a word that comes three times weighs three times in the score, but
        does not explain it better.
        """
        c = self.categories.index(category)
        k = len(self.categories)
        scale, typical = self.scales[c], self.typical[c]
        out: dict[str, float] = {}
        for word in words:
            i = self.index.get(word)
            if i is not None:
                out[word] = self.rows[i * k + c] * scale - typical
        return out


class SemanticFormatError(ValueError):
    """The table files are missing pieces or were written for another format."""


@lru_cache(maxsize=1)
def load(folder: Path = DATA) -> Table:
    """Return the packaged table, read once per process."""
    meta = json.loads((folder / "semantic.json").read_text(encoding="utf-8"))
    if meta.get("format") != FORMAT:
        raise SemanticFormatError(f"{folder / 'semantic.json'}: format {meta.get('format')!r}")
    blob = (folder / "semantic.bin").read_bytes()
    split = meta["words_bytes"]
    vocab = blob[:split].decode("utf-8").split("\n")
    rows = array("b")
    rows.frombytes(blob[split:])
    categories = tuple(meta["categories"])
    if len(rows) != len(vocab) * len(categories):
        raise SemanticFormatError(f"{folder / 'semantic.bin'}: table size does not match")
    return Table(
        categories=categories,
        index=dict(zip(vocab, range(len(vocab)), strict=True)),
        rows=rows,
        scales=tuple(meta["scales"]),
        biases=tuple(meta["biases"]),
        thresholds=tuple(meta["thresholds"]),
        supported_thresholds=tuple(meta["supported_thresholds"]),
        typical=tuple(meta.get("typical", ())) or (0.0,) * len(categories),
        smooth=float(meta.get("smooth", 0.0)),
    )


def score(words: Sequence[str]) -> dict[str, float]:
    """Return the score of every risk category for ``words`` (see :func:`words`)."""
    return load().score(words)


def flagged(words: Sequence[str], supported: Collection[str] | None = None) -> list[str]:
    """Return the categories whose score reaches their threshold.

    Without ``supported``, every category at its own ``thresholds`` (the scorer alone). With
    it, only the categories it names, the ones the rules found some evidence of (a finding at
    any level, a rule's term), at the lower ``supported_thresholds``.
    """
    table = load()
    scores = table.score(words)
    if supported is None:
        cuts = zip(table.categories, table.thresholds, strict=True)
    else:
        cuts = zip(table.categories, table.supported_thresholds, strict=True)
    return [c for c, t in cuts if scores[c] >= t and (supported is None or c in supported)]


def evidence(
    words: Sequence[str], category: str, k: int = 3, table: Table | None = None
) -> list[str]:
    """Return the (at most ``k``) words of ``words`` that raised ``category`` the most.

    Only words that lift the category above a typical word, by at least 40 % of the top
    word's lift: a function word that happens to lean the same way explains nothing.
    """
    pushes = (table or load()).contributions(words, category)
    ranked = sorted(pushes.items(), key=lambda kv: -kv[1])
    if not ranked or ranked[0][1] <= 0:
        return []
    floor = ranked[0][1] * EVIDENCE_SHARE
    return [w for w, v in ranked[:k] if v >= floor]
