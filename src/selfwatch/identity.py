"""Decide whether a post is about the watched person: weigh the evidence for and against.

Pure functions over values: no I/O, no clock (the time a post was found is passed in).

Weighing (``identify``)
    Every piece of evidence has a side and a weight, and ``score`` is their sum:

    ========================================  ======  ======================================
    evidence                                  weight  example
    ========================================  ======  ======================================
    email, phone, handle, handle in a link    +4      ``jane@example.com``, ``github.com/janedoe``
    full name or variant, plain username      +3      "Jane Doe", ``@jane`` (fediverse user part)
    surname beside the employer               +3      "Ms. Doe (Acme Corp)", "Doe, Acme Corp"
    first name beside the employer            +2      "Jane from Acme Corp" (needs a 2nd term)
    initials only                             +1      "J. Doe", "Jane D."
    context term, employer (each, at most 3)  +1      "Portland", "Acme Corp"
    the employer next to the name             +1      "Jane Doe (Acme Corp)", "Jane Doe at Acme"
    a word learned from ``me`` feedback       +1      (shares the cap of 3 with context)
    an author or site marked with --author    ±4      ``selfwatch notme ID --author``
    obituary; an age far from the person's    -3      "passed away", "Jane Doe, 19,",
    (or a year of birth)                              "born in 1938"
    attached organisation/place/occupation    -2      "Duke's Jane Doe", "Tampa realtor Jane Doe"
    big place or institution in its sentence  -2      "Jane Doe joins from Leeds Hospital"
    a sports report (unless in sports)        -2      "scored 22 points ... the playoffs"
    another account's page on their site      -2      ``github.com/jdoe-dev`` (theirs: janedoe)
    exclusion term (each)                     -2      a namesake's word from the config
    loose place or institution                -1      "Tsinghua University" elsewhere in the post
    a word learned from ``notme`` feedback    -1      at most -2 in all
    ========================================  ======  ======================================

    Only the best mention counts (a post naming the person twice is not twice as sure). Attached
    clues (and those in the name's sentence, a byline's affiliation included) take at most -4
    and loose ones -2. A post that names the person's organisation next to the name (their town
    there does not: "a Denver dentist"; nor a past employer, where someone else may work now),
    or two of their context terms, is read leniently: an occupation that differs from the
    person's is not held against it (their job title may not be in the profile), and other
    organisations and places weigh as loose clues (co-authors, partners, travel). The employer
    next to the name may be its first words alone ("Blue Ridge" for "Blue Ridge Animal
    Hospital"); words of the person's own terms never make a sports report. See ``clues`` for
    how clues are read. A score of 4 or more is ``me`` if something specific to the person is
    among the evidence for (``SPECIFIC_KINDS``, their present employer, or two context terms
    that count; else it is held at 3), 2 or 3 ``maybe``, below 2 ``not_me``: a full name alone,
    or with their town, is ``maybe``; with their employer ``me``; with a clue about someone else
    ``not_me``. The person's places count once, as do the words for their trade ("veterinarian",
    "DVM"; a term and its abbreviation, "site reliability" and "SRE", are one term), and their
    town, trade and past employers count nothing once a clue of weight 2 or more (not a mark on
    the site or author) points to someone else (``_context``).
    A post that mentions none of the names, handles, emails or phones is ``not_me`` ("name not
    found"): search engines return loose matches. The ``reason`` lists the evidence for, then
    "but" and the evidence against, so the digest and ``selfwatch show`` can say why.

Feedback
    ``selfwatch notme ID`` and ``selfwatch me ID`` are recorded as ``Mark`` values and reduced to
    a ``Feedback``. A mark decides its own post. What else it teaches is *evidence*, never a
    verdict: the words it learned (see ``feedback.learn``) weigh -1/+1, and an author- or
    site-wide mark (only when asked for with ``--author`` / ``--site``) weighs ±4, so a later post
    with stronger evidence the other way keeps its label. Sites where many people post
    (``match.PLATFORMS``: news.google.com, bing.com, reddit.com, hnrss.org, ...) never take a
    site-wide mark, and an author that is the person's own name or handle never takes an
    author-wide one. Posts from the person's own feeds are always ``me`` with role ``author``,
    unless that very post was marked not-me.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from . import clues
from .match import (
    FIELDS,
    NO_FEEDBACK,
    PLATFORMS,
    SEP,
    WEIGHTS,
    Feedback,
    FieldName,
    Folded,
    Kind,
    author_key,
    bounded,
    fold,
    fold_post,
    inflections,
    name_tokens,
    scan,
    site_of,
)
from .model import Confidence, Evidence, Identity, Mention, Post, Profile, Role

CONTEXT_WEIGHT, CONTEXT_CAP, EXCLUSION_WEIGHT = 1, 3, 2
ATTACHED_WEIGHT, ATTACHED_CAP, LOOSE_WEIGHT, LOOSE_CAP = 2, 4, 1, 2
DEAD_WEIGHT, RULE_WEIGHT, LEARNED_WEIGHT, LEARNED_CAP = 3, 4, 1, 2
ATTACHED_FOR = 1
AGE_TOLERANCE = 5
ME_AT, MAYBE_AT = 4, 2
MEMO_SIZE = 4096
_UNREAD = ("", "")
"""A reading no clue has (``_against``'s memo: None is a reading, "not against")."""


# --- identify ----------------------------------------------------------------------------------

_evidence = lru_cache(maxsize=4096)(Evidence)
"""``Evidence``, one instance per value: the same pieces recur post after post."""


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
    employers: tuple[str, ...]
    """The person's employers, present and past, as folded words."""
    own_words: frozenset[str]
    """Every word of the person's terms (they never make a sports report)."""
    past: tuple[str, ...] = ()
    """The person's past employers only, as folded words (someone else may work there now)."""
    home: frozenset[str] = dataclass_field(default_factory=frozenset)
    places: frozenset[str] = dataclass_field(default_factory=frozenset)
    """The person's terms that are places ("portland")."""
    shared: Mapping[str, str] = dataclass_field(default_factory=dict)
    """Context labels whose term a namesake may share, by kind: "place" ("context 'Portland'"),
    "occupation" ("context 'backend engineer'") or "past" (a past employer)."""
    readings: dict[tuple[str, str, bool], tuple[str, str] | None] = dataclass_field(
        default_factory=dict, compare=False
    )
    """How each clue read against the person, remembered (``_against``)."""
    phrase_tests: dict[tuple[str, str], bool] = dataclass_field(default_factory=dict, compare=False)
    """Whether a phrase is theirs or their employer's, remembered (``_owns``, ``_employs``)."""


_ADJECTIVE = "sk(?:iego|iemu|iej|ich|imi|ie|im|i|a)"
"""The endings of a Polish adjective made from a place ("krakowski", "w krakowskim oddziale")."""


def _forms(word: str) -> tuple[str, str]:
    """Return a literal every form of a term's last word starts with, and a regex for the rest:
    the word, its plural, its Polish case forms and the adjective made from it ("Kraków":
    "Krakowie", "Krakowa", "krakowskim")."""
    if not word.isalpha() or len(word) < 3:
        return re.escape(word), "(?:e?s)?" if word[-1:].isalpha() else ""
    forms = [(word, "(?:e?s)?"), *((stem, re.escape(end)) for stem, end in inflections(word))]
    if len(word) >= 4 and word[-1] not in "eiouy":
        stem = word[:-2] if word.endswith("sk") else word[:-1] if word[-1] == "a" else word
        forms.append((stem, _ADJECTIVE))
    # The literal all forms start with ("krakow"): the regex engine finds it fast, where an
    # alternation would be tried at every character.
    lead = forms[0][0]
    for stem, _ in forms:
        while not stem.startswith(lead):
            lead = lead[:-1]
    rests = sorted({re.escape(stem[len(lead) :]) + end for stem, end in forms}, key=len)
    return re.escape(lead), f"(?:{'|'.join(reversed(rests))})"


_BRANCH = (
    r"(?:[\s\-]+[\w'.]+){0,3}?[\s\-]+"
    r"(?:hospital|clinic|college|school|institute|university|academy|centre|center)s?,?"
)
"""The kind of institution an employer's branch adds before its town: "St. Luke's Boise" is
written "St. Luke's Children's Hospital, Boise"."""


def _term_regex(term: str, employer: bool = False) -> re.Pattern[str] | None:
    """Compile a term to match on word boundaries, in its plural and Polish case forms too
    ("flood defences", "w Krakowie", "krakowski"); an employer of two words or more also with
    an institution's kind before its last word ("St. Luke's Children's Hospital, Boise")."""
    toks = name_tokens(term)
    if not toks:
        return None
    lead, rest = _forms(toks[-1])
    words = [re.escape(t) for t in toks[:-1]]
    if employer and words:
        words[-1] += f"(?:{_BRANCH})?"
    body = SEP.join([*words, lead + rest])
    return bounded(body, re.escape(toks[0]) if len(toks) > 1 else lead)


def _terms(profile: Profile) -> _Terms:
    labelled = [("employer", t) for t in profile.employers]
    labelled += [("past employer", t) for t in profile.past_employers]
    labelled += [("context", t) for t in profile.context_terms]
    context, seen = [], set()
    for label, term in labelled:
        regex = _term_regex(term.strip(), employer=label != "context")
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
            last = re.escape(fold(words[-1]))  # the literal first: found faster than a lookbehind
            surnames.append(re.compile(rf"{last}(?<![\w\-]{last})(?![\w\-])"))
    employers = (*profile.employers, *profile.past_employers)
    folded = tuple(e for e in (clues.fold_words(t) for t in employers) if e)
    own = frozenset(w for p in phrases for w in p.split())
    past = tuple(e for e in (clues.fold_words(t) for t in profile.past_employers) if e)
    return _Terms(
        tuple(context), tuple(exclude), phrases, names, frozenset(), tuple(surnames), folded, own,
        past=past,
    )  # fmt: skip


_TERMS: dict[int, tuple[Profile, _Terms, list[_Terms]]] = {}


def _terms_of(profile: Profile) -> _Terms:
    """Return the profile's compiled terms, keyed by identity (hashing a Profile is not free)."""
    entry = _TERMS.get(id(profile))
    if entry is None or entry[0] is not profile:
        if len(_TERMS) >= 64:
            _TERMS.clear()
        entry = (profile, _terms(profile), [])
        _TERMS[id(profile)] = entry
    return entry[1]


def _person(profile: Profile) -> _Terms:
    """Return ``_terms`` with the person's fields and home regions (loads the place data)."""
    _terms_of(profile)
    entry = _TERMS[id(profile)]
    if not entry[2]:
        entry[2].append(_with_home(entry[1]))
    return entry[2][0]


def _with_home(terms: _Terms) -> _Terms:
    words = {w for p in terms.phrases for w in p.split()}
    fields = frozenset(f for f in (clues.field_of(w) for w in words) if f)
    home: set[str] = set()
    places = set()
    for phrase in terms.phrases:
        regions = clues.regions_of(phrase, dominant=True)
        if regions:
            home |= regions
            places.add(phrase)
    shared = {}
    for label, _ in terms.context:
        if label.startswith("past employer "):
            shared[label] = "past"  # someone else may work there now
            continue
        if not label.startswith("context "):
            continue  # the present employer is specific to the person
        phrase = clues.fold_words(label[len("context ") :])
        if phrase in places:
            shared[label] = "place"
        elif any(clues.field_of(w) for w in phrase.split()):
            shared[label] = "occupation"
    _share_abbreviations(terms, shared)
    return replace(
        terms, fields=fields, home=frozenset(home), places=frozenset(places), shared=shared,
        readings={}, phrase_tests={},
    )  # fmt: skip


def _share_abbreviations(terms: _Terms, shared: dict[str, str]) -> None:
    """Give a term and its abbreviation one kind: "SRE" and "site reliability" are one trade,
    as "SRE" alone is (the abbreviation may stand for the term and a last word: "engineer")."""
    words = {
        label: label[len("context '") : -1] for label, _ in terms.context
        if label.startswith("context ")
    }  # fmt: skip
    for short, term in words.items():
        if not (term.isupper() and term.isalpha() and 2 <= len(term) <= 5):
            continue
        for long, other in words.items():
            parts = other.split()
            initials = "".join(w[0] for w in parts).upper()
            if len(parts) < 2 or not term.startswith(initials) or len(term) > len(parts) + 1:
                continue
            kind = shared.get(short) or shared.get(long)
            if kind:
                shared[short] = shared[long] = kind


@lru_cache(maxsize=16)
def _word_regex(words: frozenset[str]) -> re.Pattern[str] | None:
    if not words:
        return None
    body = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)")


