"""Decide whether a post is about the watched person: find their names, then weigh the evidence.

Pure functions over values: no I/O, no clock.

Finding mentions
    Each post field (title, text, author, url) is *folded* before matching: Unicode NFKD with the
    combining marks dropped (``José`` and ``Jose`` meet), case-folded, typographic apostrophes and
    dashes made plain, and in URLs ``_`` and ``+`` read as spaces. ASCII fields (most of them)
    take a fast path that skips Unicode work. Offsets still point into the original field. A name
    matches on word boundaries ("Jane Doe" is not in "Jane Doestoevsky"), with any run of spaces
    or hyphens between its words ("Jane-Doe", "Jane  Doe"), a possessive after it ("Jane Doe's"),
    a middle initial before the last word ("Jane Q. Doe") and reversed ("Doe, Jane"); not as part
    of a double-barrelled name ("Jordan-Avery Smith", "Smith-Jordan Avery"). Initials ("J. Doe",
    "Jane D.") are *weak* mentions. A first name alone never matches. Handles match with and
    without their leading ``@`` and inside links (``github.com/janedoe``), and a fediverse handle
    ``@user@instance`` also by its user part (only as ``@user`` when that part is just one of the
    person's names: "jane" alone is not a mention). The profile's email addresses and phone
    numbers are found anywhere, links included.

Weighing (``identify``)
    Every piece of evidence has a side and a weight, and ``score`` is their sum:

    ========================================  ======  ======================================
    evidence                                  weight  example
    ========================================  ======  ======================================
    email, phone, handle, handle in a link    +4      ``jane@example.com``, ``github.com/janedoe``
    full name or variant, plain username      +3      "Jane Doe", ``@jane`` (fediverse user part)
    initials only                             +1      "J. Doe", "Jane D."
    context term, employer (each, at most 3)  +1      "Portland", "Acme Corp"
    a word learned from ``me`` feedback       +1      (shares the cap of 3 with context)
    an author or site marked with --author    ±4      ``selfwatch notme ID --author``
    obituary; an age far from the person's    -3      "passed away", "Jane Doe, 19,"
    attached organisation/place/occupation    -2      "Duke's Jane Doe", "Tampa realtor Jane Doe"
    a sports report (unless in sports)        -2      "scored 22 points ... the playoffs"
    exclusion term (each)                     -2      a namesake's word from the config
    loose place or institution                -1      "Tsinghua University" elsewhere in the post
    a word learned from ``notme`` feedback    -1      at most -2 in all
    ========================================  ======  ======================================

    Only the best mention counts (a post naming the person twice is not twice as sure). Attached
    clues take at most -4 and loose ones -2; an occupation that differs from the person's is not
    held against a post that names their employer next to the name or two of their context terms
    (their job title may not be in the profile). See ``evidence`` for how clues are read. A score
    of 4 or more is ``me``, 2 or 3 ``maybe``, below 2 ``not_me``: a full name alone is ``maybe``,
    with one context term ``me``, with a clue about someone else ``not_me``. A post that mentions
    none of the names, handles, emails or phones is ``not_me`` ("name not found"): search engines
    return loose matches. The ``reason`` lists the evidence for, then "but" and the evidence
    against, so the digest and ``selfwatch show`` can say why.

Feedback
    ``selfwatch notme ID`` and ``selfwatch me ID`` are recorded as ``Mark`` values and reduced to
    a ``Feedback``. A mark decides its own post. What else it teaches is *evidence*, never a
    verdict: the words it learned (see ``feedback.learn``) weigh -1/+1, and an author- or
    site-wide mark (only when asked for with ``--author`` / ``--site``) weighs ±4, so a later post
    with stronger evidence the other way keeps its label. Sites where many people post (see
    ``PLATFORMS``: news.google.com, bing.com, reddit.com, hnrss.org, ...) never take a site-wide
    mark, and an author that is the person's own name or handle never takes an author-wide one.
    Posts from the person's own feeds are always ``me`` with role ``author``, unless that very
    post was marked not-me.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime
from functools import lru_cache
from typing import Literal
from urllib.parse import urlsplit

from . import evidence as clues
from .model import Confidence, Evidence, Identity, Mention, Post, Profile, Role

FieldName = Literal["title", "text", "author", "url"]
FIELDS: tuple[FieldName, ...] = ("title", "text", "author", "url")
MarkKind = Literal["me", "notme"]
Scope = Literal["post", "author", "site"]
Kind = Literal["handle", "name", "username", "initials", "email", "phone", "link"]

WEIGHTS: dict[Kind, int] = {
    "email": 4, "phone": 4, "link": 4, "handle": 4, "name": 3, "username": 3, "initials": 1,
}  # fmt: skip
CONTEXT_WEIGHT, CONTEXT_CAP, EXCLUSION_WEIGHT = 1, 3, 2
ATTACHED_WEIGHT, ATTACHED_CAP, LOOSE_WEIGHT, LOOSE_CAP = 2, 4, 1, 2
DEAD_WEIGHT, RULE_WEIGHT, LEARNED_WEIGHT, LEARNED_CAP = 3, 4, 1, 2
AGE_TOLERANCE = 5
ME_AT, MAYBE_AT = 4, 2
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
_SEP = r"[\s\-]+"
_INITIAL = r"[^\W\d_]"
_ASCII_URL = str.maketrans("_+`", "  '")
_ASCII_TEXT = str.maketrans("`", "'")


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


@dataclass(frozen=True)
class _Folded:
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


def _fold_field(value: str, url: bool = False) -> _Folded:
    if value.isascii():  # the common case: one C-level pass, offsets unchanged
        return _Folded(value.lower().translate(_ASCII_URL if url else _ASCII_TEXT), None)
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(value):
        folded = _fold_char(ch, url)
        chars.append(folded)
        origin.extend([i] * len(folded))
    return _Folded("".join(chars), tuple(origin))


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


def _not_after_capital(value: str, start: int, end: int) -> bool:
    """Reject "Mary J. Doe" and "John Doe, Jane": a capitalised word just before is a name."""
    before = re.search(r"(\w+)\s+$", value[:start])
    return not (before and before.group(1)[0].isupper())


def _not_before_capital(value: str, start: int, end: int) -> bool:
    """Reject "Jane D. Smith" and "Doe, Jane Smith": a capitalised word just after is a name."""
    after = re.match(r"\s+(\w)", value[end:])
    return not (after and after.group(1).isupper())


def _not_double_barrelled(value: str, start: int, end: int) -> bool:
    """Reject "Jordan-Avery Smith" and "Smith-Jordan Avery": the name is part of a longer one."""
    if re.search(r"\w[\-‐‑]$", value[:start]):
        return False
    if re.search(r"[\-‐‑]", value[start:end]) and re.match(r"[\-‐‑]?\s*[A-Z][a-z]", value[end:]):
        return False
    return not re.match(r"[\-‐‑]\w", value[end:])


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


def _tokens(name: str) -> list[str]:
    return [t for t in re.split(_SEP, fold(name).strip()) if t]


def _bounded(body: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){body}(?!\w)")


def _name_patterns(name: str) -> list[_Pattern]:
    words = name.split()
    toks = _tokens(name)
    if not toks or len("".join(toks)) < 2:
        return []
    esc = [re.escape(t) for t in toks]
    if len(esc) == 1:
        return [_Pattern(name, "name", _bounded(esc[0]), _not_double_barrelled)]
    head, last = _SEP.join(esc[:-1]), esc[-1]
    middle = rf"(?:{_SEP}{_INITIAL}\.?)?"
    reversed_body = rf"{last}\s*,\s*{head}(?:{_SEP}{_INITIAL}\.)?"
    found = [
        _Pattern(name, "name", _bounded(f"{head}{middle}{_SEP}{last}"), _not_double_barrelled),
        _Pattern(name, "name", _bounded(reversed_body), _alone),
    ]
    if toks[0][0].isalpha() and toks[-1][0].isalpha():
        first_initial = rf"{re.escape(toks[0][0])}(?:\.[\s\-]*|{_SEP})"
        found.append(
            _Pattern(
                f"{words[0][0]}. {' '.join(words[1:])}",
                "initials",
                _bounded(f"{first_initial}{_SEP.join(esc[1:])}"),
                _not_after_capital,
            )
        )
        found.append(
            _Pattern(
                f"{' '.join(words[:-1])} {words[-1][0]}.",
                "initials",
                _bounded(rf"{head}{_SEP}{re.escape(toks[-1][0])}\.?"),
                _not_before_capital,
            )
        )
    return found


def _handle_patterns(handle: str, names: set[str]) -> list[_Pattern]:
    bare = handle.strip().lstrip("@")
    if not bare:
        return []
    found = []
    for form in (f"@{bare}", bare):
        body = re.escape(fold(form))
        regex = re.compile(rf"(?<![\w@.]){body}(?![\w@])")
        found.append(_Pattern(handle, "handle", regex))
    if "@" in bare:
        user = bare.split("@", 1)[0]
        if fold(user) not in names and len(user) >= 3:
            for form in (f"@{user}", user):
                regex = re.compile(rf"(?<![\w@.]){re.escape(fold(form))}(?![\w@])")
                found.append(_Pattern(form, "username", regex))
        else:
            regex = re.compile(rf"(?<![\w@.])@{re.escape(fold(user))}(?![\w@])")
            found.append(_Pattern(f"@{user}", "username", regex))
    return found


def _patterns(profile: Profile) -> tuple[_Pattern, ...]:
    found: list[_Pattern] = []
    for name in profile.all_names:
        found.extend(_name_patterns(name))
    words = {t for name in profile.all_names for t in _tokens(name)}
    for _, handle in profile.handles:
        found.extend(_handle_patterns(handle, words))
    for email in profile.emails:
        if email.strip():
            body = re.escape(fold(email.strip()))
            found.append(
                _Pattern(email.strip(), "email", re.compile(rf"(?<![\w.+\-]){body}(?!\w)"))
            )
    return tuple(found)


@dataclass
class _Compiled:
    """Everything matching needs from one profile, built once: patterns, keys, terms."""

    profile: Profile
    patterns: tuple[_Pattern, ...]
    keys: tuple[str, ...]
    """Folded strings one of which every pattern's match contains: a field with none is skipped."""
    phones: Mapping[str, str]
    terms: _Terms
    person: _Terms | None = None


