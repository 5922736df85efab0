"""Split words run together on purpose into the words a checklist knows.

Hateful posts run words together to slip past word lists ("immigrantsarevermin",
"#killallmuslims"). Hashtags in camelCase are split by the tokenizer; these are not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from operator import itemgetter
from typing import TYPE_CHECKING

from .lexicon import english_words
from .tokens import Token

if TYPE_CHECKING:
    from .load import Checklist


_NORM = itemgetter(2)
_ALT = itemgetter(3)
"""A token's ``norm`` and ``alt`` (a NamedTuple's fields by position: the fastest getters)."""


class Compounds:
    """Split words run together on purpose ("immigrantsarevermin", "#killallmuslims").

    Only a word that splits completely into known words, with a group of people and a hostile
    word among them, is split: "blackmail" and "jewellery" stay whole. The parts are added after
    the word, as a hashtag's parts are, so every rule sees them. The small words that hold such
    a compound together ("are", "all", "to") are the ``compound_glue`` concept.
    """

    MIN = 7
    KEEP = 50_000

    def __init__(
        self,
        groups: frozenset[str],
        hostile: frozenset[str],
        words: frozenset[str],
        nouns: frozenset[str] = frozenset(),
    ):
        self.groups, self.hostile, self.nouns = groups, hostile, nouns
        self.words = words | groups | hostile | nouns
        self.rule_words = self.words  # without the dictionary (see _split)
        # the first parts of a group's name split by a space ("Immi grants", "wo men")
        self.starts = {g[:k] for g in groups for k in range(2, len(g) - 1)}
        heads = sorted(groups, key=len, reverse=True)
        self.hint = re.compile("|".join(map(re.escape, heads))) if heads else None
        self.longest = max(map(len, self.words), default=0)
        self._known: dict[str, list[str]] = {}
        self._dictionary = False

    @classmethod
    def of(cls, checklist: Checklist, concepts: Mapping[str, tuple[str, ...]]) -> Compounds:
        """Build the splitter from the group concepts and the hate rules' single words."""

        def singles(terms: Iterable[str]) -> set[str]:
            return {t for t in terms if t.isalpha() and len(t) > 1}

        groups = singles(
            t
            for n in ("protected_group", "group_noun", "group_adjective")
            for t in concepts.get(n, ())
        )
        hostile = singles(
            t.split()[0]
            for r in checklist.rules
            if r.category == "hate" and r.target
            for t in r.terms
        )
        glue = {t for t in concepts.get("compound_glue", ()) if t.isalpha()}  # "i", "a" too
        # every word of a hostile phrase, so "mentallyill" splits into "mentally" + "ill"
        rest = singles(
            w for r in checklist.rules if r.category == "hate" and r.target for t in r.terms
            for w in t.split()[1:]
        )  # fmt: skip
        nouns = singles(concepts.get("person_noun", ()))
        words = nouns | glue | rest
        return cls(frozenset(groups), frozenset(hostile), frozenset(words), frozenset(nouns))

    def splits(self, word: str) -> list[str]:
        """Return the parts of ``word`` when it is a group and a hostile word run together.

        Answers are kept (up to ``KEEP`` words): long words recur, in a long draft as in a
        stream of posts, and most need a regex search to be told apart. Do not change the list.
        """
        found = self._known.get(word)
        if found is None:
            if len(self._known) >= self.KEEP:
                self._known.clear()
            found = self._known[word] = self._split(word)
        return found

    def _split(self, word: str) -> list[str]:
        if self.hint is None or word in self.words or not word.isalpha():
            return []
        if not self.hint.search(word):
            return []
        if not self._dictionary:
            # The dictionary's words too, so the rest of a run-together threat splits
            # ("gaysshouldbehanged", "sinktherefugeeboats"); a split still needs a group and a
            # hostile word among its parts. Read on the first word with a group in it: not on a
            # cold lint's path
            self._dictionary = True
            self.words = self.words | {w for w in english_words() if len(w) > 1}
            self.longest = max(map(len, self.words), default=0)
        # The fewest parts, and among as few the most words of a rule ("disabled are vermin",
        # not "disable dare vermin"): with the dictionary in, most runs split several ways
        special = self.groups | self.hostile
        best: list[tuple[int, int, list[str]] | None] = [(0, 0, [])] + [None] * len(word)
        for end in range(1, len(word) + 1):
            for start in range(max(0, end - self.longest), end):
                head = best[start]
                part = word[start:end]
                if head is None or part not in self.words:
                    continue
                option = (head[0] + 1, head[1] - (part in special), [*head[2], part])
                got = best[end]
                if got is None or option[:2] < got[:2]:
                    best[end] = option
        parts = best[-1][2] if best[-1] is not None else None
        if not parts or len(parts) < 2:
            return []
        if self.groups.isdisjoint(parts):
            return []
        # a group and a hostile word ("immigrantsarevermin"), or only a group's name run
        # together ("Blackpeople are ..."): the words around it are read as usual
        if self.hostile.isdisjoint(parts) and not (len(parts) == 2 and parts[1] in self.nouns):
            return []
        return parts

    def split(self, tokens: list[Token]) -> list[Token]:
        """Return ``tokens`` with the parts of glued words added after them, and a group's
        name split by a space ("Immi grants", "wo men") added whole after its second part."""
        return self.split_parts(tokens)[0]

    def split_parts(self, tokens: list[Token]) -> tuple[list[Token], list[tuple[Token, list[str]]]]:
        """Return what :meth:`split` returns and, for each glued word, the word and its parts
        (the patterns read them spaced out: see ``Engine._compound_patterns``)."""
        if self.hint is None:
            return tokens, []
        norms = list(map(_NORM, tokens))
        glued = self._glued(tokens, norms)
        joined = self._joined(tokens, norms)
        joined.update(self._spelled(tokens, norms))
        if not glued and not joined:
            return tokens, []  # the usual text: nothing run together, nothing to copy
        out: list[Token] = []
        for i, t in enumerate(tokens):
            out.append(t)
            offset = t.start + (1 if t.hashtag else 0)
            for part in glued.get(i, ()):
                out.append(Token(offset, offset + len(part), part, part, t.sentence))
                offset += len(part)
            if i in joined:
                out.append(joined[i])
        return out, [(tokens[i], parts) for i, parts in glued.items()]

    def _glued(self, tokens: list[Token], norms: list[str]) -> dict[int, list[str]]:
        """Return, by token index, the parts of each glued word (see :meth:`splits`).

        Each distinct word is asked once, and the tokens are looked at again only when one
        splits: a long draft has a few thousand distinct long words among 170,000 tokens.
        """
        least = self.MIN
        alts = list(map(_ALT, tokens))
        words = {
            a if a.isalpha() else n for a, n in zip(alts, norms, strict=True) if len(n) >= least
        }
        parts = {w: found for w in words if (found := self.splits(w))}
        if not parts:
            return {}
        return {
            i: parts[w]
            for i, (a, n) in enumerate(zip(alts, norms, strict=True))
            if len(n) >= least and (w := a if a.isalpha() else n) in parts
        }

    def _spelled(self, tokens: list[Token], norms: list[str]) -> dict[int, Token]:
        """Return, by the index of its last letter, each group's name or hostile word spelled
        out a letter at a time ("G a y people", "a b u r d e n")."""
        found: dict[int, Token] = {}
        count = len(tokens)
        # Only a one-letter token can begin a run: the others are passed over in one sweep
        letters = [i for i, n in enumerate(norms) if len(n) == 1]
        at = 0
        while at < len(letters):
            i = letters[at]
            at += 1
            t = tokens[i]
            if not t.norm.isalpha():
                continue
            j = i
            while (
                j + 1 < count
                and len(tokens[j + 1].norm) == 1
                and tokens[j + 1].norm.isalpha()
                and tokens[j + 1].start == tokens[j].end + 1
                and tokens[j + 1].sentence == t.sentence
            ):
                j += 1
            if j - i >= 2:
                word = "".join(tokens[k].norm for k in range(i, j + 1))
                if word in self.rule_words and len(word) > 2:
                    found[j] = Token(t.start, tokens[j].end, word, word, t.sentence)
            at += j - i  # the run's other letters begin no run of their own
        return found

    def _joined(self, tokens: list[Token], norms: list[str]) -> dict[int, Token]:
        """Return, by the index of its second part, each group's name split in two by a space."""
        found: dict[int, Token] = {}
        starts, groups = self.starts, self.groups
        last = len(tokens) - 1
        for i in [i for i, n in enumerate(norms) if n in starts]:
            a = tokens[i]
            if i >= last or a.norm in groups:
                continue
            b = tokens[i + 1]
            word = a.norm + b.norm
            near = b.start == a.end + 1 and b.sentence == a.sentence
            if near and word in groups and b.norm not in groups:
                found[i + 1] = Token(a.start, b.end, word, word, a.sentence)
        return found
