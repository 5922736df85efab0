"""Decide cheaply which pattern rules can match a text, before any of their regexes runs.

A pattern rule may carry a ``prefilter``: a regex that every match of its patterns contains.
Searching each text with dozens of them cost more than the patterns they guard, so the common
shapes are answered without a regex search:

* a prefilter made only of literal alternatives (``(?i)dob|birth|born``) becomes substring
  tests, and a text is first asked, with one set intersection, whether it holds any literal's
  first three characters at all;
* a prefilter whose every match starts with a digit (``\\d{4}``) is skipped, with all others
  like it, by one digit search per text.

Everything a gate asks of a text (its lowercase form, whether it has a digit, its 3-character
substrings) is worked out once per text in a :class:`Probe`, and only when first asked.

A gate speaks for a group of patterns, so it often opens for a piece of text that none of them
can match. :func:`needle` reads a pattern itself for the literal strings one of which every
match must contain ("spent", "wasted" or "spend" for ``\\b(?:spent|wasted|spend)\\s+...``);
a piece without any of them is not searched with that pattern.
"""

from __future__ import annotations

import _sre  # type: ignore[import-not-found]
import re
from array import array
from functools import cache, lru_cache
from re import _compiler as sre_compile  # type: ignore[attr-defined]
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any, NamedTuple

_DIGIT = re.compile(r"\d")
_KEY = 3
"""Literals are looked up by their first ``_KEY`` characters."""
# One alternative of a literal prefilter: plain characters or escaped non-alphanumerics
_LITERAL = r"(?:[^\\.^$*+?{}\[\]|()]|\\[^A-Za-z0-9])+"
_LITERAL_PREFILTER = re.compile(rf"(?:\(\?i\))?{_LITERAL}(?:\|{_LITERAL})*")
_ALTERNATIVE = re.compile(_LITERAL)
_ESCAPE = re.compile(r"\\(.)")
# The only non-ASCII characters that re.IGNORECASE matches to an ASCII letter, or whose lower()
# holds one: dotted and dotless i, long s, the Kelvin sign
_FOLDS_TO_ASCII = re.compile("[\u0130\u0131\u017f\u212a]")


