"""Tests for match: finding a person's names in posts and deciding whether a post is about them."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from selfwatch.identity import identify
from selfwatch.match import (
    Feedback,
    Mark,
    _fold_char,
    _fold_field,
    author_key,
    bounded,
    find_mentions,
    site_of,
)
from selfwatch.model import Mention, Post, Profile

JANE = Profile(
    key="jane",
    name="Jane Doe",
    variants=("Janie Doe",),
    handles=(
        ("mastodon", "@jane@mastodon.social"),
        ("github", "janedoe"),
        ("bluesky", "janedoe.bsky.social"),
    ),
    employers=("Acme Corp",),
    context_terms=("Portland", "Reed College", "data engineer"),
    exclude_terms=("softball", "Doe Realty"),
)


def post(title: str = "", text: str = "", author: str = "", url: str = "") -> Post:
    return Post(
        id="p1", url=url or "https://news.example.com/a", title=title, text=text, author=author
    )


def mentions(title: str = "", **kw: str) -> tuple[Mention, ...]:
    return find_mentions(post(title, **kw), JANE)


# --- find_mentions: what matches ------------------------------------------------------------


@pytest.mark.parametrize(
    "title",
    [
        "Jane Doe speaks",
        "JANE DOE speaks",
        "jane doe speaks",
        "Jane Doe's talk was great",
        "Jane Doe’s talk was great",
        "Jane-Doe at the meetup",
        "Jane  Doe at the meetup",
        "Jane\nDoe at the meetup",
        "Jane Q. Doe at the meetup",
        "Jane Q Doe at the meetup",
        "Doe, Jane. Notes on pipelines (2024)",
        "Doe, Jane Q. Notes on pipelines",
        "Authors: Roe, Richard; Doe, Jane",
        "Interview with Janie Doe",
    ],
)
def test_full_name_variants_match(title: str) -> None:
    found = mentions(title)
    assert len(found) == 1
    assert found[0].variant in ("Jane Doe", "Janie Doe")
    assert found[0].field == "title"


@pytest.mark.parametrize(
    "title",
    [
        "Jane Doestoevsky wrote a novel",
        "John Doe speaks",
        "Jane went to the shops",
        "Doe announced",
        "Mary Jane Doelittle",
        "John Doe, Jane Smith and others",
        "Jane D. Smith won",
        "Mary J. Doe won",
        "Jane Dominguez won",
    ],
)
def test_no_match(title: str) -> None:
    assert mentions(title) == ()


def test_offsets_point_into_the_original_string() -> None:
    title = "Big news: Jane  Doe’s team"
    (m,) = mentions(title)
    assert title[m.start : m.end] == "Jane  Doe"


def test_diacritics_fold_both_ways() -> None:
    accented = Profile(key="jose", name="José Pérez")
    plain = Profile(key="jose", name="Jose Perez")
    for profile in (accented, plain):
        for text in ("José Pérez", "Jose Perez", "JOSÉ PÉREZ", "Jose\u0301 Pe\u0301rez"):
            found = find_mentions(post(text), profile)
            assert [(m.start, m.end) for m in found] == [(0, len(text))], (profile.name, text)


def test_letters_without_decomposition_fold() -> None:
    found = find_mentions(post("Łukasz Øster"), Profile(key="l", name="Lukasz Oster"))
    assert len(found) == 1


def test_initials_are_weak_mentions_labelled_by_form() -> None:
    assert [m.variant for m in mentions("J. Doe presented")] == ["J. Doe"]
    assert [m.variant for m in mentions("J Doe presented")] == ["J. Doe"]
    assert [m.variant for m in mentions("Thanks to Jane D. for this")] == ["Jane D."]
    assert [m.variant for m in mentions("Thanks to Jane D")] == ["Jane D."]


def test_full_name_wins_over_overlapping_initials() -> None:
    assert [m.variant for m in mentions("Jane D. Doe")] == ["Jane Doe"]


def test_every_field_is_searched() -> None:
    found = find_mentions(
        post(
            title="Jane Doe",
            text="by jane doe",
            author="Jane Doe",
            url="https://blog.example.com/2024/jane-doe_wins",
        ),
        JANE,
    )
    assert [m.field for m in found] == ["title", "text", "author", "url"]
    url_mention = found[-1]
    assert "https://blog.example.com/2024/jane-doe_wins"[url_mention.start : url_mention.end] == (
        "jane-doe"
    )


def test_handles_with_and_without_at_and_user_part() -> None:
    assert [m.variant for m in mentions("cc @jane@mastodon.social")] == ["@jane@mastodon.social"]
    assert [m.variant for m in mentions("cc jane@mastodon.social")] == ["@jane@mastodon.social"]
    assert [m.variant for m in mentions("thanks @janedoe!")] == ["janedoe"]
    assert [m.variant for m in mentions(url="https://github.com/janedoe/tool")] == [
        "github.com/janedoe"
    ]
    found = mentions(url="https://bsky.app/profile/janedoe.bsky.social/post/3k")
    assert [m.variant for m in found] == ["bsky.app/profile/janedoe.bsky.social"]
    # The user part of a fediverse handle, but only with its @ when it is just a first name.
    linked = mentions(url="https://mastodon.social/@jane/1")
    assert [m.variant for m in linked] == ["mastodon.social/@jane"]
    assert mentions("jane liked it") == ()
    # Another account with the same user part on another instance is someone else.
    assert mentions("cc @jane@other.example") == ()
    assert mentions("thanks @janedoe2") == ()


def test_a_fediverse_user_part_in_a_link_counts_only_on_the_handles_own_instance() -> None:
    assert [m.variant for m in mentions(url="https://mastodon.social/@jane/1")] == [
        "mastodon.social/@jane"
    ]
    # The same user part on another instance is another account, not a handle in a link.
    assert mentions(url="https://fosstodon.org/@jane/113", author="@jane@fosstodon.org") == ()
    who = identify(post(url="https://fosstodon.org/@jane/113", text="league starts"), JANE,
                   own=False)  # fmt: skip
    assert (who.confidence, who.reason) == ("not_me", "name not found")


def test_apostrophes_inside_names_fold() -> None:
    profile = Profile(key="s", name="Siobhan O'Brien")
    assert len(find_mentions(post("Siobhan O’Brien’s keynote"), profile)) == 1


def test_unqualified_handle_matches_case_insensitively() -> None:
    assert [m.variant for m in mentions("JaneDoe's repo")] == ["janedoe"]


def test_bare_user_part_of_a_distinctive_handle() -> None:
    profile = Profile(key="j", name="Jane Doe", handles=(("mastodon", "@jdoe42@hachyderm.io"),))
    assert [m.variant for m in find_mentions(post("ping jdoe42"), profile)] == ["jdoe42"]


def test_the_user_part_of_a_handle_under_a_providers_domain() -> None:
    profile = Profile(
        key="s", name="Siobhan Roe",
        handles=(("bluesky", "siobhanux.bsky.social"), ("bluesky2", "siobhan.bsky.social")),
    )  # fmt: skip
    by = find_mentions(post("Re: design systems", author="siobhanux"), profile)
    assert [(m.variant, m.field) for m in by] == [("siobhanux", "author")]
    assert identify(post("Re: x", author="siobhanux"), profile, own=False).confidence == "maybe"
    full = find_mentions(post("cc @siobhanux.bsky.social"), profile)
    assert [m.variant for m in full] == ["siobhanux.bsky.social"]
    assert find_mentions(post("siobhan liked it"), profile) == ()  # only a first name
    assert find_mentions(post("siobhanux.example.com is down"), profile) == ()


def test_snippet_collapses_whitespace_and_keeps_about_60_chars_each_side() -> None:
    before = "alpha   beta\n" * 10
    after = " gamma\tdelta" * 10
    (m,) = mentions(text=before + "Jane Doe" + after)
    assert "  " not in m.snippet and "\n" not in m.snippet and "\t" not in m.snippet
    assert m.snippet.startswith("…") and m.snippet.endswith("…")
    assert "Jane Doe" in m.snippet
    assert 100 <= len(m.snippet) <= 140
    # Cut at word boundaries, not mid-word.
    assert m.snippet[1:].split()[0] in ("alpha", "beta")
    assert m.snippet[:-1].split()[-1] in ("gamma", "delta")


def test_short_field_snippet_is_the_whole_field() -> None:
    (m,) = mentions("Jane Doe wins")
    assert m.snippet == "Jane Doe wins"


# --- identify --------------------------------------------------------------------------------


def test_full_name_with_context_is_me() -> None:
    who = identify(post("Jane Doe joins Acme Corp in Portland"), JANE, own=False)
    assert who.confidence == "me"
    assert who.role == "subject"
    assert who.reason == (
        "full name; employer 'Acme Corp'; context 'Portland'; 'Acme Corp' next to the name"
    )
    assert len(who.mentions) == 1
    assert [(e.side, e.kind, e.weight) for e in who.evidence] == [
        ("for", "name", 3),
        ("for", "context", 1),
        ("for", "context", 1),
        ("for", "employer", 1),
    ]


def test_full_name_alone_is_maybe() -> None:
    who = identify(post("Jane Doe spoke at a conference"), JANE, own=False)
    assert (who.confidence, who.reason) == ("maybe", "full name, no context")


def test_namesake_with_exclusion_term_is_not_me() -> None:
    who = identify(post("Jane Doe hits a home run", "The softball season opens"), JANE, own=False)
    assert who.confidence == "not_me"
    assert who.reason.startswith("full name; but exclusion term 'softball'")


def test_context_and_exclusion_together_is_maybe() -> None:
    who = identify(post("Jane Doe of Acme Corp", "softball"), JANE, own=False)
    assert who.confidence == "maybe"
    assert who.reason == (
        "full name; employer 'Acme Corp'; 'Acme Corp' next to the name; but exclusion term "
        "'softball'"
    )


def test_a_home_town_weighs_nothing_once_the_post_points_to_someone_else() -> None:
    # A namesake in the same town is the likeliest one: the town cannot outweigh a clue.
    who = identify(post("Jane Doe of Portland", "softball"), JANE, own=False)
    assert who.confidence == "not_me"
    assert who.reason == (
        "full name; context 'Portland' (a namesake may share a place); but exclusion term "
        "'softball'"
    )
    chef = identify(post("Portland chef Jane Doe opens a bistro"), JANE, own=False)
    assert chef.confidence == "not_me"
    assert "another occupation 'chef'" in chef.reason
    # ...and so does the person's trade: another employer is attached to the name.
    vet = Profile(key="d", name="Dana Doe", context_terms=("veterinarian",))
    text = "Dr. Dana Doe, an equine veterinarian at Piedmont Equine Clinic, leads the service."
    assert identify(post("Clinic news", text), vet, own=False).confidence == "not_me"


def test_a_place_and_its_region_count_as_one_home() -> None:
    both = Profile(key="j", name="Jane Doe", context_terms=("Portland", "Oregon", "Rust"))
    who = identify(post("Jane Doe of Portland, Oregon"), both, own=False)
    assert [e.weight for e in who.evidence if e.kind == "context"] == [1, 0]
    assert "context 'Oregon' (the same home as 'Portland')" in who.reason
    assert who.confidence == "maybe"
    assert identify(post("Jane Doe of Portland on Rust"), both, own=False).confidence == "me"


def test_a_province_is_the_same_home_as_its_city_and_another_place_elsewhere() -> None:
    # Canadian provinces come from the place table like US states: "Halifax" and "Nova
    # Scotia" are one home, so a Halifax lawyer is not the Halifax carpenter twice over.
    luke = Profile(key="l", name="Luke Brennan", employers=("Brennan Joinery",),
                   context_terms=("Halifax", "carpenter", "Nova Scotia"))  # fmt: skip
    text = (
        "Luke Brennan, a Halifax criminal defence lawyer called to the bar in 2001, has been "
        "appointed a judge of the Provincial Court of Nova Scotia."
    )
    lawyer = identify(post("Halifax lawyer appointed to the bench", text), luke, own=False)
    assert lawyer.confidence == "not_me"
    assert "(the same home as 'Halifax')" in lawyer.reason or "may share" in lawyer.reason
    assert "another occupation 'lawyer'" in lawyer.reason
    # A Toronto person and a Halifax, Nova Scotia realtor: another place entirely.
    wei = Profile(key="w", name="Wei Zhang", context_terms=("Toronto",))
    realtor = identify(post("Halifax, Nova Scotia realtor Wei Zhang lists a home"), wei, own=False)
    assert "another place 'Nova Scotia'" in realtor.reason or "another place 'Halifax'" in (
        realtor.reason
    )
    assert realtor.confidence == "not_me"
    ontario = identify(post("Wei Zhang of Ontario speaks on graph models"), wei, own=False)
    assert "another place" not in ontario.reason


def test_a_context_term_matches_its_plural() -> None:
    who = identify(post("Jane Doe on data engineers"), JANE, own=False)
    assert "context 'data engineer'" in who.reason


def test_the_links_section_counts_as_a_sign_of_a_sports_report() -> None:
    url = "https://www.preps.example/swimming/2026/01/district-results"
    who = identify(post("Jane Doe wins the 200 free", url=url), JANE, own=False)
    assert "a sports report" in who.reason
    plain = identify(post("Jane Doe wins the 200 free"), JANE, own=False)
    assert "a sports report" not in plain.reason


def test_an_employer_named_after_a_town_is_the_employer_next_to_the_name() -> None:
    school = Profile(key="p", name="Jane Doe", employers=("Westlake High School",))
    who = identify(post("Coach Jane Doe, who teaches at Westlake, said"), school, own=False)
    assert "'Westlake' next to the name" in who.reason


def test_me_needs_something_specific_to_the_person() -> None:
    # A name and the person's town: a namesake there has as much. "maybe", and said why.
    who = identify(post("Jane Doe in Portland"), JANE, own=False)
    assert who.confidence == "maybe"
    assert who.reason.endswith("but nothing specific to you (an email, phone, handle, employer "
                               "by the name or a second term)")  # fmt: skip
    assert sum(e.weight for e in who.evidence) == 3
    specific = ("Jane Doe joins Acme Corp", "Jane Doe (Acme Corp)",
                "Jane Doe in Portland, Reed College", "Jane Doe, jane@mastodon.social")  # fmt: skip
    for title in specific:
        assert identify(post(title), JANE, own=False).confidence == "me", title


def test_two_exclusion_terms_outweigh_a_handle() -> None:
    who = identify(post("@jane@mastodon.social", "Doe Realty softball league"), JANE, own=False)
    assert who.confidence == "not_me"
    assert "exclusion term 'softball'" in who.reason
    assert "exclusion term 'Doe Realty'" in who.reason


def test_no_mention_is_not_me() -> None:
    who = identify(post("Jane went to the shops", "in Portland"), JANE, own=False)
    assert (who.confidence, who.reason, who.mentions) == ("not_me", "name not found", ())


def test_initials_alone_are_not_enough() -> None:
    who = identify(post("J. Doe wins"), JANE, own=False)
    assert who.confidence == "not_me"
    assert who.reason == "initials 'J. Doe', no context"


def test_initials_with_context_are_maybe_or_me() -> None:
    assert identify(post("J. Doe, Acme Corp"), JANE, own=False).confidence == "maybe"
    text = "J. Doe, data engineer at Acme Corp in Portland"
    assert identify(post(text), JANE, own=False).confidence == "me"


def test_qualified_handle_alone_is_me() -> None:
    who = identify(post("boosted by @jane@mastodon.social"), JANE, own=False)
    assert who.confidence == "me"
    assert who.reason.startswith("handle '@jane@mastodon.social'")


def test_name_variant_is_named_in_the_reason() -> None:
    who = identify(post("Janie Doe in Portland"), JANE, own=False)
    assert who.reason.startswith("name variant 'Janie Doe'; context 'Portland'")


def test_multiword_context_term_matches_across_hyphen_and_case() -> None:
    who = identify(post("Jane Doe, Data-Engineer"), JANE, own=False)
    assert "context 'data engineer'" in who.reason


def test_own_feed_is_me_and_author() -> None:
    who = identify(post("Weekend thoughts"), JANE, own=True)
    assert (who.confidence, who.role) == ("me", "author")
    assert who.reason == "from one of your own feeds"


def test_author_field_match_makes_role_author() -> None:
    who = identify(post("Notes on pipelines", author="Jane Doe"), JANE, own=False)
    assert who.role == "author"
    weak = identify(post("Notes on pipelines", author="J. Doe"), JANE, own=False)
    assert weak.role == "subject"


# --- evidence against: what the post says about the named person ------------------------------


@pytest.mark.parametrize(
    ("title", "text", "clue"),
    [
        ("Duke's Jane Doe scores 22", "", "another organisation 'Duke'"),
        ("Tampa realtor Jane Doe lists a home", "", "another occupation 'realtor'"),
        ("Tampa realtor Jane Doe lists a home", "", "another place 'Tampa'"),
        ("Scholarship winner", "Jane Doe, 19, a sophomore at Ohio State, won.", "age 19"),
        ("Jane Doe of Moncton honoured", "", "another place 'Moncton'"),
        ("Actor Jane Doe joins cast", "", "another occupation 'Actor'"),
        ("Jane Doe wins", "The Mexican boxer stopped her challenger.", "occupation 'boxer'"),
        ("Jane Doe Obituary", "Jane Doe, 84, passed away peacefully.", "an obituary"),
    ],
)
def test_namesake_clues_make_a_full_name_not_me(title: str, text: str, clue: str) -> None:
    who = identify(post(title, text), BORN_1990, own=False)
    assert who.confidence == "not_me", who.reason
    assert clue in who.reason
    assert any(e.side == "against" and clue in e.text for e in who.evidence)


BORN_1990 = Profile(
    key="jane",
    name="Jane Doe",
    employers=("Acme Corp",),
    context_terms=("Portland", "data engineer"),
    birth_year=1990,
)


def test_an_age_near_the_persons_is_no_evidence() -> None:
    p = Post(
        id="p1",
        url="https://news.example.com/a",
        title="Jane Doe, 36, joins Acme Corp",
        text="",
        published=datetime(2026, 3, 1, tzinfo=UTC),
    )
    who = identify(p, BORN_1990, own=False)
    assert who.confidence == "me"
    assert "age" not in who.reason


def test_an_undated_posts_age_is_judged_when_the_post_was_found() -> None:
    p = post("Denver man sentenced", "Jane Doe, 29, of Aurora was sentenced.")
    denver = Profile(key="j", name="Jane Doe", context_terms=("Denver",), birth_year=1987)
    # 29 may be her age in 2020 (a name and a town alone are "maybe")
    assert identify(p, denver, own=False).confidence == "maybe"
    found = datetime(2026, 12, 1, tzinfo=UTC)
    who = identify(p, denver, own=False, seen=found)
    assert who.confidence == "not_me"
    assert "age 29, far from yours (39)" in who.reason


def test_the_persons_own_employer_and_city_next_to_the_name_are_not_against() -> None:
    who = identify(
        post("Acme Corp's Jane Doe, a Portland data engineer, on pipelines"), JANE, own=False
    )
    assert who.confidence == "me"
    assert not [e for e in who.evidence if e.side == "against"]


def test_a_place_in_the_persons_state_is_not_another_place() -> None:
    who = identify(
        post("Jane Doe of Salem speaks", "A data engineer at Acme Corp."), JANE, own=False
    )
    assert "another place" not in who.reason
    assert who.confidence == "me"


def test_clues_never_outweigh_a_full_name_with_the_employer_and_two_context_terms() -> None:
    text = "Jane Doe, a Portland data engineer at Acme Corp, spoke in Tampa with the Duke team."
    who = identify(post("Jane Doe at a meetup", text), JANE, own=False)
    assert who.confidence == "me", who.reason


# --- evidence for: emails, phones, handles anywhere -------------------------------------------

CONTACT = Profile(
    key="jordan",
    name="Jordan Avery",
    handles=(("github", "jordanavery"), ("mastodon", "@javery@hachyderm.io")),
    emails=("jordan.avery@example.com",),
    phones=("+1 503 555 0187",),
)


def test_an_email_anywhere_is_strong_evidence_for() -> None:
    who = identify(post("Re: job queues", "write to jordan.avery@example.com"), CONTACT, own=False)
    assert who.confidence == "me"
    assert who.reason.startswith("email 'jordan.avery@example.com'")
    linked = identify(post("Contact", url="mailto:jordan.avery@example.com"), CONTACT, own=False)
    assert linked.confidence == "me"


def test_a_phone_number_in_any_format_is_strong_evidence_for() -> None:
    for written in ("(503) 555-0187", "503.555.0187", "+1 503 555 0187", "5035550187"):
        who = identify(post("Builder", f"Call {written} today"), CONTACT, own=False)
        assert who.confidence == "me", written
        assert who.reason.startswith("phone '+1 503 555 0187'")
    other = identify(post("Builder", "Call (503) 555-0199 today"), CONTACT, own=False)
    assert other.confidence == "not_me"


def test_a_handle_inside_a_link_is_strong_evidence_for() -> None:
    who = identify(
        post("A Rust job queue", "see github.com/jordanavery/retry-budget"), CONTACT, own=False
    )
    assert who.confidence == "me"
    assert who.reason.startswith("handle in a link 'github.com/jordanavery'")
    in_url = identify(
        post("release v0.4", url="https://github.com/jordanavery/retry/releases"),
        CONTACT,
        own=False,
    )
    assert in_url.confidence == "me"


def test_a_double_barrelled_name_is_not_the_person() -> None:
    for title in ("Jordan-Avery Smith wins spelling bee", "Smith-Jordan Avery wins"):
        who = identify(post(title), CONTACT, own=False)
        assert (who.confidence, who.reason) == ("not_me", "name not found"), title
    assert identify(post("Jordan-Avery at the meetup"), CONTACT, own=False).mentions


# --- feedback --------------------------------------------------------------------------------


def test_feedback_from_marks_latest_wins_and_platforms_dropped() -> None:
    feedback = Feedback.from_marks(
        [
            Mark("notme", "a", author="bob", site="example.com", scope="site"),
            Mark("notme", "b", author="", site="reddit.com", scope="site"),
            Mark("me", "c", author="bob", site="jane.dev", scope="author"),
            Mark("me", "a", author="", site=""),
            Mark("notme", "d", author="carol", site="carol.dev", words=("duke", "basketball")),
            Mark("me", "e", words=("basketball",)),
        ]
    )
    assert feedback.not_me_posts == {"b", "d"}
    assert feedback.me_posts == {"a", "c", "e"}
    assert feedback.me_authors == {"bob"} and not feedback.not_me_authors
    assert feedback.not_me_sites == {"example.com"}
    assert not feedback.me_sites
    assert feedback.not_me_words == {"duke"}
    assert feedback.me_words == {"basketball"}


def test_a_mark_without_scope_covers_only_its_post() -> None:
    feedback = Feedback.from_marks([Mark("notme", "x", author="sam", site="example.com")])
    assert not feedback.not_me_authors and not feedback.not_me_sites


def test_marked_post_is_decided_by_the_mark() -> None:
    p = post("Jane Doe joins Acme Corp in Portland")
    not_me = Feedback(not_me_posts=frozenset({"p1"}))
    who = identify(p, JANE, own=False, feedback=not_me)
    assert (who.confidence, who.reason) == ("not_me", "this post was marked not-me")
    assert who.mentions == find_mentions(p, JANE)
    own = identify(p, JANE, own=True, feedback=not_me)
    assert (own.confidence, own.role) == ("not_me", "author")
    me = Feedback(me_posts=frozenset({"p1"}))
    who = identify(post("Jane went home"), JANE, own=False, feedback=me)
    assert (who.confidence, who.reason) == ("me", "this post was marked me")


def test_learned_words_weigh_but_never_outweigh_stronger_evidence() -> None:
    learned = Feedback(not_me_words=frozenset({"duke", "basketball"}))
    namesake = post("Jane Doe and Duke basketball", "")
    assert identify(namesake, JANE, own=False).confidence == "maybe"
    who = identify(namesake, JANE, own=False, feedback=learned)
    assert who.confidence == "not_me"
    assert "'basketball' (learned from your notme)" in who.reason
    strong = post("Jane Doe joins Acme Corp in Portland as data engineer", "Duke basketball fan")
    assert identify(strong, JANE, own=False, feedback=learned).confidence == "me"


def test_a_site_wide_mark_weighs_against_but_a_strong_post_keeps_its_label() -> None:
    feedback = Feedback(not_me_sites=frozenset({"example.com"}))
    weak = post("Jane Doe in Portland", url="https://blog.example.com/2025/other")
    who = identify(weak, JANE, own=False, feedback=feedback)
    assert who.confidence == "not_me"
    assert "site example.com was marked not-me" in who.reason
    strong = post("Jane Doe, data engineer at Acme Corp in Portland", url="https://example.com/b")
    assert identify(strong, JANE, own=False, feedback=feedback).confidence == "maybe"


def test_an_author_wide_mark_weighs_against() -> None:
    feedback = Feedback(not_me_authors=frozenset({author_key("Sam  Smith")}))
    who = identify(
        post("Jane Doe in Portland", author="sam smith"), JANE, own=False, feedback=feedback
    )
    assert who.confidence == "not_me"
    assert "author 'sam smith' was marked not-me" in who.reason


def test_confirmed_site_makes_later_posts_me() -> None:
    feedback = Feedback(me_sites=frozenset({"jane.github.io"}))
    who = identify(
        post("Release notes", url="https://jane.github.io/notes"),
        JANE,
        own=False,
        feedback=feedback,
    )
    assert (who.confidence, who.reason) == ("me", "site jane.github.io was marked me")


def test_platform_sites_are_never_reused() -> None:
    feedback = Feedback(not_me_sites=frozenset({"reddit.com"}))
    p = post("Jane Doe of Acme Corp", url="https://www.reddit.com/r/x/comments/1")
    assert identify(p, JANE, own=False, feedback=feedback).confidence == "me"


def test_author_that_is_the_persons_name_is_not_reused() -> None:
    # Marking a namesake's post (author "Jane Doe") must not exclude every post signed Jane Doe.
    feedback = Feedback(not_me_authors=frozenset({author_key("Jane Doe")}))
    p = post("Pipelines at Acme Corp", author="Jane Doe")
    assert identify(p, JANE, own=False, feedback=feedback).confidence == "me"


def test_author_key_and_site_of() -> None:
    assert author_key("  José   Pérez ") == "jose perez"
    assert site_of("https://news.bbc.co.uk/story") == "bbc.co.uk"
    assert site_of("https://www.example.com/a") == "example.com"
    assert site_of("https://news.google.com/rss/articles/x") == "google.com"
    assert site_of("https://jane.substack.com/p/x") == "jane.substack.com"
    assert site_of("https://jane.github.io/") == "jane.github.io"
    assert site_of("http://127.0.0.1:8000/feed") == "127.0.0.1"
    assert site_of("file:///tmp/feed.xml") == ""


# --- sentence scope ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "text", "clue"),
    [
        ("Trust appoints a director", "Dr Jane Doe joins from Leeds Teaching Hospitals.", "Leeds"),
        ("Property transfers", "Jane Doe to Maria Lopez, 1212 Bay St, Tampa, $412,000.", "Tampa"),
        ("Weddings", "Jane Doe and Tom Roe were married at St. Anne's in San Antonio.", "Antonio"),
        ("Graphene", "Doe, Jane; Berg, Anna. KTH Royal Institute of Technology.", "KTH"),
    ],
)
def test_a_place_or_institution_in_the_names_sentence_weighs_against(
    title: str, text: str, clue: str
) -> None:
    who = identify(post(title, text), BORN_1990, own=False)
    assert who.confidence == "not_me", who.reason
    assert any(e.side == "against" and clue in e.text and e.weight == -2 for e in who.evidence)


def test_with_the_persons_own_organisation_other_names_weigh_as_loose_clues() -> None:
    paper = identify(
        post("Pipelines at scale", "Jane Doe, Sam Patel. Acme Corp, Portland."), BORN_1990,
        own=False,
    )  # fmt: skip
    assert paper.confidence == "me", paper.reason
    assert [e.weight for e in paper.evidence if e.side == "against"] == [-1]
    trip = identify(
        post("At a conference", "Jane Doe of Acme Corp spoke in Montreal."), BORN_1990, own=False
    )
    assert [e.weight for e in trip.evidence if e.side == "against"] == [-1]


def test_the_persons_employer_next_to_the_name_weighs_more_than_elsewhere() -> None:
    near = identify(post("A talk", "Jane Doe (Acme Corp) on pipelines."), BORN_1990, own=False)
    far = identify(post("A talk at Acme Corp", "Jane Doe on pipelines."), BORN_1990, own=False)
    assert sum(e.weight for e in near.evidence) == sum(e.weight for e in far.evidence) + 1
    assert "'Acme Corp' next to the name" in near.reason


@pytest.mark.parametrize(
    ("text", "mine"),
    [
        ("Jane Doe at Acme saved our launch.", True),  # the employer's first word alone
        ("Jane Doe of Acme Corp spoke.", True),
        ("Jane Doe of Acme Labs spoke.", False),
        ("Jane Doe (University) spoke.", False),  # a kind of institution, not the employer
        ("Jane Doe of Doe Holdings spoke.", False),
    ],
)
def test_the_employer_next_to_the_name_may_be_its_first_words(text: str, mine: bool) -> None:
    profile = Profile(
        key="jane", name="Jane Doe", employers=("Acme Corp",),
        past_employers=("University of Waterloo",),
    )  # fmt: skip
    who = identify(post("Notes", text), profile, own=False)
    assert any("next to the name" in e.text for e in who.evidence) is mine, who.reason


def test_an_organisation_named_after_the_persons_town_is_not_theirs() -> None:
    denver = Profile(key="c", name="Jane Doe", employers=("Tailspin Toys",),
                     context_terms=("Denver",))  # fmt: skip
    who = identify(post("Notes", "Jane Doe plays for the Denver Nuggets."), denver, own=False)
    assert "another organisation 'Denver Nuggets'" in who.reason
    assert who.confidence != "me"
    own = identify(post("Notes", "Jane Doe of Tailspin Toys Denver spoke."), denver, own=False)
    assert own.confidence == "me" and "against" not in {e.side for e in own.evidence}


def test_the_persons_town_next_to_the_name_does_not_excuse_another_occupation() -> None:
    denver = Profile(key="c", name="Jane Doe", context_terms=("Denver", "SRE"))
    who = identify(post("Award", "Dr. Jane Doe, a Denver dentist, won."), denver, own=False)
    assert "another occupation 'dentist'" in who.reason
    assert who.confidence != "me"


# --- the fast paths give the answers of the plain ones ------------------------------------------


def test_a_bounded_pattern_with_a_lead_finds_what_the_lookbehind_form_finds() -> None:
    body = r"jane(?:[\s\-]+[^\W\d_]\.?)?[\s\-]+doe"
    plain = re.compile(rf"(?<!\w){body}(?!\w)")
    fast = bounded(body, "jane")
    assert fast.pattern != plain.pattern
    for text in ("jane doe", "xjane doe", "jane doex", "-jane q. doe,", "jane\ndoe jane doe", ""):
        assert [m.span() for m in fast.finditer(text)] == [m.span() for m in plain.finditer(text)]


@pytest.mark.parametrize("url", [False, True])
def test_folding_non_ascii_text_keeps_offsets_into_the_original(url: bool) -> None:
    for value in ("José’s talk — “Rust”", "Æsir and ﬁnance", "e\u0301te_x+y", "Kraków"):
        folded = _fold_field(value, url=url)
        chars = [_fold_char(ch, url) for ch in value]
        assert folded.text == "".join(chars)
        origin = tuple(i for i, c in enumerate(chars) for _ in c)
        assert folded.origin == origin


TOMASZ = Profile(
    key="tomasz",
    name="Tomasz Kowalczyk",
    employers=("Globex",),
    context_terms=("Kraków", "DevOps", "Kubernetes"),
    birth_year=1986,
)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Rozmawiamy z Tomaszem Kowalczykiem, inżynierem DevOps.", "Tomaszem Kowalczykiem"),
        ("Wywiad Tomasza Kowalczyka o chmurze.", "Tomasza Kowalczyka"),
        ("Nagrodę odebrał Tomasz Kowalczykiem", "Tomasz Kowalczykiem"),
        ("Kowalczyk T. (Globex) opowie o klastrach.", "Kowalczyk T."),
        ("Tomasz Kowalczyk's talk", "Tomasz Kowalczyk"),
    ],
)
def test_inflected_and_surname_first_forms_are_found(text: str, found: str) -> None:
    (mention,) = find_mentions(post("", text), TOMASZ)
    assert text[mention.start : mention.end] == found


@pytest.mark.parametrize(
    ("name", "text", "found"),
    [
        ("Anna Kowalska", "List Anny Kowalskiej do rady", "Anny Kowalskiej"),
        ("Jan Kowalski", "Spotkanie z Janem Kowalskim", "Janem Kowalskim"),
        ("Marek Nowak", "Wywiad z Markiem Nowakiem", "Markiem Nowakiem"),
        ("María González", "González M, Patel R, Hughes K.", "González M"),
        ("Maria Gonzalez", "Written by GONZÁLEZ M. and others", "GONZÁLEZ M."),
        ("Dan Smith", "Dana Smith wins the county fair", None),  # Dana's name, not Dan's
        ("Jane Brown", "Jane Browne spoke", None),  # another surname
        ("Jane Brown", "brown j", None),  # not as a byline writes it
    ],
)
def test_case_forms_never_make_another_name(name: str, text: str, found: str | None) -> None:
    person = Profile(key="p", name=name)
    spans = [text[m.start : m.end] for m in find_mentions(post("", text), person)]
    assert spans == ([found] if found else [])


def test_an_inflected_name_with_the_employer_is_me() -> None:
    text = (
        "O planach rozmawiamy z Tomaszem Kowalczykiem, inżynierem DevOps w krakowskim "
        "oddziale Globex."
    )
    who = identify(post("Globex otwiera nowe biuro w Krakowie", text), TOMASZ, own=False)
    assert who.confidence == "me"
    assert who.reason.startswith("full name; employer 'Globex'")


def test_a_past_employer_counts_nothing_once_the_post_points_to_someone_else() -> None:
    wei = Profile(
        key="w",
        name="Wei Zhang",
        employers=("Contoso AI",),
        past_employers=("University of Waterloo",),
        context_terms=("Toronto",),
    )
    text = "The project, led by professor of chemical engineering Wei Zhang, will test new cells."
    who = identify(post("University of Waterloo team lands $2M", text), wei, own=False)
    assert who.confidence == "not_me"
    assert "another occupation 'professor'" in who.reason
    assert "past employer 'University of Waterloo' (a namesake may work there now)" in who.reason
    alone = identify(post("University of Waterloo alumni: Wei Zhang"), wei, own=False)
    assert "past employer 'University of Waterloo';" in alone.reason + ";"


@pytest.mark.parametrize(
    "text",
    [
        "Tomasz Kowalczyk z krakowskiego oddziału mówi o Kubernetesie",
        "Tomasz Kowalczyk, w Krakowie od 2015 roku, o Kubernetesa upgrade",
        "Tomasz Kowalczyk (Kraków) on Kubernetes upgrades",
    ],
)
def test_a_context_term_matches_its_polish_case_forms_and_adjective(text: str) -> None:
    who = identify(post("Meetup", text), TOMASZ, own=False)
    assert "context 'Kraków'" in who.reason
    assert "context 'Kubernetes'" in who.reason


def test_a_term_does_not_match_inside_a_longer_word() -> None:
    who = identify(post("Tomasz Kowalczyk, krakowiak z dziada pradziada"), TOMASZ, own=False)
    assert "Kraków" not in who.reason


ERIK = Profile(
    key="erik",
    name="Erik Lindqvist",
    employers=("Norrsken Games",),
    context_terms=("Umeå", "game developer", "Godot"),
)


@pytest.mark.parametrize(
    ("person", "title", "text", "confidence"),
    [
        (ERIK, "Godot Devlog #88", "This week we talk to Erik from Norrsken Games.", "me"),
        # a first name and the employer alone may be anyone there: a second term is needed
        (ERIK, "Devlog Roundup #88", "This week we talk to Erik from Norrsken Games.", "maybe"),
        (ERIK, "Support", "Erik, a Norrsken Games customer, wants a refund.", "maybe"),
        (ERIK, "Devlog Roundup #88", "This week: Lindqvist (Norrsken Games) on Godot.", "me"),
        (ERIK, "Devlog Roundup #88", "We talk to Erik Svensson from Norrsken Games.", "not_me"),
        (ERIK, "Devlog Roundup #88", "We talk to Anna Lindqvist (Norrsken Games).", "not_me"),
        (ERIK, "Devlog Roundup #88", "We talk to Erik from Volvo about trucks.", "not_me"),
        (ERIK, "Devlog Roundup #88", "Erik. Norrsken Games shipped a patch.", "not_me"),
        (
            Profile(key="p", name="Priya Raman", employers=("Westlake High School",)),
            "Best demo for teaching moles?",
            "Ms. Raman here (chem, Westlake High School). I use a mole of everything.",
            "me",
        ),
        (
            Profile(key="p", name="Priya Raman", employers=("Westlake High School",)),
            "Lunch menu",
            "Raman noodles at Westlake High School on Friday.",
            "not_me",
        ),
    ],
)
def test_a_first_name_or_surname_beside_the_employer_is_a_mention(
    person: Profile, title: str, text: str, confidence: str
) -> None:
    who = identify(post(title, text), person, own=False)
    assert who.confidence == confidence, who.reason
    if confidence == "me":
        assert "beside your employer" in who.reason


WEI = Profile(
    key="wei",
    name="Wei Zhang",
    employers=("Contoso AI",),
    context_terms=("Toronto", "machine learning"),
)


@pytest.mark.parametrize(
    ("person", "title", "text", "against"),
    [
        (
            WEI,
            "Markham dumpling spot opens second location",
            "Owner Wei Zhang, who opened the first Golden Leaf Dumpling House in 2019, says "
            "the new restaurant will add a noodle bar.",
            "another organisation 'Golden Leaf Dumpling House'",
        ),
        (
            WEI,
            "Shanghai EV maker names Wei Zhang chief financial officer - Asia Markets Wire",
            "",
            "another place 'Shanghai'",
        ),
        (
            TOMASZ,
            "Ekstraklasa: 21-letni Tomasz Kowalczyk bohaterem kolejki",
            "Młody pomocnik zdobył dwie bramki w drugiej połowie.",
            "age 21",
        ),
        (
            TOMASZ,
            "Tomasz Kowalczyk nowym wójtem gminy Zielonka Dolna - Gazeta Powiatowa",
            "",
            "another organisation 'Zielonka Dolna'",
        ),
    ],
)
def test_what_a_namesake_owns_runs_or_is_points_away(
    person: Profile, title: str, text: str, against: str
) -> None:
    who = identify(post(title, text), person, own=False, seen=datetime(2026, 12, 1, tzinfo=UTC))
    assert who.confidence == "not_me"
    assert against in who.reason


def test_a_place_elsewhere_says_nothing_once_the_employer_stands_by_the_name() -> None:
    text = "'Kubernetes upgrades without tears' - T. Kowalczyk (Globex). 'Budgets' - A. Nowak."
    who = identify(post("DevOpsDays Warsaw 2026: accepted talks", text), TOMASZ, own=False)
    assert who.confidence == "me"
    assert "Warsaw" not in who.reason
    # ...but without the employer there, a place elsewhere still weighs.
    other = identify(post("DevOpsDays Warsaw 2026", "Tomasz Kowalczyk (Initech)."), TOMASZ,
                     own=False)  # fmt: skip
    assert other.confidence != "me"


PRIYA = Profile(
    key="priya",
    name="Priya Raman",
    employers=("Westlake High School",),
    context_terms=("Austin", "chemistry teacher"),
    birth_year=1982,
)


def test_a_student_at_the_persons_school_is_a_namesake() -> None:
    text = "Westlake High School junior Priya Raman won the 200-yard freestyle on Saturday."
    url = "https://www.preps.example/swimming/2026/01/district-meet-results"
    who = identify(post("Westlake junior Priya Raman wins 200 free", text, url=url), PRIYA,
                   own=False)  # fmt: skip
    assert who.confidence == "not_me"
    assert "a student ('junior')" in who.reason
    chess = identify(post("Westlake sophomore Priya Raman qualifies for state in chess"), PRIYA,
                     own=False)  # fmt: skip
    assert chess.confidence == "not_me"
    assert "next to the name" not in chess.reason
    # A rank before a job is no school year, nor is a year after the person's own firm.
    staff = identify(post("Austin senior chemistry teacher Priya Raman at Westlake"), PRIYA,
                     own=False)  # fmt: skip
    assert "student" not in staff.reason
    firm = identify(post("Acme Corp senior Jane Doe on pipelines"), JANE, own=False)
    assert (firm.confidence, "student" in firm.reason) == ("me", False)
    duke = identify(post("Duke senior Jane Doe scores 20"), JANE, own=False)
    assert "a student ('senior')" in duke.reason


def test_a_headline_that_describes_its_subject_is_attached_to_the_name() -> None:
    text = "Priya Raman will buy spectrometers for her AP Chemistry classes in Austin."
    who = identify(post("Westlake teacher wins state chemistry grant", text), PRIYA, own=False)
    assert who.confidence == "me"
    assert "'Westlake' next to the name" in who.reason
    other = identify(post("Austin dentist wins state grant", text), PRIYA, own=False)
    assert "another occupation 'dentist'" in other.reason


def test_polish_titles_and_posts_are_occupations() -> None:
    listing = identify(
        post("Gabinet stomatologiczny lek. dent. Tomasz Kowalczyk — Kraków", "Implanty."),
        TOMASZ,
        own=False,
    )
    assert listing.confidence == "not_me"
    assert "another occupation 'dent'" in listing.reason
    priest = identify(post("Ks. Tomasz Kowalczyk nowym proboszczem"), TOMASZ, own=False)
    assert priest.confidence == "not_me"


@pytest.mark.parametrize(
    ("name", "text", "found"),
    [
        ("Siobhán O'Neill", "Siobhan ONeill spoke on access", "Siobhan ONeill"),
        ("Siobhán O'Neill", "SIOBHAN O’NEILL, designer", "SIOBHAN O’NEILL"),
        ("Siobhán O'Neill", "a talk by Siobhan O Neill today", "Siobhan O Neill"),
        ("Anna Müller", "Anna Mueller joins the board", "Anna Mueller"),
        ("Anna Müller", "Anna Muller joins the board", "Anna Muller"),
        ("Anna Müller", "Mueller, Anna (Berlin)", "Mueller, Anna"),
        ("Anna Müller", "Anna Muellerova joins", None),
        ("Anna Mueller", "Anna Müller joins", None),  # "ue" need not be an umlaut ("Samuel")
    ],
)
def test_apostrophes_and_umlauts_may_be_spelt_either_way(
    name: str, text: str, found: str | None
) -> None:
    spans = [text[m.start : m.end] for m in find_mentions(post("", text), Profile("p", name))]
    assert spans == ([found] if found else [])


@pytest.mark.parametrize(
    ("title", "text", "found"),
    [
        ("Acme Corp names Jane…", "…Doe head of data in Portland", True),
        ("Acme Corp names Jane...", "Doe head of data in Portland", True),
        ("Acme Corp names Jane", "Doe head of data", False),  # no sign the title was cut
        ("Fans cheer for Mary Jane…", "…Doe Smith scored 20", False),  # parts of other names
        ("A talk by Jane…", "…doe-eyed crowds", False),
    ],
)
def test_a_name_split_by_a_cut_title_is_found_in_the_text(
    title: str, text: str, found: bool
) -> None:
    assert bool(find_mentions(post(title, text), JANE)) is found


MARIA = Profile(
    key="maria",
    name="Maria Gonzalez",
    employers=("St. Luke's Boise",),
    context_terms=("Boise", "pediatric nurse", "NICU"),
)


def test_a_citation_with_the_employers_branch_and_co_authors_is_me() -> None:
    text = (
        "González M, Okafor T, Lindgren B. St. Luke's Children's Hospital, Boise, Idaho. "
        "Journal of Neonatal Care. 2026;14(2):88-95. Background: cue-based feeding in the NICU."
    )
    who = identify(post("Cue-based feeding in a level III unit", text), MARIA, own=False)
    assert who.confidence == "me", who.reason
    assert "employer 'St. Luke's Boise'" in who.reason
    assert "Okafor" not in who.reason and "another organisation" not in who.reason
    # Another hospital's author of that name is not the person.
    other = text.replace("St. Luke's Children's Hospital, Boise, Idaho", "Mercy Hospital, Tulsa")
    assert identify(post("Cue-based feeding", other), MARIA, own=False).confidence != "me"


def test_authors_as_citations_list_them_are_people_not_organisations() -> None:
    from selfwatch import clues

    assert clues._run_phrases("Hughes K. St. Luke's Children's Hospital") == (
        "St. Luke's Children's Hospital",
    )
    assert clues._run_phrases("Patel R") == ()
    assert clues._run_phrases("Washington DC") == ("Washington DC",)
    assert clues._run_phrases("Shanghai EV") == ("Shanghai EV",)


def test_the_students_of_the_persons_school_do_not_make_them_a_student() -> None:
    text = (
        "Coach Priya Raman, who teaches chemistry at Westlake High School, said the students "
        "built the bridge in two weeks."
    )
    who = identify(post("Westlake team heads to state", text), PRIYA, own=False)
    assert who.confidence == "me"
    assert "a student" not in who.reason


@pytest.mark.parametrize(
    ("title", "text", "confidence"),
    [
        ("Talks", "Kowalczyk (Globex) on Kubernetes upgrades.", "me"),
        ("Talks", "Coach Kowalczyk (Globex) on Kubernetes upgrades.", "me"),
        # another Kowalczyk is named: the surname alone may be theirs
        ("Anna Kowalczyk named CTO", "Kowalczyk (Globex) said Kubernetes is next.", "not_me"),
    ],
)
def test_a_partial_mention_is_dropped_where_a_namesake_is_named(
    title: str, text: str, confidence: str
) -> None:
    assert identify(post(title, text), TOMASZ, own=False).confidence == confidence


def test_a_first_name_is_dropped_where_another_of_that_first_name_is_named() -> None:
    text = "Erik from Norrsken Games and Erik Svensson from Volvo talk Godot."
    assert identify(post("Godot night", text), ERIK, own=False).confidence == "not_me"


def test_the_words_for_a_trade_count_once() -> None:
    # "veterinarian" and "DVM" are one job: a vet in another state has both, and two words
    # for the same trade are not two things only the person has.
    vet = Profile(key="m", name="Morgan Hale", employers=("Riverbend Animal Clinic",),
                  context_terms=("Savannah", "veterinarian", "DVM"))  # fmt: skip
    text = (
        "Dr. Morgan Hale, DVM, a large-animal veterinarian in Bozeman, Montana, spends most "
        "of calving season on ranch calls."
    )
    who = identify(post("Montana vet on a hard calving season", text), vet, own=False)
    assert who.confidence != "me"
    assert "context 'DVM' (" in who.reason
    # The person's own trade words still add up with their employer.
    own = "Morgan Hale, DVM, a veterinarian at Riverbend Animal Clinic, on parasite season."
    assert identify(post("Tick season", own), vet, own=False).confidence == "me"


def test_a_past_employer_by_the_name_is_no_reason_to_read_leniently() -> None:
    # Someone else may work at the person's old employer now: its name by the name neither
    # vouches for them nor excuses another job attached to it.
    ana = Profile(key="a", name="Ana Ferreira", employers=("Brightwater Labs",),
                  past_employers=("University of Leeds",),
                  context_terms=("Sheffield", "data scientist"))  # fmt: skip
    text = "Ana Ferreira, a lecturer in the University of Leeds' School of History, won the prize."
    lecturer = identify(post("History prize", text), ana, own=False)
    assert lecturer.confidence == "not_me"
    assert "another occupation 'lecturer'" in lecturer.reason
    # Their present employer by the name still vouches for them.
    text = "Ana Ferreira, a data scientist at Brightwater Labs, spoke in Chicago."
    assert identify(post("Talk", text), ana, own=False).confidence == "me"


def test_a_plural_possessive_before_the_name_attaches_a_team() -> None:
    # "the Falcons' Jane Doe" is the Falcons' player, as "Duke's Jane Doe" is Duke's.
    title = "Falcons' Jane Doe to miss Sunday with a hamstring strain"
    who = identify(post(title), JANE, own=False)
    assert who.confidence == "not_me"
    assert "another organisation 'Falcons'" in who.reason


def test_a_year_of_birth_is_an_age() -> None:
    # A notice in the person's own town about someone born half a century before them.
    halifax = Profile(key="l", name="Jane Doe", context_terms=("Halifax",), birth_year=1985)
    text = "Jane Doe was born in 1931 and lived in Halifax all her married life."
    p = Post(id="p1", url="https://news.example.com/a", title="Remembering Jane Doe", text=text,
             published=datetime(2026, 2, 3, tzinfo=UTC))  # fmt: skip
    who = identify(p, halifax, own=False)
    assert who.confidence == "not_me"
    assert "age 95, far from yours (41)" in who.reason
    # A year near the person's own is no evidence, in Swedish too.
    sv = replace(p, text="Jane Doe, född 1986, flyttade till Halifax i våras.")
    assert "age" not in identify(sv, halifax, own=False).reason


def test_a_name_in_a_list_of_names_has_no_appositive() -> None:
    # "Jane Doe, Priya Nair, ..." lists people: the next name says nothing of Jane Doe.
    text = "Acme Corp has promoted Jane Doe, Priya Nair, Sam Okafor and Lee Park to principal."
    who = identify(post("Acme Corp promotions", text), JANE, own=False)
    assert who.confidence == "me"
    assert "Priya Nair" not in who.reason


def test_another_accounts_page_on_a_site_where_the_person_has_one_is_against() -> None:
    # JANE's GitHub is "janedoe": the profile page of "jdoe-dev" is someone else's.
    other = post("jdoe-dev - Jane Doe", "Frontend developer. Vue, Nuxt, Vite.",
                 author="jdoe-dev", url="https://github.com/jdoe-dev")  # fmt: skip
    who = identify(other, JANE, own=False)
    assert who.confidence == "not_me"
    assert "another github account 'jdoe-dev'" in who.reason
    own = replace(other, title="janedoe - Jane Doe", url="https://github.com/janedoe")
    assert identify(own, JANE, own=False).confidence == "me"
    # A repository's page is not an account's: its owner may have many contributors.
    repo = replace(other, url="https://github.com/jdoe-dev/widgets")
    assert "account" not in identify(repo, JANE, own=False).reason


def test_a_term_and_its_abbreviation_count_once() -> None:
    # "SRE" is "site reliability" (engineer): another SRE has both words for the trade.
    sam = Profile(key="s", name="Sam Ortiz", employers=("Fabrikam",),
                  context_terms=("Austin", "site reliability", "SRE"))  # fmt: skip
    text = (
        "Sam Ortiz, a site reliability engineer at Contoso Cloud in Dublin, explains how the "
        "SRE team cut pages by half."
    )
    who = identify(post("Fewer pages, better sleep", text), sam, own=False)
    assert who.confidence == "not_me"
    # Their employer by the name still makes it theirs.
    text = "Sam Ortiz, a site reliability engineer at Fabrikam, on SRE error budgets."
    assert identify(post("Error budgets", text), sam, own=False).confidence == "me"


def test_a_headline_occupation_may_have_one_modifier() -> None:
    # "Portland pediatric nurse ..." describes the person the text then names.
    text = "Jane Doe, who has worked nights on the ward since 2015, was named nurse of the year."
    who = identify(post("Portland pediatric nurse honoured by hospital", text), JANE, own=False)
    assert who.confidence == "not_me"
    assert "another occupation 'nurse'" in who.reason
    # A verb before the word is no modifier: "... hires nurse" is said of someone else.
    text = "Jane Doe of Portland said the clinic's new hire starts on Monday."
    hired = identify(post("Portland clinic hires nurse for night shifts", text), JANE, own=False)
    assert "another occupation" not in hired.reason


def test_a_polish_town_in_the_locative_is_a_place() -> None:
    # "w Gdańsku", "we Wrocławiu", "w Krakowie": the town, in the case Polish puts it in.
    anna = Profile(key="a", name="Anna Nowak", employers=("Northwind",),
                   context_terms=("Kraków", "frontend"))  # fmt: skip
    text = "Anna Nowak od sześciu lat prowadzi zespół testerów w Gdańsku."
    who = identify(post("Testowanie bez tajemnic", text), anna, own=False)
    assert who.confidence == "not_me"
    assert "another place 'Gdańsku'" in who.reason
    home = "Anna Nowak od sześciu lat pisze frontend w Krakowie."
    assert "another place" not in identify(post("Frontend", home), anna, own=False).reason
