"""Build the pre-screen report: what an employer's background screen would find about one person.

Building is pure: one profile's recorded posts, feed health and "not me" marks in, a
:class:`Report` value out. Rendering turns it into one self-contained HTML file: inline CSS,
charts as inline SVG drawn here, no scripts, no external assets, and a Content-Security-Policy
that forbids loading any. Everything from feeds is escaped; only http(s) links become links.

What counts where:

* Only posts about the person count: identity ``me`` or ``maybe``, and not marked "not me".
  Marked posts are listed in their own section; posts the matcher set aside are only counted.
* Posts set to ``ignored`` are left out of every list, the score and the charts, and counted in
  the summary. ``acked`` posts stay in, shown as handled: a handled post is still online until
  it is deleted, so it still counts towards the score.
* **Flagged**: the checklist flagged it; open before handled, then riskiest first.
  **Good news**: not flagged, with a finding in a DO category (expertise, achievement, praise).
* **Overall score**: the highest risk score among the posts that count, because a recruiter's
  search surfaces the worst post as readily as any other. Bands: low below 40, moderate from
  40, high from 70. The mean score of the flagged posts is shown beside it.

The report never mixes people: :func:`report_from_store` reads one profile's rows only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jinja2
from markupsafe import Markup

from .actions import Action, Sentiment, suggest_action
from .digest import environment, post_commands, short_id
from .evidence import ReadsVerdict
from .match import Feedback
from .model import (
    CATEGORIES,
    Confidence,
    FeedSpec,
    FeedState,
    Identity,
    Post,
    Profile,
    Verdict,
    is_open_flag,
)
from .sources import ARCHIVE, configured_only, feed_label

TEMPLATE = "report.html.j2"
BANDS: tuple[tuple[int, str], ...] = ((70, "high"), (40, "moderate"), (0, "low"))
"""(lowest score, band), highest first."""
BAND_MEANING = {
    "low": "Nothing found is likely to worry an employer.",
    "moderate": "Some posts could raise questions in a screening; review the flagged items.",
    "high": "At least one post is likely to count against you; deal with it first.",
}
IDS: tuple[Confidence, ...] = ("me", "maybe", "not_me")
MAX_MONTHS = 36
"""Beyond this span the timeline counts by year, so the chart stays readable."""


class RecordedPost(Protocol):
    """The shape of ``store.StoredPost`` that the report reads (the pure core cannot import it)."""

    @property
    def profile(self) -> str: ...
    @property
    def post(self) -> Post: ...
    @property
    def identity(self) -> Identity: ...
    @property
    def verdict(self) -> Verdict: ...
    @property
    def feeds(self) -> tuple[str, ...]: ...
    @property
    def seen_at(self) -> datetime: ...
    @property
    def status(self) -> str: ...


class RecordedFeed(Protocol):
    """The shape of ``store.FeedHealth`` that the report reads."""

    @property
    def spec(self) -> FeedSpec: ...
    @property
    def state(self) -> FeedState: ...
    @property
    def configured_url(self) -> str: ...
    @property
    def posts(self) -> int: ...


class ReportSource(Protocol):
    """What :func:`report_from_store` needs from ``store.Store``."""

    def posts(self, profile: str) -> Sequence[RecordedPost]: ...
    def feed_health(self, profile: str) -> Sequence[RecordedFeed]: ...
    def feedback(self, profile: str) -> Feedback: ...


@dataclass(frozen=True)
class ReportItem(ReadsVerdict):
    """One post in the report: the post, who it is about, its verdict, feeds, triage and action."""

    post: Post
    identity: Identity
    verdict: Verdict
    sources: tuple[str, ...]
    status: str
    action: Action | None
    """What to do; None for posts that are not about the person."""
    commands: tuple[str, ...] = ()
    """``selfwatch`` commands that act on the post (ack, ignore, notme, me)."""

    @property
    def handled(self) -> bool:
        """Return True when the person has acknowledged the post."""
        return self.status == "acked"

    @property
    def open_flag(self) -> bool:
        """Return True for an open flag (``model.is_open_flag``)."""
        return is_open_flag(self.verdict.flagged, self.status, self.identity.confidence)

    @property
    def short_id(self) -> str:
        """Return the post's short id."""
        return short_id(self.post.id)


@dataclass(frozen=True)
class Score:
    """The overall score: the worst post's risk score, its band, and the flagged posts' mean."""

    value: int
    band: str
    mean: int | None
    """Mean risk score of the flagged posts, rounded; None when nothing is flagged."""

    @property
    def meaning(self) -> str:
        """Return one sentence saying what the band means."""
        return BAND_MEANING[self.band]


