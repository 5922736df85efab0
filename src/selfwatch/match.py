"""Decide whether a post is about the watched person: find their names, then weigh the evidence.

Pure functions over values: no I/O, no clock.

Finding mentions
    Each post field (title, text, author, url) is *folded* before matching: Unicode NFKD with the
    combining marks dropped (``José`` and ``Jose`` meet), case-folded, typographic apostrophes and
    dashes made plain, and in URLs ``_`` and ``+`` read as spaces. ASCII fields (most of them)
    take a fast path that skips Unicode work. Offsets still point into the original field. A name
    matches on word boundaries ("Jane Doe" is not in "Jane Doestoevsky"), an umlaut spelt out
    or not ("Müller": "Mueller"), an apostrophe dropped or spaced ("O'Neill": "ONeill", "O
    Neill"), split by a title cut short ("Acme names Jane…" / "…Doe head of"), with any run
    of spaces
    or hyphens between its words ("Jane-Doe", "Jane  Doe"), a possessive after it ("Jane Doe's"),
    a middle initial before the last word ("Jane Q. Doe") and reversed ("Doe, Jane"); not as part
    of a double-barrelled name ("Jordan-Avery Smith", "Smith-Jordan Avery"). A two-word name
    is found in its Polish case forms too ("Tomaszem Kowalczykiem", "Anny Kowalskiej"): both
    words inflected, or the surname alone by an ending that makes no other name ("-iem",
    "-owi"; "Jana Smith" is Jana's, "Jane Browne" is a Browne). Initials ("J. Doe", "Jane D.",
    and surname first as citations write it, "Doe J", "González M.") are *weak* mentions. A
    first name alone never matches (but see ``identity``: beside the employer it may). Handles
    match with and without their leading ``@`` and inside links (``github.com/janedoe``), and a
    fediverse handle ``@user@instance`` also by its user part (only as ``@user`` when that part
    is just one of the person's names: "jane" alone is not a mention); so is a handle under a
    provider's domain (``siobhanux.bsky.social``: ``siobhanux``, unless that is just one of the
    names). The profile's email addresses and phone numbers are found anywhere, links included.

The weighing that turns mentions into a decision is in ``identity``; ``Mark`` and ``Feedback``
(what ``selfwatch me`` / ``notme`` recorded) live here, beside the keys they are remembered by.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, NamedTuple
from urllib.parse import urlsplit

from .model import Mention, Post, Profile

FieldName = Literal["title", "text", "author", "url"]
FIELDS: tuple[FieldName, ...] = ("title", "text", "author", "url")
MarkKind = Literal["me", "notme"]
Scope = Literal["post", "author", "site"]
Kind = Literal[
    "handle", "name", "username", "initials", "partial", "firstname", "email", "phone", "link"
]

WEIGHTS: dict[Kind, int] = {
    "email": 4, "phone": 4, "link": 4, "handle": 4, "name": 3, "username": 3, "partial": 3,
    "firstname": 2, "initials": 1,
}  # fmt: skip
SNIPPET_WIDTH = 60

PLATFORMS: frozenset[str] = frozenset(
    {
        "archive.org", "bing.com", "blogspot.com", "bsky.app", "facebook.com", "feedburner.com",
        "github.com", "google.com", "hnrss.org", "instagram.com", "lemmy.world",
        "linkedin.com", "mastodon.social", "medium.com", "msn.com", "quora.com", "redd.it",
        "reddit.com", "stackexchange.com", "stackoverflow.com", "substack.com", "t.co",
        "threads.net", "tiktok.com", "tumblr.com", "twitter.com", "wikipedia.org",
        "wordpress.com", "x.com", "yahoo.com", "ycombinator.com", "youtu.be", "youtube.com",
    }
)  # fmt: skip
"""Registrable hosts where many people post (aggregators included): never marked site-wide."""

_USER_SUBDOMAINS = frozenset(
    {"blogspot.com", "github.io", "medium.com", "netlify.app", "neocities.org", "pages.dev",
     "substack.com", "tumblr.com", "wordpress.com"}
)  # fmt: skip
_SECOND_LEVEL = frozenset(
    {"ac.uk", "co.uk", "gov.uk", "org.uk", "com.au", "net.au", "org.au", "co.nz", "co.jp",
     "co.in", "co.za", "com.br", "com.mx", "com.tr", "com.cn", "com.sg", "co.kr"}
)  # fmt: skip

_APOSTROPHES = "'’‘ʼ`´"
_DASHES = "-‐‑‒–—―−"
_NO_DECOMPOSITION = {"ł": "l", "ø": "o", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe"}
_NO_DECOMPOSITION |= {"ı": "i", "ħ": "h"}
SEP = r"[\s\-]+"
_INITIAL = r"[^\W\d_]"


@dataclass(frozen=True)
class Mark:
    """One recorded ``selfwatch me`` / ``notme``: the post, its author, site and lesson."""

    kind: MarkKind
    post_id: str
    author: str = ""
    """``author_key(post.author)``."""
    site: str = ""
    """``site_of(post.url)``."""
    scope: Scope = "post"
    """``author`` or ``site`` when the user asked for the mark to cover them."""
    words: tuple[str, ...] = ()
    """Folded words learned from the post (see ``feedback.learn``)."""


@dataclass(frozen=True)
class Feedback:
    """The reusable signals from a profile's marks: posts, words, authors and sites."""

    not_me_posts: frozenset[str] = frozenset()
    me_posts: frozenset[str] = frozenset()
    not_me_authors: frozenset[str] = frozenset()
    me_authors: frozenset[str] = frozenset()
    not_me_sites: frozenset[str] = frozenset()
    me_sites: frozenset[str] = frozenset()
    not_me_words: frozenset[str] = frozenset()
    me_words: frozenset[str] = frozenset()

    @classmethod
    def from_marks(cls, marks: Iterable[Mark]) -> Feedback:
        """Reduce marks, oldest first, so a later mark about a post, word, author or site wins.

        Authors and sites count only from marks scoped to them; platforms never site-wide.
        """
        posts: dict[str, MarkKind] = {}
        authors: dict[str, MarkKind] = {}
        sites: dict[str, MarkKind] = {}
        words: dict[str, MarkKind] = {}
        for mark in marks:
            posts[mark.post_id] = mark.kind
            if mark.scope == "author" and mark.author:
                authors[mark.author] = mark.kind
            if mark.scope == "site" and mark.site and mark.site not in PLATFORMS:
                sites[mark.site] = mark.kind
            for word in mark.words:
                words[word] = mark.kind

        def keys(table: dict[str, MarkKind], kind: MarkKind) -> frozenset[str]:
            return frozenset(k for k, v in table.items() if v == kind)

        return cls(
            keys(posts, "notme"),
            keys(posts, "me"),
            keys(authors, "notme"),
            keys(authors, "me"),
            keys(sites, "notme"),
            keys(sites, "me"),
            keys(words, "notme"),
            keys(words, "me"),
        )


