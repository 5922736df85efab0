"""The term index and tokenizer on their own: the shortcuts the lint hot path relies on."""

from __future__ import annotations

from selfwatch.checklist.context import Context
from selfwatch.checklist.lexicon import Lexicon
from selfwatch.checklist.tokens import tokenize

TEXT = "You f*ck up. Thanks a lot, dear boss! Work from home is no fun. Sooo angry!!!"


def _rules() -> Lexicon:
    lexicon = Lexicon()
    lexicon.add("fuck", "profanity.obscene", fuzzy=True)
    lexicon.add("boss", "employer.badmouthing")
    lexicon.add("work from home", "employer.badmouthing", inflect=False)
    lexicon.add("angr*", "harassment.insult")
    return lexicon


def _concepts() -> Lexicon:
    lexicon = Lexicon()
    for term in ("you", "boss", "thanks a lot", "lot dear"):
        lexicon.add(term, "concept:context", inflect=" " not in term)
    return lexicon


def _owned(hits: list, prefix: str) -> list:
    return [h for h in hits if h.owner.startswith(prefix)]


def test_merged_index_finds_what_each_index_finds_in_the_same_order():
    tokens = tokenize(TEXT)
    rules, concepts = _rules(), _concepts()
    merged = Lexicon.merged(rules, concepts).scan(tokens)
    assert _owned(merged, "concept:") == concepts.scan(tokens)
    assert [h for h in merged if not h.owner.startswith("concept:")] == rules.scan(tokens)
    assert {h.term for h in rules.scan(tokens)} == {"fuck", "boss", "work from home", "angr*"}


def test_merging_leaves_both_indexes_unchanged():
    rules, concepts = _rules(), _concepts()
    before = (rules.state(), concepts.state())
    Lexicon.merged(rules, concepts)
    assert (rules.state(), concepts.state()) == before


def test_index_rebuilt_from_state_scans_the_same():
    tokens = tokenize(TEXT + " We work from home, f u c k it, sh1t.")
    rules = _rules()
    assert Lexicon.from_state(rules.state()).scan(tokens) == rules.scan(tokens)


def test_concepts_from_one_scan_match_a_scan_per_sentence():
    # The engine scans the whole text once; a phrase must not run across a sentence end, for
    # rule terms ("the bomb. The recipe" is no "bomb the") as for context words.
    text = "Thanks a lot. Dear boss, you again."
    tokens = tokenize(text)
    concepts = _concepts()
    hits = concepts.scan(tokens)
    assert not any(h.term == "lot dear" for h in hits)
    ctx = Context(text, tokens, concepts.scan, hits)
    per_sentence: dict[tuple[str, int], list[str]] = {}
    for sentence in sorted({t.sentence for t in tokens}):
        part = [t for t in tokens if t.sentence == sentence]
        for h in concepts.scan(part):
            per_sentence.setdefault((h.owner[8:], sentence), []).append(text[h.start : h.end])
    words = {k: [seen.words for seen in v] for k, v in ctx.concepts().items()}
    assert words == per_sentence
    assert "lot. Dear" not in str(per_sentence)


def test_plain_words_in_elongated_text_are_squeezed_like_any_other():
    tokens = tokenize("Sooo angry!!! Noooo")
    assert [(t.norm, t.alt) for t in tokens] == [
        ("sooo", "soo"),
        ("angry", "angry"),
        ("noooo", "noo"),
    ]


def test_masked_words_match_the_terms_they_spell_wherever_the_mask_is():
    lexicon = Lexicon()
    for term in ("fuck", "funk", "shit", "fact"):
        lexicon.add(term, f"rule.{term}", inflect=False)
    words = ("f*ck", "fu**", "f**k", "fu*k", "sh*t", "s**t", "f*ct", "f***")
    spelled = {w: sorted(h.term for h in lexicon.scan(tokenize(w))) for w in words}
    assert spelled == {
        "f*ck": ["fuck"],
        "fu**": ["fuck", "funk"],  # the last letter masked too
        "f**k": ["fuck", "funk"],
        "fu*k": ["fuck", "funk"],
        "sh*t": ["shit"],
        "s**t": ["shit"],
        "f*ct": ["fact"],
        "f***": [],  # one letter shown is no word
    }


def test_a_word_found_twice_for_one_owner_is_one_hit_the_first():
    # "working" is a form of "work" and a term of its own, and "w0rking" is read both as
    # written and decoded: each token still gives the owner one hit, the first one found.
    lexicon = Lexicon()
    lexicon.add("work", "concept:job")
    lexicon.add("working", "concept:job")
    lexicon.add("working", "employer.badmouthing")
    hits = lexicon.scan(tokenize("Working late. Still working, w0rking."))
    found = [(h.owner, h.term, h.first) for h in hits]
    assert found == [
        ("concept:job", "work", 0),
        ("employer.badmouthing", "working", 0),
        ("concept:job", "work", 3),
        ("employer.badmouthing", "working", 3),
        ("concept:job", "work", 4),
        ("employer.badmouthing", "working", 4),
    ]
