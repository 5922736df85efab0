"""Turn raw social text into tokens a checklist can match, undoing common disguises.

A token keeps its offsets in the original string, so findings point at what the user wrote.
Handled here: case, curly apostrophes, hashtags and camelCase (#ToxicCulture -> toxic, culture),
elongations (soooo), leetspeak (sh1t), masked letters (f*ck, f**k), spaced or dotted letters
(f u c k, f.u.c.k). Inflections and dropped/swapped letters are handled by the lexicon, which
expands its terms once at load time.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import NamedTuple

LEET = str.maketrans(
    {
        "0": "o",
        "1": "i",
        "3": "e",
        "4": "a",
        "5": "s",
        "7": "t",
        "@": "a",
        "$": "s",
        "!": "i",
        "|": "l",
    }
)
MASK_CHARS = "*#%_-"

_END = r"(?=[\s,;:?)\]\"”]|[.!]+(?:\s|$)|$)"
# Possessive runs (++): a shorter run of letters is always followed by a letter, which cannot
# end a word, so trying one when the lookahead fails (as at "don't") only wastes time
_WORD = re.compile(
    rf"(?P<plain>[^\W\d_]++){_END}|(?P<mention>@\w++){_END}|[#@]?[\w*$'’@!|][\w*$@!|'’.\-]*"
)
_CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_ELONG = re.compile(r"(.)\1{2,}")
_TRIPLE = re.compile(r"(.)\1\1")  # finds what _ELONG finds, twice as fast: for "is there any"
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)|\n\s*\n|\n")
_LETTERS = re.compile(r"[a-z]")
_CONTRACTIONS = frozenset({"ll", "re", "ve", "d", "m", "s", "t"})


class Token(NamedTuple):
    """A word of the text: where it is, its plain form and, if different, its decoded form."""

    # A NamedTuple rather than a frozen dataclass: just as immutable, but a frozen dataclass
    # sets each field through object.__setattr__, and a post has tens of tokens, so building
    # them cost as much as all the rest of tokenizing.

    start: int
    end: int
    norm: str
    """Lowercase, apostrophes unified, surrounding punctuation stripped."""
    alt: str
    """The de-obfuscated form (leetspeak, elongation); equal to ``norm`` when nothing changed."""
    sentence: int
    masked: bool = False
    """True when letters were hidden by mask characters (f*ck); matched against the lexicon."""
    mention: bool = False
    hashtag: bool = False


MAX_SENTENCE = 400
"""Characters after which a run-on sentence is cut at the next space: every check that looks at
a sentence as context then costs a bounded amount, so scoring stays linear in text length."""


def sentence_bounds(text: str) -> list[int]:
    """Return the end offsets of the sentences of ``text`` (the last is ``len(text)``)."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    if not ends or ends[-1] != len(text):
        ends.append(len(text))
    start = 0
    out: list[int] = []
    for end in ends:
        while end - start > MAX_SENTENCE:
            cut = text.find(" ", start + MAX_SENTENCE, end)
            if cut < 0:
                break
            out.append(cut + 1)
            start = cut + 1
        out.append(end)
        start = end
    return out


def tokenize(text: str, ends: list[int] | None = None) -> list[Token]:
    """Split ``text`` into tokens with offsets, sentence numbers and decoded forms.

    ``ends``: the text's ``sentence_bounds``, when the caller has them already.
    """
    if ends is None:
        ends = sentence_bounds(text)
    last = len(ends) - 1
    tokens: list[Token] = []
    append = tokens.append
    # Token(...) is a Python function that fills in the defaults; tuple.__new__ with every
    # field builds the same Token twice as fast, and a post has tens of tokens.
    new = tuple.__new__
    sentence = 0
    singles = 0
    elongated = _TRIPLE.search(text) is not None
    lower = _whole_lower(text)
    for m in _WORD.finditer(text):
        start, end = m.span()
        while sentence < last and start >= ends[sentence]:
            sentence += 1
        kind = m.lastgroup
        if kind == "plain":  # the common case: letters only, nothing to strip or split
            low = lower[start:end] if lower else m.group().lower()
            if not elongated:
                append(new(Token, (start, end, low, low, sentence, False, False, False)))
                singles += end - start == 1
            else:
                # All _add_word and _decoded would do to letters alone is squeeze "soooo"
                alt = _ELONG.sub(r"\1\1", low) if len(low) > 3 and _TRIPLE.search(low) else low
                append(new(Token, (start, end, low, alt, sentence, False, False, False)))
                singles += len(low) == 1
        elif kind == "mention":
            low = m.group().lower()
            append(new(Token, (start, end, low, low, sentence, False, True, False)))
        else:
            _add_word(tokens, m.group(), start, sentence)
            singles += len(tokens[-1].norm) == 1 if tokens else 0
    return join_spaced(tokens, text) if singles >= 3 else tokens


def _whole_lower(text: str) -> str:
    """Return ``text.lower()`` when each word's lowercase is its slice of it, else "".

    One lower() for the whole text instead of one per word. A letter's lowercase depends on
    its neighbours only for the Greek capital sigma (final "ς" or "σ"), and only a few letters
    ("İ") lower to two characters: without a sigma, a lowercase as long as the text maps
    character to character. A long draft with one emoji or accent is no longer lowered a
    word at a time (~30 ms of a 1 MB draft).
    """
    if text.isascii():
        return text.lower()
    if "Σ" in text:
        return ""
    lower = text.lower()
    return lower if len(lower) == len(text) else ""


