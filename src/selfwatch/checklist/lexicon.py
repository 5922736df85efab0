"""A term index that finds words and phrases in tokens, inflected or lightly disguised.

Terms are expanded once when the index is built (inflections; for ``fuzzy`` terms also one dropped
or swapped interior letter), so matching a text is a dictionary look-up per token. A trailing
``*`` makes a term a prefix ("fuck*"). Masked tokens (f*ck) are compared letter by letter.
"""

from __future__ import annotations

import marshal
import re
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Any, Final, NamedTuple, TypeVar

from .tokens import MASK_CHARS, Token

_VOWELS = frozenset("aeiou")
_DOUBLE = re.compile(r"(.)\1+")


Entry = tuple[tuple[str, ...], str, str, bool]
"""One expanded form of a term: (words, owner, term, disguised); the owner is a rule id or a
``concept:NAME``. A plain tuple, not a dataclass: an index holds tens of thousands, and plain
tuples build and unpickle many times faster (the CLI caches the compiled index)."""
WORDS: Final = 0
OWNER: Final = 1
TERM: Final = 2
DISGUISED: Final = 3


class Hit(NamedTuple):
    """A term found in the tokens: token range [first, last) and character offsets."""

    # A NamedTuple, like Token, because it builds several times faster than a frozen dataclass.

    owner: str
    term: str
    first: int
    last: int
    start: int
    end: int
    sentence: int
    disguised: bool


def inflections(word: str) -> set[str]:
    """Return ``word`` with its common English inflections (plural, past, -ing, -er, -y)."""
    forms = {word}
    if len(word) < 3 or not word.isalpha():
        return forms
    stem = word[:-1] if word.endswith("e") else word
    double = (
        len(word) <= 5
        and word[-1] not in _VOWELS | {"w", "x", "y"}
        and word[-2] in _VOWELS
        and word[-3] not in _VOWELS
    )
    base = word + word[-1] if double else stem
    if word.endswith(("s", "x", "z", "ch", "sh")):
        forms.add(word + "es")
    elif word.endswith("y") and word[-2] not in _VOWELS:
        forms.update({word[:-1] + "ies", word[:-1] + "ied"})
    else:
        forms.add(word + "s")
    forms.update({base + "ed", base + "ing", base + "in", base + "er", base + "ers"})
    if word.endswith("e"):
        forms.add(word + "d")
    if not word.endswith("y"):
        forms.add(base + "y")
    return forms


def disguises(word: str, *, name: bool = False) -> set[str]:
    """Return spellings of ``word`` with a letter dropped or two letters swapped (fck, fcuk).

    In words of four or five letters only vowels are dropped, and in four-letter words only
    when no vowel is left ("fck", not "con" from "coon"), because dropping letters from short
    words mostly lands on other real words. A group's ``name`` ("jews", "trans", "women") loses
    any letter after the first and a three-letter one is swapped ("jes", "tras", "woen",
    "gya"): the lexicon keeps none that is a word itself ("tans", "jew").
    """
    out: set[str] = set()
    if name and len(word) == 3 and word.isalpha():
        # A group's short name is hidden by a swap too ("gya", "jwe")
        return {word[0] + word[2] + word[1]} - {word}
    if len(word) < 4 or not word.isalpha():
        return out
    for i in range(1, len(word)):
        if word[i] in _VOWELS:
            variant = word[:i] + word[i + 1 :]
            if len(word) > 4 or not _VOWELS.intersection(variant):
                out.add(variant)
    if name or len(word) >= 6:
        # Long words also lose a consonant ("wortless", "disaled"); short ones would land on
        # other words too often
        for i in range(1, len(word) - 1):
            out.add(word[:i] + word[i + 1 :])
    for i in range(1, len(word) - 1):
        if word[i] != word[i + 1]:
            out.add(word[:i] + word[i + 1] + word[i] + word[i + 2 :])
    out.discard(word)
    return out


Thirds = tuple[list[Entry], tuple[int, ...], dict[str, tuple[int, ...]]]
"""The phrases of one word pair: entries, the two-word ones' numbers, the others' by third word."""