@lru_cache(maxsize=1024)
def _folded(text: str) -> str:
    return fold(text)


def _describe(mention: Mention, kind: Kind, profile: Profile) -> str:
    if kind == "name":
        if _folded(mention.variant) == _folded(profile.name):
            return "full name"
        return f"name variant '{mention.variant}'"
    if kind == "partial":  # a surname beside the employer weighs as a name
        return f"'{mention.variant}' beside your employer"
    if kind == "firstname":
        return f"first name '{mention.variant}' beside your employer"
    names = {"link": "handle in a link", "initials": "initials"}
    return f"{names.get(kind, kind)} '{mention.variant}'"


def _is_theirs(phrase: str, terms: _Terms) -> bool:
    """Tell whether a place or organisation is one of the person's own (or a part of one).

    A name that contains one of their organisations is theirs ("Initech Portland"); one that
    contains only their town is not: "Denver Nuggets" and "Boise State" are other bodies.
    """
    folded = clues.fold_words(phrase)
    if not folded or set(folded.split()) <= terms.names:
        return True
    if _branch_of(folded, phrase, terms):
        return True
    padded = f" {folded} "
    for p in terms.phrases:
        if padded in f" {p} " or (f" {p} " in padded and p not in terms.places):
            return True
    return False


def _branch_of(folded: str, phrase: str, terms: _Terms) -> bool:
    """Tell whether an institution is a branch of an employer named with the person's town:
    "St. Luke's Children's Hospital" of "St. Luke's Boise" (a Boise person)."""
    if not clues.is_institution(phrase):
        return False
    for employer in terms.employers:
        for place in terms.places:
            if employer.endswith(f" {place}"):
                body = employer[: -len(place) - 1]
                if folded.startswith(f"{body} ") and body not in terms.places:
                    return True
    return False


