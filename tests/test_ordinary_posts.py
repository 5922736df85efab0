"""Precision corpus: ordinary, harmless posts must not earn a risk finding at WARNING or above.

``fixtures/ordinary_posts.txt`` holds one post per line (``#`` lines are comments grouping them
by theme). They are the kind of thing a job seeker, developer, parent, athlete, cook, traveller
or professional writes every day, and they are full of the homonyms, idioms, slang and names
that naive word lists get wrong ("kill the process", "BS in Computer Science", "Scunthorpe",
"pot roast", "welcomes refugees"). Politics and religion may show at INFO level; nothing in a
risk category may reach WARNING.
"""

from __future__ import annotations

from pathlib import Path

from selfwatch import lint_text
from selfwatch.model import GOOD_CATEGORIES, Level

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "ordinary_posts.txt"
MIN_POSTS = 250


def load_posts() -> list[str]:
    """Return the fixture's posts: every line that is neither blank nor a ``#`` comment."""
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def test_corpus_is_not_emptied():
    posts = load_posts()
    assert len(posts) >= MIN_POSTS, f"only {len(posts)} posts in {FIXTURE.name}"
    assert len(set(posts)) == len(posts), "duplicate posts in the corpus"


def test_ordinary_posts_get_no_risk_finding_at_warning_or_above():
    failures: list[str] = []
    for post in load_posts():
        for f in lint_text(post).findings:
            if f.category not in GOOD_CATEGORIES and f.level >= Level.WARNING:
                failures.append(
                    f"{post!r}\n    {f.rule} [{f.category}, {f.level.label}] matched {f.matched!r}"
                )
    assert not failures, (
        f"{len(failures)} risk finding(s) at warning or above on harmless posts:\n"
        + "\n".join(failures)
    )
