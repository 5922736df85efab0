"""The lint hot path's shortcuts give exactly the answers of the slow paths they stand in for."""

from __future__ import annotations

import gc
import random
import re
from pathlib import Path

import pytest

from selfwatch.checklist.cache import cache_dir, cached_classifier, cached_engine, cached_support
from selfwatch.checklist.classifier import SUPPORT_PATH, load_classifier
from selfwatch.checklist.engine import _HOMONYM, LONG_TEXT, _outside_homonyms, default_engine
from selfwatch.checklist.lexicon import Hit
from selfwatch.checklist.load import load_builtin
from selfwatch.checklist.prefilter import Gate, GateSet, Needle, Probe, needle
from selfwatch.checklist.tokens import tokenize

PREFILTERS = ["@", r"\d{3}\D{0,3}\d{3}", r"\d{4}", "(?i)dob|d\\.o\\.b|birth|born", r"\d \w"]
PREFILTERS += ["(?i)woke|#", r"\d:\d", r"\d?x", r"\d|x", "a.b", "(?i)straße"]
PREFILTERS += ["(?i)b\\-day|bday|b\\.", "AKIA|gh[pousr]_|sk-", "AKIA|ghp_|sk\\-"]
PREFILTERS += ["(?i)🍆|sex|dream"]
PREFILTERS += ["(?i)take up arms|civil war", "(?i)ab|abc|abcd"]
TEXTS = [
    "plain words only",
    "@user born in 1999, call 503 555 0142",
    "D.O.B 1/2/99 and BIRTHDAY",
    "Woke up early #monday",
    "ſtraße and the K sign: DOB",  # non-ASCII: the regex decides
    "Arabic-Indic digits ١٢٣٤ and 12:30",
    "axb x",
    "",
    "my b-day is soon, B.Day",
    "key AKIAIOSFODNN7EXAMPLE and ghp_abc and SK-1",
    "Sweet dreams 🍆",
    "CIVIL WAR is coming, take up ARMS",
    "xabx",
    "Énorme DOB 🎉 b-day, Take Up Arms ✊",  # non-ASCII, but nothing folds to an ASCII letter
    "ſex and the KEY",
]
CORPORA = ["ordinary_posts.txt", "risky_posts.txt"]


def corpus_texts() -> list[str]:
    """Return TEXTS and every post of the hand-written corpora (the text after "category | ")."""
    texts = [*TEXTS]
    for name in CORPORA:
        lines = (Path(__file__).parent / "fixtures" / name).read_text(encoding="utf-8")
        texts += [line.partition(" | ")[2] or line for line in lines.splitlines() if line.strip()]
    return texts


@pytest.mark.parametrize("prefilter", PREFILTERS)
def test_gate_admits_exactly_where_the_prefilter_matches(prefilter: str) -> None:
    regex = re.compile(prefilter)
    gate = Gate.of(prefilter)
    for text in TEXTS:
        assert gate.admits(Probe(text)) == (regex.search(text) is not None), text


def test_every_builtin_prefilter_gate_admits_exactly_where_its_regex_matches() -> None:
    texts = corpus_texts()
    prefilters = {r.prefilter for r in load_builtin().rules if r.prefilter}
    assert len(prefilters) > 20
    for prefilter in prefilters:
        regex = re.compile(prefilter)
        gate = Gate.of(prefilter)
        wrong = [t for t in texts if gate.admits(Probe(t)) != (regex.search(t) is not None)]
        assert not wrong, (prefilter, wrong[:3])


def test_every_builtin_prefilter_matches_wherever_its_rules_patterns_do() -> None:
    # A prefilter only skips work: a pattern match without a prefilter match would be lost
    rules = [r for r in load_builtin().rules if r.prefilter and r.patterns]
    texts = [t for r in load_builtin().rules for t in (*r.examples_flag, *r.examples_pass)]
    texts += corpus_texts()
    lost = []
    for rule in rules:
        assert rule.prefilter is not None
        prefilter = re.compile(rule.prefilter)
        flags = 0 if rule.case_sensitive else re.IGNORECASE
        patterns = [re.compile(p, flags) for p in rule.patterns]
        for text in texts:
            if prefilter.search(text) is None and any(p.search(text) for p in patterns):
                lost.append((rule.id, text))
    assert not lost, lost[:5]


