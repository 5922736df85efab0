"""A small linear text classifier that catches offensive and hateful posts word lists miss.

Pure Python at run time: the weights are a compact JSON file shipped in the package, loaded once
(a few milliseconds) and cached. Each head is a logistic regression over the features produced by
:func:`featurize` (words, word bigrams, hashtags, and the character 3-5-grams of each word, which
carry what a word list cannot: spelling variants such as "idiots", "idiotic" or "stoopid"), the
one featurizer that both ``scripts/train_classifier.py`` and inference call, so the two cannot
drift apart.

Every prediction can explain itself: :meth:`Classifier.predict` returns, per head, the words and
bigrams that pushed the score up the most, e.g. ``("word:idiot", 1.9)``; a word's weight there
includes its character n-grams.

What it does not do: it knows nothing of context beyond two-word windows, it was trained on
English tweets (OLID for ``offensive``, HatEval for ``hate``), and HatEval's notion of hate is
narrow (against immigrants and women). Treat it as evidence for the rules, not as a verdict.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

FEATURIZER_VERSION = 2
"""Bump when :func:`featurize` changes meaning; the weights file records the version it used."""

DEFAULT_PATH = Path(__file__).parent / "data" / "classifier.json"
SUPPORT_PATH = Path(__file__).parent / "data" / "support.json"
"""The support model: one head per risk category, trained on labelled posts
(``scripts/train_support.py``); the engine asks it only where a rule's term lacks its
co-evidence."""

# Patterns start with a literal where they can: the regex engine then skips ahead quickly.
_URL = re.compile(r"https?://\S+")
_WWW = re.compile(r"\bwww\.\S+", re.IGNORECASE)
_MENTION = re.compile(r"@\w+")
_HASHTAG = re.compile(r"#(\w+)")
_CAMEL = re.compile(r"[A-Z]{2,}(?=[A-Z][a-z]|\d|\b|_)|[A-Z]?[a-z]+|[A-Z]+|\d+")
_SEMST = re.compile(r"#SemST\b", re.IGNORECASE)
# Latin, Greek and Cyrillic letters are enough for this English model; \w costs a third more.
# One character class for words (and the <url>/<user> placeholders) is faster than alternatives.
_TOKEN = re.compile(
    r"[a-z0-9'*@$<>\u00c0-\u024f\u0370-\u04ff]+|[!?\U0001F300-\U0001FAFF\u2600-\u27BF]"
)
_PLACEHOLDERS = frozenset(("<url>", "<user>"))
# Leetspeak only inside words (a letter on both sides), so "$5", "1st" and "4ever" stay put.
_LEET = re.compile(r"(?<=[a-z])[0134579@$]+(?=[a-z])")
_LEET_MAP = str.maketrans("0134579@$", "oieastgas")
# A letter repeated three or more times. Doubled a, h, i, j, k, q, u, v, w, x, y are rare in
# English, so those runs shrink to one letter ("fuuuck" -> "fuck"); others to two ("sooo" -> "soo").
_ELONGATED = re.compile(r"([a-z])\1{2,}")
_SINGLE = frozenset("ahijkquvwxy")


def _split_hashtag(match: re.Match[str]) -> str:
    tag = match.group(1)
    return " " + (tag if tag.islower() else " ".join(_CAMEL.findall(tag))) + " "


def _shorten(match: re.Match[str]) -> str:
    letter = match.group(1)
    return letter if letter in _SINGLE else letter + letter


def normalize_token(raw: str) -> str:
    """Return the canonical form of one lowercase token ("" to drop it).

    Quotes, asterisks and angle brackets at the edges go ("'hello'" -> "hello"; "f*ck" stays), light
    leetspeak inside words is undone ("sh1t" -> "shit") and elongations are cut ("soooo" -> "soo").
    """
    if raw in _PLACEHOLDERS:
        return raw
    word = raw.strip("'*<>")
    if not word.isalpha():
        word = _LEET.sub(lambda m: m.group(0).translate(_LEET_MAP), word)
    return _ELONGATED.sub(_shorten, word)


_NORMALIZED: dict[str, str] = {}
"""Memo of :func:`normalize_token` (a pure function); cleared when it outgrows the cap below."""
_NORMALIZED_MAX = 100_000


_LAST_TOKENS: list[tuple[str, tuple[list[str], list[str]]]] = []
"""The last text :func:`tokens` read and its answer: the classifier and the support model read
the same post one after the other."""


def tokens(text: str) -> tuple[list[str], list[str]]:
    """Return the normalised word sequence of ``text`` and its extra (non-word) features
    (see :func:`_tokens`), remembering the last text's answer (callers must not change it)."""
    last = _LAST_TOKENS[0] if _LAST_TOKENS else None
    if last is not None and last[0] == text:
        return last[1]
    found = _tokens(text)
    _LAST_TOKENS[:] = [(text, found)]  # one item swapped whole: another thread sees a pair
    return found


