"""The suggested-action decision tables: every row has a case, and first match wins."""

from __future__ import annotations

import pytest

from selfwatch.actions import (
    AUTHOR_TABLE,
    SUBJECT_TABLE,
    Facts,
    decide,
    suggest_action,
    vader_sentiment,
)
from selfwatch.model import Finding, Identity, Level, Post, Verdict

POST = Post("p1", "https://example.com/p1", "A post", "Some text about Jane Doe.")
OTHERS = Identity("me", "subject", "full name with context")
OWN = Identity("me", "author", "posted from your account")

E, W, INFO = Level.ERROR, Level.WARNING, Level.INFO


def verdict(*found: tuple[str, Level]) -> Verdict:
    findings = tuple(
        Finding(f"{cat}.rule", cat, level, 0, 1, 1, 1, "A", f"{cat} message", "fix it")
        for cat, level in found
    )
    return Verdict(
        score=50 if any(f.is_risk for f in findings) else 0, flagged=False, findings=findings
    )


# (table, row name, expected kind, findings, sentiment)
CASES: list[tuple[str, str, str, tuple[tuple[str, Level], ...], float]] = [
    # Posts by others: the USAF web-posting response assessment, adapted.
    ("subject", "exposed", "request_removal", (("personal_data", E),), 0.0),
    ("subject", "exposed", "request_removal", (("personal_data", INFO), ("harassment", E)), -0.9),
    ("subject", "troll", "monitor", (("harassment", W),), -0.8),
    ("subject", "troll", "monitor", (("hate", E), ("profanity", W)), -0.9),
    ("subject", "troll", "monitor", (("violence", INFO),), 0.0),
    ("subject", "troll", "monitor", (("sexual", W),), 0.0),
    ("subject", "rager", "monitor", (("profanity", W), ("employer", W)), -0.7),
    ("subject", "misguided", "correct", (("employer", W),), -0.6),
    ("subject", "misguided", "correct", (("substance", INFO),), 0.0),
    ("subject", "misguided", "correct", (("politics", W), ("praise", INFO)), 0.5),
    ("subject", "unhappy", "resolve", (), -0.3),
    ("subject", "unhappy", "resolve", (("praise", INFO),), -0.8),
    ("subject", "positive", "thank", (("praise", INFO),), 0.0),
    ("subject", "positive", "thank", (), 0.3),
    ("subject", "balanced", "share", (), 0.0),
    ("subject", "balanced", "share", (), -0.29),
    # The person's own posts.
    ("author", "unsafe", "delete", (("hate", INFO),), 0.0),
    ("author", "unsafe", "delete", (("confidential", W), ("profanity", W)), 0.0),
    ("author", "unsafe", "delete", (("personal_data", W),), 0.0),
    ("author", "unsafe", "delete", (("sexual", W),), 0.0),
    ("author", "error", "delete", (("employer", E),), 0.0),
    ("author", "error", "delete", (("politics", E),), 0.0),
    ("author", "wording", "edit", (("profanity", E),), 0.0),
    ("author", "wording", "edit", (("employer", W), ("politics", W)), 0.0),
    ("author", "private", "make_private", (("substance", W),), 0.0),
    ("author", "private", "make_private", (("politics", W),), 0.0),
    ("author", "private", "make_private", (("religion", W), ("politics", INFO)), 0.0),
    ("author", "opinion", "add_context", (("politics", INFO),), 0.0),
    ("author", "opinion", "add_context", (("religion", INFO), ("expertise", INFO)), 0.0),
    ("author", "good", "keep", (("achievement", INFO),), -0.9),
    ("author", "harmless", "keep", (), -0.9),
]


def test_other_risk_row_catches_categories_no_earlier_row_names() -> None:
    # Every built-in category is covered by an earlier row today; the catch-all protects the
    # table when a category is added to the model before the table learns about it.
    unknown = Finding("new.rule", "gambling", Level.WARNING, 0, 1, 1, 1, "A", "m", "s")
    facts = Facts(POST, OWN, Verdict(50, True, (unknown,)), lambda p: 0.0)
    row = decide(facts)
    assert (row.name, row.kind) == ("other_risk", "edit")
    assert "gambling" in row.why(facts)


@pytest.mark.parametrize(("table", "name", "kind", "found", "tone"), CASES)
def test_decision_table_row(
    table: str, name: str, kind: str, found: tuple[tuple[str, Level], ...], tone: float
) -> None:
    identity = OWN if table == "author" else OTHERS
    facts = Facts(POST, identity, verdict(*found), lambda p: tone)
    row = decide(facts)
    assert (row.name, row.kind) == (name, kind)
    action = suggest_action(POST, identity, verdict(*found), sentiment=lambda p: tone)
    assert action.kind == kind
    assert action.title == row.title
    assert action.why == row.why(facts)
    assert action.why.endswith(".")


def test_every_row_has_a_case() -> None:
    covered = {(t, n) for t, n, *_ in CASES} | {("author", "other_risk")}
    rows = {("subject", r.name) for r in SUBJECT_TABLE} | {("author", r.name) for r in AUTHOR_TABLE}
    assert rows == covered


def test_tables_end_with_a_row_that_always_matches() -> None:
    facts = Facts(POST, OTHERS, verdict(), lambda p: 0.0)
    assert SUBJECT_TABLE[-1].when(facts)
    assert AUTHOR_TABLE[-1].when(Facts(POST, OWN, verdict(), lambda p: 0.0))


def test_why_names_the_categories_found() -> None:
    action = suggest_action(POST, OWN, verdict(("hate", W), ("personal_data", E)))
    assert action.why.startswith("It contains hate and personal data.")
    action = suggest_action(POST, OTHERS, verdict(("employer", W), ("substance", INFO)))
    assert "(employer and substance)" in action.why


def test_sentiment_is_only_computed_when_a_row_needs_it() -> None:
    calls: list[str] = []

    def tone(post: Post) -> float:
        calls.append(post.id)
        return 0.0

    suggest_action(POST, OTHERS, verdict(("harassment", E)), sentiment=tone)
    suggest_action(POST, OWN, verdict(), sentiment=tone)
    assert calls == []
    suggest_action(POST, OTHERS, verdict(), sentiment=tone)
    assert calls == ["p1"]


def test_maybe_identity_asks_to_check_first() -> None:
    maybe = Identity("maybe", "subject", "name only, no context term")
    action = suggest_action(POST, maybe, verdict(("praise", INFO)))
    assert action.kind == "thank"
    assert action.why.startswith("First check that this is about you (name only, no context term).")


def test_not_me_is_ignored() -> None:
    not_me = Identity("not_me", "subject", "the singer")
    assert suggest_action(POST, not_me, verdict(("hate", E))).kind == "ignore"


def test_vader_tells_praise_from_complaint() -> None:
    warm = Post("w", "", "Great talk", "Jane Doe gave a brilliant, inspiring talk. Loved it!")
    angry = Post(
        "a",
        "",
        "Terrible service",
        "Jane Doe never answered my emails and the report was late and wrong. Awful, disappointed.",
    )
    assert vader_sentiment(warm) >= 0.3
    assert vader_sentiment(angry) <= -0.3
    assert suggest_action(warm, OTHERS, verdict()).kind == "thank"
    assert suggest_action(angry, OTHERS, verdict()).kind == "resolve"