NO_FEEDBACK = Feedback()


# --- folding -------------------------------------------------------------------------------


class Folded(NamedTuple):
    """A field folded for matching (a named tuple: four are made for every post checked)."""

    text: str
    origin: tuple[int, ...] | None
    """Index in the original string of each folded character; None when they are the same."""

    def span(self, start: int, end: int) -> tuple[int, int]:
        if self.origin is None:
            return start, end
        return self.origin[start], self.origin[end - 1] + 1


def _fold_char(ch: str, url: bool) -> str:
    if ch in _APOSTROPHES:
        return "'"
    if ch in _DASHES:
        return "-"
    if url and ch in "_+":
        return " "
    if ch.isascii():
        return ch.lower()
    out: list[str] = []
    for part in unicodedata.normalize("NFKD", ch):
        if not unicodedata.combining(part):
            out.extend(_NO_DECOMPOSITION.get(c, c) for c in part.casefold())
    return "".join(out)


class _FoldTable(dict[int, str]):
    """Each character's fold, worked out on first sight, then remembered."""

    def __init__(self, url: bool) -> None:
        super().__init__()
        self.url = url
        self.uneven: set[str] = set()
        """The characters seen that fold to none or to several ("æ" -> "ae")."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = _fold_char(chr(code), self.url)
        if len(folded) != 1:
            self.uneven.add(chr(code))
        return folded


_TEXT_TABLE, _URL_TABLE = _FoldTable(url=False), _FoldTable(url=True)


def _fold_ascii(value: str, url: bool) -> str:
    text = value.lower()
    if "`" in text:
        text = text.replace("`", "'")
    if url and ("_" in text or "+" in text):
        text = text.replace("_", " ").replace("+", " ")
    return text


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _fold_field(value: str, url: bool = False) -> Folded:
    if value.isascii():  # the common case: C-level passes, offsets unchanged
        text = value.lower()
        if "`" in text:
            text = text.replace("`", "'")
        if url and ("_" in text or "+" in text):
            text = text.replace("_", " ").replace("+", " ")
        return Folded(text, None)
    # Typographic quotes and dashes make much feed text non-ASCII: fold its ASCII stretches
    # at C speed and look the rest up character by character, remembered in a table; offsets
    # stay the same when every character folds to exactly one.
    table = _URL_TABLE if url else _TEXT_TABLE
    parts, pos = [], 0
    for m in _NON_ASCII.finditer(value):
        parts.append(_fold_ascii(value[pos : m.start()], url))
        parts.append("".join([table[ord(c)] for c in m.group()]))
        pos = m.end()
    parts.append(_fold_ascii(value[pos:], url))
    if table.uneven.isdisjoint(value):
        return Folded("".join(parts), tuple(range(len(value))))
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(value):
        folded = _fold_char(ch, url)
        chars.append(folded)
        origin.extend([i] * len(folded))
    return Folded("".join(chars), tuple(origin))


def fold(value: str) -> str:
    """Return ``value`` folded for comparison: no accents, case-folded, plain punctuation."""
    return _fold_field(value).text


def author_key(author: str) -> str:
    """Return the form an author is remembered by in feedback (folded, spaces collapsed)."""
    return " ".join(fold(author).split())


def site_of(url: str) -> str:
    """Return the registrable host of ``url`` ("news.bbc.co.uk" -> "bbc.co.uk"), or "".

    Hosts that give each user a subdomain keep it ("jane.github.io", "jane.substack.com").
    """
    try:
        host = (urlsplit(url).hostname or "").rstrip(".")
    except ValueError:
        return ""
    labels = host.split(".")
    if len(labels) <= 2 or host.replace(".", "").isdigit():
        return host
    keep = 3 if ".".join(labels[-2:]) in _SECOND_LEVEL else 2
    if ".".join(labels[-keep:]) in _USER_SUBDOMAINS:
        keep += 1
    return ".".join(labels[-keep:])


# --- the patterns for one profile -------------------------------------------------------------

_Accept = Callable[[str, int, int], bool]


def _always(value: str, start: int, end: int) -> bool:
    return True


_WORD_BEFORE = re.compile(r"(\w+)\s+$")
_CHAR_AFTER = re.compile(r"\s+(\w)")
_JOINED_BEFORE = re.compile(r"\w[\-‐‑]$")
_HYPHEN = re.compile(r"[\-‐‑]")
_CAPITAL_AFTER = re.compile(r"[\-‐‑]?\s*[A-Z][a-z]")
_JOINED_AFTER = re.compile(r"[\-‐‑]\w")


def _not_after_capital(value: str, start: int, end: int) -> bool:
    """Reject "Mary J. Doe" and "John Doe, Jane": a capitalised word just before is a name."""
    before = _WORD_BEFORE.search(value[:start])
    return not (before and before.group(1)[0].isupper())


def _not_before_capital(value: str, start: int, end: int) -> bool:
    """Reject "Jane D. Smith" and "Doe, Jane Smith": a capitalised word just after is a name."""
    after = _CHAR_AFTER.match(value, end)
    return not (after and after.group(1).isupper())


def _not_double_barrelled(value: str, start: int, end: int) -> bool:
    """Reject "Jordan-Avery Smith" and "Smith-Jordan Avery": the name is part of a longer one."""
    # "\w-" at the end (or before a final line break) needs only the last three characters.
    if _JOINED_BEFORE.search(value[max(0, start - 3) : start]):
        return False
    if _HYPHEN.search(value, start, end) and _CAPITAL_AFTER.match(value, end):
        return False
    return not _JOINED_AFTER.match(value, end)


def _alone(value: str, start: int, end: int) -> bool:
    """Accept "Doe, Jane" unless it sits inside a list of names; "Doe, Jane Q. Title" is fine."""
    if not _not_after_capital(value, start, end):
        return False
    return value[end - 1] == "." or _not_before_capital(value, start, end)


@dataclass(frozen=True)
class _Pattern:
    label: str
    kind: Kind
    regex: re.Pattern[str]
    accept: _Accept = _always
    key: str = ""
    """A folded string every match contains: a field without it cannot match."""
    instance: str = ""
    """A fediverse handle's instance: its user part in a link counts only on that host."""
    fallback: bool = False
    """Looked for only in a field where no full name was found (a surname first, a first name
    beside the employer): there it could add nothing, and most posts name the person in full."""


