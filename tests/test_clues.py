"""Tests for clues: reading what a post says next to a name, with the shipped place data."""

from __future__ import annotations

import pytest

from selfwatch import clues
from selfwatch.clues import Clue


def test_the_place_table_ships_and_knows_cities_states_and_countries() -> None:
    assert clues.PLACES_FILE.is_file()
    assert len(clues.places()) > 30_000
    assert clues.regions_of("Portland", dominant=True) == {"US/OR"}
    assert {"US/OR", "US/ME"} <= clues.regions_of("Portland")
    assert clues.regions_of("Kraków") == clues.regions_of("Krakow") == {"PL/77"}
    assert clues.regions_of("Oregon", dominant=True) == {"US/OR"}  # the state, not the town
    assert "PL" in clues.regions_of("Poland")
    assert not clues.regions_of("Reading")  # an ordinary word first
    assert "tampa" in clues.big_places() and "wadowice" not in clues.big_places()


def test_the_place_table_knows_provinces_states_and_counties_outside_the_us() -> None:
    halifax = clues.regions_of("Halifax", dominant=True)
    assert clues.regions_of("Nova Scotia") == halifax == {"CA/07"}
    assert clues.near(clues.regions_of("Ontario"), clues.regions_of("Toronto", dominant=True))
    assert not clues.near(clues.regions_of("Nova Scotia"), clues.regions_of("Toronto"))
    assert clues.regions_of("Lesser Poland Voivodeship") == clues.regions_of("Lesser Poland")
    assert clues.near(clues.regions_of("Lesser Poland"), clues.regions_of("Kraków"))
    assert not clues.near(clues.regions_of("Masovian"), clues.regions_of("Kraków"))
    assert clues.near(clues.regions_of("Bavaria"), clues.regions_of("Munich", dominant=True))
    assert clues.regions_of("Baden-Württemberg") == clues.regions_of("Baden-Wuerttemberg")
    assert clues.near(clues.regions_of("Västerbotten"), clues.regions_of("Umeå"))
    assert clues.near(clues.regions_of("New South Wales"), clues.regions_of("Sydney"))
    assert clues.near(clues.regions_of("County Cork"), clues.regions_of("Cork"))
    assert clues.near(clues.regions_of("Lancashire"), clues.regions_of("Manchester"))
    assert "nova scotia" in clues.big_places() and "northern" not in clues.places()


def test_near_means_the_same_region_or_one_inside_the_other() -> None:
    home = clues.regions_of("Portland", dominant=True)
    assert clues.near(clues.regions_of("Salem"), home)  # Salem, Oregon among others
    assert clues.near(clues.regions_of("Oregon"), home)
    assert not clues.near(clues.regions_of("Fresno"), home)
    assert clues.near(clues.regions_of("Poland"), clues.regions_of("Kraków"))


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
        ("welcomes Jordan Avery, Sam Okafor and Lee Park", "Jordan Avery", []),
        ("Jordan Avery, New York and Boston, pleaded", "Jordan Avery", None),
        (
            "Jordan Avery, a Leeds-based product designer, said",
            "Jordan Avery",
            [Clue("occupation", "designer"), Clue("place", "Leeds")],
        ),
    ],
)
def test_attached_clues(value: str, name: str, expected: list[Clue] | None) -> None:
    start = value.index(name)
    found = clues.attached_clues(value, [(start, start + len(name))])
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
    if "Boston" in value:  # a list of places is no list of people: it is read
        assert found


def test_descriptions_read_the_subject_by_what_they_do() -> None:
    found = clues.descriptions("The Mexican boxer stopped her. The Tufts historian said so.")
    assert Clue("occupation", "boxer") in found and Clue("occupation", "historian") in found
    assert Clue("organisation", "Tufts") in found
    assert clues.descriptions("The former McKinsey partner lives in Mumbai.") == [
        Clue("organisation", "McKinsey")
    ]
    assert clues.descriptions("The team shipped the release.") == []


def test_obituaries_and_ages() -> None:
    assert clues.obituary("maria gonzalez, 84, passed away peacefully") == "passed away"
    assert clues.obituary("jordan avery obituary (1941 - 2026)") == "obituary"
    assert clues.obituary("jordan avery passed the exam") is None
    assert clues.obituary("var alskade erik lindqvist * 3 mars 1938 † 2 november 2026") == "† 2"
    assert clues.obituary("dagger † here") is None
    assert clues.ages("the 17-year-old gymnast, aged 18, in her 90th year") == [17, 18, 90]
    assert clues.ages("tomasz kowalczyk ma 58 lat") == [58]


def test_a_sports_report_needs_two_signs() -> None:
    assert clues.is_sports_report("she scored 22 points in the final")
    assert not clues.is_sports_report("she scored well")


def spans(text: str) -> list[str]:
    return [text[a:b] for a, b in clues.sentences(text)]


def test_sentences_end_after_words_not_after_abbreviations_or_initials() -> None:
    assert spans("Dr. Jane Q. Doe of St. Luke's spoke. She left!\nNext line") == [
        "Dr. Jane Q. Doe of St. Luke's spoke.",
        "She left!",
        "Next line",
    ]


def test_a_byline_affiliation_belongs_to_the_sentence_before_it() -> None:
    text = "Doe, Jane; Berg, Anna. KTH Royal Institute of Technology. We study graphene."
    assert spans(text) == [
        "Doe, Jane; Berg, Anna. KTH Royal Institute of Technology.",
        "We study graphene.",
    ]


