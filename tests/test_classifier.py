"""The learned component: shipped weights, featurizer, fast scoring path and explanations."""

from __future__ import annotations

import ast
import json
import math
from pathlib import Path

import pytest

from selfwatch.checklist.classifier import (
    DEFAULT_PATH,
    FEATURIZER_VERSION,
    ClassifierFormatError,
    Prediction,
    char_grams,
    featurize,
    load_classifier,
    parse_classifier,
    tokens,
)

ROOT = Path(__file__).resolve().parent.parent

OFFENSIVE = "@user shut up you stupid bitch, you are a fucking idiot"
HATEFUL = "Send these illegal aliens back where they came from #BuildTheWall #NoDACA"
NEUTRAL = "Looking forward to presenting our team's results at the conference on Thursday"
SAMPLES = (
    OFFENSIVE,
    HATEFUL,
    NEUTRAL,
    "",
    "soooo fuuuuck this sh1t &amp; a$$hole http://t.co/x #SemST",
    "Ça va? naïve café 😂😂 don’t 'quote' ** <b>",
    "RT @user: you’re a c*nt!!! WHY?? #MAGA #NoMoreRefugees",
)


def test_shipped_weights_load_with_both_heads() -> None:
    clf = load_classifier()
    assert clf.heads == ("offensive", "hate")
    assert len(clf) > 500
    assert all(0.0 < t < 1.0 for t in clf.thresholds.values())
    assert DEFAULT_PATH.stat().st_size < 1_000_000
    assert load_classifier() is clf  # cached


@pytest.mark.parametrize("head, risky", [("offensive", OFFENSIVE), ("hate", HATEFUL)])
def test_risky_text_outscores_neutral_text(head: str, risky: str) -> None:
    clf = load_classifier()
    risky_p = clf.scores(risky)[head]
    neutral_p = clf.scores(NEUTRAL)[head]
    assert risky_p > neutral_p + 0.3
    assert risky_p >= clf.thresholds[head] > neutral_p
    assert clf.flags(risky)[head] and not clf.flags(NEUTRAL)[head]


def test_offensive_sentence_is_higher_than_neutral_on_every_head() -> None:
    clf = load_classifier()
    for head in clf.heads:
        assert clf.scores(OFFENSIVE)[head] > clf.scores(NEUTRAL)[head]


def test_features_explain_the_prediction() -> None:
    prediction = load_classifier().predict(OFFENSIVE)["offensive"]
    assert isinstance(prediction, Prediction)
    assert prediction.head == "offensive"
    assert prediction.features, "a flagged text must come with its evidence"
    name, weight = prediction.features[0]
    kind, _, value = name.partition(":")
    assert kind in ("word", "bigram")
    assert value in " ".join(tokens(OFFENSIVE)[0])
    assert value.split()[0] in OFFENSIVE.lower()
    weights = [w for _, w in prediction.features]
    assert weights == sorted(weights, reverse=True) and weights[-1] > 0
    clf = load_classifier()
    if kind == "word":  # a word's evidence includes its character n-grams
        assert weight == pytest.approx(clf.word_weight(value)[0], abs=5e-4)
        grams = char_grams(value)
        whole = clf.weight(name)[0] + sum(clf.weight("char:" + g)[0] for g in grams)
        assert weight == pytest.approx(whole, abs=5e-4)
    else:
        assert weight == pytest.approx(clf.weight(name)[0], abs=5e-4)


def test_misspelt_insult_is_explained_by_the_word_it_came_from() -> None:
    """Character n-grams carry spelling variants the word list never saw."""
    clf = load_classifier()
    text = "@user you are such an idiooooots lmao"
    assert clf.weight("word:idioots") == (0.0, 0.0)  # never seen as a word
    names = [name for name, _ in clf.predict(text)["offensive"].features]
    assert "word:idioots" in names
    assert clf.word_weight("idioots")[0] > 0.5


def test_predict_and_scores_agree() -> None:
    clf = load_classifier()
    for text in SAMPLES:
        scores = clf.scores(text)
        predictions = clf.predict(text)
        assert set(scores) == set(predictions) == set(clf.heads)
        for head in clf.heads:
            assert predictions[head].probability == pytest.approx(scores[head])