_COMPILED: dict[int, _Compiled] = {}


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
        toks = _tokens(name)
        if toks:
            keys.add(toks[-1])  # every full-name, reversed and initial form contains it...
            keys.add(toks[0])  # ...except "Jane D.", which contains the first name
    for _, handle in profile.handles:
        bare = fold(handle.strip().lstrip("@"))
        keys.add(bare.split("@", 1)[0] if "@" in bare else bare)
    keys |= {fold(e.strip()) for e in profile.emails if e.strip()}
    phones = {_digits(p): p for p in profile.phones if len(_digits(p)) >= 7}
    return _Compiled(
        profile, _patterns(profile), tuple(k for k in keys if k), phones, _terms(profile)
    )


# --- find_mentions -----------------------------------------------------------------------------


def _snippet(value: str, start: int, end: int) -> str:
    lo, hi = max(0, start - SNIPPET_WIDTH), min(len(value), end + SNIPPET_WIDTH)
    head, tail = value[lo:start], value[end:hi]
    if lo > 0:  # drop the cut word at either edge
        head = re.sub(r"^\S*\s", "", head, count=1)
    if hi < len(value):
        tail = re.sub(r"\s\S*$", "", tail, count=1)
    text = " ".join(f"{head}{value[start:end]}{tail}".split())
    return ("…" if lo > 0 else "") + text + ("…" if hi < len(value) else "")