def name_tokens(name: str) -> list[str]:
    return [t for t in re.split(SEP, fold(name).strip()) if t]


def bounded(body: str, lead: str = "") -> re.Pattern[str]:
    """Compile ``body`` to match on word boundaries only.

    ``lead``, an escaped literal ``body`` starts with, is matched first and the boundary checked
    behind it: the same matches, found by the regex engine's fast literal search instead of a
    lookbehind tried at every character (3x faster on a post).
    """
    if lead and body.startswith(lead):
        return re.compile(rf"{lead}(?<!\w{lead}){body[len(lead) :]}(?!\w)")
    return re.compile(rf"(?<!\w){body}(?!\w)")


# Polish (and other Slavic) names take case endings: "z Tomaszem Kowalczykiem", "Tomasza
# Kowalczyka", "Anny Kowalskiej", "Kowalskiego". The endings, as folded text spells them
# ("ą" and "ę" lose their marks), after a stem: the name itself, or less its last vowel.
_CONSONANT_ENDINGS = ("a", "u", "owi", "em", "iem", "ie", "owie", "ow", "om")
_VOWEL_ENDINGS = ("a", "y", "i", "ii", "ie", "e", "o")
_ADJECTIVE_ENDINGS = {"i": ("iego", "iemu", "im"), "a": ("iej", "ej")}
_SHORT_ENDINGS = frozenset({"a", "u", "y", "i", "e", "o", "ie", "ii"})
"""Endings that may also make another name ("Jan" -> "Jana", "Brown" -> "Browne"): the
surname takes one only when the first name is inflected too."""