def _bound(memo: dict[Any, Any]) -> None:
    """Keep a per-person memo small: a long-running agent sees ever new phrases."""
    if len(memo) >= MEMO_SIZE:
        memo.clear()


def _remembered(test: Callable[[str, _Terms], bool], phrase: str, terms: _Terms) -> bool:
    """Return ``test(phrase, terms)``, remembered per person, test and phrase."""
    key = (test.__name__, phrase)
    known = terms.phrase_tests.get(key)
    if known is None:
        _bound(terms.phrase_tests)
        known = terms.phrase_tests[key] = test(phrase, terms)
    return known


def _owns(phrase: str, terms: _Terms) -> bool:
    """``_is_theirs``, remembered per person and phrase."""
    return _remembered(_is_theirs, phrase, terms)


def _employs(phrase: str, terms: _Terms) -> bool:
    """``_is_employer``, remembered per person and phrase."""
    return _remembered(_is_employer, phrase, terms)


def _only_past(phrase: str, terms: _Terms) -> bool:
    """Tell whether a phrase names a past employer of the person's and nothing else of theirs:
    "Hooli" or "the University of Waterloo's Department of Civil Engineering" (a part of it)."""
    folded = clues.fold_words(phrase)
    padded = f" {folded} "
    if not any(padded.startswith(f" {p} ") or p.startswith(f"{folded} ") for p in terms.past):
        return False
    present = [p for p in terms.phrases if p not in terms.past]
    return not any(f" {p} " in padded or p.startswith(f"{folded} ") for p in present)