class Lexicon:
    """Index terms from rules and concepts; ``scan`` finds them in a token list."""

    def __init__(self, common_words: Iterable[str] = (), dictionary: Iterable[str] = ()) -> None:
        self.single: dict[str, list[Entry]] = {}
        self.pairs: dict[tuple[str, str], list[Entry]] = {}
        self.prefix: dict[str, list[Entry]] = {}
        self.prefix_lengths: list[int] = []
        self.plain: dict[int, list[Entry]] = {}
        self._initials: dict[int, dict[tuple[str, str], list[Entry]]] = {}  # see _unmask
        self._thirds: dict[tuple[str, str], Thirds] = {}  # see _phrases
        self.common = frozenset(common_words)
        # Real words are never read as a disguise: "loses" is not "losers" with a letter dropped
        self.dictionary = self.common | frozenset(dictionary)
        # Derived from the index, not stored with it: they let scan skip most tokens after one
        # set look-up instead of a dictionary look-up per pair or per prefix length.
        self.pair_starts: set[str] = set()
        self.prefix_heads: frozenset[str] = frozenset()

    def add(
        self,
        term: str,
        owner: str,
        *,
        inflect: bool = True,
        fuzzy: bool = False,
        name: bool = False,
    ) -> None:
        """Index ``term`` for ``owner`` with its inflections (and disguises when ``fuzzy``).

        Neither an inflection nor a disguise is indexed when it is one of the common words the
        lexicon was built with: those are ordinary words that only look like a form of a term.
        """
        words = tuple(term.lower().replace("’", "'").split())
        if not words:
            return
        if len(words) == 1 and words[0].endswith("*") and len(words[0]) > 2:
            stem = words[0][:-1]
            self.prefix.setdefault(stem, []).append(((stem,), owner, term, False))
            self.prefix_lengths = sorted({*self.prefix_lengths, len(stem)})
            self._index_prefixes()
            return
        # An ordinary word is never a form of a term: "freaking" is no insult, "cons" no slur
        last = (inflections(words[-1]) - self.common) | {words[-1]} if inflect else {words[-1]}
        for form in last:
            self._put(((*words[:-1], form), owner, term, False))
        if len(words) == 1:
            self.plain.setdefault(len(words[0]), []).append((words, owner, term, False))
            self._initials.clear()
            if fuzzy:
                for variant in disguises(words[0], name=name) - self.dictionary - last:
                    self._put(((variant,), owner, term, True))

    def _put(self, entry: Entry) -> None:
        if len(entry[WORDS]) == 1:
            self.single.setdefault(entry[WORDS][0], []).append(entry)
        else:
            self.pairs.setdefault((entry[WORDS][0], entry[WORDS][1]), []).append(entry)
            self.pair_starts.add(entry[WORDS][0])
            self._thirds.clear()

    def _index_prefixes(self) -> None:
        """Note the first letters every stem shares with the shortest one (see ``scan``)."""
        shortest = self.prefix_lengths[0] if self.prefix_lengths else 0
        self.prefix_heads = frozenset(stem[:shortest] for stem in self.prefix)

    def state(self) -> tuple[Any, ...]:
        """Return the index as plain data (dicts, lists, tuples) that ``marshal`` can store.

        Each word's and pair's entries are stored as their own ``marshal`` bytes and decoded
        when a text first uses them (see ``scan``): loading tens of thousands of small lists
        and tuples took most of a cold ``selfwatch lint``, and a text uses a handful. So are
        the one-word entries of each length, which only a masked word ("f*ck") looks at.
        """
        return (
            {k: _stored(v) for k, v in self.single.items()},
            {k: _stored(v) for k, v in self.pairs.items()},
            self.prefix,
            self.prefix_lengths,
            {n: _stored(v) for n, v in self.plain.items()},
        )

    @classmethod
    def from_state(cls, state: tuple[Any, ...]) -> Lexicon:
        """Rebuild an index from :meth:`state` without expanding any term again."""
        lexicon = cls()
        single, pairs, prefix, lengths, plain = state
        lexicon.single, lexicon.pairs, lexicon.prefix = single, pairs, prefix
        lexicon.prefix_lengths, lexicon.plain = list(lengths), plain
        lexicon.pair_starts = {a for a, _ in pairs}
        lexicon._index_prefixes()
        return lexicon

    @classmethod
    def merged(cls, first: Lexicon, second: Lexicon) -> Lexicon:
        """Return one index with the terms of both, so a single scan finds them all.

        Each owner's hits come out in the same order as from its own lexicon. The lists of
        ``first`` and ``second`` are shared or copied, never changed.
        """
        lexicon = cls()
        lexicon.single = _merge(first.single, second.single)
        lexicon.pairs = _merge(first.pairs, second.pairs)
        lexicon.prefix = _merge(first.prefix, second.prefix)
        lexicon.plain = _merge(first.plain, second.plain)
        lexicon.prefix_lengths = sorted({*first.prefix_lengths, *second.prefix_lengths})
        lexicon.pair_starts = first.pair_starts | second.pair_starts
        lexicon._index_prefixes()
        return lexicon

    def scan(self, tokens: Sequence[Token]) -> list[Hit]:
        """Return every indexed term found in ``tokens``."""
        hits: list[Hit] = []
        append = hits.append
        new = _new_tuple
        single, starts, pairs = self.single, self.pair_starts, self.pairs
        count = len(tokens)
        heads, shortest = self.prefix_heads, self.prefix_lengths[0] if self.prefix_lengths else 0
        # Most tokens have one form: inline that case, the call per token costs more than it does
        keys = [(t.norm,) if t.alt == t.norm else _keys(t) for t in tokens]
        for i, tok in enumerate(tokens):
            here = keys[i]
            # Every hit of token i is added in this round, with ``first`` = i: a hit found
            # twice (two forms of a word, two terms of one owner) is dropped here
            mark = len(hits)
            # The words of a token first, then the phrases it starts: the order hits are judged
            # in (ties between overlapping findings go to the first)
            for key in here:
                found: list[Entry] | bytes | None = single.get(key)
                if found is None:
                    continue
                if isinstance(found, bytes):  # stored, not yet decoded (see _entries)
                    found = _entries(single, key)
                alt = key != tok.norm
                start, end, sentence = tok.start, tok.end, tok.sentence
                for e in found:
                    # tuple.__new__ builds the same Hit as Hit(...) without a call (see _hit);
                    # e[1], e[2], e[3]: OWNER, TERM, DISGUISED (indexed as literals: faster)
                    append(new(Hit, (e[1], e[2], i, i + 1, start, end, sentence, e[3] or alt)))
            if starts.isdisjoint(here):  # most words begin no phrase
                pass
            elif i + 1 < count:
                following = keys[i + 1]
                for a in here:
                    if a in starts:
                        for b in following:
                            if (a, b) in pairs:
                                self._phrases(tokens, keys, i, a, hits)
                                break
            # Every stem begins with one of the heads, so a token that does not cannot match any
            if len(tok.alt) > shortest and tok.alt[:shortest] in heads:
                for n in self.prefix_lengths:
                    if n >= len(tok.alt):
                        break
                    for e in self.prefix.get(tok.alt[:n], ()):
                        append(_hit(e, tokens, i, i + 1, tok.alt != tok.norm))
            if tok.masked:
                hits.extend(self._masked(tokens, i))
                if i + 1 < count:
                    # A masked word may begin a phrase as the word it spells ("d*ck pic")
                    before = len(hits)
                    for a in dict.fromkeys(e[WORDS][0] for e in self._unmask(tok.alt)):
                        if a in starts:
                            self._phrases(tokens, keys, i, a, hits)
                    hits[before:] = [h._replace(disguised=True) for h in hits[before:]]
            if len(hits) - mark > 1:
                _dedupe_round(hits, mark)
        return hits

    def _phrases(
        self, tokens: Sequence[Token], keys: list[tuple[str, ...]], i: int, a: str, hits: list[Hit]
    ) -> None:
        """Add the phrases starting with form ``a`` of token ``i`` to ``hits``."""
        count = len(tokens)
        # A phrase never runs on into the next sentence ("the bomb. The recipe")
        if i + 1 >= count or tokens[i + 1].sentence != tokens[i].sentence:
            return
        pairs = self.pairs
        third = tokens[i + 2] if i + 2 < count else None
        for b in keys[i + 1]:
            if (a, b) not in pairs:
                continue
            # A pair like ("is", "a") starts a hundred phrases: only the two-word ones and those
            # whose third word is the next token's are looked at, in their order
            entries, twos, thirds = self._by_third((a, b))
            chosen = twos
            if third is not None:
                chosen = twos + thirds.get(third.norm, ())
                if third.alt != third.norm:
                    chosen += thirds.get(third.alt, ())
                if len(chosen) > len(twos) and twos:
                    chosen = tuple(sorted(chosen))
            for n in chosen:
                e = entries[n]
                words = e[WORDS]
                last = i + 2 if len(words) == 2 else _match_rest(words, tokens, i)
                if last:
                    hits.append(_hit(e, tokens, i, last, e[DISGUISED]))

    def _by_third(self, pair: tuple[str, str]) -> Thirds:
        """Return the phrases starting with ``pair``: the entries, the numbers of the two-word
        ones and, by their third word, the numbers of the others (worked out on first use)."""
        found = self._thirds.get(pair)
        if found is None:
            entries = _entries(self.pairs, pair)
            by_third: dict[str, list[int]] = {}
            for n, e in enumerate(entries):
                if len(e[WORDS]) > 2:
                    by_third.setdefault(e[WORDS][2], []).append(n)
            twos = tuple(n for n, e in enumerate(entries) if len(e[WORDS]) == 2)
            found = (entries, twos, {w: tuple(ns) for w, ns in by_third.items()})
            self._thirds[pair] = found
        return found

    def unmasks(self, word: str) -> bool:
        """Return True when ``word``, read as masked ("g-d", "sh*t"), spells an indexed word."""
        return next(self._unmask(word), None) is not None

    def _masked(self, tokens: Sequence[Token], i: int) -> list[Hit]:
        return [
            _hit((e[WORDS], e[OWNER], e[TERM], True), tokens, i, i + 1, True)
            for e in self._unmask(tokens[i].alt)
        ]

    def _index_initials(self, length: int) -> None:
        """Index the one-word entries of ``length`` letters by first letter, and by first and
        last letter, in their order (see ``_unmask``)."""
        index: dict[tuple[str, str], list[Entry]] = {}
        for e in _entries(self.plain, length):
            target = e[WORDS][0]
            index.setdefault((target[0], ""), []).append(e)
            index.setdefault((target[0], target[-1]), []).append(e)
        self._initials[length] = index

    def _unmask(self, word: str) -> Iterator[Entry]:
        """Yield the one-word entries ``word`` spells when each mask character may be a letter."""
        if sum(1 for c in word if c not in MASK_CHARS) < 2:
            return
        if len(word) not in self.plain:
            return
        # A masked word starts with a letter (see text._decoded): only the entries starting
        # with it (and ending with its last letter, unless that is masked too) are compared,
        # from an index of them by length and those letters, built on use
        if len(word) not in self._initials:
            self._index_initials(len(word))
        last = "" if word[-1] in MASK_CHARS else word[-1]
        for e in self._initials[len(word)].get((word[0], last), ()):
            if all(c == t or c in MASK_CHARS for c, t in zip(word, e[WORDS][0], strict=True)):
                yield e


