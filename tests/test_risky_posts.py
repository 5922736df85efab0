"""Recall corpus: realistic risky posts must each earn a finding of their category at WARNING+.

``fixtures/risky_posts.txt`` holds one post per line as ``category | post text`` (``#`` lines are
comments). Each post is labelled with the one category a careful employer's screener would
object to. They were written by hand from the kind of thing people really post, not from the
rule files, so this measures the checklist's recall rather than mirroring its word lists.
Findings of other categories are allowed; what must be there is one of the labelled category.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from selfwatch import lint_text
from selfwatch.model import Level

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "risky_posts.txt"
CATEGORIES = (
    "employer",
    "confidential",
    "personal_data",
    "substance",
    "sexual",
    "violence",
    "harassment",
    "hate",
    "profanity",
    "politics",
    "religion",
)
MIN_PER_CATEGORY = 15


def load_posts() -> list[tuple[str, str]]:
    """Return the fixture's ``(category, post)`` pairs, skipping blank and ``#`` comment lines."""
    posts: list[tuple[str, str]] = []
    for number, raw in enumerate(FIXTURE.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        category, sep, text = line.partition("|")
        assert sep, f"{FIXTURE.name}:{number}: expected 'category | post', got {line!r}"
        posts.append((category.strip(), text.strip()))
    return posts


def test_corpus_is_well_formed_and_not_emptied() -> None:
    posts = load_posts()
    unknown = sorted({category for category, _ in posts} - set(CATEGORIES))
    assert not unknown, f"unknown categories in {FIXTURE.name}: {unknown}"
    counts = Counter(category for category, _ in posts)
    short = {c: counts[c] for c in CATEGORIES if counts[c] < MIN_PER_CATEGORY}
    assert not short, f"fewer than {MIN_PER_CATEGORY} posts for: {short}"
    texts = [text for _, text in posts]
    assert len(set(texts)) == len(texts), "duplicate posts in the corpus"


def test_risky_posts_get_a_finding_of_their_category_at_warning_or_above() -> None:
    misses: list[str] = []
    for category, post in load_posts():
        findings = lint_text(post).findings
        if any(f.category == category and f.level >= Level.WARNING for f in findings):
            continue
        found = ", ".join(f"{f.category}/{f.level.label}" for f in findings) or "nothing"
        misses.append(f"[{category}] {post!r}\n    found: {found}")
    assert not misses, (
        f"{len(misses)} risky post(s) without a finding of their category at warning or above:\n"
        + "\n".join(misses)
    )