def _tokens(text: str) -> tuple[list[str], list[str]]:
    """Return the normalised word sequence of ``text`` and its extra (non-word) features.

    Normalisation: HTML entities decoded; ``#SemST`` dropped; URLs become ``<url>`` and @mentions
    ``<user>`` (so does the ``@domain`` of an email: rare in posts, not worth a slower regex);
    ``#CamelCase`` hashtags are split into
    words and the whole tag is kept as an extra ``hashtag:`` feature; then each token goes
    through :func:`normalize_token` (memoised: tweets reuse a small vocabulary).
    """
    extras: list[str] = []
    if "&" in text:
        from html import unescape  # imported here: a cold lint of text without '&' skips it

        text = unescape(text)
    if "#" in text:
        if "#S" in text or "#s" in text:
            text = _SEMST.sub(" ", text)
        extras.extend("hashtag:" + tag.lower() for tag in _HASHTAG.findall(text))
        text = _HASHTAG.sub(_split_hashtag, text)
    if "http" in text:
        text = _URL.sub(" <url> ", text)
    if "www." in text or "WWW." in text:
        text = _WWW.sub(" <url> ", text)
    if "@" in text:
        text = _MENTION.sub(" <user> ", text)
    raw = _TOKEN.findall(text.lower().replace("’", "'"))
    try:
        words = list(map(_NORMALIZED.__getitem__, raw))
    except KeyError:
        if len(_NORMALIZED) > _NORMALIZED_MAX:
            _NORMALIZED.clear()
        for token in raw:
            if token not in _NORMALIZED:
                _NORMALIZED[token] = normalize_token(token)
        words = list(map(_NORMALIZED.__getitem__, raw))
    if "" in words:
        words = [w for w in words if w]
    return words, extras


CHAR_SIZES = (3, 4, 5)
"""Lengths of the character n-grams taken from each word, marked at its edges (``<idiot>``)."""


def char_grams(word: str) -> tuple[str, ...]:
    """Return the distinct character n-grams of one normalised word (none for placeholders).

    The word is wrapped in ``<`` and ``>`` so prefixes and suffixes are told apart from the
    middle: "idiots" gives ``<id``, ``idi``, ..., ``ts>``, ``<idi``, ... ``ots>``.
    """
    if word in _PLACEHOLDERS or (len(word) == 1 and not word.isalnum()):
        return ()
    marked = "<" + word + ">"
    size = len(marked)
    return tuple(dict.fromkeys(marked[i : i + n] for n in CHAR_SIZES for i in range(size - n + 1)))


def featurize(text: str) -> tuple[str, ...]:
    """Return the features of ``text`` in first-seen order: the training vocabulary.

    ``word:<token>`` for each distinct token, ``bigram:<a> <b>`` for each distinct adjacent pair,
    the extras (``hashtag:<tag>``), then ``char:<gram>`` for the :func:`char_grams` of each
    distinct word. Only ``char:`` features can repeat: one for each distinct word that has the
    n-gram, so the model's sum splits into one term per word, which
    :meth:`Classifier.scores` caches. It computes the same sum without building these strings;
    a test keeps the two in step.
    """
    words, extras = tokens(text)
    distinct = dict.fromkeys(words)
    feats = ["word:" + w for w in distinct]
    feats.extend(dict.fromkeys("bigram:" + a + " " + b for a, b in itertools.pairwise(words)))
    feats.extend(dict.fromkeys(extras))
    for word in distinct:
        feats.extend("char:" + g for g in char_grams(word))
    return tuple(feats)


@dataclass(frozen=True)
class Prediction:
    """One head's answer: the probability the text is in the class and the features behind it."""

    head: str
    probability: float
    features: tuple[tuple[str, float], ...]
    """The features that raised the score most, (name, weight), strongest first."""


Row = list[int]
"""One feature's weights, one integer per head, in units of ``1 / scale``."""
_MEMO_MAX = 200_000
"""Words whose summed weights :class:`Classifier` keeps; the memo is cleared beyond that."""


