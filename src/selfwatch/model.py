"""The vocabulary: small frozen values that cross module boundaries.

Every other module speaks in these types. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    # Re-exported: the vocabulary is imported from model, wherever a value is defined
    from .posts import Confidence as Confidence
    from .posts import Evidence as Evidence
    from .posts import EvidenceSide as EvidenceSide
    from .posts import FeedState as FeedState
    from .posts import FetchResult as FetchResult
    from .posts import FetchStatus as FetchStatus
    from .posts import Identity as Identity
    from .posts import Mention as Mention
    from .posts import Post as Post
    from .posts import Role as Role


class Level(IntEnum):
    """How much a finding matters; ordered so levels compare (``Level.INFO < Level.ERROR``)."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        """Return the lowercase name used in output and config (``"warning"``)."""
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> Level:
        """Return the level named ``value`` (case-insensitive); raise ``ValueError`` otherwise."""
        try:
            return cls[value.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown level {value!r} (use info, warning or error)") from None


Author = Literal["self", "other"]
"""Who wrote a text: the person ("self": drafts, archives, own feeds) or someone else."""

RISK_CATEGORIES: tuple[str, ...] = (
    "politics",
    "religion",
    "employer",
    "hate",
    "harassment",
    "violence",
    "profanity",
    "sexual",
    "substance",
    "confidential",
    "personal_data",
)
"""The DON'T categories. These names are a public interface: keep them exact."""

GOOD_CATEGORIES: tuple[str, ...] = ("expertise", "achievement", "praise")
"""The DO categories: things an employer is glad to find."""

CATEGORIES: tuple[str, ...] = RISK_CATEGORIES + GOOD_CATEGORIES


@dataclass(frozen=True)
class Finding:
    """One reason a text may help or hurt: which rule, where, and why an employer would care."""

    rule: str
    category: str
    level: Level
    start: int
    end: int
    line: int
    col: int
    matched: str
    message: str
    suggestion: str
    why: str = ""
    """How the engine decided: the evidence (terms, context, target, sentiment, model features)."""
    target: str = ""
    """Who the words are aimed at, as the text names them ("you", "@dana", "immigrants")."""
    stance: str = "asserted"
    """How the words are used: asserted, negated, quoted, counter (counter-speech), asked or
    reported. Softened findings keep the stance that softened them."""
    spans: tuple[tuple[int, int], ...] = ()
    """Every (start, end) this reason matched in its sentence; ``start``/``end`` is the first."""
    words: tuple[str, ...] = ()
    """The text of each span, in order."""

    @property
    def is_risk(self) -> bool:
        """Return True for DON'T categories, False for the good (DO) ones."""
        return self.category not in GOOD_CATEGORIES


SCORE_LIMIT = 100_000
"""Characters of a post (title and text) the watch cycle scores; the rest is noted as not read.

Scoring time grows with the text, and one post must never hold up a cycle: 100,000
characters is a long article (about 15,000 words), far more than any post about a person.
"""


@dataclass(frozen=True)
class Verdict:
    """The checklist's answer for one text: a 0-100 risk score, flagged or not, and the findings."""

    score: int
    flagged: bool
    findings: tuple[Finding, ...]
    checklist_version: str = ""
    unread: int = 0
    """Characters past the scoring cap that were not read (0: the whole text was scored)."""
    scored: bool = True
    """False for a post set aside as about someone else: the checklist never read it."""

    @property
    def risks(self) -> tuple[Finding, ...]:
        """Return the findings in DON'T categories."""
        return tuple(f for f in self.findings if f.is_risk)

    @property
    def good(self) -> tuple[Finding, ...]:
        """Return the findings in DO categories."""
        return tuple(f for f in self.findings if not f.is_risk)

    @property
    def worst_level(self) -> Level | None:
        """Return the highest level among the risk findings, or None without risks."""
        return max((f.level for f in self.risks), default=None)

    @property
    def categories(self) -> tuple[str, ...]:
        """Return the distinct categories found, in order of first appearance."""
        return tuple(dict.fromkeys(f.category for f in self.findings))


@dataclass(frozen=True)
class CategoryOverride:
    """A user's change to one category: switch it off, change its level, add weighted terms."""

    enabled: bool = True
    level: Level | None = None
    terms: tuple[tuple[str, float], ...] = ()
    """Extra terms with a weight: negative = risky, 0 = neutral (info), positive = good."""


@dataclass(frozen=True)
class CustomRule:
    """A rule a user wrote in their config, in the same shape as the built-in TOML rules."""

    id: str
    category: str
    level: Level
    terms: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    message: str = ""
    suggestion: str = ""


