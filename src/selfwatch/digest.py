"""Build the email digest from judged posts, and render it as HTML and plain text.

Building is pure: posts, identities and verdicts in, a :class:`Digest` value out. Every post
lands in at most one section, so the counts in the subject add up:

* **Flagged**: the checklist flagged it (``verdict.flagged``), riskiest first (score, then the
  worst finding's level). A flagged post's good findings are still shown on its card, but the
  post is not repeated under Good news: the risk is what needs the reader's attention.
* **Good news**: not flagged, with at least one finding in a DO category (expertise,
  achievement, praise).
* **Mentions**: every other post about the person (identity ``me`` or ``maybe``), own posts
  included.
* **Handled**: posts the person acked since they were found (``selfwatch ack``). They are not
  open flags, so the subject and the other sections leave them out (see :func:`is_open_flag`).
* **Feed health**: feeds that are failing or disabled, and since when.

Every post carries its short id and the commands that act on it (``selfwatch ack 85ec77a1b2``).
Posts judged ``not_me`` never appear. Rendering uses jinja2 templates (HTML autoescaped); all
text from feeds is escaped, and only http(s) links become clickable.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jinja2
from markupsafe import Markup

from .actions import Action, Sentiment, suggest_action
from .display import CONTROL, visible_controls
from .errors import ConfigError
from .evidence import ReadsVerdict, linted_text
from .model import SCORE_LIMIT, FeedState, Finding, Identity, Post, Profile, Verdict

HTML_TEMPLATE = "digest.html.j2"
TEXT_TEMPLATE = "digest.txt.j2"
SNIPPET_WIDTH = 80
"""Characters of context shown on each side of a highlighted match."""
EXCERPT_LENGTH = 240
TITLE_LENGTH = 200
SHORT_ID = 10
"""Characters of a post id shown with each item; every command accepts a prefix, as in git."""


def short_id(post_id: str) -> str:
    """Return the short form of a post id that digests, the report and the CLI show."""
    return post_id[:SHORT_ID]


def post_commands(
    post_id: str, identity: Identity, *, flagged: bool, handled: bool = False, profile: str = ""
) -> tuple[str, ...]:
    """Return the ``selfwatch`` commands that act on a post, most useful first.

    A flagged, open post can be acked or ignored; any post can be marked not about the person,
    and a post that is only possibly about them can be confirmed with ``me``. ``profile``
    adds ``--profile KEY`` for configs with several people, where an id may be shared.
    """
    pid = short_id(post_id)
    option = f" --profile {profile}" if profile else ""
    verbs = []
    if flagged and not handled:
        verbs += ["ack", "ignore"]
    if identity.confidence == "maybe":
        verbs.append("me")
    if identity.role != "author":  # your own feed's posts are yours by definition
        verbs.append("notme")
    return tuple(f"selfwatch {verb} {pid}{option}" for verb in verbs)


@dataclass(frozen=True)
class DigestItem(ReadsVerdict):
    """One post in the digest, with who it is about, its verdict, its feeds and what to do."""

    post: Post
    identity: Identity
    verdict: Verdict
    sources: tuple[str, ...]
    action: Action
    commands: tuple[str, ...] = ()
    """``selfwatch`` commands that act on this post (ack, ignore, notme, ...)."""
    handled: bool = False
    """The person acked the post: it is listed under Handled, not counted as open."""

    @property
    def short_id(self) -> str:
        """Return the post's short id (any unique prefix works in commands)."""
        return short_id(self.post.id)


@dataclass(frozen=True)
class HealthEntry:
    """A feed that needs attention: its stored state and the label to show."""

    state: FeedState
    label: str

    @property
    def status(self) -> str:
        """Return ``"disabled"`` or ``"failing"``."""
        return "disabled" if self.state.disabled else "failing"