def inflections(token: str) -> tuple[tuple[str, str], ...]:
    """Return the (stem, ending) pairs of a folded name word's case forms, itself excepted.

    "kowalczyk" -> ("kowalczyk", "a"), ("kowalczyk", "iem"), ...; "anna" -> ("ann", "y"), ...;
    "kowalski" -> ("kowalsk", "iego"), .... A word ending in another vowel ("avery") has none.
    """
    if len(token) < 3 or not token.isalpha():
        return ()
    last = token[-1]
    if token.endswith(("ski", "cki", "ska", "cka")):
        return tuple((token[:-1], e) for e in _ADJECTIVE_ENDINGS[last])
    if last == "a":
        return tuple((token[:-1], e) for e in _VOWEL_ENDINGS if e != "a")
    if last in "eiouy":
        return ()
    forms = [(token, e) for e in _CONSONANT_ENDINGS]
    if len(token) > 4 and token[-2] == "e" and token[-3] not in "aeiouy":
        # a vowel that drops before an ending: "Marek" -> "Marka", "Paweł" -> "Pawła"
        forms += [(token[:-2] + last, e) for e in ("a", "u", "owi", "iem", "em")]
    return tuple(forms)


def _common_lead(stems: Iterable[str]) -> str:
    """Return the literal every stem starts with: leading a regex, the engine finds it fast."""
    found = iter(stems)
    lead = next(found, "")
    for stem in found:
        while not stem.startswith(lead):
            lead = lead[:-1]
    return lead


def _inflected(token: str, *, short: bool) -> str | None:
    """Return a regex for a name word's case forms (never the word itself), or None."""
    stems: dict[str, list[str]] = {}
    for stem, ending in inflections(token):
        if short or ending not in _SHORT_ENDINGS:
            stems.setdefault(stem, []).append(ending)
    if not stems:
        return None
    lead = _common_lead(stems)
    alts = [
        f"{re.escape(stem)}(?:{'|'.join(sorted(map(re.escape, ends), key=len, reverse=True))})"
        for stem, ends in stems.items()
    ]
    rest = [alt[len(re.escape(lead)) :] for alt in alts]
    return re.escape(lead) + (rest[0] if len(rest) == 1 else f"(?:{'|'.join(rest)})")


def _inflected_patterns(name: str, toks: list[str]) -> list[_Pattern]:
    """Return the full name in its case forms: both words inflected, or the surname by a long
    ending ("Tomasz Kowalczykiem"); never the first name alone ("Jana Smith" is Jana's)."""
    if len(toks) != 2:
        return []
    first, last = toks
    found = []
    both_first, both_last = _inflected(first, short=True), _inflected(last, short=True)
    if both_first and both_last:
        body = f"{both_first}{SEP}{both_last}"
        lead = re.escape(_common_lead(stem for stem, _ in inflections(first)))
        # Every stem keeps the word but its last two letters ("mar" of "Marek", "Marka").
        regex = bounded(body, lead)
        found.append(_Pattern(name, "name", regex, _not_double_barrelled, last[:-2]))
    long_last = _inflected(last, short=False)
    if long_last:
        body = f"{re.escape(first)}{SEP}{long_last}"
        regex = bounded(body, re.escape(first))
        found.append(_Pattern(name, "name", regex, _not_double_barrelled, first))
    return found


def _surname_first(value: str, start: int, end: int) -> bool:
    """Accept "González M" and "Kowalczyk T." only as written in a byline: both capitalised."""
    initial = value[end - 2] if value[end - 1] == "." else value[end - 1]
    return value[start].isupper() and initial.isupper() and _not_after_capital(value, start, end)


_UMLAUT_DIGRAPHS = {"ä": "ae", "ö": "oe", "ü": "ue"}


class _Token(NamedTuple):
    """One word of a name as a regex: ``lead`` is its literal start, ``key`` a literal part
    every spelling contains (a field without it is skipped)."""

    regex: str
    lead: str
    key: str


def _token(word: str) -> _Token:
    """Compile one word of a name: an umlaut may be spelt out ("Müller", "Mueller") and an
    apostrophe dropped or spaced ("O'Neill", "ONeill", "O Neill")."""
    pieces: list[tuple[str, bool]] = []  # (regex, whether it is literal)
    for ch in word:
        low = ch.lower()
        if low in _UMLAUT_DIGRAPHS:
            pieces.append((f"(?:{_fold_char(low, False)}|{_UMLAUT_DIGRAPHS[low]})", False))
        elif ch in _APOSTROPHES:
            pieces.append((r"['\s]?", False))
        else:
            pieces.append((re.escape(_fold_char(ch, False)), True))
    regex = "".join(p for p, _ in pieces)
    lead = "".join(p for p, _ in itertools.takewhile(lambda p: p[1], pieces))
    runs = "".join(p if literal else "\0" for p, literal in pieces).split("\0")
    key = max(runs, key=len).replace("\\", "")
    return _Token(regex, lead, key or fold(word))


