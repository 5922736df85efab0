"""Suggest one thing to do about a post: a small, ordered decision table over its verdict.

Two tables, picked by who wrote the post:

* **Posts by others** (``identity.role == "subject"``) follow the US Air Force web-posting
  response assessment, adapted from an organisation to a person: personal data exposed -> ask
  the site to take it down; troll (abuse) or rager (profane rant) -> monitor only, do not
  engage; misguided (claims about you that may be wrong) -> correct politely with sources;
  unhappy customer (a real grievance) -> resolve it, ideally privately; positive or balanced ->
  thank or share.
* **The person's own posts** (``role == "author"``): delete, edit, make private or add context,
  depending on the worst risk category found; keep it when it is good or harmless.

The first row whose condition holds wins, so rows are ordered from most to least urgent. Tone
("positive", "negative") comes from the verdict's good findings and, only when a row needs it,
from a sentiment score (VADER by default; tests inject their own).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any, Literal

from .model import RISK_CATEGORIES, Identity, Level, Post, Verdict

ActionKind = Literal[
    "ignore",
    "request_removal",
    "monitor",
    "correct",
    "resolve",
    "thank",
    "share",
    "delete",
    "edit",
    "make_private",
    "add_context",
    "keep",
]

Sentiment = Callable[[Post], float]
"""Return a post's tone from -1 (hostile) to +1 (warm)."""

NEGATIVE = -0.3
"""A sentiment at or below this reads as a complaint (VADER calls <= -0.05 negative; we want
clearly unhappy text before suggesting someone reach out)."""
POSITIVE = 0.3
"""A sentiment at or above this reads as warm enough to thank the author for."""

ABUSE = frozenset({"hate", "harassment", "violence", "sexual"})
"""Categories that make a post by someone else abuse: the troll of the assessment."""
CLAIMS = frozenset({"employer", "politics", "religion", "substance", "confidential"})
"""Categories that, in someone else's post, are claims about the person that may be wrong."""
OWN_DELETE = frozenset(
    {"hate", "harassment", "violence", "sexual", "confidential", "personal_data"}
)
"""Categories that, in the person's own post, no edit makes safe."""
OWN_EDIT = frozenset({"profanity", "employer"})
"""Categories where the point can stay and the wording must change."""
OWN_PRIVATE = frozenset({"substance"})
"""Fine among friends, not in front of a recruiter."""
OPINION = frozenset({"politics", "religion"})
"""Legitimate opinions: context or a smaller audience, depending on the level."""
SEVERE_WHEN_ERROR = frozenset(RISK_CATEGORIES) - {"profanity"}
"""At error level these call for deletion; swearing is always fixable by an edit."""


@dataclass(frozen=True)
class Action:
    """What to do about a post: a machine-readable kind, a short title and the reason."""

    kind: ActionKind
    title: str
    why: str


class Facts:
    """What the decision table looks at, computed once per post (sentiment only on demand)."""

    def __init__(
        self, post: Post, identity: Identity, verdict: Verdict, sentiment: Sentiment
    ) -> None:
        self.post = post
        self.identity = identity
        self.verdict = verdict
        self._sentiment = sentiment

    @property
    def own(self) -> bool:
        """Return True when the person wrote the post."""
        return self.identity.role == "author"

    @property
    def risk_categories(self) -> frozenset[str]:
        """Return the categories of the risk findings."""
        return frozenset(f.category for f in self.verdict.risks)

    def level_of(self, categories: frozenset[str]) -> Level | None:
        """Return the highest level among risk findings in ``categories``, or None."""
        levels = [f.level for f in self.verdict.risks if f.category in categories]
        return max(levels) if levels else None

    def has(self, categories: frozenset[str]) -> bool:
        """Return True if any risk finding falls in ``categories``."""
        return bool(self.risk_categories & categories)

    def names(self, categories: frozenset[str]) -> str:
        """Return the found categories among ``categories`` as readable words."""
        found = [f.category for f in self.verdict.risks if f.category in categories]
        return _words(tuple(dict.fromkeys(found)))

    @cached_property
    def sentiment(self) -> float:
        """Return the post's tone; computed the first time a row asks."""
        return self._sentiment(self.post)


@dataclass(frozen=True)
class Row:
    """One line of a decision table: when ``when`` holds, suggest ``kind`` with this text."""

    name: str
    when: Callable[[Facts], bool]
    kind: ActionKind
    title: str
    why: Callable[[Facts], str]


def _words(items: tuple[str, ...]) -> str:
    names = [i.replace("_", " ") for i in items]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _opinion_level(facts: Facts) -> Level | None:
    return facts.level_of(OPINION)


