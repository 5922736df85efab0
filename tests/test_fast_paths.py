"""The lint hot path's shortcuts give exactly the answers of the slow paths they stand in for."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from selfwatch.checklist.cache import cache_dir, cached_classifier
from selfwatch.checklist.classifier import load_classifier
from selfwatch.checklist.load import load_builtin
from selfwatch.checklist.prefilter import Gate, GateSet, Probe
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
        expected = [True if g is None else g.admits(Probe(text)) for g in gates]
        assert gate_set.admitted(Probe(text)) == expected, text


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


def test_damaged_classifier_cache_is_rebuilt() -> None:
    cached_classifier.cache_clear()
    cached_classifier()
    (path,) = cache_dir().glob("classifier-*.marshal")
    path.write_bytes(b"\x00garbage")
    cached_classifier.cache_clear()
    assert cached_classifier() is not None
    assert path.read_bytes() != b"\x00garbage"