def _tokens(name: str) -> list[_Token]:
    return [_token(w) for w in re.split(SEP, name.strip()) if w]


def _name_patterns(name: str) -> list[_Pattern]:
    words = name.split()
    toks = name_tokens(name)
    if not toks or len("".join(toks)) < 2:
        return []
    spelt = _tokens(name)
    esc = [t.regex for t in spelt]
    if len(esc) == 1:
        regex = bounded(esc[0], spelt[0].lead)
        return [_Pattern(name, "name", regex, _not_double_barrelled, spelt[0].key)]
    head, last = SEP.join(esc[:-1]), esc[-1]
    middle = rf"(?:{SEP}{_INITIAL}\.?)?"
    reversed_body = rf"{last}\s*,\s*{head}(?:{SEP}{_INITIAL}\.)?"
    found = [
        _Pattern(
            name,
            "name",
            bounded(f"{head}{middle}{SEP}{last}", spelt[0].lead),
            _not_double_barrelled,
            spelt[-1].key,
        ),
        _Pattern(name, "name", bounded(reversed_body, spelt[-1].lead), _alone, spelt[-1].key),
        *_inflected_patterns(name, toks),
    ]
    if toks[0][0].isalpha() and toks[-1][0].isalpha():
        first_initial = rf"{re.escape(toks[0][0])}(?:\.[\s\-]*|{SEP})"
        found.append(
            _Pattern(
                f"{words[0][0]}. {' '.join(words[1:])}",
                "initials",
                bounded(f"{first_initial}{SEP.join(esc[1:])}", re.escape(toks[0][0])),
                _not_after_capital,
                spelt[-1].key,
            )
        )
        found.append(
            _Pattern(
                f"{' '.join(words[:-1])} {words[-1][0]}.",
                "initials",
                bounded(rf"{head}{SEP}{re.escape(toks[-1][0])}\.?", spelt[0].lead),
                _not_before_capital,
                spelt[0].key,
            )
        )
        # Surname first, as citations and programmes list authors: "González M", "Kowalczyk T."
        found.append(
            _Pattern(
                f"{words[-1]} {words[0][0]}.",
                "initials",
                bounded(rf"{last}\s+{re.escape(toks[0][0])}\.?", spelt[-1].lead),
                _surname_first,
                spelt[-1].key,
                fallback=True,
            )
        )
    return found


_TITLE_BEFORE = re.compile(
    r"(?<!\w)(?:[Mm]rs?|M[sx]|Miss|Dr|Prof|Professor|Doctor|[Cc]oach|Sir)\.?\s+$"
)
_BESIDE = r"[^.!?\n]{0,25}?"
"""What may stand between a first name or surname and the employer: a few words, no sentence
end ("Erik from Norrsken Games", "Ms. Raman here (chem, Westlake High School)")."""


_ATTACHED_AFTER = re.compile(r"\s*[,(\-–—]|\s+(?:of|from|at|with)\s")
_INITIAL_BEFORE = re.compile(r"(?<!\w)\w\.?[\s\-]*$")


def _first_name_alone(value: str, start: int, end: int) -> bool:
    """Accept "Erik from ..." and "Erik, Anna and Lisa from ...", not "Erik Svensson from ..."."""
    return value[start].isupper() and _not_before_capital(value, start, end)


def _surname_alone(value: str, start: int, end: int) -> bool:
    """Accept "Ms. Raman (Westlake)" and "Kowalczyk (Globex)", not "Anna Kowalczyk (Globex)"."""
    if not value[end - 1 : end].isalpha() or not value[start:end].split()[-1][0].isupper():
        return False
    if _TITLE_BEFORE.search(value, max(0, start - 11), start):
        return True
    # Untitled, the employer must follow at once: "Kowalczyk (Globex)", not "Raman noodles at";
    # after an initial it is the initials' ("J. Doe, Acme Corp" weighs as initials).
    if _INITIAL_BEFORE.search(value, max(0, start - 4), start):
        return False
    return _not_after_capital(value, start, end) and bool(_ATTACHED_AFTER.match(value, end))


def _partial_patterns(profile: Profile) -> list[_Pattern]:
    """Return the first name, or the surname, beside a present employer ("Erik from Norrsken
    Games", "Ms. Raman (chem, Westlake High School)"): a partial mention, weaker than a name."""
    employers = [name_tokens(e) for e in profile.employers]
    firsts, lasts = {}, {}
    for name in profile.all_names:
        toks, words = name_tokens(name), name.split()
        if len(toks) > 1 and len(toks[0]) > 2 and len(toks[-1]) > 2:
            firsts[toks[0]], lasts[toks[-1]] = words[0], words[-1]
    found = []
    for toks in employers:
        if not toks:
            continue
        beside = rf"(?={_BESIDE}(?<!\w){SEP.join(map(re.escape, toks))}(?!\w))"
        for tok, word in firsts.items():
            regex = bounded(re.escape(tok) + beside, re.escape(tok))
            found.append(
                _Pattern(word, "firstname", regex, _first_name_alone, toks[0], fallback=True)
            )
        for tok, word in lasts.items():
            # "Ms. Raman": the title is looked for behind the match, so the surname leads.
            regex = bounded(re.escape(tok) + beside, re.escape(tok))
            found.append(_Pattern(word, "partial", regex, _surname_alone, toks[0], fallback=True))
    return found