class Classifier:
    """Score text with several linear heads over one shared feature vocabulary."""

    def __init__(
        self,
        heads: tuple[str, ...],
        bias: tuple[float, ...],
        thresholds: tuple[float, ...],
        scale: float,
        words: dict[str, Row],
        bigrams: dict[tuple[str, str], Row],
        extras: dict[str, Row],
        chars: dict[str, Row] | None = None,
    ) -> None:
        self.heads = heads
        """The head names, e.g. ``("offensive", "hate")``."""
        self.thresholds = dict(zip(heads, thresholds, strict=True))
        self._index = {h: i for i, h in enumerate(heads)}
        """The probability at or above which a head counts as positive (tuned by CV on train)."""
        self._bias = bias
        self._scale = scale
        # Union vocabularies (integer rows). Words and character n-grams are scored through the
        # memo below, filled from the integer rows; bigrams and extras, a few a text, straight
        # from them: no float tables (building them was ~3 ms of a cold ``selfwatch lint``).
        self._words = words
        self._bigrams = bigrams
        self._extras = extras
        self._chars = chars or {}
        n = len(heads)
        # Per head, word -> its word weight plus the weights of its character n-grams: a word's
        # whole contribution, computed once per distinct word (tweets reuse a small vocabulary).
        self._memo: list[dict[str, float]] = [{} for _ in range(n)]
        # The last text's features: the engine asks for predict() right after scores()
        self._last: tuple[str, tuple[set[str], list[tuple[str, str]], list[str]]] | None = None

    def __len__(self) -> int:
        """Return the number of features with a non-zero weight in some head."""
        return len(self._words) + len(self._bigrams) + len(self._extras) + len(self._chars)

    def weight(self, feature: str) -> tuple[float, ...]:
        """Return the per-head weights of a :func:`featurize` feature name (zeros if unknown)."""
        kind, _, value = feature.partition(":")
        if kind == "word":
            row = self._words.get(value)
        elif kind == "bigram":
            first, _, second = value.partition(" ")
            row = self._bigrams.get((first, second))
        elif kind == "char":
            row = self._chars.get(value)
        else:
            row = self._extras.get(feature)
        return tuple(v / self._scale for v in row) if row else (0.0,) * len(self.heads)

    def word_weight(self, word: str) -> tuple[float, ...]:
        """Return a normalised word's whole per-head contribution: ``word:`` plus ``char:``."""
        self._learn((word,))
        return tuple(memo[word] for memo in self._memo)

    def _learn(self, words: Iterable[str]) -> None:
        memo = self._memo
        if len(memo[0]) > _MEMO_MAX:
            for table in memo:
                table.clear()
        chars, scale = self._chars, self._scale
        for word in words:
            if word in memo[0]:
                continue
            row = self._words.get(word)
            gram_rows = [chars[g] for g in char_grams(word) if g in chars]
            for i, table in enumerate(memo):
                # The same divisions, summed in the same order, as a table of row[i] / scale
                table[word] = (row[i] / scale if row else 0.0) + sum(
                    [r[i] / scale for r in gram_rows]
                )

    def _hits(self, text: str) -> tuple[set[str], list[tuple[str, str]], list[str]]:
        # The same features as featurize(), found by C-level set operations and the per-word
        # memo instead of a Python loop building every feature string: the hot path of lint.
        last = self._last
        if last is not None and last[0] == text:
            return last[1]
        words, extras = tokens(text)
        distinct = set(words)
        found_pairs = list(self._bigrams.keys() & itertools.pairwise(words))
        found_extras = [e for e in dict.fromkeys(extras) if e in self._extras] if extras else []
        hits = distinct, found_pairs, found_extras
        self._last = (text, hits)  # one assignment, so another thread sees a matching pair
        return hits

    def _probabilities(
        self,
        words: set[str],
        pairs: list[tuple[str, str]],
        extras: list[str],
        only: Iterable[int] | None = None,
    ) -> list[float]:
        result = []
        bias_of, scale = self._bias, self._scale
        bigrams, extra_rows = self._bigrams, self._extras
        for i in range(len(bias_of)) if only is None else only:
            bias = bias_of[i]
            try:
                z = bias + sum(map(self._memo[i].__getitem__, words))
            except KeyError:
                self._learn(words)
                z = bias + sum(map(self._memo[i].__getitem__, words))
            # The weights of the few pairs and extras a text has, divided as they are read: the
            # same floats, in the same order, as a table of each head's row[i] / scale
            if pairs:
                z += sum([bigrams[p][i] / scale for p in pairs])
            if extras:
                z += sum([extra_rows[e][i] / scale for e in extras])
            result.append(_sigmoid(z))
        return result

    def scores(self, text: str, heads: Iterable[str] | None = None) -> dict[str, float]:
        """Return each head's probability for ``text`` (or only ``heads``'), without
        explanations (the cheap path)."""
        if heads is None:
            return dict(zip(self.heads, self._probabilities(*self._hits(text)), strict=True))
        wanted = [h for h in heads if h in self._index]
        only = [self._index[h] for h in wanted]
        return dict(zip(wanted, self._probabilities(*self._hits(text), only), strict=True))

    def predict(self, text: str, top: int = 5) -> dict[str, Prediction]:
        """Return each head's probability for ``text`` with up to ``top`` features behind it.

        The features are the words, bigrams and hashtags with a positive weight for the head
        (the evidence *for* the class), strongest first, named as :func:`featurize` names them
        (``word:idiot``, ``bigram:shut up``). A word's weight is :meth:`word_weight`: it
        includes its character n-grams, so a misspelt insult still names the word it came from.
        """
        words, pairs, extras = self._hits(text)
        probabilities = self._probabilities(words, pairs, extras)
        named = [("word:" + w, [m[w] for m in self._memo]) for w in sorted(words)]
        scale = self._scale
        named.extend(
            ("bigram:" + a + " " + b, [v / scale for v in self._bigrams[a, b]]) for a, b in pairs
        )
        named.extend((e, [v / scale for v in self._extras[e]]) for e in extras)
        result: dict[str, Prediction] = {}
        for i, head in enumerate(self.heads):
            evidence = sorted(
                ((name, round(row[i], 3)) for name, row in named if row[i] >= 0.0005),
                key=lambda item: (-item[1], item[0]),
            )
            result[head] = Prediction(head, probabilities[i], tuple(evidence[:top]))
        return result

    def flags(self, text: str) -> dict[str, bool]:
        """Return, per head, whether ``text`` scores at or above the head's threshold."""
        return {h: p >= self.thresholds[h] for h, p in self.scores(text).items()}


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _pairs(bigrams: Mapping[Any, Row]) -> dict[tuple[str, str], Row]:
    """Key bigram weights by word pair, so scoring can intersect them with the text's pairs.

    Keys already split into pairs, as the disk cache stores them, are kept (a cold lint split
    both models' five thousand keys in ~2 ms).
    """
    if isinstance(next(iter(bigrams), None), tuple):
        return dict(bigrams)
    result: dict[tuple[str, str], Row] = {}
    for key, row in bigrams.items():
        first, _, second = key.partition(" ")
        result[first, second] = row
    return result