def test_the_gate_set_answers_every_gate_as_the_gate_itself_does() -> None:
    texts = corpus_texts()
    prefilters = sorted({r.prefilter for r in load_builtin().rules if r.prefilter})
    gates: list[Gate | None] = [Gate.of(p) for p in [*prefilters, *PREFILTERS]]
    gates.insert(1, None)
    gate_set = GateSet(gates)
    for text in texts:
        expected = [i for i, g in enumerate(gates) if g is None or g.admits(Probe(text))]
        assert gate_set.opened(Probe(text)) == expected, text


def test_gates_take_the_cheap_tests_only_where_they_are_exact() -> None:
    assert Gate.of("(?i)woke|#").literals == ("woke", "#")
    assert Gate.of("(?i)b\\-day|b\\.").literals == ("b-day", "b.")
    assert Gate.of(r"\d{4}").needs_digit
    assert not Gate.of(r"\d?x").needs_digit
    assert not Gate.of(r"\d|x").needs_digit
    assert Gate.of("a.b").literals is None  # "." is any character
    assert Gate.of("gh[pousr]_").literals is None


def test_ascii_and_other_texts_tokenize_alike() -> None:
    # The ASCII path slices one lowercased text; others lowercase word by word.
    ascii_tokens = tokenize("My BOSS is a Clown. Really!")
    other_tokens = tokenize("My BOSS is a Clown. Really! é")
    assert ascii_tokens == other_tokens[:-1]
    assert [t.norm for t in ascii_tokens] == ["my", "boss", "is", "a", "clown", "really"]


@pytest.mark.parametrize(
    "text",
    [
        "Straße ÉNORME Ölung 🎉 My BOSS",  # lowers character by character: sliced
        "ΟΔΥΣΣΕΥΣ said ΣΙΣΥΦΟΣ, BOSS",  # final sigma: word by word
        "İSTANBUL and DIYARBAKIR İzmir",  # İ lowers to two characters: word by word
        "KELVIN \u212a and ſ, Ǆ and ǅ",
    ],
)
def test_a_text_lowered_whole_tokenizes_as_word_by_word(text: str) -> None:
    tokens = tokenize(text)
    words = [t for t in tokens if text[t.start : t.end].isalpha()]
    assert [t.norm for t in words] == [text[t.start : t.end].lower() for t in words]
    assert len(words) >= 4


def test_cached_classifier_scores_like_the_packaged_one() -> None:
    cached_classifier.cache_clear()  # kept per process: start from this test's cache dir
    fresh = cached_classifier()
    assert list(cache_dir().glob("classifier-*.marshal"))
    cached_classifier.cache_clear()
    from_disk = cached_classifier()
    assert from_disk is not fresh
    for text in ["you are an idiot", "lovely talk at PyCon today", "@user shut up #MAGA"]:
        assert from_disk.predict(text) == load_classifier().predict(text)
        assert from_disk.scores(text) == load_classifier().scores(text)


def test_cached_engine_reads_the_support_model_from_the_disk_cache() -> None:
    cached_support.cache_clear()
    cached_engine()  # the first call builds and stores the engine; the second reads it back
    engine = cached_engine()
    assert engine.support_source is cached_support
    # A draft whose rule term lacks its cue asks the support model, which is cached then
    engine.lint("Sneak peek: our Falcon app launches next month with new pricing tiers")
    (path,) = cache_dir().glob("support-*.marshal")
    cached_support.cache_clear()
    from_disk = cached_support()
    text = "Sneak peek: our app launches next month"
    assert from_disk.scores(text) == load_classifier(SUPPORT_PATH).scores(text)
    assert path.exists()