def _handle_patterns(handle: str, names: set[str]) -> list[_Pattern]:
    bare = handle.strip().lstrip("@")
    if not bare:
        return []
    found = []
    for form in (f"@{bare}", bare):
        body = re.escape(fold(form))
        regex = re.compile(rf"(?<![\w@.]){body}(?![\w@])")
        found.append(_Pattern(handle, "handle", regex, key=fold(bare)))
    user = ""
    if "@" in bare:
        user = bare.split("@", 1)[0]
    elif bare.count(".") >= 2:  # a user under a provider's domain: "jane.bsky.social"
        user = bare.split(".", 1)[0]
        if fold(user) not in names and len(user) >= 3:
            for form in (f"@{user}", user):
                regex = re.compile(rf"(?<![\w@.]){re.escape(fold(form))}(?![\w@]|\.\w)")
                found.append(_Pattern(form, "username", regex, key=fold(user)))
        return found
    if user:
        # The same user part on another instance is another account ("mastodon.social/@jane"
        # is not "@jane@mastodon.ie"): in a link it counts only on the handle's own host.
        host = fold(bare.split("@", 1)[1])
        if fold(user) not in names and len(user) >= 3:
            for form in (f"@{user}", user):
                regex = re.compile(rf"(?<![\w@.]){re.escape(fold(form))}(?![\w@])")
                found.append(_Pattern(form, "username", regex, key=fold(user), instance=host))
        else:
            regex = re.compile(rf"(?<![\w@.])@{re.escape(fold(user))}(?![\w@])")
            found.append(_Pattern(f"@{user}", "username", regex, key=fold(user), instance=host))
    return found


def _patterns(profile: Profile) -> tuple[_Pattern, ...]:
    found: list[_Pattern] = []
    for name in profile.all_names:
        found.extend(_name_patterns(name))
    words = {t for name in profile.all_names for t in name_tokens(name)}
    found.extend(_partial_patterns(profile))
    for _, handle in profile.handles:
        found.extend(_handle_patterns(handle, words))
    # Variants repeat some forms ("Doe J" of "Jane Doe" and "Jane Q. Doe"); fallbacks go last.
    unique = {(p.kind, p.label, p.regex.pattern, p.instance, p.accept): p for p in found}
    found = sorted(unique.values(), key=lambda p: p.fallback)
    for email in profile.emails:
        if email.strip():
            key = fold(email.strip())
            regex = re.compile(rf"(?<![\w.+\-]){re.escape(key)}(?!\w)")
            found.append(_Pattern(email.strip(), "email", regex, key=key))
    return tuple(found)


@dataclass
class _Compiled:
    """Everything matching needs from one profile, built once: patterns, keys, phones."""

    profile: Profile
    patterns: tuple[_Pattern, ...]
    keys: tuple[str, ...]
    """Folded strings one of which every pattern's match contains: a field with none is skipped."""
    phones: Mapping[str, str]
    splits: tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...] = ()
    """(name, the first names ending a title, the surname opening a text): a name a feed
    split between its title and its text ("Initech names Jordan…" / "…Avery head of ...")."""
    namesakes: tuple[re.Pattern[str], re.Pattern[str]] | None = None
    """Another person of the surname ("anna kowalczyk") or of the first name ("erik svensson"),
    the word before or after in group 1: where one is named, a partial mention is not theirs."""
    own_words: frozenset[str] = frozenset()
    """The words of the person's names, and titles, that may stand by a partial mention."""


_COMPILED: dict[int, _Compiled] = {}
_ELLIPSIS = r"(?:…|\.\.\.)?"
_COURTESY = frozenset(
    {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "doctor", "coach", "sir"}
)
"""Titles that may stand before a surname alone ("Coach Raman (Westlake)"): no first name."""


def _split_patterns(name: str) -> tuple[str, re.Pattern[str], re.Pattern[str]] | None:
    spelt = _tokens(name)
    if len(spelt) < 2:
        return None
    head = SEP.join(t.regex for t in spelt[:-1])
    ends = re.compile(rf"(?<!\w){head}\s*{_ELLIPSIS}\s*$")
    opens = re.compile(rf"^\s*{_ELLIPSIS}\s*({spelt[-1].regex})(?!\w)")
    return name, ends, opens


def _compiled(profile: Profile) -> _Compiled:
    """Return the profile's compiled matchers, keyed by identity (hashing a Profile is not free)."""
    compiled = _COMPILED.get(id(profile))
    if compiled is None or compiled.profile is not profile:
        if len(_COMPILED) >= 64:
            _COMPILED.clear()
        compiled = _compile(profile)
        _COMPILED[id(profile)] = compiled
    return compiled


