"""The lint hot path's shortcuts give exactly the answers of the slow paths they stand in for."""

from __future__ import annotations

import re

import pytest

from selfwatch.cache import cache_dir, cached_classifier
from selfwatch.classifier import load_classifier
from selfwatch.engine import _DIGIT, _Gate
from selfwatch.text import tokenize

PREFILTERS = ["@", r"\d{3}\D{0,3}\d{3}", r"\d{4}", "(?i)dob|d\\.o\\.b|birth|born", r"\d \w"]
PREFILTERS += ["(?i)woke|#", r"\d:\d", r"\d?x", r"\d|x", "a.b", "(?i)straße"]
TEXTS = [
    "plain words only",
    "@user born in 1999, call 503 555 0142",
    "D.O.B 1/2/99 and BIRTHDAY",
    "Woke up early #monday",
    "ſtraße and the K sign: DOB",  # non-ASCII: the regex decides
    "Arabic-Indic digits ١٢٣٤ and 12:30",
    "axb x",
    "",
]


@pytest.mark.parametrize("prefilter", PREFILTERS)
def test_gate_admits_exactly_where_the_prefilter_matches(prefilter: str) -> None:
    regex = re.compile(prefilter)
    gate = _Gate.of(regex)
    for text in TEXTS:
        lower = text.lower() if text.isascii() else None
        has_digit = _DIGIT.search(text) is not None
        assert gate.admits(text, lower, has_digit) == (regex.search(text) is not None), text


def test_gates_take_the_cheap_tests_only_where_they_are_exact() -> None:
    assert _Gate.of(re.compile("(?i)woke|#")).literals == ("woke", "#")
    assert _Gate.of(re.compile(r"\d{4}")).needs_digit
    assert not _Gate.of(re.compile(r"\d?x")).needs_digit
    assert not _Gate.of(re.compile(r"\d|x")).needs_digit
    assert _Gate.of(re.compile("a.b")).literals is None  # "." is any character


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