def test_near_clues_are_the_places_and_institutions_in_the_names_sentence() -> None:
    text = "Dr Jane Doe joins from Leeds Teaching Hospitals. The board met in Boston."
    start = text.index("Jane Doe")
    near, every = clues.placed_clues(text, [(start, start + 8)])
    assert near == [Clue("organisation", "Leeds Teaching Hospitals")]
    assert [c.text for c in every] == ["Leeds Teaching Hospitals", "Boston"]
    assert not any(c.attached for c in every)
    transfer = "Jane Doe to Maria Lopez, 1212 Bay St, Tampa, $412,000."
    assert clues.placed_clues(transfer, [(0, 8)])[0] == [Clue("place", "Tampa")]
    assert clues.placed_clues(transfer, [])[0] == []


def test_a_place_word_before_another_capitalised_word_names_something_else() -> None:
    _, found = clues.placed_clues("Mary Smith read the Tampa Bay Times in Chicago's old town.", [])
    assert [c.text for c in found] == ["Chicago"]


def test_the_persons_own_words_never_make_a_sports_report() -> None:
    text = "norrsken games ships its first title"
    assert clues.is_sports_report(text)
    assert not clues.is_sports_report(text, frozenset({"norrsken", "games", "game", "developer"}))
    assert not clues.is_sports_report("one game, two games")


@pytest.mark.parametrize(
    ("word", "field"),
    [
        ("boxer", "sports"),
        ("songwriter's", "arts"),  # a possessive
        ("corner-forward", "sports"),  # the head of a compound
        ("photographer", "photographer"),  # a nameparser title shaped like a job
        ("first", None),  # nameparser titles that say nothing in a description
        ("state", None),
        ("national", None),
        ("king", None),
        ("model", None),
        ("family", None),
        ("computer", None),
        ("sister", None),  # kinship and courtesy titles
    ],
)
def test_occupation_words_outside_a_title(word: str, field: str | None) -> None:
    assert clues.occupation_of(word) == field


def test_a_title_before_the_name_may_be_any_of_nameparsers() -> None:
    assert clues.attached_clues("King Jane Doe", [(5, 13)]) == [Clue("occupation", "King")]


def test_descriptions_ignore_title_words_that_describe_no_one() -> None:
    assert clues.descriptions("Jane Doe explains the first version of the state model.") == []
    assert clues.descriptions("The Nashville songwriter's first record.") == [
        Clue("occupation", "songwriter"),
        Clue("place", "Nashville"),
    ]
    assert clues.descriptions("He faces the Denver Nuggets with a sprained ankle.") == []


def test_days_and_months_are_dates_not_organisations() -> None:
    found = clues.attached_clues("Jane Doe, 71, passed away on June 2 in Tampa.", [(0, 8)])
    assert Clue("organisation", "June") not in found
    text = "Jane Doe is out for Tuesday's game against Duke."
    assert clues.attached_clues(text, [(0, 8)]) == [Clue("organisation", "Duke")]


def test_phrases_never_run_across_the_title_and_the_text() -> None:
    _, found = clues.placed_clues("Maternal outcomes in Nigeria\nAisha Bello, Zaria.", [])
    assert Clue("place", "Nigeria", attached=False) in found
    near, every = clues.placed_clues("Jane Doe spoke in Tampa. We met in Boston.", [(0, 8)])
    assert near == [Clue("place", "Tampa")]
    assert [c.text for c in every] == ["Tampa", "Boston"]


@pytest.mark.parametrize(
    ("value", "clue"),
    [
        ("Jane Doe joins cast of Netflix thriller", Clue("organisation", "Netflix")),
        ("Jane Doe signed with Big Machine last year", Clue("organisation", "Big Machine")),
        ("Jane Doe lives in Macon with her dog", Clue("place", "Macon")),
        ("Jane Doe works at Big Machine", Clue("organisation", "Big Machine")),
        (
            "Jane Doe covers weather for the Front Range Gazette",
            Clue("organisation", "Front Range Gazette"),
        ),
        ("Jane Doe writes for Big Machine", Clue("organisation", "Big Machine")),
        ("Jane Doe, who works at Big Machine, said", Clue("organisation", "Big Machine")),
        ("Jane Doe, who is a realtor, said", Clue("occupation", "realtor")),
    ],
)
def test_a_verb_of_joining_or_belonging_attaches_what_follows(value: str, clue: Clue) -> None:
    assert clue in clues.attached_clues(value, [(0, 8)])


def test_a_past_a_namesake_may_share_is_not_attached() -> None:
    for value in ("Jane Doe graduated from NC State", "Jane Doe grew up in Chengdu"):
        assert clues.attached_clues(value, [(0, 8)]) == []


@pytest.mark.parametrize(
    "text",
    [
        "Jane Doe of Tampa spoke.",  # one sentence: the split is skipped
        "Jane Doe spoke in Tampa. We met in Boston.",
        "Jane Doe spoke.\nTampa Bay Times, Boston",
        "Doe, Jane; Berg, Anna. KTH Royal Institute of Technology. Leeds next.",
        "Anna Tampa’. Boston",  # a run across a sentence's end
    ],
)
def test_placed_clues_read_each_sentence_alone(text: str) -> None:
    near: list[Clue] = []
    every: list[Clue] = []
    for start, end in clues.sentences(text):
        part = text[start:end]
        found = [c for p in clues._phrases(part) for c in clues._places_in(p)[1]]
        every += [Clue(c.kind, c.text, attached=False) for c in found]
        near += found if start == 0 else []
    assert clues.placed_clues(text, [(0, 3)]) == (near, every)
    assert clues.placed_clues(text, []) == ([], every)