_LINK_BEFORE = re.compile(r"(?:[\w\-]+\.)+[a-z]{2,}(?:/[\w.\-~]*)*?/(?:u/|user/|users/|@)?$")
_ANY_DIGITS = re.compile(r"\d")
_PHONE = re.compile(r"(?<![\w+])\+?\d[\d\s().\-]{5,}\d(?!\w)")


def _link(folded: str, value: str, start: int, end: int) -> str | None:
    """Return "github.com/janedoe" when a handle sits in a link's path, else None."""
    m = _LINK_BEFORE.search(folded[max(0, start - 80) : start])
    if not m:
        return None
    return value[start - len(m.group(0)) : end]


def _field_mentions(
    field: FieldName, value: str, patterns: tuple[_Pattern, ...], folded: _Folded
) -> list[tuple[Mention, Kind]]:
    candidates: list[tuple[int, int, int, str, Kind]] = []
    for pattern in patterns:
        for m in pattern.regex.finditer(folded.text):
            start, end = folded.span(m.start(), m.end())
            if not pattern.accept(value, start, end):
                continue
            label, kind = pattern.label, pattern.kind
            if kind in ("handle", "username") and folded.origin is None:
                link = _link(folded.text, value, start, end)
                if link:
                    label, kind = link, "link"
            candidates.append((start, end, WEIGHTS[kind], label, kind))
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
    found = []
    for m in _PHONE.finditer(value):
        digits = _digits(m.group(0))
        for key, phone in wanted.items():
            if len(digits) >= 7 and (key.endswith(digits) or digits.endswith(key[-10:])):
                s, e = m.span()
                found.append((Mention(phone, field, s, e, _snippet(value, s, e)), "phone"))
                break
    return found  # type: ignore[return-value]


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def _first(item: tuple[int, int, str, Kind]) -> int:
    return item[0]


