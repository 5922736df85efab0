"""The learned support model: where a rule's term lacks its co-evidence, a sure head vouches."""

from __future__ import annotations

from typing import Any

import pytest

from selfwatch.checklist.classifier import SUPPORT_PATH, load_classifier, parse_classifier
from selfwatch.checklist.engine import LEARNED, Engine, builtin_checklist, load_support
from selfwatch.model import Level

# "launches" is a term of confidential.unannounced_news, which needs a cue that the news is
# not out yet ("next week", "internal"...); this one has none of them.
TEXT = "Our Falcon app launches in turquoise with two tiers, everyone on the team knows"


def toy(words: dict[str, int], head: str = "confidential", bias: float = -3.0) -> Any:
    """Return a one-head support model that trusts the given words (weights in 1/1000)."""
    document = {
        "format": 1,
        "featurizer": 2,
        "heads": [head],
        "scale": 1000,
        "bias": [bias],
        "thresholds": [0.7],
        "words": {w: [v] for w, v in words.items()},
        "bigrams": {},
        "chars": {},
        "extras": {},
    }
    return parse_classifier(document)


@pytest.fixture()
def engine() -> Engine:
    return Engine(builtin_checklist())


def learned(engine: Engine, text: str) -> list[Any]:
    return [f for f in engine.lint(text).findings if LEARNED in f.why]


def test_without_support_a_term_without_its_cue_is_not_a_finding(engine: Engine) -> None:
    engine.support = None
    assert not [f for f in engine.lint(TEXT).findings if f.category == "confidential"]


def test_a_sure_head_stands_in_for_the_missing_cue_and_says_so(engine: Engine) -> None:
    engine.support = toy({"turquoise": 2500, "tiers": 2500})
    (finding,) = learned(engine, TEXT)
    assert finding.rule == "confidential.unannounced_news"
    assert finding.matched == "launches"
    # The rule is error-level; vouching never raises a post past warning
    assert finding.level == Level.WARNING
    assert "no 'conf_unannounced_cue'" in finding.why
    assert "'turquoise'" in finding.why and "'tiers'" in finding.why


def test_the_term_itself_is_no_evidence_for_the_model(engine: Engine) -> None:
    # A head that trusts only the rule's own term does not vouch: the term is already there
    engine.support = toy({"launches": 9000})
    assert learned(engine, TEXT) == []


def test_a_head_below_its_threshold_does_not_vouch(engine: Engine) -> None:
    engine.support = toy({"turquoise": 1000, "tiers": 1000})  # p = sigmoid(-1) < 0.7
    assert learned(engine, TEXT) == []


def test_no_head_for_the_category_no_vouching(engine: Engine) -> None:
    engine.support = toy({"turquoise": 2500, "tiers": 2500}, head="politics")
    assert learned(engine, TEXT) == []


def test_vouching_never_overrides_a_quotation_or_a_negation(engine: Engine) -> None:
    engine.support = toy({"turquoise": 2500, "tiers": 2500, "said": 2500, "nothing": 2500})
    assert learned(engine, f'She said "{TEXT}" at the all-hands') == []
    assert (
        learned(engine, "Our app never launches in turquoise with two tiers, nothing to see") == []
    )


def test_one_vouched_finding_per_category_and_sentence(engine: Engine) -> None:
    engine.support = toy({"turquoise": 2500, "tiers": 2500})
    text = "Sneak peek: our Falcon app launches in turquoise with two tiers"
    assert len(learned(engine, text)) == 1


def test_the_packaged_model_has_a_head_per_supported_category() -> None:
    support = load_support()
    assert support is not None
    assert set(support.heads) == {
        "politics", "religion", "employer", "violence", "sexual", "substance", "confidential"
    }  # fmt: skip
    assert all(t == 0.7 for t in support.thresholds.values())
    assert load_classifier(SUPPORT_PATH) is support


PAINTER = {"turquoise": 2500, "painted": 2500, "office": 2500}


def test_a_learned_rule_flags_the_writers_own_post_when_its_head_is_sure(engine: Engine) -> None:
    # employer.learned reads the support model's employer head (threshold 0.75)
    engine.support = toy(PAINTER, head="employer")
    (finding,) = learned(engine, "I painted the whole office turquoise over the weekend")
    assert finding.rule == "employer.learned" and finding.level == Level.WARNING
    assert finding.why.startswith(LEARNED + " employer (p=")
    assert "'painted'" in finding.why and "'turquoise'" in finding.why


def test_no_single_word_decides_a_learned_finding(engine: Engine) -> None:
    engine.support = toy({"turquoise": 9000}, head="employer")
    assert learned(engine, "I painted the whole office turquoise over the weekend") == []


def test_a_learned_rule_needs_the_writer_and_their_own_words(engine: Engine) -> None:
    engine.support = toy(PAINTER, head="employer")
    # No I, my, we or our: a post about others' conduct, which the head never learned
    assert learned(engine, "Someone painted the whole office turquoise over the weekend") == []
    # Negated words are not a confession
    assert learned(engine, "I never painted the office turquoise, whatever they say") == []


def test_a_long_draft_is_read_by_the_rules_alone(engine: Engine) -> None:
    engine.support = toy(PAINTER, head="employer")
    filler = "We walked along the river and talked about the weather. " * 40  # > 2,000 chars
    assert learned(engine, "I painted the whole office turquoise. " + filler) == []
    engine.support = toy({"turquoise": 2500, "tiers": 2500})
    filler = "We walked along the river and talked about the weather. " * 400  # > 20,000
    assert learned(engine, TEXT + ". " + filler) == []
    assert learned(engine, TEXT + ". " + filler[:3000])  # a window around the term is read


def test_a_missing_target_is_never_vouched_for(engine: Engine) -> None:
    # violence.threat_person needs a person the words are aimed at: a project is none
    engine.support = toy({"turquoise": 2500, "budget": 2500, "office": 2500}, head="violence")
    assert engine.lint("The turquoise budget office will kill the project").findings == ()
    found = learned(engine, "I could punch the turquoise budget office wall")
    assert [f.rule for f in found if f.rule.startswith("violence.threat")] == []
