"""Topic rules (politics, religion): what counts as a political or religious post, and what not."""

from __future__ import annotations

import pytest

from selfwatch import lint_text

TOPICS = ("politics", "religion")


def _topics(text: str) -> set[str]:
    return {f.category for f in lint_text(text).findings if f.category in TOPICS}


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Coal and fossil fuels drive most of the emissions", "politics"),
        ("Ocean acidification is killing the coral reefs", "politics"),
        ("Polar bears are running out of sea ice", "politics"),
        ("We have to stop destroying our planet for profit", "politics"),
        ("Watching the #cdnpoli panel tonight", "politics"),
        ("Bernie had a huge crowd in Iowa", "politics"),
        ("#Hillary2016 volunteers are out canvassing", "politics"),
        ("Gender roles are taught from the cradle", "politics"),
        ("Women are still paid less than men for the same job", "politics"),
        ("Her body, her decision: a pregnancy is not the state's business", "politics"),
        ("Anti-choice laws keep spreading", "politics"),
        ("One of the many reasons I changed parties", "politics"),
        ("Peace I leave with you. John 14:27", "religion"),
        ("The Lord is my shepherd, Ps. 23:1", "religion"),
        ("Blessed are the meek, for they shall inherit the earth", "religion"),
        ("Thy kingdom come, thy will be done", "religion"),
    ],
)
def test_topic_is_recognised(text: str, category: str) -> None:
    assert category in _topics(text)


@pytest.mark.parametrize(
    "text",
    [
        "The women's relay team won gold",
        "The women's team took first place today",
        "Our baby slept through the night",
        "The invasion of Normandy began in June 1944",
        "Great chat about Postgres indexes at the meetup",
        "I woke up early and went for a run",
        "Holy cow, the build finished in a minute",
        "Hell yeah, we shipped it",
        "I saved the draft and closed my laptop",
        "They said the office party is on Friday",
        "Lovely walk in the forest this morning",
        "Planet Earth is my favourite documentary",
        "Standup moved to 9:30 am",
        "Meet Mark at 10:30 pm by the station",
        "Our #college team won the cup",
        "The girls loved the beach",
    ],
)
def test_everyday_posts_are_not_topics(text: str) -> None:
    assert not _topics(text)