_K = TypeVar("_K")


def _entries(index: dict[_K, list[Entry]], key: _K) -> list[Entry]:
    """Return the entries of ``key``, decoding them once if they are still stored bytes."""
    got: list[Entry] | bytes = index[key]
    if isinstance(got, bytes):
        decoded: list[Entry] = marshal.loads(got)
        index[key] = decoded
        return decoded
    return got


def _stored(entries: list[Entry] | bytes) -> bytes:
    """Return ``entries`` as ``marshal`` bytes (as they are, if not decoded since loading)."""
    return entries if isinstance(entries, bytes) else marshal.dumps(entries)


def _merge(first: dict[_K, list[Entry]], second: dict[_K, list[Entry]]) -> dict[_K, list[Entry]]:
    merged = dict(first)
    for key in second:
        merged[key] = (
            _entries(merged, key) + _entries(second, key) if key in merged else second[key]
        )
    return merged


def _hit(e: Entry, tokens: Sequence[Token], first: int, last: int, alt: bool) -> Hit:
    t0, t1 = tokens[first], tokens[last - 1]
    # tuple.__new__ builds the same Hit as Hit(...) without a Python-level call (see tokenize)
    return _new_tuple(
        Hit, (e[OWNER], e[TERM], first, last, t0.start, t1.end, t0.sentence, e[DISGUISED] or alt)
    )