def _is_employer(phrase: str, terms: _Terms) -> bool:
    """Tell whether a phrase names one of the person's employers, or its first words alone.

    "Acme Corp" and "Acme" are Acme Corp's; "Acme Corp Labs" is not, nor "University" (of
    "University of Waterloo") or "St": a lone first word must be 4 letters or more and not
    an institution's kind.
    """
    folded = clues.fold_words(phrase)
    if not folded or set(folded.split()) <= terms.names:
        return False
    if _branch_of(folded, phrase, terms):
        return True
    for employer in terms.employers:
        if folded == employer:
            return True
        if employer.startswith(f"{folded} "):
            return " " in folded or (len(folded) >= 4 and not clues.is_institution(phrase))
    return False


def _weigh(
    post: Post,
    profile: Profile,
    found: list[tuple[Mention, Kind]],
    folded: Mapping[FieldName, Folded],
    feedback: Feedback,
    by_person: bool,
    seen: datetime | None,
) -> list[Evidence]:
    """Return every piece of evidence for and against, each once, with its signed weight."""
    terms = _terms_of(profile)
    best, kind = max(found, key=lambda f: WEIGHTS[f[1]])
    items = [_evidence("for", kind, _describe(best, kind, profile), WEIGHTS[kind])]
    # One string for all four fields; a NUL (never a separator in a term) keeps a term from
    # matching across two of them.
    every = "\0".join(folded[f].text for f in FIELDS)
    body = f"{folded['title'].text}\n{folded['text'].text}"
    context = [label for label, regex in terms.context if regex.search(every)]
    learned_me = _words_in(body, feedback.me_words)
    found_terms = [*context, *(f"learned '{w}'" for w in learned_me)][:CONTEXT_CAP]
    person = _person(profile) if context else terms
    against: list[Evidence] = []
    for term, regex in terms.exclude:
        if regex.search(every):
            against.append(_evidence("against", "exclusion", f"exclusion term '{term}'",
                                    -EXCLUSION_WEIGHT))  # fmt: skip
    against.extend(_rules(post, feedback, by_person))
    if profile.handles and post.url:
        against.extend(_another_account(post.url, profile))
    learned_not = _words_in(body, feedback.not_me_words)[:LEARNED_CAP]
    against.extend(
        Evidence("against", "learned", f"'{w}' (learned from your notme)", -LEARNED_WEIGHT)
        for w in learned_not
    )
    independent = sum(1 for e in _context(found_terms, person.shared, False) if e.weight)
    against.extend(_clue_evidence(post, profile, found, folded, independent, seen))
    # What the post says of the named person: a loose clue (a place or outlet elsewhere in the
    # post) is not enough to doubt a place, and a mark on the site or author says nothing of
    # the person named.
    elsewhere = any(e.weight <= -ATTACHED_WEIGHT and e.kind != "feedback" for e in against)
    items.extend(_context(found_terms, person.shared, elsewhere))
    return [*items, *against]