SUBJECT_TABLE: tuple[Row, ...] = (
    Row(
        "exposed",
        lambda f: f.has(frozenset({"personal_data"})),
        "request_removal",
        "Ask the site to remove your personal data",
        lambda f: (
            "It shows personal details such as contact data. Do not reply in public, "
            "which spreads it further; use the site's report or privacy form and ask the "
            "host to take it down."
        ),
    ),
    Row(
        "troll",
        lambda f: f.has(ABUSE),
        "monitor",
        "Monitor only; do not engage",
        lambda f: (
            f"It reads as abuse ({f.names(ABUSE)}). Replying feeds it. Keep a copy "
            "with the date, and report it to the platform if it threatens you."
        ),
    ),
    Row(
        "rager",
        lambda f: f.has(frozenset({"profanity"})),
        "monitor",
        "Monitor only; do not engage",
        lambda f: (
            "It is a profane rant. Rants burn out on their own and a reply gives "
            "them an audience; watch whether it spreads."
        ),
    ),
    Row(
        "misguided",
        lambda f: f.has(CLAIMS),
        "correct",
        "Check the facts; correct them politely if wrong",
        lambda f: (
            f"It makes claims about you ({f.names(CLAIMS)}) that an employer may read. "
            "If they are wrong, reply once, calmly, with sources and your name; if they are "
            "right, leave it or add context."
        ),
    ),
    Row(
        "unhappy",
        lambda f: f.sentiment <= NEGATIVE,
        "resolve",
        "Resolve the complaint, ideally in private",
        lambda f: (
            f"It reads as a grievance (tone {f.sentiment:+.2f}). Contact the author "
            "directly, fix what is fair, and say in public only that you did."
        ),
    ),
    Row(
        "positive",
        lambda f: bool(f.verdict.good) or f.sentiment >= POSITIVE,
        "thank",
        "Thank the author and share it",
        lambda f: (
            "It speaks well of you"
            + (f" ({_words(f.verdict.categories)})" if f.verdict.good else "")
            + ". A short thank-you and a share put it in front of people who look you up."
        ),
    ),
    Row(
        "balanced",
        lambda f: True,
        "share",
        "No reply needed; share it if useful",
        lambda f: "It is balanced or neutral. Nothing to fix; share it if it shows your work.",
    ),
)
"""Posts by others, after the USAF web-posting response assessment. First match wins."""


AUTHOR_TABLE: tuple[Row, ...] = (
    Row(
        "unsafe",
        lambda f: f.has(OWN_DELETE),
        "delete",
        "Delete it",
        lambda f: (
            f"It contains {f.names(OWN_DELETE)}. No edit makes that safe, and copies "
            "spread: delete it, and check archives and reposts."
        ),
    ),
    Row(
        "error",
        lambda f: f.level_of(SEVERE_WHEN_ERROR) == Level.ERROR,
        "delete",
        "Delete it",
        lambda f: (
            f"The checklist rates it an error ({f.names(SEVERE_WHEN_ERROR)}): the kind "
            "of post that costs interviews. Deleting beats editing once it has been read."
        ),
    ),
    Row(
        "wording",
        lambda f: f.has(OWN_EDIT),
        "edit",
        "Edit the wording",
        lambda f: (
            f"The point can stay; the {f.names(OWN_EDIT)} should go. Rewrite it as "
            "you would say it to a hiring manager."
        ),
    ),
    Row(
        "private",
        lambda f: f.has(OWN_PRIVATE) or _opinion_level(f) == Level.WARNING,
        "make_private",
        "Make it private",
        lambda f: (
            f"It is about {f.names(OWN_PRIVATE | OPINION)}: fine among friends, "
            "but not what a recruiter should find first. Limit it to friends or followers."
        ),
    ),
    Row(
        "opinion",
        lambda f: f.has(OPINION),
        "add_context",
        "Add context",
        lambda f: (
            f"It touches on {f.names(OPINION)}. Opinions are legitimate; a line of "
            "context shows it is considered, not a rant."
        ),
    ),
    Row(
        "other_risk",
        lambda f: bool(f.verdict.risks),
        "edit",
        "Edit the wording",
        lambda f: (
            f"The checklist found {f.names(frozenset(f.risk_categories))}; rephrase those parts."
        ),
    ),
    Row(
        "good",
        lambda f: bool(f.verdict.good),
        "keep",
        "Keep it; consider featuring it",
        lambda f: (
            f"It shows {_words(f.verdict.categories)}: what an employer is glad to "
            "find. Pin it or link it from your profile."
        ),
    ),
    Row(
        "harmless",
        lambda f: True,
        "keep",
        "Keep it",
        lambda f: "Nothing on the checklist; no action needed.",
    ),
)
"""The person's own posts. First match wins."""


def suggest_action(
    post: Post,
    identity: Identity,
    verdict: Verdict,
    *,
    sentiment: Sentiment | None = None,
) -> Action:
    """Return the suggested action for ``post``: the first matching row of the right table.

    ``sentiment`` scores the post's tone (-1..+1); VADER is used when it is not given.
    """
    if identity.confidence == "not_me":
        return Action("ignore", "Ignore it", f"Not about you: {identity.reason}")
    facts = Facts(post, identity, verdict, sentiment or vader_sentiment)
    row = decide(facts)
    why = row.why(facts)
    if identity.confidence == "maybe":
        why = f"First check that this is about you ({identity.reason}). {why}"
    return Action(row.kind, row.title, why)


def decide(facts: Facts) -> Row:
    """Return the row of the right table that decides for ``facts`` (for tests and --explain)."""
    table = AUTHOR_TABLE if facts.own else SUBJECT_TABLE
    return next(r for r in table if r.when(facts))


@lru_cache(maxsize=1)
def _analyzer() -> Any:
    # Imported lazily: the lexicon takes a moment to load and most posts never need it.
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def vader_sentiment(post: Post) -> float:
    """Return VADER's compound score for the post's title and text."""
    scores = _analyzer().polarity_scores(f"{post.title}\n\n{post.text}")
    return float(scores["compound"])
