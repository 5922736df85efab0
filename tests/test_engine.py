"""The engine's context handling, the public API and the score formula."""

from __future__ import annotations

import pytest
from profiles import EXAMPLE_PROFILE

from selfwatch import lint_text
from selfwatch.checklist.engine import default_engine, risk_score
from selfwatch.checklist.tokens import tokenize
from selfwatch.model import Finding, Level


def categories(text: str, profile=None, level: Level = Level.INFO) -> set[str]:
    return {f.category for f in lint_text(text, profile).findings if f.level >= level}


def test_api_shape_and_offsets():
    text = "Great week.\nMy boss is an idiot and I hate this job."
    verdict = lint_text(text)
    assert verdict.flagged and 0 < verdict.score <= 100
    employer = [f for f in verdict.findings if f.category == "employer"]
    assert employer, verdict.findings
    f = employer[0]
    assert text[f.start : f.end] == f.matched
    assert (f.line, f.col) == (2, text.split("\n")[1].index(f.matched) + 1)
    assert f.rule == "employer.badmouthing" and f.level == Level.WARNING
    assert f.message and f.suggestion and "employer" in f.why


def test_clean_text_scores_zero():
    verdict = lint_text("Lovely walk along the river with the dog this morning.")
    assert verdict.score == 0 and not verdict.flagged and not verdict.risks


@pytest.mark.parametrize(
    "text",
    [
        "fuck this",
        "fucking hell",
        "FUCKED it up",
        "f*ck this",
        "f**k",
        "sh1t happens",
        "fuuuuck",
        "f u c k this",
        "f.u.c.k",
        "fcuk that",
        "#FuckMondays",
        "#fuckmondays",
        "what the fck",
    ],
)
def test_disguised_profanity_is_found(text):
    assert "profanity" in categories(text, level=Level.WARNING)


@pytest.mark.parametrize(
    "text",
    [
        "Scunthorpe United won",
        "I assessed the classic cocktail",
        "Shiitake and basil",
        "cocktail hour at the Hancock tower",
        "Dickens wrote Bleak House",
        "the pen is mightier",
        "a sit-down meeting",
        "Niger and Chad signed the treaty",
        "The raccoon got into the bins",
    ],
)
def test_words_containing_swear_words_pass(text):
    assert not categories(text, level=Level.WARNING), lint_text(text).findings


def test_hashtag_camelcase_is_split():
    verdict = lint_text("Another day, another #ToxicWorkplace at my job, I hate it")
    assert "employer" in {f.category for f in verdict.findings}


def test_profanity_without_target_is_not_harassment():
    assert categories("this fucking printer is stupid") & {"harassment", "hate"} == set()
    assert "harassment" in categories("@user you are fucking stupid")


def test_negation_lowers_insult_and_drops_dehumanising():
    insult = [f for f in lint_text("You are not an idiot.").findings if f.category == "harassment"]
    assert insult and all(f.level == Level.INFO for f in insult)
    assert "negated" in insult[0].why
    assert "hate" not in categories("Refugees are not vermin.")
    assert "hate" in categories("Refugees are vermin.", level=Level.ERROR)


def test_counter_speech_and_quotes_soften_slurs():
    assert "hate" in categories("those faggots again", level=Level.ERROR)
    assert "hate" not in categories("Calling them faggots is never ok", level=Level.ERROR)
    # A quoted slur is worth knowing about (info), never a flag: the finding says why
    quoted = lint_text('He shouted "faggot" at me on the bus').findings
    assert [(f.level, f.stance) for f in quoted if f.category == "hate"] == [(Level.INFO, "quoted")]


def test_reclaimed_in_group_use_is_profanity_not_hate():
    found = categories("my nigga we did it")
    assert "hate" not in found and "profanity" in found


@pytest.mark.parametrize(
    "text",
    [
        "Texas tea futures rallied",
        "We covered all the bases",
        "weeding the garden all day",
        "pot roast for dinner",
        "a can of diet coke",
        "High availability at work matters",
        "she killed it on stage",
        "kill the process and restart",
    ],
)
def test_homonyms_do_not_flag(text):
    assert not categories(text) & {"substance", "violence"}, lint_text(text).findings


def test_a_homonym_phrase_covers_only_its_own_words():
    # "Dick Van Dyke" held a swear word and, read as "Dyke's", a slur
    assert lint_text("Dick Van Dyke's accent is still iconic").findings == ()
    # ... but the rest of the sentence is still read
    found = lint_text("Moby Dick is a fucking long book").findings
    assert [(f.rule, f.matched) for f in found] == [("profanity.obscene", "fucking")]
    # a concept word inside a homonym is no context either: "from the left" is no political group
    assert lint_text("She was the third sheep from the left").findings == ()
    assert "politics" in categories("the left are all idiots", level=Level.WARNING)


def test_substance_needs_context():
    assert "substance" in categories("smoked weed before work", level=Level.WARNING)
    assert "substance" in categories("hungover at work again", level=Level.ERROR)