_SHARED_NOTES = {
    "place": "a namesake may share a place",
    "occupation": "a namesake may share it",
    "past": "a namesake may work there now",
}


def _context(found: list[str], shared: Mapping[str, str], elsewhere: bool) -> list[Evidence]:
    """Weigh the context terms found: +1 each, but a term a namesake may share counts less.

    The person's places say one thing ("Halifax" and "Nova Scotia" are one home), and so do
    the words for their trade ("veterinarian" and "DVM" are one job: a namesake in the trade
    has both): only the first of each counts. Once anything in the post points to someone
    else, a place or an occupation counts nothing: a namesake in the same town or trade is the
    likeliest one to be confused with ("Denver chef Chris Miller").
    """
    items: list[Evidence] = []
    first: dict[str, str] = {}
    for text in found:
        kind = "learned" if text.startswith("learned") else "context"
        share = shared.get(text)
        if share and elsewhere:
            note = _SHARED_NOTES[share]
            items.append(_evidence("for", kind, f"{text} ({note})", 0))
        elif share in _ONCE and share in first:
            note = _ONCE[share].format(first[share])
            items.append(_evidence("for", kind, f"{text} ({note})", 0))
        else:
            items.append(_evidence("for", kind, text, CONTEXT_WEIGHT))
            if share in _ONCE:
                first.setdefault(share, text.split(" ", 1)[1])
    return items


_ONCE = {"place": "the same home as {}", "occupation": "the same trade as {}"}
"""Kinds of context term that say one thing however many of them are found."""


def _words_in(text: str, words: frozenset[str]) -> list[str]:
    regex = _word_regex(words)
    return sorted({m.group(0) for m in regex.finditer(text)}) if regex else []


