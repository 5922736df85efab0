"""Group a text's findings for people to read: one entry per rule, every matched span once.

The checklist reports a finding per match, so a rule that matches three words in one post
gives three findings with the same message and suggestion. Readers of a digest, the report,
``selfwatch show`` and ``selfwatch lint`` want the reason once and the words it is about
listed together; this module does that grouping, for every rendering layer, without touching
the findings themselves (scores and JSON output still see each one).

``linted_text`` is the text of a post those findings point into, for every caller of the
engine (the watch cycle, the audit) and every renderer of a post's findings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .model import Finding, Level, Verdict

if TYPE_CHECKING:
    from .model import Post


def linted_text(post: Post) -> str:
    """Return the exact string the checklist engine lints for ``post``.

    Finding offsets (``start``/``end``) point into this string; keep it in step with the engine.
    The title is left out when the text already says all of it, as Google News does (the
    description is the headline and the publisher again): every finding would come twice.
    """
    if post.title and _repeats(post.text, post.title):
        return post.text
    return f"{post.title}\n\n{post.text}"


def _repeats(text: str, title: str) -> bool:
    """Return True when ``text`` starts with ``title``'s headline and has its " - Source" too."""
    text, title = (re.sub(r"\s+", " ", s).strip().casefold() for s in (text, title))
    headline, dash, source = title.rpartition(" - ")
    if not dash:
        return text.startswith(title)
    return text.startswith(headline) and source in text[len(headline) :]


@dataclass(frozen=True)
class RuleHits:
    """One rule's findings in one text: its message once, each distinct matched span once."""

    findings: tuple[Finding, ...]
    """The rule's findings, one per distinct span, in text order; never empty."""

    @property
    def first(self) -> Finding:
        """Return the earliest finding (its position leads a lint line)."""
        return self.findings[0]

    @property
    def rule(self) -> str:
        """Return the rule id."""
        return self.first.rule

    @property
    def category(self) -> str:
        """Return the rule's category."""
        return self.first.category

    @property
    def level(self) -> Level:
        """Return the highest level among the findings."""
        return max(f.level for f in self.findings)

    @property
    def is_risk(self) -> bool:
        """Return True for a DON'T category."""
        return self.first.is_risk

    @property
    def message(self) -> str:
        """Return why the rule matters (the same for every finding of a rule)."""
        return self.first.message

    @property
    def suggestion(self) -> str:
        """Return what to do about it."""
        return self.first.suggestion

    @property
    def matched(self) -> tuple[str, ...]:
        """Return the matched words, in text order."""
        return tuple(f.matched for f in self.findings)

    @property
    def whys(self) -> tuple[str, ...]:
        """Return each distinct explanation once, in text order."""
        return tuple(dict.fromkeys(f.why for f in self.findings if f.why))

    @property
    def targets(self) -> tuple[str, ...]:
        """Return each distinct target the words are aimed at, in text order."""
        return tuple(dict.fromkeys(f.target for f in self.findings if f.target))

    @property
    def stances(self) -> tuple[str, ...]:
        """Return each distinct stance (asserted, negated, quoted, ...), in text order."""
        return tuple(dict.fromkeys(f.stance for f in self.findings))


def spans_of(finding: Finding) -> Iterator[Finding]:
    """Yield ``finding`` once per span it matched, each with that span's offsets and words.

    A finding covers every match of its reason in one sentence; the spans after the first get
    ``line = col = 0`` (their position is known as offsets only).
    """
    spans = finding.spans or ((finding.start, finding.end),)
    words = finding.words or (finding.matched,)
    for n, (start, end) in enumerate(spans):
        word = words[n] if n < len(words) else finding.matched
        if n == 0:
            yield _changed(finding, start=start, end=end, matched=word, spans=(), words=())
        else:
            yield _changed(finding, start=start, end=end, matched=word, line=0, col=0,
                           spans=(), words=())  # fmt: skip


def _changed(finding: Finding, **changes: Any) -> Finding:
    """Return ``finding`` with ``changes``, as ``dataclasses.replace`` does without calling the
    generated ``__init__`` field by field (Finding has no ``__post_init__`` to skip): ~6 µs
    less a span, and the report of a 1 MB draft lists 12,000 of them."""
    copy: Finding = object.__new__(Finding)
    copy.__dict__.update(finding.__dict__, **changes)
    return copy


def group_findings(findings: Iterable[Finding]) -> tuple[RuleHits, ...]:
    """Return ``findings`` grouped per rule, in the order each rule first appears.

    Within a rule, every span is listed once (the same offsets, or the same words when a
    finding has no offsets), at its highest level.
    """
    by_rule: dict[str, dict[tuple[int, int] | str, Finding]] = {}
    for f in (span for finding in findings for span in spans_of(finding)):
        spans = by_rule.setdefault(f.rule, {})
        key: tuple[int, int] | str = (f.start, f.end) if f.end > f.start else f.matched.casefold()
        kept = spans.get(key)
        if kept is None or f.level > kept.level or (f.level == kept.level and f.line > kept.line):
            spans[key] = f
    return tuple(
        RuleHits(tuple(sorted(spans.values(), key=lambda f: (f.start, f.end))))
        for spans in by_rule.values()
    )


class ReadsVerdict:
    """For the items people read (digest, report, audit): their verdict's findings, grouped.

    A mixin for frozen dataclasses with a ``verdict`` field, so each item class does not
    write the same three properties again.
    """

    verdict: Verdict

    @property
    def risk_hits(self) -> tuple[RuleHits, ...]:
        """Return the risk findings grouped per rule, every matched span once."""
        return group_findings(self.verdict.risks)

    @property
    def good_hits(self) -> tuple[RuleHits, ...]:
        """Return the good findings grouped per rule, every matched span once."""
        return group_findings(self.verdict.good)

    @property
    def worst_level(self) -> Level | None:
        """Return the highest level among the risk findings, or None without risks."""
        return self.verdict.worst_level