@dataclass(frozen=True)
class Digest:
    """One profile's digest: sections of posts, feed health and the email subject."""

    profile_key: str
    profile_name: str
    generated_at: datetime
    since: datetime | None
    """Start of the period covered; None for the first (baseline) digest or when unknown."""
    flagged: tuple[DigestItem, ...]
    mentions: tuple[DigestItem, ...]
    good_news: tuple[DigestItem, ...]
    health: tuple[HealthEntry, ...]
    subject: str
    baseline: bool = False
    timezone: str = "UTC"
    handled: tuple[DigestItem, ...] = ()
    open_flags: int | None = None
    """Every open flag of the person (not only new ones), when the caller knows it."""

    @property
    def items(self) -> tuple[DigestItem, ...]:
        """Return every new, unhandled post in the digest, section by section."""
        return self.flagged + self.good_news + self.mentions

    @property
    def empty(self) -> bool:
        """Return True when there is nothing to report (no posts, no failing feeds)."""
        return not self.items and not self.handled and not self.health

    @property
    def worst_score(self) -> int:
        """Return the highest risk score among the new, unhandled posts (0 without any)."""
        return max((i.verdict.score for i in self.items), default=0)

    @property
    def failing(self) -> int:
        """Return how many of the person's feeds are failing or disabled."""
        return len(self.health)


@dataclass(frozen=True)
class CombinedDigest:
    """Several profiles' digests in one email, e.g. for a coach watching their clients.

    Times are shown in ``timezone``, the coach's, not in each client's own.
    """

    key: str
    title: str
    generated_at: datetime
    digests: tuple[Digest, ...]
    subject: str
    timezone: str = "UTC"


def build_digest(
    profile: Profile,
    items: Sequence[tuple[Post, Identity, Verdict, tuple[str, ...]]],
    health: Sequence[FeedState],
    *,
    now: datetime,
    baseline: bool = False,
    since: datetime | None = None,
    sentiment: Sentiment | None = None,
    handled: Collection[str] = (),
    qualify: bool = False,
    open_flags: int | None = None,
) -> Digest:
    """Sort judged posts into sections, pick failing feeds and write the subject line.

    ``items`` are (post, identity, verdict, feed labels); ``health`` the states of the
    profile's feeds. Posts whose id is in ``handled`` (acked) go to the Handled section and
    count nowhere else. ``qualify`` adds ``--profile KEY`` to each item's commands (a config
    with several people). ``sentiment`` is passed to :func:`suggest_action`.
    """
    flagged: list[DigestItem] = []
    good: list[DigestItem] = []
    mentions: list[DigestItem] = []
    done: list[DigestItem] = []
    option = profile.key if qualify else ""
    for post, identity, verdict, sources in items:
        if identity.confidence == "not_me":
            continue
        acked = post.id in handled
        action = suggest_action(post, identity, verdict, sentiment=sentiment)
        commands = post_commands(
            post.id, identity, flagged=verdict.flagged, handled=acked, profile=option
        )
        item = DigestItem(post, identity, verdict, tuple(sources), action, commands, acked)
        if acked:
            done.append(item)
        elif verdict.flagged:
            flagged.append(item)
        elif verdict.good:
            good.append(item)
        else:
            mentions.append(item)
    flagged.sort(key=_risk_order)
    good.sort(key=lambda i: (-len(i.verdict.good), *_newest_first(i)))
    mentions.sort(key=_newest_first)
    done.sort(key=_risk_order)
    entries = _health_entries(profile, health)
    subject = digest_subject(
        profile.name, len(flagged), len(flagged) + len(good) + len(mentions), len(entries), baseline
    )
    return Digest(
        profile_key=profile.key,
        profile_name=profile.name,
        generated_at=now,
        since=since,
        flagged=tuple(flagged),
        mentions=tuple(mentions),
        good_news=tuple(good),
        health=entries,
        subject=subject,
        baseline=baseline,
        timezone=profile.timezone,
        handled=tuple(done),
        open_flags=open_flags,
    )


def _newest_first(item: DigestItem) -> tuple[float, str]:
    published = item.post.published
    stamp = published.timestamp() if published else float("-inf")
    return (-stamp, item.post.id)


def _risk_order(item: DigestItem) -> tuple[int, int, float, str]:
    worst = item.worst_level or 0
    return (-item.verdict.score, -worst, *_newest_first(item))