class Probe:
    """One text, with what the gates ask of it computed on first use."""

    __slots__ = ("_grams", "_has_digit", "ascii", "lower", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.ascii = text.isascii()
        # lower() finds an ASCII word exactly where re.IGNORECASE does, unless the text has
        # one of the few characters that fold to an ASCII letter ("ſ" matches "s"): those
        # texts are left to the regexes.
        exact = self.ascii or _FOLDS_TO_ASCII.search(text) is None
        self.lower = text.lower() if exact else None
        self._has_digit: bool | None = None
        self._grams: dict[bool, frozenset[str]] = {}

    @property
    def has_digit(self) -> bool:
        """Whether the text contains a ``\\d`` character."""
        if self._has_digit is None:
            self._has_digit = _DIGIT.search(self.text) is not None
        return self._has_digit

    def grams(self, hay: str, fold: bool) -> frozenset[str]:
        """Return the ``_KEY``-character substrings of ``hay`` (the lowercase text if ``fold``)."""
        found = self._grams.get(fold)
        if found is None:
            found = frozenset(map("".join, zip(*(hay[i:] for i in range(_KEY)), strict=False)))
            self._grams[fold] = found
        return found

    def holds(self, needle: Needle) -> bool:
        """Return False only when the text lacks all the needle's words (or all of a set of
        its ``others``)."""
        return self.sifts(Sieve.of(needle))

    def sifts(self, sieve: Sieve) -> bool:
        """Return False only when the text lacks all the words of one of the sieve's sets."""
        hay = self.lower if sieve.fold else self.text
        if hay is None:
            return True
        grams = self._grams.get(sieve.fold)  # the gates have usually asked for them already
        if grams is None:
            return all(any(word in hay for word in words) for words in sieve.words)
        for short, heads, by_head in sieve.sets:
            for word in short:
                if word in hay:
                    break
            else:
                # One set operation rules out the usual text, which holds none of the words'
                # first characters; another finds the few it holds: only those are searched for
                if heads.isdisjoint(grams):
                    return False
                for head in heads.intersection(grams):
                    if any(word in hay for word in by_head[head]):
                        break
                else:
                    return False
        return True


class Sieve(NamedTuple):
    """A needle's word sets, each split for the 3-character look-up (see ``Probe.sifts``)."""

    fold: bool
    words: tuple[tuple[str, ...], ...]
    """The needle's ``words``, then its ``others``."""
    sets: tuple[tuple[tuple[str, ...], frozenset[str], dict[str, tuple[str, ...]]], ...]
    """For each set: its words shorter than ``_KEY``, the first ``_KEY`` characters of the
    others, and the others by those characters."""

    @classmethod
    def of(cls, needle: Needle) -> Sieve:
        """Split the word sets of ``needle``."""
        words = (needle.words, *needle.others)
        sets = []
        for group in words:
            by_head: dict[str, tuple[str, ...]] = {}
            for word in group:
                if len(word) >= _KEY:
                    by_head[word[:_KEY]] = (*by_head.get(word[:_KEY], ()), word)
            short = tuple(word for word in group if len(word) < _KEY)
            sets.append((short, frozenset(by_head), by_head))
        return cls(needle.fold, words, tuple(sets))


@cache
def sieve(source: str, flags: int = 0) -> Sieve | None:
    """Return the sieve of the needle of the regex ``source``, or None if it has none."""
    found = needle(source, flags)
    return None if found is None else Sieve.of(found)


class Needle(NamedTuple):
    """Literal strings one of which every match of a pattern contains."""

    fold: bool
    """The pattern ignores case: ``words`` are ASCII and lowercase, looked for in the lower()."""
    words: tuple[str, ...]
    others: tuple[tuple[str, ...], ...] = ()
    """More sets of which every match contains one word each, asked only when ``words`` are
    there: "\\b(?:jews|muslims|...) are (?:animals|apes|...)" needs a word of both lists."""


@cache
def needle(source: str, flags: int = 0) -> Needle | None:
    """Return the literals every match of the regex ``source`` must contain, or None if unknown.

    Read from the parsed pattern, conservatively: a run of literal characters; a group or a
    repeat of at least once gives what its body gives; alternatives give the union of theirs
    (or nothing, if one of them gives nothing). Lookarounds, classes, optional parts and groups
    with their own flags give nothing. Of the candidates in a sequence the longest is kept;
    at the top level the next two strongest are kept as ``others``.
    Under IGNORECASE only ASCII literals count: ``lower()`` matches them as the regex does (the
    texts where it would not are those ``Probe.lower`` leaves as None).
    """
    try:
        parsed = sre_parse.parse(source, flags)
        fold = bool(parsed.state.flags & re.IGNORECASE)
        found = sorted(_candidates(parsed.data, fold), key=_strength, reverse=True)
    except (re.error, AttributeError, TypeError, ValueError):
        # The parsed form is the re module's own business: if a Python version shapes it
        # differently, the pattern simply has no needle and runs wherever its gate opens
        return None
    if not found:
        return None
    others = tuple(tuple(sorted(words)) for words in found[1:3])
    return Needle(fold, tuple(sorted(found[0])), others)


def _required(items: Any, fold: bool) -> frozenset[str] | None:
    """Return strings one of which every match of the parsed sequence ``items`` contains."""
    return max(_candidates(items, fold), key=_strength, default=None)


def _candidates(items: Any, fold: bool) -> list[frozenset[str]]:
    """Return sets of strings of which every match of the sequence ``items`` contains one each."""
    found: list[frozenset[str]] = []
    run: list[str] = []

    def consider(words: frozenset[str] | None) -> None:
        if words:
            found.append(words)

    for op, av in items:
        if op is sre.LITERAL and not (fold and av > 0x7F):
            run.append(chr(av).lower() if fold else chr(av))
            continue
        if run:
            consider(frozenset(["".join(run)]))
            run = []
        if op is sre.SUBPATTERN:
            _group, add_flags, del_flags, body = av
            if not add_flags and not del_flags:
                consider(_required(body.data, fold))
        elif op is sre.BRANCH:
            options = [_required(alternative.data, fold) for alternative in av[1]]
            if all(options):
                consider(frozenset().union(*options))  # type: ignore[arg-type]
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            low, _high, body = av
            if low >= 1:
                consider(_required(body.data, fold))
        elif op is sre.ATOMIC_GROUP:
            consider(_required(av.data, fold))
    if run:
        consider(frozenset(["".join(run)]))
    return found


def compile_hinted(source: str, flags: int = 0) -> re.Pattern[str]:
    """Compile ``source``, looking ahead for the characters a match can start with when the
    regex engine would not skip to them on its own: ``\\b(?=[jm])(?:jews|muslims)`` matches
    exactly where ``\\b(?:jews|muslims)`` does.

    A pattern that opens with an assertion (``\\b``, a look-behind) or, under IGNORECASE, with
    a choice of words gets no fast scan from the engine: at each position it enters every
    alternative in turn, ~300 µs for a hundred words over a 600-character piece. One class
    test of the first character rules most positions out (violence.intent does it by hand).
    The class holds the alternatives' own first characters under the same flags, so it admits
    exactly the characters they do. Patterns the engine already scans by a literal prefix or a
    character set, and patterns of any other shape, are compiled as written.
    """
    flags = int(flags)  # as re.compile does: RegexFlag arithmetic made compiling 2x slower
    hinted = _hinted(source, flags)
    if hinted is not None:
        try:
            compiled: re.Pattern[str] = sre_compile.compile(hinted, flags)
            return compiled
        except _PARSED_ERRORS:
            pass  # the parsed form is the re module's business: compile it as written
    return re.compile(source, flags)


def _hinted(source: str, flags: int) -> Any:
    """Return the parsed ``source`` with its first-character look-ahead (see compile_hinted),
    or None when it is to be compiled as written."""
    try:
        parsed = sre_parse.parse(source, flags)
        first = _first_chars(parsed.data)
        every = parsed.state.flags | flags
        if (
            first
            and all(c < 0x80 for c in first)
            and not sre_compile._get_literal_prefix(parsed, every)[0]
            and not sre_compile._get_charset_prefix(parsed, every)
        ):
            chars = [(sre.LITERAL, c) for c in sorted(first)]
            hint = sre_parse.SubPattern(parsed.state, [(sre.IN, chars)])
            parsed.data.insert(0, (sre.ASSERT, (1, hint)))  # 1: a look-ahead
            return parsed
    except _PARSED_ERRORS:
        pass  # the parsed form is the re module's business: compile the pattern as written
    return None


_PARSED_ERRORS = (re.error, AttributeError, TypeError, ValueError, IndexError)


Program = tuple[str | None, int, bytes, int, dict[str, int], tuple[str | None, ...]]
"""A compiled regex as data ``marshal`` can store: the arguments of ``_sre.compile``, with the
code as the bytes of an ``array('I')``."""


def program(source: str, flags: int = 0) -> Program:
    """Return what :func:`compile_hinted` compiles ``source`` to, as data (see ``Program``).

    A lint of a long draft meets most of the few hundred patterns and compiled them all on
    every run (~0.35 ms a pattern, 0.1 s); :func:`from_program` turns the stored result back
    into the same pattern in about 10 µs. The code is the running Python's own: whoever
    stores it keys it on ``sys.version``.
    """
    flags = int(flags)
    pattern, parsed = None, _hinted(source, flags)
    try:
        code = sre_compile._code(parsed, flags) if parsed is not None else None
    except _PARSED_ERRORS:
        code = None
    if code is None:
        pattern, parsed = source, sre_parse.parse(source, flags)
        code = sre_compile._code(parsed, flags)
    groupindex = dict(parsed.state.groupdict)
    indexgroup: list[str | None] = [None] * parsed.state.groups
    for name, i in groupindex.items():
        indexgroup[i] = name
    words = array("I", code).tobytes()
    groups = parsed.state.groups - 1
    return pattern, flags | parsed.state.flags, words, groups, groupindex, tuple(indexgroup)


def from_program(stored: Program) -> re.Pattern[str]:
    """Return the pattern :func:`program` described, without parsing or compiling it."""
    pattern, flags, words, groups, groupindex, indexgroup = stored
    code = array("I")
    code.frombytes(words)
    compiled: re.Pattern[str] = _sre.compile(
        pattern, flags, code.tolist(), groups, groupindex, indexgroup
    )
    return compiled


_ZERO_WIDTH = (sre.AT, sre.ASSERT, sre.ASSERT_NOT)


def _first_chars(items: Any) -> set[int] | None:
    """Return the characters every match of the parsed sequence ``items`` starts with (as
    written in the pattern, after any assertions), or None when they are not just literals."""
    i = 0
    while i < len(items) and items[i][0] in _ZERO_WIDTH:
        i += 1  # an assertion takes no character: the next item takes the first
    if i == len(items):
        return None
    op, av = items[i]
    if op is sre.LITERAL:
        return {av}
    if op is sre.SUBPATTERN:
        _group, add_flags, del_flags, body = av
        return None if add_flags or del_flags else _first_chars(body.data)
    if op is sre.BRANCH:
        found: set[int] = set()
        for alternative in av[1]:
            chars = _first_chars(alternative.data)
            if not chars:
                return None
            found |= chars
        return found
    return None


def _strength(words: frozenset[str]) -> tuple[int, int]:
    """Rank candidate literals: the shortest word as long as possible, then as few as possible."""
    return min(map(len, words)), -len(words)


_compiled = lru_cache(maxsize=None)(compile_hinted)
"""Compile a prefilter the first time a text needs its regex: most never do, and compiling all
of them cost a cold ``selfwatch lint`` about 25 ms."""


class Gate(NamedTuple):
    """A prefilter with cheaper tests in front of its regex."""

    source: str
    """The prefilter as written in the rule file."""
    needs_digit: bool
    """Every match of ``regex`` contains a digit."""
    fold: bool
    """The literals ignore case (they are stored in lowercase)."""
    literals: tuple[str, ...] | None
    """``regex`` matches exactly where one of these strings occurs; None when it is no list."""
    any_text: bool
    """The literals are ASCII or caseless (emoji), so lower() matches them in any text."""

    @property
    def regex(self) -> re.Pattern[str]:
        """The prefilter, compiled."""
        return _compiled(self.source)

    @classmethod
    def of(cls, source: str) -> Gate:
        """Work out the cheap tests the prefilter ``source`` allows."""
        # "\d" first, not optional ("\d?", "\d{0,2}") and no alternative without it
        needs_digit = (
            source.startswith("\\d")
            and "|" not in source
            and source[2:3] not in ("*", "?")
            and not source.startswith(("\\d{0", "\\d{,"))
        )
        fold = source.startswith("(?i)")
        if not _LITERAL_PREFILTER.fullmatch(source):
            return cls(source, needs_digit, fold, None, False)
        words = [_ESCAPE.sub(r"\1", w) for w in _ALTERNATIVE.findall(source.removeprefix("(?i)"))]
        literals = tuple(w.lower() if fold else w for w in words)
        any_text = all(w.isascii() or w.lower() == w.upper() for w in literals)
        return cls(source, needs_digit, fold, literals, any_text)

    def hay(self, probe: Probe) -> str | None:
        """Return the form of the text the literals are looked for in, or None to use the regex."""
        if self.literals is None:
            return None
        if not self.fold:
            return probe.text
        return probe.lower if probe.ascii or self.any_text else None

    def admits(self, probe: Probe) -> bool:
        """Return True when the prefilter matches the probed text (one gate; see GateSet)."""
        if self.needs_digit and not probe.has_digit:
            return False
        hay = self.hay(probe)
        if self.literals is not None and hay is not None:
            return any(word in hay for word in self.literals)
        # A long alternation searched with IGNORECASE costs ~10 µs a text: most texts lack
        # every literal one of which each match contains, and a set look-up tells
        found = sieve(self.source)
        if found is not None and not probe.sifts(found):
            return False
        return self.regex.search(probe.text) is not None


class GateSet:
    """All the gates of a checklist, answered together for one text.

    Asking each literal gate in turn cost about a microsecond a gate, and a checklist has
    dozens. Here the literals of every gate are indexed by their first ``_KEY`` characters, so
    one set intersection per text finds the few literals that can occur; the gates that have
    none are closed without being asked.
    """

    def __init__(self, gates: list[Gate | None]) -> None:
        self.gates = gates
        self._index: dict[bool, dict[str, list[tuple[int, str]]]] = {True: {}, False: {}}
        # Literals shorter than a look-up key ("@", "#") are tested directly
        self._short: list[tuple[int, bool, tuple[str, ...]]] = []
        self._always = [i for i, gate in enumerate(gates) if gate is None]
        # Gates a search decides: a digit check and the regex, or the regex alone; and, in a
        # text that is not ASCII, the case-ignoring literal gates lower() cannot answer
        regex = [i for i, g in enumerate(gates) if g is not None and g.literals is None]
        folded = [i for i, g in enumerate(gates) if g is not None and g.literals and g.fold]
        strict = [i for i in folded if not gates[i].any_text]  # type: ignore[union-attr]
        self._asked = {"ascii": regex, "lower": regex + strict, "none": regex + folded}
        self._skip = {key: frozenset(asked) for key, asked in self._asked.items()}
        for i, gate in enumerate(gates):
            literals = gate.literals if gate is not None and gate.literals is not None else ()
            short = tuple(w for w in literals if len(w) < _KEY)
            if short and gate is not None:
                self._short.append((i, gate.fold, short))
            for word in literals:
                if len(word) >= _KEY and gate is not None:
                    self._index[gate.fold].setdefault(word[:_KEY], []).append((i, word))
        self._keys = {fold: frozenset(index) for fold, index in self._index.items()}

    def opened(self, probe: Probe, found: set[int] | None = None) -> list[int]:
        """Return the numbers of the gates that admit the probed text, in order (None: always).

        Only the gates a search decides are asked one by one; the literal gates open from one
        look-up of the text's 3-character substrings (see ``_found``), so a text costs about
        the gates it opens, not all of them. ``found``: the gates whose indexed literals the
        text holds, when the caller has listed them already (see pieces.py).
        """
        kind = "ascii" if probe.ascii else "lower" if probe.lower is not None else "none"
        skip = self._skip[kind]
        found = self._found(probe) if found is None else found
        if kind != "ascii":
            found -= skip
        opened = [*self._always, *found]
        text, lower = probe.text, probe.lower
        for i, fold, words in self._short:
            if i in found or i in skip:
                continue
            hay = lower if fold else text
            if hay is not None and any(word in hay for word in words):
                opened.append(i)
        gates = self.gates
        for i in self._asked[kind]:
            if gates[i].admits(probe):  # type: ignore[union-attr]
                opened.append(i)
        opened.sort()
        return opened

    def literals(self) -> dict[bool, dict[str, set[int]]]:
        """Return the indexed literals (``_KEY`` characters or more) by case-folding, each with
        the numbers of the gates it opens."""
        found: dict[bool, dict[str, set[int]]] = {True: {}, False: {}}
        for fold, index in self._index.items():
            for entries in index.values():
                for i, word in entries:
                    found[fold].setdefault(word, set()).add(i)
        return found

    def _found(self, probe: Probe) -> set[int]:
        """Return the gates one of whose indexed literals occurs in the text."""
        found: set[int] = set()
        for fold, index in self._index.items():
            hay = probe.lower if fold else probe.text
            if hay is None or not index:
                continue
            for head in self._keys[fold].intersection(probe.grams(hay, fold)):
                for i, word in index[head]:
                    if i not in found and word in hay:
                        found.add(i)
        return found
