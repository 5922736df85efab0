"""Learn from ``selfwatch me`` / ``selfwatch notme``: what a mark teaches, and what it may cover.

Pure functions over values. A mark decides its own post; beyond it, it teaches *words*: the
few that tell this post's person apart ("Duke", "basketball" for a namesake; "Initech" for the
person). They come, in this order, from the clues the matcher already read next to the name
(another organisation, place or occupation), then from the capitalised words and occupations
around the name. Words the person's own posts also use ("Portland" when they live there) are
never learned as pointing to a namesake, nor the person's names, terms or common words. Learned
words weigh -1 (or +1) in later decisions (see ``identity``): they tip a post that had little else
to go on and never outweigh a full name with the person's employer.

A mark covers an author or a whole site only when the user asks (``--author``, ``--site``), and
never a site where many people post (``match.PLATFORMS``) or an author that is the person's own
name or handle: a namesake has the same name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from . import clues
from .errors import FeedbackError
from .match import PLATFORMS, MarkKind, Scope, author_key, find_mentions, site_of
from .model import Identity, Mention, Post, Profile

MAX_WORDS = 8
_COMMON = frozenset(
    {"the", "and", "for", "with", "from", "that", "this", "his", "her", "their", "has", "have",
     "was", "were", "will", "who", "said", "says", "after", "before", "new", "first", "last",
     "year", "years", "week", "today", "monday", "tuesday", "wednesday", "thursday", "friday",
     "saturday", "sunday", "january", "february", "march", "april", "may", "june", "july",
     "august", "september", "october", "november", "december", "news", "update", "report",
     "local", "man", "woman", "people", "named", "wins", "win", "joins", "join", "here",
     "how", "what", "why", "when", "where", "our", "your", "you", "they", "she", "he", "its",
     "a", "an", "of", "in", "on", "at", "to", "by", "is", "as", "re", "show", "ask"}
)  # fmt: skip
_LEARNABLE = ("organisation", "place", "occupation", "exclusion", "topic")


def learn(
    post: Post, profile: Profile, identity: Identity, kind: MarkKind, theirs: Iterable[str]
) -> tuple[str, ...]:
    """Return up to eight folded words or phrases that tell this post's person apart.

    ``theirs`` are the folded words of the posts on the other side (the person's own posts for a
    ``notme``, the namesakes' for a ``me``): a word found there tells nothing and is skipped.
    """
    skip = set(theirs) | _COMMON | _profile_words(profile)
    words: list[str] = []
    if kind == "notme":
        for item in identity.evidence:
            if item.side == "against" and item.kind in _LEARNABLE:
                quoted = re.findall(r"'([^']+)'", item.text)
                words.extend(clues.fold_words(q) for q in quoted)
    words.extend(_near_name(post, profile))
    found: list[str] = []
    for word in words:
        if word and word not in found and not (set(word.split()) & skip) and len(word) >= 3:
            found.append(word)
    return tuple(found[:MAX_WORDS])


def _profile_words(profile: Profile) -> set[str]:
    terms = (*profile.all_names, *profile.employers, *profile.past_employers,
             *profile.context_terms, *profile.exclude_terms)  # fmt: skip
    return {w for t in terms for w in clues.fold_words(t).split()}


def _near_name(post: Post, profile: Profile) -> list[str]:
    """Return capitalised phrases, occupations and sports near the name, nearest first.

    Words in the field that names the person rank by their distance from the name; the rest
    of a post that names them (a title's article text) follows, in order.
    """
    found: list[tuple[int, str]] = []
    mentions = [m for m in find_mentions(post, profile) if m.field in ("title", "text")]
    for name in ("title", "text"):
        value = getattr(post, name)
        here = [m for m in mentions if m.field == name]
        if not value or not mentions:
            continue
        for span, word in _candidates(value):
            if any(s < span[1] and span[0] < e for s, e in ((m.start, m.end) for m in here)):
                continue  # the name itself
            distance = min((_distance(span, m) for m in here), default=_FAR + span[0])
            found.append((distance, word))
    return [word for _, word in sorted(found)]


def _candidates(value: str) -> list[tuple[tuple[int, int], str]]:
    found = []
    for m in _CAPITALISED.finditer(value):
        found.append((m.span(), clues.fold_words(re.sub(r"['’]s$", "", m.group(0)))))
    for m in re.finditer(r"[\w\-]+", value):
        word = m.group(0).lower()
        if clues.field_of(word) or word in clues.SPORTS:
            found.append((m.span(), clues.fold_words(word)))
    return found


_FAR = 10_000
_CAPITALISED = re.compile(r"[A-Z\u00c0-\u00de][\w'’\-]*(?:\s+[A-Z\u00c0-\u00de][\w'’\-]*)*")


def _distance(span: tuple[int, int], mention: Mention) -> int:
    return mention.start - span[1] if span[1] <= mention.start else span[0] - mention.end


def post_words(posts: Iterable[Post]) -> set[str]:
    """Return the folded words of some posts' titles and texts."""
    return {w for p in posts for w in clues.fold_words(f"{p.title} {p.text}").split()}


def check_scope(post: Post, profile: Profile, scope: Scope) -> None:
    """Raise FeedbackError when a mark may not cover ``post``'s author or site."""
    if scope == "site":
        site = site_of(post.url)
        if not site:
            raise FeedbackError(f"post {post.id[:10]} has no site to mark (URL {post.url!r})")
        if site in PLATFORMS:
            raise FeedbackError(
                f"{site} is a site where many people post: a mark cannot cover all of it; "
                "mark the post alone, or its author with --author"
            )
    if scope == "author":
        author = author_key(post.author)
        if not author:
            raise FeedbackError(f"post {post.id[:10]} names no author to mark")
        own = {author_key(n) for n in profile.all_names}
        own |= {author_key(h.lstrip("@")) for _, h in profile.handles}
        own |= {author_key(h) for _, h in profile.handles}
        bare = re.sub(r"^/?u/|^@", "", author)
        if author in own or bare in own:
            raise FeedbackError(
                f"the author {post.author.strip()!r} is your own name or handle: a namesake "
                "has the same name, so a mark cannot cover every post by it"
            )