def _fold_post(post: Post) -> dict[FieldName, _Folded]:
    return {f: _fold_field(getattr(post, f), url=f == "url") for f in FIELDS}


def _scan(
    post: Post, profile: Profile, folded: Mapping[FieldName, _Folded]
) -> list[tuple[Mention, Kind]]:
    compiled = _compiled(profile)
    found: list[tuple[Mention, Kind]] = []
    for field in FIELDS:
        value = getattr(post, field)
        if not value:
            continue
        text = folded[field].text
        if any(key in text for key in compiled.keys):  # else no pattern can match: skip them
            found.extend(_field_mentions(field, value, compiled.patterns, folded[field]))
        if compiled.phones and field != "author" and _ANY_DIGITS.search(value):
            found.extend(_phones(field, value, compiled.phones))
    return found


def find_mentions(post: Post, profile: Profile) -> tuple[Mention, ...]:
    """Find each name, handle, email and phone of ``profile`` in a post's four fields."""
    return tuple(m for m, _ in _scan(post, profile, _fold_post(post)))


# --- identify ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Terms:
    """A profile's terms, compiled once: what counts as context, what excludes, what is theirs."""

    context: tuple[tuple[str, re.Pattern[str]], ...]
    """(how it reads, e.g. "employer 'Initech'", regex on folded text)."""
    exclude: tuple[tuple[str, re.Pattern[str]], ...]
    phrases: tuple[str, ...]
    """The person's terms as folded words, to recognise their own places and organisations."""
    names: frozenset[str]
    fields: frozenset[str]
    surnames: tuple[re.Pattern[str], ...]
    home: frozenset[str] = dataclass_field(default_factory=frozenset)


def _term_regex(term: str) -> re.Pattern[str] | None:
    toks = _tokens(term)
    return _bounded(_SEP.join(re.escape(t) for t in toks)) if toks else None


def _terms(profile: Profile) -> _Terms:
    labelled = [("employer", t) for t in profile.employers]
    labelled += [("past employer", t) for t in profile.past_employers]
    labelled += [("context", t) for t in profile.context_terms]
    context, seen = [], set()
    for label, term in labelled:
        regex = _term_regex(term.strip())
        if regex and term.strip().lower() not in seen:
            seen.add(term.strip().lower())
            context.append((f"{label} '{term.strip()}'", regex))
    exclude = []
    for term in dict.fromkeys(t.strip() for t in profile.exclude_terms if t.strip()):
        regex = _term_regex(term)
        if regex:
            exclude.append((term, regex))
    terms = (*profile.context_terms, *profile.employers, *profile.past_employers)
    phrases = tuple(p for p in (clues.fold_words(t) for t in terms) if p)
    names = frozenset(w for n in profile.all_names for w in clues.fold_words(n).split())
    surnames = []
    for name in profile.all_names:
        words = name.split()
        if len(words) > 1 and len(words[-1]) > 2:
            surnames.append(re.compile(rf"(?<![\w\-]){re.escape(fold(words[-1]))}(?![\w\-])"))
    return _Terms(tuple(context), tuple(exclude), phrases, names, frozenset(), tuple(surnames))