_ACCOUNT_PAGES = {
    "github": ("github.com", ""), "gitlab": ("gitlab.com", ""),
    "instagram": ("instagram.com", ""), "twitter": ("x.com", ""), "x": ("x.com", ""),
    "facebook": ("facebook.com", ""), "reddit": ("reddit.com", "user/"),
}  # fmt: skip
"""Sites where a page's path is an account ("github.com/jane"), by the handle's site name."""
_SAME_HOSTS = {
    "twitter.com": "x.com",
    "www.reddit.com": "reddit.com",
    "old.reddit.com": "reddit.com",
}


@lru_cache(maxsize=64)
def _accounts(handles: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str, str, str], ...]:
    """Return (site, host, path prefix, folded handle) for each handle on an account site."""
    found = []
    for site, handle in handles:
        page = _ACCOUNT_PAGES.get(site.lower())
        if page:
            found.append((site, page[0], page[1], fold(handle.strip().lstrip("@"))))
    return tuple(found)


def _another_account(url: str, profile: Profile) -> list[Evidence]:
    """Return evidence against when ``url`` is the page of another account on a site where the
    person has one: "github.com/tkowal" is not the person whose GitHub is "tomaszk"."""
    accounts = _accounts(profile.handles)
    # A cheap test first: most links are on none of the sites (x.com is also twitter.com).
    if not any(host in url for _, host, _, _ in accounts) and "twitter.com" not in url:
        return []
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    host = (parts.hostname or "").removeprefix("www.")
    host = _SAME_HOSTS.get(host, host)
    path = parts.path.strip("/")
    for site, at, prefix, mine in accounts:
        if at != host or not path.startswith(prefix):
            continue
        user = path[len(prefix) :]
        if user and "/" not in user and fold(user).lstrip("@") != mine:
            text = f"another {site} account '{user}'"
            return [_evidence("against", "account", text, -ATTACHED_WEIGHT)]
    return []


def _rules(post: Post, feedback: Feedback, by_person: bool) -> list[Evidence]:
    """Return the author- and site-wide marks that apply to ``post``, as strong evidence."""
    if not (feedback.not_me_authors or feedback.me_authors or feedback.not_me_sites
            or feedback.me_sites):  # fmt: skip
        return []
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
    folded: Mapping[FieldName, Folded],
) -> dict[FieldName, list[tuple[int, int]]]:
    """Return where the name stands in the title and text: its mentions, then its surname alone."""
    spans: dict[FieldName, list[tuple[int, int]]] = {"title": [], "text": []}
    for mention, kind in found:
        if mention.field in spans and kind in ("name", "initials", "partial", "firstname"):
            spans[mention.field].append((mention.start, mention.end))
    if not spans["title"] and not spans["text"]:
        return spans
    surnames = _terms_of(profile).surnames
    fields: tuple[tuple[FieldName, str], ...] = (("title", post.title), ("text", post.text))
    for name, value in fields:
        field = folded[name]
        taken = spans[name]
        for regex in surnames:
            for m in regex.finditer(field.text):
                s, e = field.span(m.start(), m.end())
                inside = any(a <= s < b for a, b in taken)
                if not inside and value[s : s + 1].isupper():
                    taken.append((s, e))
    return spans


