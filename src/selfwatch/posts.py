"""The watch cycle's values: posts read from feeds, what is remembered of each feed, and whether
a post is about the person (its mentions and the evidence weighed).

Part of the vocabulary (see model.py, which re-exports every name here). They live apart so that
``selfwatch lint``, which needs none of them, does not create them: on Python 3.11 a frozen
dataclass costs about a millisecond to define.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal


@dataclass(frozen=True)
class Post:
    """One feed entry, normalised: plain text, canonical URL, UTC time."""

    id: str
    """Stable id derived from the canonical URL (or the entry id when there is no link)."""
    url: str
    title: str
    text: str
    author: str = ""
    published: datetime | None = None
    feed_url: str = ""
    guid: str = ""


FetchStatus = Literal["ok", "not_modified", "error", "gone"]


@dataclass(frozen=True)
class FetchResult:
    """What one poll of one feed gave: posts, or why not, and the validators for next time."""

    url: str
    status: FetchStatus
    http_status: int | None = None
    posts: tuple[Post, ...] = ()
    etag: str | None = None
    last_modified: str | None = None
    moved_to: str | None = None
    """Set after a permanent redirect: the URL to store instead."""
    error: str = ""
    retry_after: float | None = None
    """Seconds the server asked us to wait (429/503 Retry-After)."""
    elapsed: float = 0.0
    skipped: int = 0
    """Items left out because they had no real text (undefined entities: a malformed feed)."""
    body: bytes | None = None
    """A 200's body still to be parsed (``fetch.read_body``), when the caller parses it itself."""
    content_type: str | None = None
    """The Content-Type of ``body``."""


Confidence = Literal["me", "maybe", "not_me"]
Role = Literal["author", "subject"]


@dataclass(frozen=True)
class Mention:
    """One place a name variant or handle appears in a post, with the words around it."""

    variant: str
    field: Literal["title", "text", "author", "url"]
    start: int
    end: int
    snippet: str


EvidenceSide = Literal["for", "against"]


@dataclass(frozen=True)
class Evidence:
    """One thing that makes a post more (``for``) or less (``against``) likely about the person."""

    side: EvidenceSide
    kind: str
    """What it is: name, handle, email, phone, context, learned, exclusion, organisation, place,
    occupation, age, obituary, topic, account, feedback, own feed."""
    text: str
    """How it reads to the user: "employer 'Initech'", "another place 'Tampa'"."""
    weight: int
    """Points it adds (for) or takes away (against); 0 when it decides on its own (feedback)."""


@dataclass(frozen=True)
class Identity:
    """Whether a post is about this profile's person, and why."""

    confidence: Confidence
    role: Role
    reason: str
    mentions: tuple[Mention, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    """The weighing behind ``reason``, strongest first on each side."""


@dataclass(frozen=True)
class FeedState:
    """What we remember about one feed between polls: HTTP validators, health and backoff."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    last_success: datetime | None = None
    last_error: str = ""
    last_error_at: datetime | None = None
    failures: int = 0
    """Consecutive failed polls; 0 after a success."""
    next_attempt: datetime | None = None
    """Do not poll before this time (Retry-After or exponential backoff)."""
    disabled: str = ""
    """Why the feed is no longer polled (e.g. "410 Gone"); empty while active."""
    malformed: str = ""
    """What was wrong with the items of its last successful poll (skipped junk); empty if none."""