def _health_entries(profile: Profile, states: Sequence[FeedState]) -> tuple[HealthEntry, ...]:
    labels = {f.url: f.label for f in profile.feeds if f.label}
    bad = [s for s in states if s.disabled or s.failures > 0]
    bad.sort(key=lambda s: (not s.disabled, -s.failures, s.url))
    return tuple(HealthEntry(s, labels.get(s.url, s.url)) for s in bad)


def digest_subject(name: str, flagged: int, total: int, failing: int, baseline: bool) -> str:
    """Return a one-line subject: ``selfwatch: 3 flagged, 12 new mentions of Jane Doe``.

    ``total`` counts every post in the digest (flagged ones included).
    """
    name = " ".join(name.split())
    prefix = "selfwatch baseline" if baseline else "selfwatch"
    noun = "existing" if baseline else "new"
    parts = []
    if flagged:
        parts.append(f"{flagged} flagged")
    if total:
        parts.append(f"{total} {noun} {_plural(total, 'mention')} of {name}")
    else:
        parts.append(f"nothing {noun} about {name}")
    if failing:
        parts.append(f"{failing} {_plural(failing, 'feed')} failing")
    return f"{prefix}: {', '.join(parts)}"


def _plural(n: int, word: str) -> str:
    return word if n == 1 else word + "s"


def combine(
    digests: Iterable[Digest],
    *,
    now: datetime,
    key: str = "clients",
    title: str = "",
    timezone: str = "UTC",
) -> CombinedDigest:
    """Put several profiles' digests into one, with one section per profile.

    ``title`` defaults to the clients' names; ``timezone`` is the coach's, for every time shown.
    """
    parts = tuple(digests)
    title = title or _names(d.profile_name for d in parts)
    flagged = sum(len(d.flagged) for d in parts)
    total = sum(len(d.items) for d in parts)
    failing = sum(len(d.health) for d in parts)
    counts = [f"{flagged} flagged"] if flagged else []
    counts.append(f"{total} new {_plural(total, 'mention')}")
    if failing:
        counts.append(f"{failing} {_plural(failing, 'feed')} failing")
    n = len(parts)
    subject = f"selfwatch: {', '.join(counts)} across {n} {_plural(n, 'client')}"
    return CombinedDigest(key, title, now, parts, subject, timezone)


def _names(names: Iterable[str]) -> str:
    """Return ``Jane Doe, Sam Lee and Kim Park`` (at most four names, then "and N more")."""
    folded = [" ".join(n.split()) for n in names]
    if len(folded) > 4:
        return f"{', '.join(folded[:4])} and {len(folded) - 4} more"
    if len(folded) < 2:
        return "".join(folded)
    return f"{', '.join(folded[:-1])} and {folded[-1]}"


# --- Rendering helpers (pure; exposed to the templates as filters) -------------------------


@dataclass(frozen=True)
class Snippet:
    """A piece of post text around a match: ``before`` and ``after`` frame the ``match``."""

    before: str
    match: str
    after: str


def safe_href(url: str) -> str | None:
    """Return ``url`` if it is a plain http(s) URL fit for an ``href``, else None."""
    url = url.strip()
    if not url or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def locate(text: str, finding: Finding) -> tuple[int, int] | None:
    """Return the span of ``finding`` in ``text``: its offsets if they fit, else a search."""
    start, end = finding.start, finding.end
    fits = 0 <= start < end <= len(text)
    if fits and (not finding.matched or _same(text[start:end], finding.matched)):
        return start, end
    if finding.matched:
        found = re.search(re.escape(finding.matched), text, re.IGNORECASE)
        if found:
            return found.span()
    return (start, end) if fits else None


def _same(a: str, b: str) -> bool:
    return a.casefold() == b.casefold() or b.casefold() in a.casefold()


def snippet(text: str, start: int, end: int, width: int = SNIPPET_WIDTH) -> Snippet:
    """Return the words around ``text[start:end]``, cut at word boundaries, whitespace folded."""
    first, last = max(0, start - width), min(len(text), end + width)
    before = _fold(text[first:start]).lstrip()
    after = _fold(text[end:last]).rstrip()
    if first > 0:
        if not text[first - 1].isspace():
            before = _drop_partial_word(before, from_start=True)
        before = "…" + before.lstrip()
    if last < len(text):
        if not text[last].isspace():
            after = _drop_partial_word(after, from_start=False)
        after = after.rstrip() + "…"
    return Snippet(before, _fold(text[start:end]), after)