@dataclass(frozen=True)
class Bar:
    """One bar of a chart."""

    label: str
    value: int


@dataclass(frozen=True)
class FeedRow:
    """One feed or archive read for the profile, with its health."""

    label: str
    spec: FeedSpec
    state: FeedState
    configured_url: str
    posts: int

    @property
    def status(self) -> str:
        """Return ``disabled``, ``failing``, ``ok`` or ``never read``."""
        if self.state.disabled:
            return "disabled"
        if self.state.failures:
            return "failing"
        return "ok" if self.state.last_success else "never read"


@dataclass(frozen=True)
class Report:
    """One profile's pre-screen report, ready to render."""

    profile_key: str
    profile_name: str
    generated_at: datetime
    timezone: str
    score: Score
    flagged: tuple[ReportItem, ...]
    good_news: tuple[ReportItem, ...]
    not_me: tuple[ReportItem, ...]
    by_month: tuple[Bar, ...]
    by_category: tuple[Bar, ...]
    good_by_category: tuple[Bar, ...]
    identity: tuple[Bar, ...]
    """Posts recorded by identity: me, maybe, not_me (marked or set aside by the matcher)."""
    counted: int
    """Posts about the person that the report covers (not ignored)."""
    ignored: int
    set_aside: int
    """Posts the matcher judged not about the person (not marked by hand)."""
    feeds: tuple[FeedRow, ...]
    archives: tuple[str, ...]
    first: datetime | None
    last: datetime | None
    """Earliest and latest date among the posts covered."""

    @property
    def handled(self) -> int:
        """Return how many flagged posts are marked handled."""
        return sum(1 for item in self.flagged if item.handled)

    @property
    def open_flags(self) -> int:
        """Return how many flagged posts are open flags (the count the digest and status use)."""
        return sum(1 for item in self.flagged if item.open_flag)


def build_report(
    profile: Profile,
    posts: Sequence[RecordedPost],
    health: Sequence[RecordedFeed],
    not_me: Sequence[RecordedPost],
    archives: Sequence[str],
    *,
    now: datetime,
    sentiment: Sentiment | None = None,
) -> Report:
    """Sort one profile's recorded posts into the report's sections, score them and count them.

    ``posts`` are every post recorded for the profile; ``not_me`` those the person marked as
    not about them; ``archives`` names other archives read. Feeds named ``archive:<source>``
    (how ``selfwatch audit`` stores an export) are listed as archives, not feeds. Rows of
    another profile are refused. ``sentiment`` is passed to :func:`suggest_action`.
    """
    foreign = {p.profile for p in (*posts, *not_me)} - {profile.key}
    if foreign:
        raise ValueError(f"posts of other profiles in {profile.key!r}'s report: {sorted(foreign)}")
    labels = {h.spec.url: feed_label(h.spec) for h in health}
    exports = [h for h in health if h.spec.url.startswith(ARCHIVE)]
    marked = {p.post.id for p in not_me}
    rest = [p for p in posts if p.post.id not in marked]
    about = [p for p in rest if p.identity.confidence != "not_me"]
    counted = [p for p in about if p.status != "ignored"]
    flagged = sorted((_item(p, labels, sentiment) for p in counted if p.verdict.flagged), key=_risk)
    good = sorted(
        (_item(p, labels, sentiment) for p in counted if not p.verdict.flagged and p.verdict.good),
        key=lambda i: (-len(i.verdict.good), *_newest(i)),
    )
    zone = _zone(profile.timezone)
    dates = [_when(p).astimezone(zone) for p in counted]
    flagged_dates = [_when(p).astimezone(zone) for p in counted if p.verdict.flagged]
    # The identity counts cover the same posts as "Posts about you covered" (ignored ones are
    # counted on their own line), so "you" + "possibly you" always equals it.
    identity = Counter(p.identity.confidence for p in rest if p.status != "ignored")
    return Report(
        profile_key=profile.key,
        profile_name=profile.name,
        generated_at=now,
        timezone=profile.timezone,
        score=_score(max((p.verdict.score for p in counted), default=0), flagged),
        flagged=tuple(flagged),
        good_news=tuple(good),
        not_me=tuple(_item(p, labels, None, act=False) for p in not_me),
        by_month=timeline(flagged_dates, now.astimezone(zone)),
        by_category=_tally(flagged, risk=True),
        good_by_category=_tally([*flagged, *good], risk=False),
        identity=tuple(Bar(c, identity[c] + (len(not_me) if c == "not_me" else 0)) for c in IDS),
        counted=len(counted),
        ignored=len(about) - len(counted),
        set_aside=identity["not_me"],
        feeds=tuple(
            FeedRow(labels[h.spec.url], h.spec, h.state, h.configured_url, h.posts)
            for h in health
            if h not in exports
        ),
        archives=(
            *archives,
            *(f"{labels[h.spec.url]}: {_count(h.posts, 'post')}" for h in exports),
        ),
        first=min(dates, default=None),
        last=max(dates, default=None),
    )