@dataclass(frozen=True)
class ChecklistSettings:
    """Checklist tuning from config, global or per profile."""

    threshold: int = 40
    categories: tuple[tuple[str, CategoryOverride], ...] = ()
    rules: tuple[CustomRule, ...] = ()
    disabled_rules: tuple[str, ...] = ()
    rule_dirs: tuple[str, ...] = ()
    """Folders whose ``*.toml`` rule files are added to the built-in checklist (absolute)."""
    deep: bool = False
    """Also ask the deep checklist (MiniLM, ``pip install 'selfwatch[deep]'``)."""

    def override(self, category: str) -> CategoryOverride | None:
        """Return the override for ``category``, if any."""
        for name, value in self.categories:
            if name == category:
                return value
        return None


FeedKind = Literal[
    "google_news",
    "bing_news",
    "reddit",
    "hn",
    "hn_comments",
    "mastodon",
    "bluesky",
    "youtube",
    "github",
    "medium",
    "substack",
    "stackoverflow",
    "google_alerts",
    "url",
    "file",
]


@dataclass(frozen=True)
class FeedSpec:
    """A feed to poll for one profile; ``own`` feeds are the person's own posts."""

    url: str
    kind: FeedKind
    profile: str
    own: bool = False
    label: str = ""


Schedule = Literal["realtime", "daily", "weekly"]
WEEKDAYS: tuple[str, ...] = (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
)  # fmt: skip


@dataclass(frozen=True)
class DigestSettings:
    """When and how a profile's digest goes out."""

    schedule: Schedule = "daily"
    time: str = "08:00"
    """Local time of day (HH:MM, in the profile's time zone) for daily and weekly digests."""
    day: str = "monday"
    """Day of the week for weekly digests."""
    realtime_level: Level = Level.WARNING
    """With ``realtime``: send right after a poll that found something at or above this level."""
    heartbeat: bool = False
    """Send a short "nothing new" digest when a scheduled digest has nothing in it."""
    baseline: bool = True
    """First run: send one digest of what already exists (False: record it silently)."""
    cc: tuple[str, ...] = ()
    """Copied on every digest (a coach)."""
    templates_dir: str = ""


@dataclass(frozen=True)
class Profile:
    """One person being watched: who they are, how to find them, who gets their digest."""

    key: str
    """Short identifier used on the command line (``--profile jane``)."""
    name: str
    variants: tuple[str, ...] = ()
    handles: tuple[tuple[str, str], ...] = ()
    """(site, handle) pairs, e.g. ("mastodon", "@jane@mastodon.social")."""
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    employers: tuple[str, ...] = ()
    past_employers: tuple[str, ...] = ()
    confidential_terms: tuple[str, ...] = ()
    context_terms: tuple[str, ...] = ()
    exclude_terms: tuple[str, ...] = ()
    feeds: tuple[FeedSpec, ...] = ()
    search: bool = True
    """Generate the search-engine feeds for the name variants."""
    recipients: tuple[str, ...] = ()
    timezone: str = "UTC"
    birth_year: int | None = None
    """Tells the person apart from a namesake whose age is given ("Jordan Avery, 19,")."""
    checklist: ChecklistSettings = field(default_factory=ChecklistSettings)
    digest: DigestSettings = field(default_factory=DigestSettings)

    @property
    def all_names(self) -> tuple[str, ...]:
        """Return the name followed by its variants, without duplicates."""
        return tuple(dict.fromkeys((self.name, *self.variants)))

    def handle(self, site: str) -> str | None:
        """Return the handle for ``site``, if the profile has one."""
        for name, value in self.handles:
            if name == site:
                return value
        return None


# The watch cycle's values are defined in posts.py and created on first use (see there)
_POSTS = frozenset(
    {
        "Confidence",
        "Evidence",
        "EvidenceSide",
        "FeedState",
        "FetchResult",
        "FetchStatus",
        "Identity",
        "Mention",
        "Post",
        "Role",
    }
)


def __getattr__(name: str) -> object:
    if name in _POSTS:
        from . import posts

        return getattr(posts, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def is_open_flag(flagged: bool, status: str, confidence: str) -> bool:
    """Return True for an open flag: flagged, about the person, neither acked nor ignored.

    The one definition behind the digest's subject and sections, the report, ``status`` and
    ``profiles``: a post the person acked (handled) or ignored is not open.
    """
    return flagged and status == "new" and confidence != "not_me"
