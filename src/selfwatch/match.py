"""Decide whether a post is about the watched person: find their names, then weigh the evidence.

Pure functions over values: no I/O, no clock.

Finding mentions
    Each post field (title, text, author, url) is *folded* before matching: Unicode NFKD with the
    combining marks dropped (``José`` and ``Jose`` meet), case-folded, typographic apostrophes and
    dashes made plain, and in URLs ``_`` and ``+`` read as spaces. Offsets still point into the
    original field. A name matches on word boundaries ("Jane Doe" is not in "Jane Doestoevsky"),
    with any run of spaces or hyphens between its words ("Jane-Doe", "Jane  Doe"), a possessive
    after it ("Jane Doe's"), a middle initial before the last word ("Jane Q. Doe") and reversed
    ("Doe, Jane"). Initials ("J. Doe", "Jane D.") are *weak* mentions. A first name alone never
    matches. Handles match with and without their leading ``@``, and a fediverse handle
    ``@user@instance`` also by its user part (only as ``@user`` when that part is just one of the
    person's names: "jane" alone is not a mention).

Scoring (``identify``)
    ``score = evidence + context - 2 x exclusions``, where

    ========================  ======  =============================================
    evidence (best mention)   weight  example
    ========================  ======  =============================================
    qualified handle          4       ``@jane@mastodon.social``, ``jane.bsky.social``
    full name or variant      3       "Jane Doe", "Doe, Jane", "Jane Q. Doe"
    plain username            3       ``@janedoe``, ``@jane`` (user part of a fediverse handle)
    initials only             1       "J. Doe", "Jane D."
    ========================  ======  =============================================

    ``context`` is 1 per distinct context term found (the profile's ``context_terms``, employers
    and past employers), at most 3; each exclusion term found (a namesake's sport, company, town)
    takes 2 away. A score of 4 or more is ``me``, 2 or 3 is ``maybe``, below 2 is ``not_me``. So a
    full name alone is ``maybe``, a full name with one context term is ``me``, and a full name
    with an exclusion term is ``not_me``. A post that mentions none of the names is ``not_me``
    ("name not found"): search engines return loose matches.

Feedback
    ``selfwatch notme ID`` and ``selfwatch me ID`` are recorded as ``Mark`` values (the post, its
    author and its site) and reduced to a ``Feedback``. It decides before any scoring, most specific
    first: the marked post itself; then later posts by the same author; then later posts from the
    same site (the registrable host of the post URL). The last mark about an author or site wins.
    Two signals are not reused because they would say nothing about the person: sites where many
    people post (reddit.com, news.google.com, youtube.com, medium.com, ... see ``PLATFORMS``), and
    an author that is the person's own name or handle (a namesake has the same name).
    Posts from the person's own feeds are always ``me`` with role ``author``, unless that very post
    was marked not-me.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal
from urllib.parse import urlsplit

from .model import Confidence, Identity, Mention, Post, Profile, Role

FieldName = Literal["title", "text", "author", "url"]
FIELDS: tuple[FieldName, ...] = ("title", "text", "author", "url")
MarkKind = Literal["me", "notme"]
Kind = Literal["handle", "name", "username", "initials"]

WEIGHTS: dict[Kind, int] = {"handle": 4, "name": 3, "username": 3, "initials": 1}
CONTEXT_WEIGHT, CONTEXT_CAP, EXCLUSION_WEIGHT = 1, 3, 2
ME_AT, MAYBE_AT = 4, 2
SNIPPET_WIDTH = 60

PLATFORMS: frozenset[str] = frozenset(
    {
        "archive.org", "bing.com", "blogspot.com", "bsky.app", "facebook.com", "github.com",
        "google.com", "instagram.com", "linkedin.com", "mastodon.social", "medium.com",
        "quora.com", "redd.it", "reddit.com", "stackexchange.com", "stackoverflow.com",
        "substack.com", "t.co", "threads.net", "tiktok.com", "tumblr.com", "twitter.com",
        "wikipedia.org", "wordpress.com", "x.com", "ycombinator.com", "youtu.be", "youtube.com",
    }
)  # fmt: skip
"""Registrable hosts where many people post: a mark on one post says nothing about the others."""

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


@dataclass(frozen=True)
class Mark:
    """One recorded ``selfwatch me`` / ``selfwatch notme``: the post, its author key and site."""

    kind: MarkKind
    post_id: str
    author: str = ""
    """``author_key(post.author)``."""
    site: str = ""
    """``site_of(post.url)``, platforms included (they are filtered when reduced)."""


@dataclass(frozen=True)
class Feedback:
    """The reusable signals from a profile's marks: posts, authors and sites said to be (not) me."""

    not_me_posts: frozenset[str] = frozenset()
    me_posts: frozenset[str] = frozenset()
    not_me_authors: frozenset[str] = frozenset()
    me_authors: frozenset[str] = frozenset()
    not_me_sites: frozenset[str] = frozenset()
    me_sites: frozenset[str] = frozenset()

    @classmethod
    def from_marks(cls, marks: Iterable[Mark]) -> Feedback:
        """Reduce marks, oldest first, so a later mark about a post, author or site wins."""
        posts: dict[str, MarkKind] = {}
        authors: dict[str, MarkKind] = {}
        sites: dict[str, MarkKind] = {}
        for mark in marks:
            posts[mark.post_id] = mark.kind
            if mark.author:
                authors[mark.author] = mark.kind
            if mark.site and mark.site not in PLATFORMS:
                sites[mark.site] = mark.kind

        def keys(table: dict[str, MarkKind], kind: MarkKind) -> frozenset[str]:
            return frozenset(k for k, v in table.items() if v == kind)

        return cls(
            keys(posts, "notme"),
            keys(posts, "me"),
            keys(authors, "notme"),
            keys(authors, "me"),
            keys(sites, "notme"),
            keys(sites, "me"),
        )