def _item(
    p: RecordedPost, labels: dict[str, str], sentiment: Sentiment | None, *, act: bool = True
) -> ReportItem:
    action = suggest_action(p.post, p.identity, p.verdict, sentiment=sentiment) if act else None
    sources = tuple(labels.get(u) or feed_label(FeedSpec(u, "url", p.profile)) for u in p.feeds)
    if act:
        commands = post_commands(
            p.post.id, p.identity, flagged=p.verdict.flagged, handled=p.status == "acked",
            profile=p.profile,
        )  # fmt: skip
    else:  # marked "not me": the way back is "me"
        commands = (f"selfwatch me {short_id(p.post.id)} --profile {p.profile}",)
    return ReportItem(p.post, p.identity, p.verdict, sources, p.status, action, commands)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _risk(item: ReportItem) -> tuple[bool, int, int, float, str]:
    return (item.handled, -item.verdict.score, -(item.worst_level or 0), *_newest(item))


def _when(p: RecordedPost) -> datetime:
    moment = p.post.published or p.seen_at
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _newest(item: ReportItem) -> tuple[float, str]:
    published = item.post.published
    return (-(published.timestamp() if published else float("-inf")), item.post.id)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def band(score: int) -> str:
    """Return the band a 0-100 risk score falls in: ``low``, ``moderate`` or ``high``."""
    return next(name for floor, name in BANDS if score >= floor)


def _score(worst: int, flagged: Sequence[ReportItem]) -> Score:
    scores = [item.verdict.score for item in flagged]
    mean = round(sum(scores) / len(scores)) if scores else None
    return Score(worst, band(worst), mean)


def _tally(items: Iterable[ReportItem], *, risk: bool) -> tuple[Bar, ...]:
    counts: Counter[str] = Counter()
    for item in items:
        counts.update({f.category for f in item.verdict.findings if f.is_risk == risk})
    order = {name: n for n, name in enumerate(CATEGORIES)}
    ranked = sorted(counts, key=lambda c: (-counts[c], order.get(c, len(order)), c))
    return tuple(Bar(name, counts[name]) for name in ranked)


def timeline(moments: Sequence[datetime], now: datetime) -> tuple[Bar, ...]:
    """Count ``moments`` per month from the first one to ``now``'s month (per year past 3 years).

    Months without posts get a zero bar, so a quiet stretch shows as one.
    """
    if not moments:
        return ()
    start = min(moments)
    end = max(max(moments), now)
    span = (end.year - start.year) * 12 + end.month - start.month + 1
    if span > MAX_MONTHS:
        years = Counter(m.year for m in moments)
        return tuple(Bar(str(y), years[y]) for y in range(start.year, end.year + 1))
    months = Counter((m.year, m.month) for m in moments)
    bars = []
    for n in range(span):
        year, month = divmod(start.year * 12 + start.month - 1 + n, 12)
        bars.append(Bar(f"{year}-{month + 1:02d}", months[(year, month + 1)]))
    return tuple(bars)


# --- Charts: inline SVG, drawn here so the report needs no script or library ------------------

BAR_COLOUR = "#b42318"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
"""Fixed English names: the template is English, whatever the machine's locale."""
GOOD_COLOUR = "#067647"


CHART_WIDTH = 680
"""Widest a column chart is drawn, in CSS pixels: it fits the report's column on screen and an
A4 page in print, so the browser never scales it down (and its 11 px labels stay 11 px)."""
LABEL_ROOM = 30
"""Pixels a column label needs ("Sep", "2026"); labels are thinned out to keep this much."""