def _person(profile: Profile) -> _Terms:
    """Return ``_terms`` with the person's fields and home regions (loads the place data)."""
    compiled = _compiled(profile)
    if compiled.person is None:
        compiled.person = _with_home(compiled.terms)
    return compiled.person


def _with_home(terms: _Terms) -> _Terms:
    words = {w for p in terms.phrases for w in p.split()}
    fields = frozenset(f for f in (clues.field_of(w) for w in words) if f)
    home: set[str] = set()
    for phrase in terms.phrases:
        home |= clues.regions_of(phrase, dominant=True)
    return _Terms(
        terms.context, terms.exclude, terms.phrases, terms.names, fields, terms.surnames,
        frozenset(home),
    )  # fmt: skip


@lru_cache(maxsize=16)
def _word_regex(words: frozenset[str]) -> re.Pattern[str] | None:
    if not words:
        return None
    body = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)")


def _describe(mention: Mention, kind: Kind, profile: Profile) -> str:
    if kind == "name":
        if fold(mention.variant) == fold(profile.name):
            return "full name"
        return f"name variant '{mention.variant}'"
    names = {"link": "handle in a link", "initials": "initials"}
    return f"{names.get(kind, kind)} '{mention.variant}'"


def _is_theirs(phrase: str, terms: _Terms) -> bool:
    """Tell whether a place or organisation is one of the person's own (or a part of one)."""
    folded = clues.fold_words(phrase)
    if not folded or set(folded.split()) <= terms.names:
        return True
    padded = f" {folded} "
    return any(f" {p} " in padded or padded in f" {p} " for p in terms.phrases)


def _weigh(
    post: Post,
    profile: Profile,
    found: list[tuple[Mention, Kind]],
    folded: Mapping[FieldName, _Folded],
    feedback: Feedback,
    by_person: bool,
    seen: datetime | None,
) -> list[Evidence]:
    """Return every piece of evidence for and against, each once, with its signed weight."""
    terms = _compiled(profile).terms
    best, kind = max(found, key=lambda f: WEIGHTS[f[1]])
    items = [Evidence("for", kind, _describe(best, kind, profile), WEIGHTS[kind])]
    # One string for all four fields; a NUL (never a separator in a term) keeps a term from
    # matching across two of them.
    every = "\0".join(folded[f].text for f in FIELDS)
    body = f"{folded['title'].text}\n{folded['text'].text}"
    context = [label for label, regex in terms.context if regex.search(every)]
    learned_me = _words_in(body, feedback.me_words)
    room = CONTEXT_CAP
    for text in [*context, *(f"learned '{w}'" for w in learned_me)][:room]:
        items.append(Evidence("for", "learned" if text.startswith("learned") else "context", text,
                              CONTEXT_WEIGHT))  # fmt: skip
    for term, regex in terms.exclude:
        if regex.search(every):
            items.append(Evidence("against", "exclusion", f"exclusion term '{term}'",
                                  -EXCLUSION_WEIGHT))  # fmt: skip
    items.extend(_rules(post, feedback, by_person))
    learned_not = _words_in(body, feedback.not_me_words)[:LEARNED_CAP]
    items.extend(
        Evidence("against", "learned", f"'{w}' (learned from your notme)", -LEARNED_WEIGHT)
        for w in learned_not
    )
    items.extend(_clue_evidence(post, profile, found, folded, len(context), seen))
    return items


def _words_in(text: str, words: frozenset[str]) -> list[str]:
    regex = _word_regex(words)
    return sorted({m.group(0) for m in regex.finditer(text)}) if regex else []