NO_FEEDBACK = Feedback()


# --- folding -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Folded:
    text: str
    origin: tuple[int, ...]
    """Index in the original string of each folded character."""

    def span(self, start: int, end: int) -> tuple[int, int]:
        return self.origin[start], self.origin[end - 1] + 1


def _fold_char(ch: str, url: bool) -> str:
    if ch in _APOSTROPHES:
        return "'"
    if ch in _DASHES:
        return "-"
    if url and ch in "_+":
        return " "
    out: list[str] = []
    for part in unicodedata.normalize("NFKD", ch):
        if not unicodedata.combining(part):
            out.extend(_NO_DECOMPOSITION.get(c, c) for c in part.casefold())
    return "".join(out)


def _fold_field(value: str, url: bool = False) -> _Folded:
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
        return [_Pattern(name, "name", _bounded(esc[0]))]
    head, last = _SEP.join(esc[:-1]), esc[-1]
    middle = rf"(?:{_SEP}{_INITIAL}\.?)?"
    reversed_body = rf"{last}\s*,\s*{head}(?:{_SEP}{_INITIAL}\.)?"
    found = [
        _Pattern(name, "name", _bounded(f"{head}{middle}{_SEP}{last}")),
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
    qualified = "@" in bare or "." in bare
    found = []
    for form in (f"@{bare}", bare):
        body = re.escape(fold(form))
        regex = re.compile(rf"(?<![\w@.]){body}(?![\w@])")
        found.append(_Pattern(handle, "handle" if qualified else "username", regex))
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


@lru_cache(maxsize=64)
def _patterns(profile: Profile) -> tuple[_Pattern, ...]:
    found: list[_Pattern] = []
    for name in profile.all_names:
        found.extend(_name_patterns(name))
    words = {t for name in profile.all_names for t in _tokens(name)}
    for _, handle in profile.handles:
        found.extend(_handle_patterns(handle, words))
    return tuple(found)


@lru_cache(maxsize=64)
def _kinds(profile: Profile) -> Mapping[str, Kind]:
    """Map each mention label to its strongest kind: a name the user listed is never weak."""
    kinds: dict[str, Kind] = {}
    for pattern in _patterns(profile):
        known = kinds.get(pattern.label)
        if known is None or WEIGHTS[pattern.kind] > WEIGHTS[known]:
            kinds[pattern.label] = pattern.kind
    return kinds


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


def _field_mentions(field: FieldName, value: str, patterns: tuple[_Pattern, ...]) -> list[Mention]:
    folded = _fold_field(value, url=field == "url")
    candidates: list[tuple[int, int, int, _Pattern]] = []
    for pattern in patterns:
        for m in pattern.regex.finditer(folded.text):
            start, end = folded.span(m.start(), m.end())
            if pattern.accept(value, start, end):
                candidates.append((start, end, WEIGHTS[pattern.kind], pattern))
    # Prefer strong, then long matches; drop any candidate overlapping one already taken.
    candidates.sort(key=lambda c: (-c[2], c[0] - c[1], c[0]))
    taken: list[tuple[int, int, _Pattern]] = []
    for start, end, _, pattern in candidates:
        if all(end <= s or start >= e for s, e, _ in taken):
            taken.append((start, end, pattern))
    return [
        Mention(p.label, field, s, e, _snippet(value, s, e))
        for s, e, p in sorted(taken, key=_first)
    ]


def _first(item: tuple[int, int, _Pattern]) -> int:
    return item[0]


def find_mentions(post: Post, profile: Profile) -> tuple[Mention, ...]:
    """Find each name and handle of ``profile`` in the title, text, author and URL of ``post``."""
    patterns = _patterns(profile)
    found: list[Mention] = []
    for field in FIELDS:
        value = getattr(post, field)
        if value:
            found.extend(_field_mentions(field, value, patterns))
    return tuple(found)


# --- identify ----------------------------------------------------------------------------------


def _terms_found(post: Post, terms: Iterable[str]) -> list[str]:
    fields = [_fold_field(getattr(post, f), url=f == "url").text for f in FIELDS]
    found = []
    for term in dict.fromkeys(t.strip() for t in terms if t.strip()):
        toks = _tokens(term)
        regex = _bounded(_SEP.join(re.escape(t) for t in toks)) if toks else None
        if regex and any(regex.search(text) for text in fields):
            found.append(term)
    return found


def _quoted(terms: list[str]) -> str:
    return ", ".join(f"'{t}'" for t in terms)


def _evidence(mentions: tuple[Mention, ...], profile: Profile) -> tuple[int, str]:
    kinds = _kinds(profile)
    best = max(mentions, key=lambda m: WEIGHTS[kinds.get(m.variant, "initials")])
    kind = kinds.get(best.variant, "initials")
    if kind == "name":
        text = "full name" if best.variant == profile.name else f"name variant '{best.variant}'"
    else:
        text = f"{kind} '{best.variant}'"
    return WEIGHTS[kind], text


def _decide(score: int) -> Confidence:
    if score >= ME_AT:
        return "me"
    return "maybe" if score >= MAYBE_AT else "not_me"


def _score(post: Post, profile: Profile, mentions: tuple[Mention, ...]) -> tuple[Confidence, str]:
    if not mentions:
        return "not_me", "name not found"
    weight, reason = _evidence(mentions, profile)
    context_terms = (*profile.context_terms, *profile.employers, *profile.past_employers)
    context = _terms_found(post, context_terms)
    excluded = _terms_found(post, profile.exclude_terms)
    score = weight + min(len(context), CONTEXT_CAP) - EXCLUSION_WEIGHT * len(excluded)
    if context:
        reason += f" + context {_quoted(context)}"
    if excluded:
        plural = "s" if len(excluded) > 1 else ""
        reason += f", but exclusion term{plural} {_quoted(excluded)}"
    elif not context:
        reason += ", no context"
    return _decide(score), reason


def _by_person(mentions: tuple[Mention, ...], profile: Profile) -> bool:
    kinds = _kinds(profile)
    return any(m.field == "author" and kinds.get(m.variant) != "initials" for m in mentions)


def _from_feedback(
    post: Post, feedback: Feedback, by_person: bool
) -> tuple[Confidence, str] | None:
    author, site = author_key(post.author), site_of(post.url)
    if author and not by_person:
        if author in feedback.not_me_authors:
            return "not_me", f"author '{post.author.strip()}' was marked not-me"
        if author in feedback.me_authors:
            return "me", f"author '{post.author.strip()}' was marked me"
    if site and site not in PLATFORMS:
        if site in feedback.not_me_sites:
            return "not_me", f"author's site {site} was marked not-me"
        if site in feedback.me_sites:
            return "me", f"author's site {site} was marked me"
    return None


def identify(
    post: Post, profile: Profile, *, own: bool, feedback: Feedback = NO_FEEDBACK
) -> Identity:
    """Decide whether ``post`` is about ``profile``'s person (me / maybe / not_me) and say why."""
    mentions = find_mentions(post, profile)
    by_person = _by_person(mentions, profile)
    role: Role = "author" if own or by_person else "subject"
    decided: tuple[Confidence, str] | None
    if post.id and post.id in feedback.not_me_posts:
        decided = ("not_me", "this post was marked not-me")
    elif post.id and post.id in feedback.me_posts:
        decided = ("me", "this post was marked me")
    elif own:
        decided = ("me", "from one of your own feeds")
    else:
        decided = _from_feedback(post, feedback, by_person)
    confidence, reason = decided or _score(post, profile, mentions)
    return Identity(confidence, role, reason, mentions)