def _compile(profile: Profile) -> _Compiled:
    keys: set[str] = set()
    for name in profile.all_names:
        toks = name_tokens(name)
        if toks:
            spelt = _tokens(name)
            keys.add(spelt[-1].key)  # every full-name, reversed and initial form contains it...
            keys.add(spelt[0].key)  # ...except "Jane D.", which contains the first name
            keys.update(stem for stem, _ in inflections(toks[-1]))  # and "Kowalskiej"
    for _, handle in profile.handles:
        bare = fold(handle.strip().lstrip("@"))
        if "@" in bare:
            bare = bare.split("@", 1)[0]
        elif bare.count(".") >= 2:
            bare = bare.split(".", 1)[0]
        keys.add(bare)
    keys |= {fold(e.strip()) for e in profile.emails if e.strip()}
    phones = {_digits(p): p for p in profile.phones if len(_digits(p)) >= 7}
    splits = tuple(s for s in map(_split_patterns, profile.all_names) if s)
    names = [t for t in map(_tokens, profile.all_names) if len(t) > 1]
    namesakes = None
    if names and profile.employers:
        given = "|".join(dict.fromkeys(t[0].regex for t in names))
        family = "|".join(dict.fromkeys(t[-1].regex for t in names))
        namesakes = (
            re.compile(rf"(?<!\w)(\w+)[\s\-]+(?:{family})(?!\w)"),
            re.compile(rf"(?<!\w)(?:{given})[\s\-]+(\w+)"),
        )
    own = {t for n in profile.all_names for t in name_tokens(n)} | _COURTESY
    return _Compiled(
        profile, _patterns(profile), tuple(k for k in keys if k), phones, splits, namesakes,
        frozenset(own),
    )  # fmt: skip


# --- find_mentions -----------------------------------------------------------------------------


_CUT_HEAD = re.compile(r"^\S*\s")
_CUT_TAIL = re.compile(r"\s\S*$")


def _snippet(value: str, start: int, end: int) -> str:
    lo, hi = max(0, start - SNIPPET_WIDTH), min(len(value), end + SNIPPET_WIDTH)
    head, tail = value[lo:start], value[end:hi]
    if lo > 0:  # drop the cut word at either edge
        head = _CUT_HEAD.sub("", head, count=1)
    if hi < len(value):
        tail = _CUT_TAIL.sub("", tail, count=1)
    text = " ".join(f"{head}{value[start:end]}{tail}".split())
    return ("…" if lo > 0 else "") + text + ("…" if hi < len(value) else "")


_LINK_BEFORE = re.compile(r"(?:[\w\-]+\.)+[a-z]{2,}(?:/[\w.\-~]*)*?/(?:u/|user/|users/|@)?$")
_ANY_DIGITS = re.compile(r"\d")
_NOT_DIGITS = re.compile(r"\D+")
# "(?<![\w+])\+?\d..." with the first character matched before the lookbehind (found faster).
_PHONE = re.compile(r"(?:\+(?<![\w+]\+)\d|\d(?<![\w+]\d))[\d\s().\-]{5,}\d(?!\w)")


def _link(folded: str, value: str, start: int, end: int) -> str | None:
    """Return "github.com/janedoe" when a handle sits in a link's path, else None."""
    m = _LINK_BEFORE.search(folded[max(0, start - 80) : start])
    if not m:
        return None
    return value[start - len(m.group(0)) : end]


def _on_host(link: str, host: str) -> bool:
    """Tell whether a link ("mastodon.ie/@jane") is on ``host`` or one of its subdomains."""
    at = fold(link).split("/", 1)[0]
    return at == host or at.endswith(f".{host}")


def _field_mentions(
    field: FieldName, value: str, patterns: tuple[_Pattern, ...], folded: Folded
) -> list[tuple[Mention, Kind]]:
    candidates: list[tuple[int, int, int, str, Kind]] = []
    text = folded.text
    named = False
    for pattern in patterns:
        if pattern.key not in text:  # a cheap test that spares most regexes
            continue
        if pattern.fallback and (named or any(c[4] == "name" for c in candidates)):
            named = True
            continue
        # search() from the end of each match, as finditer() goes (no match is empty), without
        # building an iterator for the patterns that find nothing (most of them).
        m = pattern.regex.search(text)
        while m:
            start, end = folded.span(m.start(), m.end())
            m = pattern.regex.search(text, m.end())
            if not pattern.accept(value, start, end):
                continue
            label, kind = pattern.label, pattern.kind
            if kind in ("handle", "username") and folded.origin is None:
                link = _link(text, value, start, end)
                if link and pattern.instance and not _on_host(link, pattern.instance):
                    continue
                if link:
                    label, kind = link, "link"
            candidates.append((start, end, WEIGHTS[kind], label, kind))
    if not candidates:
        return []
    # Prefer strong, then long matches; drop any candidate overlapping one already taken.
    candidates.sort(key=lambda c: (-c[2], c[0] - c[1], c[0]))
    taken: list[tuple[int, int, str, Kind]] = []
    for start, end, _, label, kind in candidates:
        if all(end <= s or start >= e for s, e, _, _ in taken):
            taken.append((start, end, label, kind))
    return [
        (Mention(label, field, s, e, _snippet(value, s, e)), kind)
        for s, e, label, kind in sorted(taken, key=_first)
    ]