def _clue_evidence(
    post: Post,
    profile: Profile,
    found: list[tuple[Mention, Kind]],
    folded: Mapping[FieldName, Folded],
    context: int,
    seen: datetime | None,
) -> list[Evidence]:
    """Turn what the post says about the named person into evidence against, if it is not them."""
    spans = _anchors(post, profile, found, folded)
    body = f"{folded['title'].text}\n{folded['text'].text}"
    title_spans, text_spans = spans["title"], spans["text"]
    attached = clues.attached_clues(post.title, title_spans) if title_spans else []
    if text_spans:
        attached += clues.attached_clues(post.text, text_spans)
    if title_spans or text_spans:
        attached += clues.descriptions(f"{post.title}\n{post.text}")
    if text_spans and not title_spans and post.title:
        attached += clues.headline_subject(post.title)
    if not attached and not body.strip():
        return []
    terms = _person(profile)
    # Their organisation next to the name, not their town: "a Denver dentist" may be anyone
    # in Denver. The person's own organisation *next to the name* ("Jane Doe of Acme Corp",
    # "Jane Doe (Acme Corp)") says more than the same words elsewhere in the post, as
    # another organisation there says more against.
    own_org, mine, stated = False, None, []
    for c in attached:
        if c.kind == "organisation":
            if terms.past and _remembered(_only_past, c.text, terms):
                continue  # theirs once: not against them, but a namesake may work there now
            own_org = own_org or _owns(c.text, terms)
            if mine is None and _employs(c.text, terms):
                mine = c
        elif c.kind == "place" and mine is None and clues.fold_words(c.text) not in terms.places:
            # A school or firm named after a town ("teaches at Westlake" for Westlake High
            # School) reads as a place; the person's own town never stands for their employer.
            mine = c if _employs(c.text, terms) else None
        elif c.kind == "age":
            stated.append(int(c.text))
    if mine and not any(clues.is_institution(e) for e in profile.employers):
        # "Initech senior Jordan Avery": after a firm of theirs, a year is a rank, not a school's.
        attached = [c for c in attached if c.kind != "occupation" or not clues.is_student(c.text)]
    lenient = own_org or context >= 2
    items: list[Evidence] = []
    students = [c for c in attached if c.kind == "occupation" and clues.is_student(c.text)]
    if mine and not students:
        # (a student of the person's school is there as a student, not as its staff)
        items.append(_evidence("for", "employer", f"'{mine.text}' next to the name", ATTACHED_FOR))
    stated += clues.ages(body)
    when = post.published or seen
    if when:  # a year of birth is an age on the day the post was written (or found)
        stated += [when.year - year for year in clues.births(body) if year <= when.year]
    age = _age(profile, stated, when)
    if age:
        items.append(age)
    dead = clues.obituary(body)
    if dead:
        items.append(_evidence("against", "obituary", f"an obituary ('{dead}')", -DEAD_WEIGHT))
    used: set[str] = set()
    near: list[clues.Clue] = []
    loose: list[clues.Clue] = []
    for name in ("title", "text"):  # one pass over each field's sentences finds both
        in_sentence, anywhere = clues.placed_clues(getattr(post, name), spans[name])
        near += in_sentence
        loose += anywhere
    # A post about the name that reads as a sports report is about an athlete: it weighs as
    # much as a clue next to the name.
    # The link's path names the section ("/sports/", "/swimming/"): a sign like the words.
    section = f"{body}\n{_path_words(post.url)}"
    topics = [clues.SPORTS_REPORT] if clues.is_sports_report(section, terms.own_words) else []
    # Once the person's own organisation stands by the name, or two of their terms are in the
    # post, other organisations and places read as co-authors, partners or travel: they weigh
    # as loose clues.
    if mine:
        # With their employer by the name, a place elsewhere in the post is where the event
        # is ("DevOpsDays Warsaw: ... T. Kowalczyk (Globex)"), not who the person is.
        loose = [c for c in loose if c.kind != "place"]
    # A school year by the name weighs fully even then: the person's school is where its
    # students are ("Westlake High School junior Priya Raman").
    strong = [*students, *topics] if lenient else [*attached, *near, *topics]
    weak = [*attached, *near, *loose] if lenient else loose
    items.extend(_capped(_against(strong, terms, lenient, used), ATTACHED_WEIGHT, ATTACHED_CAP))
    items.extend(_capped(_against(weak, terms, lenient, used), LOOSE_WEIGHT, LOOSE_CAP))
    return items


_PATH_WORDS = re.compile(r"[a-z]+")


@lru_cache(maxsize=1024)
def _path_words(url: str) -> str:
    """Return the words of a link's path ("/swimming/2026/meet-results" -> "swimming meet ...")."""
    path = urlsplit(url).path.lower()
    return " ".join(_PATH_WORDS.findall(path))


def _against(
    found: list[clues.Clue], terms: _Terms, lenient: bool, seen: set[str]
) -> list[tuple[str, str]]:
    out = []
    for clue in found:
        key = clues.fold_words(clue.text)
        if clue.kind == "age" or key in seen:
            continue
        seen.add(key)
        # A clue's reading depends only on the person and the leniency: remember it.
        memo = (clue.kind, clue.text, lenient)
        reading = terms.readings.get(memo, _UNREAD)
        if reading is _UNREAD:
            _bound(terms.readings)
            reading = terms.readings[memo] = _read(clue, key, terms, lenient)
        if reading:
            out.append(reading)
    return out