def column_chart(bars: Sequence[Bar], title: str, colour: str = BAR_COLOUR) -> Markup:
    """Return an SVG column chart; each column's height is proportional to its value.

    Columns narrow to keep the chart within :data:`CHART_WIDTH`, and only every n-th column
    is labelled when labels would otherwise overlap.
    """
    height, top, left = 140, 16, 8
    slot = min(40.0, (CHART_WIDTH - 2 * left) / max(len(bars), 1))
    width, axis = round(left * 2 + slot * len(bars), 1), top + height
    peak = max((b.value for b in bars), default=0) or 1
    every = max(-(-len(bars) // 18), -(-LABEL_ROOM // int(slot)))
    gap = min(6.0, slot * 0.15)
    parts = [f'<line x1="{left}" y1="{axis}" x2="{width - left}" y2="{axis}" stroke="#98a2b3"/>']
    for n, bar in enumerate(bars):
        h = round(height * bar.value / peak, 1)
        x, y = round(left + n * slot, 1), axis - h
        parts.append(_rect(bar, round(x + gap, 1), y, round(slot - 2 * gap, 1), h, colour))
        if bar.value:
            parts.append(_text(round(x + slot / 2, 1), y - 3, str(bar.value), "middle", "value"))
        if n % every == 0:
            for line, text in enumerate(_tick(bar.label, first=n == 0)):
                centre = round(x + slot / 2, 1)
                parts.append(_text(centre, axis + 16 + 13 * line, text, "middle", "tick"))
    return _svg(width, axis + 40, title, parts)


def _tick(label: str, *, first: bool) -> tuple[str, ...]:
    """Return a column's label lines: ``2025-11`` is ``Nov``, with the year first and in January."""
    year, _, month = label.partition("-")
    if not (year.isdigit() and month.isdigit() and 1 <= int(month) <= 12):
        return (label,)
    name = MONTHS[int(month) - 1]
    return (name, year) if first or month == "01" else (name,)


def row_chart(bars: Sequence[Bar], title: str, colour: str = BAR_COLOUR) -> Markup:
    """Return an SVG chart with one row per bar; each bar's width is proportional to its value."""
    row, left, length = 24, 130, 300
    peak = max((b.value for b in bars), default=0) or 1
    parts = []
    for n, bar in enumerate(bars):
        w, y = round(length * bar.value / peak, 1), n * row + 4
        parts.append(_text(left - 8, y + 12, bar.label.replace("_", " "), "end", "tick"))
        parts.append(_rect(bar, left, y, w, row - 8, colour))
        parts.append(_text(left + w + 6, y + 12, str(bar.value), "start", "value"))
    return _svg(left + length + 40, row * len(bars) + 8, title, parts)


def _rect(bar: Bar, x: float, y: float, width: float, height: float, colour: str) -> str:
    return (
        f'<rect class="bar" data-value="{bar.value}" x="{x}" y="{y}" width="{width}" '
        f'height="{height}" fill="{colour}"><title>{escape(bar.label)}: {bar.value}</title></rect>'
    )


def _text(x: float, y: float, value: str, anchor: str, kind: str) -> str:
    return f'<text class="{kind}" x="{x}" y="{y}" text-anchor="{anchor}">{escape(value)}</text>'


def _svg(width: float, height: float, title: str, parts: list[str]) -> Markup:
    body = "".join(parts)
    return Markup(
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>{body}</svg>'
    )


# --- Rendering -----------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _environment(templates_dir: Path | None) -> jinja2.Environment:
    # The digest's environment (loaders, escaping, filters) plus the chart helpers; an overlay
    # with its own globals dict, so the digest's templates do not see them.
    env = environment(templates_dir).overlay()
    env.globals = {
        **env.globals,
        "column_chart": column_chart,
        "row_chart": row_chart,
        "GOOD_COLOUR": GOOD_COLOUR,
    }
    return env


def render_report(report: Report, templates_dir: Path | None = None) -> str:
    """Render the report as one self-contained HTML page (inline CSS and SVG, no scripts)."""
    template = _environment(templates_dir).get_template(TEMPLATE)
    return template.render(report=report)


def report_from_store(
    store: ReportSource,
    profile: Profile,
    *,
    now: datetime,
    archives: Sequence[str] = (),
    sentiment: Sentiment | None = None,
) -> Report:
    """Read one profile's posts, feeds and "not me" marks from ``store`` and build its report."""
    posts = store.posts(profile.key)
    marked = store.feedback(profile.key).not_me_posts
    not_me = [p for p in posts if p.post.id in marked]
    health = configured_only(profile, store.feed_health(profile.key))
    return build_report(profile, posts, health, not_me, archives, now=now, sentiment=sentiment)