def _drop_partial_word(piece: str, *, from_start: bool) -> str:
    # Pieces are whitespace-folded already, so a single space separates words.
    if from_start:
        cut = piece.find(" ")
        return piece[cut + 1 :] if cut >= 0 else piece
    cut = piece.rfind(" ")
    return piece[:cut] if cut >= 0 else piece


def _fold(piece: str) -> str:
    return re.sub(r"\s+", " ", piece)


def finding_snippet(post: Post, finding: Finding) -> Snippet:
    """Return the snippet of ``post`` that shows ``finding``'s matched words."""
    text = linted_text(post)
    span = locate(text, finding)
    if span is None:
        return Snippet("", _fold(finding.matched), "")
    return snippet(text, *span)


def excerpt(post: Post, length: int = EXCERPT_LENGTH) -> str:
    """Return the start of the post's text, folded and cut at a word boundary."""
    text = _fold(post.text).strip()
    if len(text) <= length:
        return text
    return _drop_partial_word(text[: length + 1], from_start=False).rstrip(" ,.;:") + "…"


def display_title(post: Post) -> str:
    """Return the post's title, or the start of its text for untitled posts (toots, comments)."""
    if post.title.strip():
        return shorten(post.title)
    return excerpt(post, 80) or "(untitled)"


def shorten(value: str, length: int = TITLE_LENGTH) -> str:
    """Return ``value`` folded to one line and cut to ``length`` characters."""
    value = _fold(value).strip()
    return value if len(value) <= length else value[: length - 1].rstrip() + "…"


def format_when(moment: datetime | None, timezone: str = "UTC") -> str:
    """Return ``moment`` in ``timezone`` as ``2026-01-01 09:30 CET``; ``unknown`` for None."""
    if moment is None:
        return "unknown"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


CONFIDENCE = {"me": "certainly you", "maybe": "possibly you", "not_me": "not you"}
ROLE = {"author": "your post", "subject": "about you"}
CONFIDENCE_OF = {"me": "certainly {}", "maybe": "possibly {}", "not_me": "not {}"}
ROLE_OF = {"author": "{}'s post", "subject": "about {}"}


def identity_line(identity: Identity, name: str = "") -> str:
    """Return ``Certainly you, about you: <reason>``, or in a coach's digest, with ``name``."""
    if not name:
        who, role = CONFIDENCE[identity.confidence], ROLE[identity.role]
        return f"{who[:1].upper()}{who[1:]}, {role}: {identity.reason}"
    who = CONFIDENCE_OF[identity.confidence].format(name)
    role = ROLE_OF[identity.role].format(name)
    # Reasons speak to the person ("from one of your own feeds"); a coach reads "their".
    # Quoted terms ('Your Company') are the user's own words and stay as they are.
    pieces = re.split(r"('[^']*')", identity.reason)
    reason = "".join(
        piece if n % 2 else re.sub(r"\b[Yy]our\b", "their", piece) for n, piece in enumerate(pieces)
    )
    return f"{who[:1].upper()}{who[1:]}, {role}: {reason}"


def summary(digest: Digest | CombinedDigest) -> str:
    """Return the one-line counts used as the email preheader."""
    parts = digest.digests if isinstance(digest, CombinedDigest) else (digest,)
    flagged = sum(len(d.flagged) for d in parts)
    good = sum(len(d.good_news) for d in parts)
    total = sum(len(d.items) for d in parts)
    failing = sum(len(d.health) for d in parts)
    handled = sum(len(d.handled) for d in parts)
    words = [
        f"{flagged} flagged",
        f"{good} good news",
        f"{total} {_plural(total, 'post')} in all",
    ]
    if handled:
        words.append(f"{handled} handled")
    if failing:
        words.append(f"{failing} {_plural(failing, 'feed')} failing")
    return ", ".join(words)


# --- Templates ---------------------------------------------------------------------------