def test_employer_needs_employer_and_negativity():
    assert "employer" not in categories("I hate Mondays")
    assert "employer" not in categories("My boss is brilliant")
    assert "employer" in categories("My boss is an idiot")
    assert "employer" not in categories("Acme Corp is a nightmare to deal with")
    assert "employer" in categories("Acme Corp is a nightmare to deal with", EXAMPLE_PROFILE)


def test_politics_topic_is_info_and_aggression_raises_it():
    topic = [
        f for f in lint_text("Remember to vote on Tuesday").findings if f.category == "politics"
    ]
    assert [f.level for f in topic] == [Level.INFO]
    extreme = lint_text("All liberals are brainwashed idiots").findings
    assert Level.WARNING in [f.level for f in extreme if f.category == "politics"]


def test_religion_topic_and_extreme():
    assert [
        f.level for f in lint_text("Praying for you all").findings if f.category == "religion"
    ] == [Level.INFO]
    assert "religion" in categories("Atheists are evil and will burn", level=Level.WARNING)


def test_confidential_codename_needs_the_profile():
    assert "confidential" not in categories("Bluebird ships next month")
    assert "confidential" in categories("Bluebird ships next month", EXAMPLE_PROFILE, Level.ERROR)


def test_personal_data_own_contact_is_error():
    own = lint_text("call me: 503.555.0142", EXAMPLE_PROFILE).findings
    assert [f.rule for f in own if f.level == Level.ERROR] == ["personal_data.own_contact"]
    other = lint_text("call me: 415-555-0199", EXAMPLE_PROFILE).findings
    assert [f.rule for f in other] == ["personal_data.phone"]


def test_good_findings_do_not_raise_the_score():
    verdict = lint_text("Thanks to Jane Doe for the brilliant keynote", EXAMPLE_PROFILE)
    assert {f.category for f in verdict.good} >= {"praise", "expertise"}
    assert verdict.score == 0


def _finding(rule: str, level: Level, category: str = "profanity") -> Finding:
    return Finding(rule, category, level, 0, 1, 1, 1, "x", "m", "s")


def test_score_formula():
    assert risk_score([]) == 0
    assert risk_score([_finding("a.b", Level.WARNING)]) == 40
    assert risk_score([_finding("a.b", Level.ERROR)]) == 70
    assert risk_score([_finding("a.b", Level.ERROR), _finding("c.d", Level.WARNING)]) == 82
    # the same rule twice counts once, at its highest level
    assert risk_score([_finding("a.b", Level.WARNING), _finding("a.b", Level.WARNING)]) == 40
    assert risk_score([_finding("x.y", Level.ERROR, "praise")]) == 0


@pytest.mark.parametrize(
    "text",
    [
        "The car dealer gave us a good price on the minivan",  # dealer: term and drug context
        "Room 420 is where the standup happens",
        "Rolling on to the next sprint",
        "Snowflakes everywhere today, winter is here",
    ],
)
def test_a_term_is_not_its_own_context(text: str) -> None:
    assert lint_text(text).findings == ()


def test_a_term_still_counts_as_context_for_another() -> None:
    verdict = lint_text("called my dealer, picking up an eighth of weed tonight")
    (drugs,) = verdict.findings  # one reason in one sentence: one finding with every span
    assert drugs.rule == "substance.drugs" and drugs.words == ("my dealer", "weed")


@pytest.mark.parametrize(
    "text",
    [
        "So much for gun control...not to be incentive",
        "#freedom_justice_equality_education for all",
        "Come on Texans! #MAGA2018",
        "Thank G-d that he is gone",
        "f-u-c-k this job",
    ],
)
def test_the_pre_check_never_hides_a_term_the_scan_finds(text: str) -> None:
    engine = default_engine()
    tokens = tokenize(text)
    assert any(h.owner in engine.rules for h in engine.scanner.scan(tokens))
    assert engine.may_match(text)
    assert lint_text(text).findings


def test_letters_spelled_out_with_hyphens_are_one_word_not_a_masked_one() -> None:
    assert lint_text("Laminate cutter, D-I-Y and easier than you think").findings == ()
    (finding,) = lint_text("f-u-c-k this").findings
    assert finding.category == "profanity" and finding.matched == "f-u-c-k"


def test_run_on_text_is_cut_into_bounded_sentences() -> None:
    # Every per-sentence check (context words, sentiment, quotes) then costs a bounded amount,
    # which keeps scoring linear in text length: a 1 MB run-on text used to take minutes.
    from selfwatch.checklist.tokens import MAX_SENTENCE, sentence_bounds

    text = " ".join(["word"] * 20_000)
    bounds = sentence_bounds(text)
    lengths = [b - a for a, b in zip([0, *bounds], bounds, strict=False)]
    assert bounds[-1] == len(text)
    assert max(lengths) <= MAX_SENTENCE + len("word ")
    assert len(bounds) > 200


def test_findings_in_a_long_text_are_each_rule_once_per_span() -> None:
    post = "My boss is a clown. Call me at 503-555-0142. #BossIsAClown "
    verdict = default_engine().lint(post * 300)
    spans = [(f.start, f.end, f.category) for f in verdict.findings]
    assert len(spans) == len(set(spans))
    assert sum(f.rule == "personal_data.phone" for f in verdict.findings) == 300