def stored_weights(data: dict[str, Any]) -> dict[str, Any]:
    """Return the weights document with its bigrams split into word pairs, the form the disk
    cache keeps: :func:`parse_classifier` reads either."""
    return {**data, "bigrams": _pairs(data["bigrams"])}


class ClassifierFormatError(ValueError):
    """The weights file is not one this version can read."""


def parse_classifier(data: object) -> Classifier:
    """Build a Classifier from the decoded JSON document written by the training script."""
    if not isinstance(data, dict) or data.get("format") != 1:
        raise ClassifierFormatError("classifier weights: unknown format (expected format 1)")
    if data.get("featurizer") != FEATURIZER_VERSION:
        raise ClassifierFormatError(
            f"classifier weights were trained with featurizer {data.get('featurizer')!r}, "
            f"this code has {FEATURIZER_VERSION}: retrain with scripts/train_classifier.py"
        )
    try:
        heads = tuple(str(h) for h in data["heads"])
        bias = tuple(float(b) for b in data["bias"])
        thresholds = tuple(float(t) for t in data["thresholds"])
        if not len(heads) == len(bias) == len(thresholds):
            raise ClassifierFormatError("classifier weights: heads, bias and thresholds differ")
        return Classifier(
            heads,
            bias,
            thresholds,
            float(data["scale"]),
            data["words"],
            _pairs(data["bigrams"]),
            data["extras"],
            data.get("chars", {}),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ClassifierFormatError(f"classifier weights: malformed ({exc})") from exc


@lru_cache(maxsize=4)
def load_classifier(path: Path | None = None) -> Classifier:
    """Load (once per path) the classifier weights; the packaged ones by default."""
    import json  # a cold lint reads the weights from the cache instead

    with open(path or DEFAULT_PATH, encoding="utf-8") as handle:
        return parse_classifier(json.load(handle))