def _rules(post: Post, feedback: Feedback, by_person: bool) -> list[Evidence]:
    """Return the author- and site-wide marks that apply to ``post``, as strong evidence."""
    found = []
    author, site = author_key(post.author), site_of(post.url)
    if author and not by_person:
        for keys, side, word in ((feedback.not_me_authors, "against", "not-me"),
                                 (feedback.me_authors, "for", "me")):  # fmt: skip
            if author in keys:
                weight = RULE_WEIGHT if side == "for" else -RULE_WEIGHT
                text = f"author '{post.author.strip()}' was marked {word}"
                found.append(Evidence(side, "feedback", text, weight))  # type: ignore[arg-type]
    if site and site not in PLATFORMS:
        for keys, side, word in ((feedback.not_me_sites, "against", "not-me"),
                                 (feedback.me_sites, "for", "me")):  # fmt: skip
            if site in keys:
                weight = RULE_WEIGHT if side == "for" else -RULE_WEIGHT
                text = f"site {site} was marked {word}"
                found.append(Evidence(side, "feedback", text, weight))  # type: ignore[arg-type]
    return found


def _anchors(
    post: Post,
    profile: Profile,
    found: list[tuple[Mention, Kind]],
    folded: Mapping[FieldName, _Folded],
) -> dict[FieldName, list[tuple[int, int]]]:
    """Return where the name stands in the title and text: its mentions, then its surname alone."""
    spans: dict[FieldName, list[tuple[int, int]]] = {"title": [], "text": []}
    for mention, kind in found:
        if mention.field in spans and kind in ("name", "initials"):
            spans[mention.field].append((mention.start, mention.end))
    if not any(spans.values()):
        return spans
    for name in ("title", "text"):
        value = getattr(post, name)
        for regex in _compiled(profile).terms.surnames:
            for m in regex.finditer(folded[name].text):
                s, e = folded[name].span(m.start(), m.end())
                inside = any(a <= s < b for a, b in spans[name])
                if not inside and value[s : s + 1].isupper():
                    spans[name].append((s, e))
    return spans


def _clue_evidence(
    post: Post,
    profile: Profile,
    found: list[tuple[Mention, Kind]],
    folded: Mapping[FieldName, _Folded],
    context: int,
    seen: datetime | None,
) -> list[Evidence]:
    """Turn what the post says about the named person into evidence against, if it is not them."""
    spans = _anchors(post, profile, found, folded)
    body = f"{folded['title'].text}\n{folded['text'].text}"
    attached = [c for f, s in spans.items() for c in clues.attached_clues(getattr(post, f), s)]
    if any(spans.values()):
        attached += clues.descriptions(f"{post.title}\n{post.text}")
    if not attached and not body.strip():
        return []
    terms = _person(profile)
    own_org = any(
        c.kind in ("organisation", "place") and _is_theirs(c.text, terms) for c in attached
    )
    lenient = own_org or context >= 2
    items: list[Evidence] = []
    stated = [int(c.text) for c in attached if c.kind == "age"] + clues.ages(body)
    age = _age(profile, stated, post.published or seen)
    if age:
        items.append(age)
    dead = clues.obituary(body)
    if dead:
        items.append(Evidence("against", "obituary", f"an obituary ('{dead}')", -DEAD_WEIGHT))
    used: set[str] = set()
    loose = clues.loose_clues(f"{post.title}\n{post.text}", body)
    # A post about the name that reads as a sports report is about an athlete: it weighs as
    # much as a clue next to the name.
    topics = [c for c in loose if c.kind == "topic"]
    strong = _against(attached + topics, terms, lenient, used)
    items.extend(_capped(strong, ATTACHED_WEIGHT, ATTACHED_CAP))
    rest = _against([c for c in loose if c.kind != "topic"], terms, lenient, used)
    items.extend(_capped(rest, LOOSE_WEIGHT, LOOSE_CAP))
    return items