def test_fast_path_equals_the_featurize_sum() -> None:
    """scores() must compute exactly the model trained on featurize()'s features."""
    clf = load_classifier()
    document = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    for text in SAMPLES:
        feats = featurize(text)
        for i, head in enumerate(clf.heads):
            z = document["bias"][i] + sum(clf.weight(f)[i] for f in feats)
            assert clf.scores(text)[head] == pytest.approx(1 / (1 + math.exp(-z)), abs=1e-9)


def test_featurizer_handles_tricky_inputs() -> None:
    words, extras = tokens("@jane_doe You are SOOOO stupid!!! #BuildTheWall http://t.co/abc")
    assert words[0] == "<user>" and "<url>" in words
    assert "soo" in words and "!" in words
    assert words[words.index("build") : words.index("build") + 3] == ["build", "the", "wall"]
    assert extras == ["hashtag:buildthewall"]
    assert tokens("fuuuuck this sh1t, a$$hole")[0] == ["fuck", "this", "shit", "asshole"]
    assert tokens("I paid $5 for the 1st one")[0] == ["i", "paid", "$5", "for", "the", "1st", "one"]
    assert tokens("Climate action now #SemST")[0] == ["climate", "action", "now"]
    assert tokens("Tom &amp; Jerry")[0] == ["tom", "jerry"]
    assert tokens("f*ck 'quoted' don’t")[0] == ["f*ck", "quoted", "don't"]
    assert tokens("#MAGA #NoMoreRefugees")[0] == ["maga", "no", "more", "refugees"]
    assert tokens("naïve café 😂")[0] == ["naïve", "café", "😂"]
    assert featurize("") == ()


def test_featurize_is_deterministic_and_distinct() -> None:
    for text in SAMPLES:
        first = featurize(text)
        assert first == featurize(text)
        whole = [f for f in first if not f.startswith("char:")]
        assert len(whole) == len(set(whole))
    feats = featurize("shut up shut up")
    assert feats[:4] == ("word:shut", "word:up", "bigram:shut up", "bigram:up shut")
    assert feats[4:] == tuple("char:" + g for w in ("shut", "up") for g in char_grams(w))
    # One char: feature per distinct word that has the n-gram: "<sh" twice for shut and shout.
    assert featurize("shut shout").count("char:<sh") == 2


def test_char_grams_mark_word_edges() -> None:
    assert char_grams("idiot") == (
        "<id", "idi", "dio", "iot", "ot>",
        "<idi", "idio", "diot", "iot>",
        "<idio", "idiot", "diot>",
    )  # fmt: skip
    assert char_grams("u") == ("<u>",)
    assert char_grams("<user>") == char_grams("<url>") == char_grams("!") == ()


def test_training_script_uses_the_package_featurizer() -> None:
    tree = ast.parse((ROOT / "scripts" / "train_classifier.py").read_text(encoding="utf-8"))
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "selfwatch.checklist.classifier"
        for alias in node.names
    }
    assert {"featurize", "FEATURIZER_VERSION"} <= imported
    defined = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    assert "featurize" not in defined and "tokens" not in defined


def test_weights_record_the_featurizer_version() -> None:
    document = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    assert document["featurizer"] == FEATURIZER_VERSION
    with pytest.raises(ClassifierFormatError, match="retrain"):
        parse_classifier({**document, "featurizer": FEATURIZER_VERSION + 1})
    with pytest.raises(ClassifierFormatError, match="unknown format"):
        parse_classifier({"format": 99})
    with pytest.raises(ClassifierFormatError, match="malformed"):
        parse_classifier({k: v for k, v in document.items() if k != "words"})


def test_load_classifier_reads_another_path(tmp_path: Path) -> None:
    document = {
        "format": 1,
        "featurizer": FEATURIZER_VERSION,
        "heads": ["offensive"],
        "scale": 1000,
        "bias": [-1.0],
        "thresholds": [0.5],
        "words": {"idiot": [3000]},
        "bigrams": {"shut up": [1000]},
        "extras": {"hashtag:rude": [500]},
        "chars": {"<sh": [250]},
    }
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    clf = load_classifier(path)
    prediction = clf.predict("Shut up, idiot #rude")["offensive"]
    assert prediction.probability == pytest.approx(1 / (1 + math.exp(-(-1 + 3 + 1 + 0.5 + 0.25))))
    assert prediction.features == (
        ("word:idiot", 3.0),
        ("bigram:shut up", 1.0),
        ("hashtag:rude", 0.5),
        ("word:shut", 0.25),
    )
    assert clf.scores("hello there")["offensive"] == pytest.approx(1 / (1 + math.exp(1)))