def template_dirs(override: Path | None = None) -> list[Path]:
    """Return the template directories to search, first match wins.

    The user's ``override``, the copy packaged in the wheel (``selfwatch/templates``), and the
    checkout's ``templates/`` at the repo root (editable installs).
    """
    here = Path(__file__).resolve().parent
    candidates = [here / "templates", here.parents[1] / "templates"]
    if override is not None:
        if not override.is_dir():
            raise ConfigError(f"templates directory not found: {override}")
        candidates.insert(0, override)
    return [c for c in candidates if c.is_dir()]


@lru_cache(maxsize=8)
def environment(templates_dir: Path | None) -> jinja2.Environment:
    """Return the jinja2 environment for selfwatch's HTML and text templates (cached)."""
    # Cached: compiling the templates dominates rendering. jinja2 still reloads a template
    # whose file changed (auto_reload), so a user editing an override sees it next run.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_dirs(templates_dir)),
        autoescape=lambda name: name is not None and name.endswith((".html", ".html.j2")),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # Every value printed goes through this: feed text can carry terminal escapes (a
        # hidden OSC 8 link, a bell) that a text mail or a --preview would otherwise pass on.
        finalize=_no_controls,
    )
    filters: dict[str, Callable[..., object]] = {
        "href": safe_href,
        "title": display_title,
        "when": format_when,
        "shorten": shorten,
        "excerpt": excerpt,
        "snippet": finding_snippet,
        "identity_line": identity_line,
    }
    env.filters.update(filters)
    env.globals.update(CONFIDENCE=CONFIDENCE, ROLE=ROLE, SCORE_LIMIT=SCORE_LIMIT)
    return env


def _no_controls(value: object) -> object:
    """Write control characters out as ``\\xNN`` in a printed value; keep its type."""
    if not isinstance(value, str) or not CONTROL.search(value):
        return value
    cleaned = visible_controls(value)
    # Markup is already escaped HTML: the replacement adds only backslashes and hex digits
    return Markup(cleaned) if isinstance(value, Markup) else cleaned


SECTION_LIMIT = 50
"""Posts shown per digest section; the rest are counted, with where to see them all.

An email with thousands of posts (the first digest after auditing a big archive) is clipped
by most mail clients and read by no one; ``selfwatch history`` and the report have them all.
"""


def _context(digest: Digest | CombinedDigest) -> dict[str, object]:
    return {"limit": SECTION_LIMIT, **_content(digest)}


def _coach_rows(digest: CombinedDigest) -> list[dict[str, object]]:
    """Return the combined digest's opening table: one row per client."""
    return [
        {
            "name": d.profile_name,
            "key": d.profile_key,
            "open_flags": d.open_flags if d.open_flags is not None else len(d.flagged),
            "new_flags": len(d.flagged),
            "mentions": len(d.items),
            "worst": d.worst_score if d.items else None,
            "failing": d.failing,
        }
        for d in digest.digests
    ]


def _content(digest: Digest | CombinedDigest) -> dict[str, object]:
    if isinstance(digest, CombinedDigest):
        return {
            "subject": digest.subject,
            "title": digest.title,
            "generated_at": digest.generated_at,
            "digests": digest.digests,
            "combined": True,
            "preheader": summary(digest),
            "timezone": digest.timezone,
            "rows": _coach_rows(digest),
        }
    return {
        "subject": digest.subject,
        "title": digest.profile_name,
        "generated_at": digest.generated_at,
        "digests": (digest,),
        "combined": False,
        "preheader": summary(digest),
        "timezone": digest.timezone,
        "rows": [],
    }


def render_html(digest: Digest | CombinedDigest, templates_dir: Path | None = None) -> str:
    """Render the digest as a self-contained HTML email (inline CSS, table layout)."""
    template = environment(templates_dir).get_template(HTML_TEMPLATE)
    return template.render(_context(digest))


def render_text(digest: Digest | CombinedDigest, templates_dir: Path | None = None) -> str:
    """Render the digest as plain text with the same content as the HTML."""
    template = environment(templates_dir).get_template(TEXT_TEMPLATE)
    return template.render(_context(digest))