def test_damaged_classifier_cache_is_rebuilt() -> None:
    cached_classifier.cache_clear()
    cached_classifier()
    (path,) = cache_dir().glob("classifier-*.marshal")
    path.write_bytes(b"\x00garbage")
    cached_classifier.cache_clear()
    assert cached_classifier() is not None
    assert path.read_bytes() != b"\x00garbage"


NEEDLE_PATTERNS = [
    (r"\b(?:spent|wasted|spend(?:ing)?)\s+th[ea]\w*", re.IGNORECASE),
    (r"(?i)\bborn\b[^\d]{0,30}\d{4}", 0),
    (r"(?<=boss )is a (?:clown|joke)", 0),  # the lookbehind is outside the match
    (r"(?:ab)+c|x{2,}y", 0),
    (r"(?:foo)?bar(?!baz)", re.IGNORECASE),
    (r"(?-i:KEY)-\d+", re.IGNORECASE),  # a group with its own flags gives no literal
    (r"K\w+", re.IGNORECASE),  # the Kelvin sign folds to k: left to the regex
    (r"stra(?:ß|ss)e", re.IGNORECASE),  # non-ASCII under IGNORECASE gives no literal
    (r"a|", 0),  # an empty alternative: nothing is required
]
NEEDLE_TEXTS = [
    *TEXTS,
    "I SPENT THE DAY asleep",
    "spending the day",
    "Born on 1 May 1990",
    "my boss is a clown",
    "his boss isa clown, ababc, xxxy",
    "FOOBAR and barbaz",
    "key-12 and KEY-13",
    "\u212aelvin",  # the Kelvin sign
    "STRASSE",
]


@pytest.mark.parametrize(("source", "flags"), NEEDLE_PATTERNS)
def test_a_pattern_matches_only_where_its_needle_occurs(source: str, flags: int) -> None:
    regex = re.compile(source, flags)
    found = needle(source, flags)
    for text in NEEDLE_TEXTS:
        if found is not None and not Probe(text).holds(found):
            assert regex.search(text) is None, (source, text)


def test_needles_name_the_literals_every_match_contains() -> None:
    assert needle(*NEEDLE_PATTERNS[0]) == Needle(True, ("spend", "spent", "wasted"), (("th",),))
    assert needle(*NEEDLE_PATTERNS[1]) == Needle(True, ("born",))
    assert needle(*NEEDLE_PATTERNS[2]) == Needle(False, ("is a ",), (("clown", "joke"),))
    assert needle(*NEEDLE_PATTERNS[4]) == Needle(True, ("bar",))
    assert needle(*NEEDLE_PATTERNS[5]) is None or "KEY" not in needle(*NEEDLE_PATTERNS[5]).words
    assert needle(*NEEDLE_PATTERNS[8]) is None
    assert needle("(unclosed") is None  # what the parser cannot read has no needle
    assert Probe("they spent it").holds(Needle(True, ("spent",)))
    assert not Probe("they spend it").holds(Needle(False, ("spent",)))
    # Every set must be there: a word of the first alone is not enough
    assert not Probe("my boss is a star").holds(needle(*NEEDLE_PATTERNS[2]))
    assert Probe("my boss is a joke").holds(needle(*NEEDLE_PATTERNS[2]))


def _with_grams(probe: Probe) -> Probe:
    """Return ``probe`` with its 3-character substrings worked out, as the gates do."""
    if probe.lower is not None:
        probe.grams(probe.lower, True)
    probe.grams(probe.text, False)
    return probe