def _phones(field: FieldName, value: str, wanted: Mapping[str, str]) -> list[tuple[Mention, Kind]]:
    found: list[tuple[Mention, Kind]] = []
    # Any match ends with a phone's last seven digits (spaces, dashes, brackets between
    # them): a field whose digits never hold them has no phone of the person's.
    digits_only = _NOT_DIGITS.sub("", value)
    if not any(key[-7:] in digits_only for key in wanted):
        return found
    for m in _PHONE.finditer(value):
        digits = _digits(m.group(0))
        for key, phone in wanted.items():
            if len(digits) >= 7 and (key.endswith(digits) or digits.endswith(key[-10:])):
                s, e = m.span()
                found.append((Mention(phone, field, s, e, _snippet(value, s, e)), "phone"))
                break
    return found


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def _first(item: tuple[int, int, str, Kind]) -> int:
    return item[0]


def fold_post(post: Post) -> dict[FieldName, Folded]:
    return {
        "title": _fold_field(post.title),
        "text": _fold_field(post.text),
        "author": _fold_field(post.author),
        "url": _fold_field(post.url, url=True),
    }


def scan(
    post: Post, profile: Profile, folded: Mapping[FieldName, Folded]
) -> list[tuple[Mention, Kind]]:
    compiled = _compiled(profile)
    keys, patterns, phones = compiled.keys, compiled.patterns, compiled.phones
    found: list[tuple[Mention, Kind]] = []
    fields: tuple[tuple[FieldName, str], ...] = (
        ("title", post.title), ("text", post.text), ("author", post.author), ("url", post.url),
    )  # fmt: skip
    for field, value in fields:
        if not value:
            continue
        text = folded[field].text
        for key in keys:  # without one of them no pattern can match: skip them all
            if key in text:
                found.extend(_field_mentions(field, value, patterns, folded[field]))
                break
        if phones and field != "author" and _ANY_DIGITS.search(value):
            found.extend(_phones(field, value, phones))
    # (most posts name no one of the person's: nothing below is tried for them but a test of
    # the title's end, where a cut title shows an ellipsis)
    kinds = {k for _, k in found} if found else _NO_KINDS
    if "name" not in kinds and post.text and post.title.endswith(_CUT):
        found.extend(_split_name(post, compiled.splits, folded))
    if not _PARTIAL.isdisjoint(kinds) and _names_another(post, compiled, folded):
        found = [f for f in found if f[1] not in _PARTIAL]
    return found


def _names_another(post: Post, compiled: _Compiled, folded: Mapping[FieldName, Folded]) -> bool:
    """Tell whether a post names someone else of the person's surname or first name ("Anna
    Kowalczyk ... Kowalczyk (Globex) said"): then a partial mention may be theirs."""
    if compiled.namesakes is None:
        return False
    fields: tuple[tuple[FieldName, str], ...] = (("title", post.title), ("text", post.text))
    for field, value in fields:
        text = folded[field]
        for regex in compiled.namesakes:
            for m in regex.finditer(text.text):
                word = m.group(1)
                start, _ = text.span(*m.span(1))
                if word not in compiled.own_words and value[start : start + 1].isupper():
                    return True
    return False


_NO_KINDS: frozenset[Kind] = frozenset()
_PARTIAL: frozenset[Kind] = frozenset({"partial", "firstname"})
_CUT = ("…", "...", "… ", "... ")


def _split_name(
    post: Post,
    splits: tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...],
    folded: Mapping[FieldName, Folded],
) -> list[tuple[Mention, Kind]]:
    """Find a name a feed split between the end of its title and the start of its text."""
    title, text = folded["title"], folded["text"]
    for name, ends, opens in splits:
        at = opens.match(text.text)
        before = ends.search(title.text) if at else None
        if not (at and before):
            continue
        s, e = text.span(*at.span(1))
        b, _ = title.span(*before.span())
        # "Michael Jordan…" / "…Avery Johnson": the words are parts of other names.
        if (post.text[s].isupper() and _not_after_capital(post.title, b, b)
                and _not_before_capital(post.text, s, e)):  # fmt: skip
            return [(Mention(name, "text", s, e, _snippet(post.text, s, e)), "name")]
    return []


def find_mentions(post: Post, profile: Profile) -> tuple[Mention, ...]:
    """Find each name, handle, email and phone of ``profile`` in a post's four fields."""
    return tuple(m for m, _ in scan(post, profile, fold_post(post)))