def _add_word(tokens: list[Token], word: str, start: int, sentence: int) -> None:
    raw = word.rstrip(".'’-!")
    lead = len(raw) - len(raw.lstrip(".'’-"))
    raw = raw[lead:]
    start += lead
    if not raw:
        return
    if raw[0] == "#" and len(raw) > 1:
        _add_hashtag(tokens, raw, start, sentence)
        return
    if raw[0] == "@" and len(raw) > 1 and raw[1:2].isalnum():
        tokens.append(
            Token(start, start + len(raw), raw.lower(), raw.lower(), sentence, mention=True)
        )
        return
    if "." in raw and not _is_dotted_letters(raw):
        # "word.word" without a space: split, but keep abbreviations like "e.g" whole
        offset = 0
        for part in raw.split("."):
            if part:
                _add_word(tokens, part, start + offset, sentence)
            offset += len(part) + 1
        return
    norm = raw.lower().replace("’", "'")
    if _is_dotted_letters(raw):
        norm = norm.replace(".", "")
    elif _is_hyphenated_letters(norm):
        # Letters spelled out one by one ("D-I-Y", "f-u-c-k"), not a word with letters hidden
        # behind masks: "d-i-y" must not read as "deity".
        tokens.append(Token(start, start + len(raw), norm, norm.replace("-", ""), sentence))
        return
    tokens.append(_decoded(start, start + len(raw), norm, sentence))


def _is_dotted_letters(raw: str) -> bool:
    parts = raw.split(".")
    return len(parts) >= 3 and all(len(p) == 1 for p in parts if p)


def _is_hyphenated_letters(word: str) -> bool:
    parts = word.split("-")
    return len(parts) >= 3 and all(len(p) == 1 and p.isalpha() for p in parts)


def _decoded(start: int, end: int, norm: str, sentence: int) -> Token:
    alt = norm[:-2] if norm.endswith("'s") and len(norm) > 3 else norm
    masked = False
    if not alt.isalpha():
        stripped = alt.replace("'", "")
        if stripped.isalpha():
            # "he'll" is not "hell": keep contractions whole; drop other apostrophes (f'ing)
            alt = alt if alt.rpartition("'")[2] in _CONTRACTIONS else stripped
        elif _LETTERS.search(stripped) and not stripped.isdigit():
            inner = stripped[1:-1]
            if stripped[0].isalpha() and any(c in MASK_CHARS for c in inner):
                masked = True
                alt = stripped
            else:
                alt = stripped.translate(LEET)
    if len(alt) > 3 and _TRIPLE.search(alt):
        alt = _ELONG.sub(r"\1\1", alt)
    return Token(start, end, norm, alt, sentence, masked=masked)


def _add_hashtag(tokens: list[Token], raw: str, start: int, sentence: int) -> None:
    body = raw[1:]
    whole = body.lower()
    tokens.append(Token(start, start + len(raw), whole, whole, sentence, hashtag=True))
    parts = list(_CAMEL.finditer(body))
    if len(parts) > 1:
        for p in parts:
            s = start + 1 + p.start()
            tokens.append(_decoded(s, s + len(p.group()), p.group().lower(), sentence))


def join_spaced(tokens: list[Token], text: str) -> list[Token]:
    """Add a joined token for runs of 3+ single letters separated by spaces ("f u c k").

    Three letters stay letters too, after the joined token as a hashtag's parts do: "u r a
    liar" is "you are a liar" more often than a word "ura" spelled out.

    A run is a sequence of one-letter tokens in a row, each at most two characters after the
    one before and in the same sentence. The runs are found among the one-letter tokens alone,
    and the tokens between them are copied in slices: a long text is mostly longer words.
    """
    letters = [i for i, tok in enumerate(tokens) if len(tok.norm) == 1 and tok.norm.isalpha()]
    out: list[Token] = []
    done = 0  # tokens before this index are in ``out``
    k = 0
    while k < len(letters):
        first = last = letters[k]
        k += 1
        while k < len(letters) and letters[k] == last + 1:
            before, tok = tokens[last], tokens[last + 1]
            if tok.start - before.end > 2 or tok.sentence != before.sentence:
                break
            last += 1
            k += 1
        if last - first < 2:
            continue
        run = tokens[first : last + 1]
        out.extend(tokens[done:first])
        word = "".join(t.norm for t in run)
        out.append(Token(run[0].start, run[-1].end, word, word, run[0].sentence))
        if len(run) >= 4 and word[0] in "ai":
            # "a w a s t e", "i h a t e": the article or pronoun may stand apart, so the
            # rest is a word too (kept after the whole, as a hashtag keeps its parts)
            rest = word[1:]
            out.append(Token(run[1].start, run[-1].end, rest, rest, run[0].sentence))
        if len(run) == 3:
            out.extend(run)
        done = last + 1
    out.extend(tokens[done:])
    return out


class LineIndex:
    """Answer many offset -> (line, col) questions about one text quickly."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def __call__(self, offset: int) -> tuple[int, int]:
        """Return the 1-based line and column of ``offset``."""
        i = bisect_right(self.starts, offset) - 1
        return i + 1, offset - self.starts[i] + 1