def test_every_builtin_pattern_matches_only_where_its_needle_occurs() -> None:
    texts = [t for r in load_builtin().rules for t in (*r.examples_flag, *r.examples_pass)]
    texts += corpus_texts()
    probes = [(text, Probe(text), _with_grams(Probe(text))) for text in texts]
    lost = []
    with_needle = 0
    for rule in load_builtin().rules:
        flags = 0 if rule.case_sensitive else re.IGNORECASE
        for source in rule.patterns:
            found = needle(source, flags)
            with_needle += found is not None
            if found is None:
                continue
            regex = re.compile(source, flags)
            lost += [
                (rule.id, text)
                for text, probe, _ in probes
                if not probe.holds(found) and regex.search(text)
            ]
            # The 3-character look-up the gates' n-grams allow gives the same answers
            assert [p.holds(found) for _, p, _ in probes] == [g.holds(found) for *_, g in probes]
    assert not lost, lost[:5]
    assert with_needle > 150  # most patterns have one: long texts rely on it


def test_a_long_text_runs_a_pattern_only_on_pieces_holding_its_needle() -> None:
    engine = default_engine()
    regex = next(lazy for _, lazy, _ in engine.patterns if needle(lazy.source, lazy.flags))
    found = needle(regex.source, regex.flags)
    assert found is not None
    words = [*found.words, *(others[0] for others in found.others)]
    with_word, without = Probe(" ".join(words)), Probe("")
    assert [regex.may_match(p) for p in (without, without, without, with_word)] == [
        True,  # the first ask runs the regex without reading it
        False,
        False,
        True,
    ]


def test_a_long_text_is_scored_with_the_collector_paused_and_left_as_it_was() -> None:
    engine = default_engine()
    text = "My boss is a clown and I hate this job. Call me at 503-555-0142. " * 400
    assert len(text) > LONG_TEXT
    expected = engine.lint(text)
    assert gc.isenabled()
    gc.disable()
    try:
        assert engine.lint(text) == expected
        assert not gc.isenabled()  # a caller's choice is kept
    finally:
        gc.enable()


def test_glued_words_split_alike_from_the_kept_answers() -> None:
    glued = default_engine().glued
    words = ["immigrantsarevermin", "blackmail", "jewellery", "killallmuslims", "blackpeople"]
    first = [glued.splits(w) for w in words]
    assert first == [glued.splits(w) for w in words]
    assert first[0] == ["immigrants", "are", "vermin"] and not first[1] and not first[2]


def test_hits_inside_homonyms_are_dropped_as_a_search_of_every_shield_drops_them() -> None:
    # The fast path keeps a hit whose first word lies inside no shield without the bisect
    rng = random.Random(3)
    for _ in range(300):
        hits = []
        for _ in range(rng.randint(1, 12)):
            first = rng.randint(0, 20)
            owner = rng.choice([_HOMONYM, "profanity.obscene", "concept:negation"])
            hits.append(Hit(owner, "t", first, first + rng.randint(1, 4), 0, 0, 0, False))
        shields = [(h.first, h.last) for h in hits if h.owner == _HOMONYM]
        expected = [
            h
            for h in hits
            if h.owner == _HOMONYM or not any(a <= h.first and h.last <= b for a, b in shields)
        ]
        assert _outside_homonyms(hits) == expected


def test_the_classifier_reads_only_texts_whose_words_a_model_rule_needs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from selfwatch.checklist.engine import Engine, builtin_checklist

    engine = Engine(builtin_checklist(), None, load_classifier())
    read: list[str] = []
    scores = engine.classifier.scores  # type: ignore[union-attr]

    def counted(text: str) -> dict[str, float]:
        read.append(text)
        return scores(text)

    monkeypatch.setattr(engine.classifier, "scores", counted)  # the shared one: put back after
    # Words were read (a politics term), but no insult for harassment.model and no group for
    # hate.model to be aimed at: neither can fire, so the classifier is not asked
    plain = "The election results came in tonight and the turnout was higher than expected"
    assert engine.lint(plain).findings
    assert read == []
    # A group named: hate.model may be aimed at it, so its head is read (and decides: no)
    verdict = engine.lint("Immigrants moved into the new flats on our street this year")
    assert read == ["Immigrants moved into the new flats on our street this year"]
    assert "hate" not in {f.category for f in verdict.findings}
