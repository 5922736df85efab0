"""Findings grouped per rule per post, in every rendering layer (digest, report, show, lint)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

from click.testing import CliRunner

from selfwatch.cli import cli
from selfwatch.digest import build_digest, render_html, render_text
from selfwatch.evidence import group_findings, spans_of
from selfwatch.model import Finding, Identity, Level, Post, Profile, Verdict
from selfwatch.output import post_detail
from selfwatch.report import build_report, render_report
from selfwatch.store import StoredPost

NOW = datetime(2026, 3, 1, tzinfo=UTC)
TEXT = "Damn. Damn this meeting, damn it all. My boss is clueless."
MESSAGE = "Obscene language reads as unprofessional to recruiters."


def hit(word: str, at: int, rule: str = "profanity.obscene", level: Level = Level.WARNING):
    start = at + 2  # offsets point into the linted text: "<title>\n\n<text>", no title here
    category = rule.partition(".")[0]
    return Finding(rule, category, level, start, start + len(word), 1, start + 1, word,
                   MESSAGE if category == "profanity" else "Badmouthing.", "Swap it.",
                   f"term {word.lower()!r}")  # fmt: skip


FINDINGS = (
    hit("Damn", 0),
    hit("Damn", 6),
    hit("damn", 25),
    hit("damn", 25, level=Level.ERROR),  # the same span twice: kept once, at its worst
    hit("clueless", 49, rule="employer.badmouthing"),
)


def test_group_findings_keeps_each_rule_once_and_each_span_once():
    groups = group_findings(FINDINGS)
    assert [g.rule for g in groups] == ["profanity.obscene", "employer.badmouthing"]
    swear = groups[0]
    assert swear.matched == ("Damn", "Damn", "damn")
    assert swear.level == Level.ERROR and swear.message == MESSAGE
    assert swear.whys == ("term 'damn'",)


def stored() -> StoredPost:
    post = Post(id="abcdef0123456789", url="https://example.com/1", title="", text=TEXT)
    identity = Identity("me", "subject", "full name")
    verdict = Verdict(82, True, FINDINGS)
    return StoredPost("jane", post, identity, verdict, ("https://example.com/feed",), NOW)


def test_digest_and_report_show_the_reason_once_and_every_match():
    sp = stored()
    profile = Profile(key="jane", name="Jane Doe")
    digest = build_digest(profile, [(sp.post, sp.identity, sp.verdict, ())], [], now=NOW)
    for rendered in (render_text(digest), render_html(digest)):
        assert rendered.count(MESSAGE) == 1
        assert "3 matches" in rendered
    text = render_text(digest)
    assert text.count("**Damn**") == 2 and text.count("**damn**") == 1
    report = render_report(build_report(profile, [sp], [], [], [], now=NOW))
    assert report.count(MESSAGE) == 1 and report.count("<mark") == 4
    assert "selfwatch ack abcdef0123 --profile jane" in report
    assert 'class="command"' in report


def test_show_lists_each_rule_once():
    detail = post_detail(stored())
    lines = [ln for ln in detail.splitlines() if re.match(r"  (error|warning) ", ln)]
    assert lines == [
        "  error   profanity.obscene: 'Damn', 'Damn', 'damn'",
        "  warning employer.badmouthing: 'clueless'",
    ]
    assert detail.count(MESSAGE) == 1


def test_lint_prints_one_line_per_rule_with_every_position():
    # Two sentences: two findings (one per reason per sentence), one line, every span once;
    # each further finding's first span carries its own line:col.
    text = "Shit.\nShit this, shit it all.\n"
    result = CliRunner().invoke(cli, ["lint", "-"], input=text)
    (line,) = [ln for ln in result.output.splitlines() if "profanity.obscene" in ln]
    assert line.startswith("-:1:1: warning profanity.obscene: ")
    assert line.endswith("['Shit', 'Shit' (2:1), 'shit']")
    as_json = CliRunner().invoke(cli, ["lint", "--format", "json", "-"], input=text)
    assert as_json.output.count('"rule": "profanity.obscene"') == 2  # JSON stays per finding


def test_a_finding_with_several_spans_is_listed_span_by_span():
    several = replace(FINDINGS[0], spans=((2, 6), (8, 12)), words=("Damn", "Damn"))
    (hits,) = group_findings([several, FINDINGS[1]])  # FINDINGS[1] repeats the second span
    assert hits.matched == ("Damn", "Damn")
    assert [(f.start, f.line) for f in hits.findings] == [(2, 1), (8, 1)]  # a known line wins


def test_each_listed_span_is_the_finding_replaced_field_by_field():
    several = replace(FINDINGS[0], spans=((2, 6), (8, 12)), words=("Damn", "damn"))
    first, second = spans_of(several)
    assert first == replace(several, start=2, end=6, matched="Damn", spans=(), words=())
    assert second == replace(
        several, start=8, end=12, matched="damn", line=0, col=0, spans=(), words=()
    )
    assert type(first) is Finding and hash(first) == hash(replace(first))
