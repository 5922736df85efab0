"""Tests for evidence: reading what a post says next to a name, with the shipped place data."""

from __future__ import annotations

import pytest

from selfwatch import evidence
from selfwatch.evidence import Clue


def test_the_place_table_ships_and_knows_cities_states_and_countries() -> None:
    assert evidence.PLACES_FILE.is_file()
    assert len(evidence.places()) > 30_000
    assert evidence.regions_of("Portland", dominant=True) == {"US/OR"}
    assert {"US/OR", "US/ME"} <= evidence.regions_of("Portland")
    assert evidence.regions_of("Kraków") == evidence.regions_of("Krakow") == {"PL/77"}
    assert evidence.regions_of("Oregon", dominant=True) == {"US/OR"}  # the state, not the town
    assert "PL" in evidence.regions_of("Poland")
    assert not evidence.regions_of("Reading")  # an ordinary word first
    assert "tampa" in evidence.big_places() and "wadowice" not in evidence.big_places()


def test_near_means_the_same_region_or_one_inside_the_other() -> None:
    home = evidence.regions_of("Portland", dominant=True)
    assert evidence.near(evidence.regions_of("Salem"), home)  # Salem, Oregon among others
    assert evidence.near(evidence.regions_of("Oregon"), home)
    assert not evidence.near(evidence.regions_of("Fresno"), home)
    assert evidence.near(evidence.regions_of("Poland"), evidence.regions_of("Kraków"))


@pytest.mark.parametrize(
    ("value", "name", "expected"),
    [
        ("Duke's Jordan Avery scores", "Jordan Avery", [Clue("organisation", "Duke")]),
        (
            "Tampa realtor Jordan Avery sells",
            "Jordan Avery",
            [Clue("occupation", "realtor"), Clue("place", "Tampa")],
        ),
        ("Jordan Avery, 19, a sophomore at Ohio State", "Jordan Avery", None),
        ("Jordan Avery of Moncton, New Brunswick, died", "Jordan Avery", None),
        ("Jordan Avery (Initech) on retries", "Jordan Avery", [Clue("organisation", "Initech")]),
        ("Jordan Avery named CFO of Lenovo", "Jordan Avery", None),
    ],
)
def test_attached_clues(value: str, name: str, expected: list[Clue] | None) -> None:
    start = value.index(name)
    found = evidence.attached_clues(value, [(start, start + len(name))])
    if expected is not None:
        assert found == expected
    kinds = {c.kind for c in found}
    if "19" in value:
        assert {"age", "occupation"} <= kinds
        assert Clue("occupation", "sophomore") in found
    if "Moncton" in value:
        assert Clue("place", "Moncton") in found
    if "CFO" in value:
        assert Clue("occupation", "CFO") in found


def test_descriptions_read_the_subject_by_what_they_do() -> None:
    found = evidence.descriptions("The Mexican boxer stopped her. The Tufts historian said so.")
    assert Clue("occupation", "boxer") in found and Clue("occupation", "historian") in found
    assert Clue("organisation", "Tufts") in found
    assert evidence.descriptions("The former McKinsey partner lives in Mumbai.") == [
        Clue("organisation", "McKinsey")
    ]
    assert evidence.descriptions("The team shipped the release.") == []


def test_obituaries_and_ages() -> None:
    assert evidence.obituary("maria gonzalez, 84, passed away peacefully") == "passed away"
    assert evidence.obituary("jordan avery obituary (1941 - 2026)") == "obituary"
    assert evidence.obituary("jordan avery passed the exam") is None
    assert evidence.ages("the 17-year-old gymnast, aged 18, in her 90th year") == [17, 18, 90]
    assert evidence.ages("tomasz kowalczyk ma 58 lat") == [58]


def test_a_sports_report_needs_two_signs() -> None:
    report = evidence.loose_clues("x", "she scored 22 points in the final")
    assert Clue("topic", "a sports report", attached=False) in report
    assert not [c for c in evidence.loose_clues("x", "she scored well") if c.kind == "topic"]