_new_tuple = tuple.__new__


def _keys(tok: Token) -> tuple[str, ...]:
    """Return the forms a token can match as: as written, decoded, and with doubles squeezed."""
    if tok.alt == tok.norm:
        return (tok.norm,)
    squeezed = _DOUBLE.sub(r"\1", tok.alt)
    return (tok.norm, tok.alt, squeezed) if squeezed != tok.alt else (tok.norm, tok.alt)


def _match_rest(words: tuple[str, ...], tokens: Sequence[Token], i: int) -> int:
    j = i + 1
    for w in words[1:]:
        if j >= len(tokens):
            return 0
        t = tokens[j]
        if (w != t.norm and w != t.alt) or t.sentence != tokens[i].sentence:
            return 0
        j += 1
    return j


_OWNER_LAST = itemgetter(0, 3)
"""A hit's owner and last token: with its first token, what makes it the same hit."""


def _dedupe_round(hits: list[Hit], mark: int) -> None:
    """Drop the repeats among ``hits[mark:]``, hits that share their first token: keep the
    first of each owner and last token.

    Done for each token's hits as they are found rather than once over the whole list: a
    long draft has a hundred thousand hits, and hashing them all cost more than the scan
    spent finding the few thousand repeats.
    """
    found = hits[mark:]
    keys = list(map(_OWNER_LAST, found))
    if len(set(keys)) == len(keys):
        return
    seen: set[tuple[str, int]] = set()
    out = []
    for h, key in zip(found, keys, strict=True):
        if key not in seen:
            seen.add(key)
            out.append(h)
    hits[mark:] = out


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Return the English words no disguise may be read into (scripts/build_wordlist.py)."""
    path = Path(__file__).parent / "data" / "english_words.txt"
    try:
        return frozenset(path.read_text(encoding="utf-8").split())
    except OSError:
        return frozenset()