def _read(clue: clues.Clue, key: str, terms: _Terms, lenient: bool) -> tuple[str, str] | None:
    """Return how a clue counts against the person (kind and text), or None if it does not."""
    if clue.kind == "occupation":
        field_ = clues.field_of(clue.text)
        if clues.is_student(clue.text) and "student" not in terms.fields:
            # A student at the person's school or club is not the person, however lenient:
            # their job title may be missing from the profile, but a school year is no job.
            return ("occupation", f"a student ('{clue.text}')")
        if lenient or field_ in terms.fields or key in terms.names:
            return None
        if any(key in p.split() for p in terms.phrases):
            return None
        return ("occupation", f"another occupation '{clue.text}'")
    if clue.kind == "topic":
        return None if "sports" in terms.fields else ("topic", clue.text)
    if _is_theirs(clue.text, terms):
        return None
    if clue.kind == "place":
        if clues.near(clues.regions_of(clue.text), terms.home):
            return None
        return ("place", f"another place '{clue.text}'")
    return ("organisation", f"another organisation '{clue.text}'")


def _capped(found: list[tuple[str, str]], weight: int, cap: int) -> list[Evidence]:
    items, total = [], 0
    for kind, text in found:
        if total + weight > cap:
            break
        total += weight
        items.append(_evidence("against", kind, text, -weight))
    return items


def _age(profile: Profile, ages: list[int], when: datetime | None) -> Evidence | None:
    """Return an age stated in the post that cannot be the person's, as evidence against."""
    if not ages:
        return None
    if profile.birth_year:
        years = [when.year] if when else list(range(2020, 2036))
        expected = [y - profile.birth_year for y in years]
        for age in ages:
            if min(abs(age - e) for e in expected) > AGE_TOLERANCE:
                yours = expected[0] if when else f"{expected[0]}-{expected[-1]}"
                text = f"age {age}, far from yours ({yours})"
                return _evidence("against", "age", text, -DEAD_WEIGHT)
        return None
    for age in ages:
        if age < 16:
            return Evidence("against", "age", f"age {age}: a child", -DEAD_WEIGHT)
    return None


SPECIFIC_KINDS = frozenset({"email", "phone", "link", "handle", "username", "employer", "feedback"})
"""Evidence only the person has: their address, number or account, their employer (named next
to the name, or their present employer anywhere), an author or site they vouched for."""


def _unspecific(items: list[Evidence], score: int, first_name: bool) -> Evidence | None:
    """Return what holds a "me" back to "maybe" when no evidence for it is specific, or None.

    A name and one place or term are what a namesake has too: "me" needs a specific piece
    (``SPECIFIC_KINDS``, or the present employer) or two context terms that count. A first
    name was found only beside the employer, so there the employer is one term, not enough
    alone: "Chris, a Tailspin Toys customer" may be any Chris.
    """
    if score < ME_AT:
        return None
    terms = 0
    for e in items:
        if e.side == "for" and e.weight:
            employer = e.kind == "employer" or e.text.startswith("employer '")
            if (e.kind in SPECIFIC_KINDS or employer) and not (first_name and employer):
                return None
            terms += e.kind in ("context", "learned")
    if terms >= 2:
        return None
    text = (
        "nothing specific to you (an email, phone, handle, employer by the name or a second term)"
    )
    return _evidence("against", "unspecific", text, MAYBE_AT + 1 - score)


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


_NOT_FOUND: dict[Role, Identity] = {
    role: Identity("not_me", role, "name not found", ()) for role in ("author", "subject")
}
"""The answer for a post that names no one of the person's (most of a multi-person check)."""


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
    folded = fold_post(post)
    found = scan(post, profile, folded)
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
        return _NOT_FOUND[role]
    items = _weigh(post, profile, found, folded, feedback, by_person, seen)
    score = sum(e.weight for e in items)
    held = _unspecific(items, score, all(k == "firstname" for _, k in found))
    if held:
        items.append(held)
        score += held.weight
    ordered = sorted(items, key=lambda e: (e.side != "for", -abs(e.weight)))
    return Identity(_decide(score), role, explain(ordered), mentions, tuple(ordered))
