"""The built-in checklist: every rule's examples, the rule-file format, and user settings."""

from __future__ import annotations

import pytest
from profiles import EXAMPLE_PROFILE

from selfwatch.checklist.engine import Engine, builtin_checklist, default_engine
from selfwatch.checklist.load import apply_settings, builtin_rule_files, parse_files
from selfwatch.errors import ChecklistError
from selfwatch.model import (
    CATEGORIES,
    CategoryOverride,
    ChecklistSettings,
    CustomRule,
    Level,
    Profile,
)

RULES = builtin_checklist().rules


def _hits(engine: Engine, text: str, rule_id: str, level: Level) -> list[str]:
    return [f.rule for f in engine.lint(text).findings if f.rule == rule_id and f.level >= level]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_flags_its_flag_examples(rule):
    engine = default_engine(EXAMPLE_PROFILE)
    for example in rule.examples_flag:
        findings = engine.lint(example).findings
        # Overlapping findings of one category keep the strongest, so a stronger sibling rule
        # may report the example: the category at the rule's level must be there.
        assert any(f.category == rule.category and f.level >= rule.level for f in findings), (
            f"{rule.id} did not flag {example!r}: {[(f.rule, f.level.label) for f in findings]}"
        )


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_passes_its_pass_examples(rule):
    engine = default_engine(EXAMPLE_PROFILE)
    for example in rule.examples_pass:
        assert not _hits(engine, example, rule.id, rule.level), f"{rule.id} flagged {example!r}"


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("I was high at work all week", "I was high"),
        ("came to work high again", "high"),
        ("high at the office today lol", "high"),
        ("I was stoned at work", "stoned"),
    ],
)
def test_high_at_work_is_an_error_like_stoned_at_work(text, matched):
    verdict = default_engine().lint(text)
    assert verdict.score == 70
    assert [(f.rule, f.matched) for f in verdict.findings] == [("substance.at_work", matched)]


@pytest.mark.parametrize(
    "text",
    [
        "High availability at work is our team's focus",
        "high standards at work",
        "high school",
        "a high-level design review at work",
        "the highest score at the office",
        "Stress is high at work this week",
    ],
)
def test_high_alone_is_no_drug_word(text):
    assert default_engine().lint(text).score == 0


def test_every_category_has_rules_and_every_rule_has_examples():
    covered = {r.category for r in RULES}
    assert covered == set(CATEGORIES)
    for rule in RULES:
        assert rule.examples_flag and rule.examples_pass, rule.id
        assert rule.message and rule.suggestion, rule.id
        assert rule.id.split(".")[0] == rule.category, rule.id


def test_rule_files_are_listed_and_versioned():
    names = [name for name, _ in builtin_rule_files()]
    assert "selfwatch/checklist/rules/employer.toml" in names
    assert builtin_checklist().version.startswith("2026.")


def test_invalid_rule_file_lists_every_problem():
    bad = """
[[rules]]
id = "NotDotted"
category = "gossip"
level = "loud"
terms = ["x"]
patterns = ["("]
message = "m"
suggestion = "s"
examples.flag = ["x"]
examples.pass = ["y"]
"""
    with pytest.raises(ChecklistError) as err:
        parse_files([("mine.toml", bad)])
    text = str(err.value)
    assert "mine.toml: rules[0].id" in text
    assert "unknown category 'gossip'" in text
    assert "rules[0].level" in text
    assert "invalid regular expression" in text


def test_rule_without_examples_is_rejected():
    bad = """
[[rules]]
id = "custom.x"
category = "employer"
terms = ["x"]
message = "m"
suggestion = "s"
"""
    with pytest.raises(ChecklistError, match="examples"):
        parse_files([("mine.toml", bad)])


def test_unknown_concept_is_rejected():
    bad = """
[[rules]]
id = "custom.x"
category = "employer"
terms = ["x"]
requires = ["nonexistent"]
message = "m"
suggestion = "s"
examples.flag = ["x"]
examples.pass = ["y"]
"""
    with pytest.raises(ChecklistError, match="unknown concept 'nonexistent'"):
        parse_files([("mine.toml", bad)])


def test_category_can_be_switched_off():
    settings = ChecklistSettings(categories=(("profanity", CategoryOverride(enabled=False)),))
    engine = default_engine(None, settings)
    assert not engine.lint("this is fucking great").findings
    assert default_engine().lint("this is fucking great").findings


def test_category_level_can_be_raised_but_topic_stays_info():
    settings = ChecklistSettings(categories=(("profanity", CategoryOverride(level=Level.ERROR)),))
    engine = default_engine(None, settings)
    (finding,) = engine.lint("this is fucking great").findings
    assert finding.level == Level.ERROR
    politics = ChecklistSettings(categories=(("politics", CategoryOverride(level=Level.ERROR)),))
    topic = default_engine(None, politics).lint("Remember to vote on Tuesday").findings
    assert [f.level for f in topic] == [Level.INFO]


def test_user_terms_with_weights():
    terms = (("crunch time", -1.0), ("death march", -2.0), ("hackathon", 0.0))
    settings = ChecklistSettings(categories=(("employer", CategoryOverride(terms=terms)),))
    engine = default_engine(None, settings)
    levels = {
        f.matched: f.level
        for f in engine.lint("Crunch time again. Death march. Hackathon!").findings
        if f.category == "employer"
    }
    assert levels == {
        "Crunch time": Level.WARNING,
        "Death march": Level.ERROR,
        "Hackathon": Level.INFO,
    }


def test_positive_weight_allow_lists_a_homonym():
    text = "Smoked a joint before the meeting at work"
    assert any(f.category == "substance" for f in default_engine().lint(text).findings)
    settings = ChecklistSettings(
        categories=(("substance", CategoryOverride(terms=(("joint", 1.0),))),)
    )
    findings = default_engine(None, settings).lint(text).findings
    assert not [f for f in findings if f.category == "substance" and f.matched.lower() == "joint"]


def test_custom_rule_and_disabled_rule():
    rule = CustomRule(
        id="custom.crunch",
        category="employer",
        level=Level.ERROR,
        terms=("crunch",),
        message="m",
        suggestion="s",
    )
    settings = ChecklistSettings(rules=(rule,), disabled_rules=("profanity.obscene",))
    engine = default_engine(None, settings)
    found = {f.rule for f in engine.lint("crunch again, shit").findings}
    assert "custom.crunch" in found
    assert "profanity.obscene" not in found


def test_profile_settings_apply_after_global():
    off = ChecklistSettings(categories=(("profanity", CategoryOverride(enabled=False)),))
    person = Profile(key="p", name="Pat Roe", checklist=off)
    assert not default_engine(person).lint("well shit").findings
    checklist = apply_settings(builtin_checklist(), ChecklistSettings(threshold=10))
    assert checklist.threshold == 10