def _against(
    found: list[clues.Clue], terms: _Terms, lenient: bool, seen: set[str]
) -> list[tuple[str, str]]:
    out = []
    for clue in found:
        key = clues.fold_words(clue.text)
        if clue.kind == "age" or key in seen:
            continue
        seen.add(key)
        if clue.kind == "occupation":
            field_ = clues.field_of(clue.text)
            if lenient or field_ in terms.fields or key in terms.names:
                continue
            if any(key in p.split() for p in terms.phrases):
                continue
            out.append(("occupation", f"another occupation '{clue.text}'"))
        elif clue.kind == "topic":
            if "sports" not in terms.fields:
                out.append(("topic", clue.text))
        elif _is_theirs(clue.text, terms):
            continue
        elif clue.kind == "place":
            if not clues.near(clues.regions_of(clue.text), terms.home):
                out.append(("place", f"another place '{clue.text}'"))
        else:
            out.append(("organisation", f"another organisation '{clue.text}'"))
    return out


def _capped(found: list[tuple[str, str]], weight: int, cap: int) -> list[Evidence]:
    items, total = [], 0
    for kind, text in found:
        if total + weight > cap:
            break
        total += weight
        items.append(Evidence("against", kind, text, -weight))
    return items


def _age(profile: Profile, ages: list[int], when: datetime | None) -> Evidence | None:
    """Return an age stated in the post that cannot be the person's, as evidence against."""
    if profile.birth_year:
        years = [when.year] if when else list(range(2020, 2036))
        expected = [y - profile.birth_year for y in years]
        for age in ages:
            if min(abs(age - e) for e in expected) > AGE_TOLERANCE:
                yours = expected[0] if when else f"{expected[0]}-{expected[-1]}"
                text = f"age {age}, far from yours ({yours})"
                return Evidence("against", "age", text, -DEAD_WEIGHT)
        return None
    for age in ages:
        if age < 16:
            return Evidence("against", "age", f"age {age}: a child", -DEAD_WEIGHT)
    return None


def _decide(score: int) -> Confidence:
    if score >= ME_AT:
        return "me"
    return "maybe" if score >= MAYBE_AT else "not_me"


def explain(items: Iterable[Evidence]) -> str:
    """Return the one-line reason for a weighing: the evidence for, then "but" and against."""
    items = list(items)
    pro = [e.text for e in items if e.side == "for"]
    con = [e.text for e in items if e.side == "against"]
    reason = "; ".join(pro)
    if con:
        return f"{reason}; but {', '.join(con)}" if reason else f"but {', '.join(con)}"
    if len(pro) == 1 and items[0].kind != "feedback":
        reason += ", no context"
    return reason


def _decided(
    confidence: Confidence, role: Role, reason: str, side: str, mentions: tuple[Mention, ...]
) -> Identity:
    kind = "own feed" if reason.startswith("from") else "feedback"
    item = Evidence(side, kind, reason, 0)  # type: ignore[arg-type]
    return Identity(confidence, role, reason, mentions, (item,))


def identify(
    post: Post,
    profile: Profile,
    *,
    own: bool,
    feedback: Feedback = NO_FEEDBACK,
    seen: datetime | None = None,
) -> Identity:
    """Decide whether ``post`` is about ``profile``'s person (me / maybe / not_me) and say why.

    ``seen`` is when the post was found: an age in a post without a date is compared with the
    person's age then (without either, with their age at any time from 2020 to 2035).
    """
    folded = _fold_post(post)
    found = _scan(post, profile, folded)
    mentions = tuple(m for m, _ in found)
    by_person = any(m.field == "author" and k != "initials" for m, k in found)
    role: Role = "author" if own or by_person else "subject"
    if post.id and post.id in feedback.not_me_posts:
        return _decided("not_me", role, "this post was marked not-me", "against", mentions)
    if post.id and post.id in feedback.me_posts:
        return _decided("me", role, "this post was marked me", "for", mentions)
    if own:
        return _decided("me", role, "from one of your own feeds", "for", mentions)
    if not found:
        rules = _rules(post, feedback, by_person)
        if any(e.side == "for" for e in rules):  # a site the user vouched for, name or not
            return Identity(
                _decide(sum(e.weight for e in rules)), role, explain(rules), (), tuple(rules)
            )
        return Identity("not_me", role, "name not found", ())
    items = _weigh(post, profile, found, folded, feedback, by_person, seen)
    score = sum(e.weight for e in items)
    ordered = sorted(items, key=lambda e: (e.side != "for", -abs(e.weight)))
    return Identity(_decide(score), role, explain(ordered), mentions, tuple(ordered))
