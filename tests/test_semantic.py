"""The semantic scorer: its table loads, scores in the right direction and explains itself."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from selfwatch.checklist import semantic
from selfwatch.model import RISK_CATEGORIES, Level

RANTS = {
    "politics": "Every voter of that party is a brainwashed traitor and they should be jailed",
    "employer": "My manager is a lazy clueless idiot and this company is the worst place to work",
    "substance": "Smoked a joint before my shift and still drunk from last night lol",
    "hate": "Immigrants are filthy parasites, send every last one of them back",
    "violence": "Next time he talks to me like that I will smash his face in",
}
ORDINARY = "Had a lovely lunch with the team and then shipped the new release to production"


def test_the_table_loads_with_one_row_per_word_and_one_column_per_category() -> None:
    table = semantic.load()
    assert table.categories == RISK_CATEGORIES
    k = len(table.categories)
    assert len(table.rows) == len(table.index) * k
    assert len(table.scales) == len(table.biases) == len(table.thresholds) == k
    assert len(table.supported_thresholds) == k
    assert len(table.index) > 10_000
    assert "manager" in table.index


@pytest.mark.parametrize("category", sorted(RANTS))
def test_a_clear_rant_scores_above_an_ordinary_post(category: str) -> None:
    rant = semantic.score(semantic.words(RANTS[category]))
    plain = semantic.score(semantic.words(ORDINARY))
    assert rant[category] > plain[category] + 2.0
    # hate on its own (the table never vouches for it); the others where a rule has evidence,
    # the only way the engine reads them
    backed = None if category == "hate" else {category}
    assert category in semantic.flagged(semantic.words(RANTS[category]), supported=backed)


def test_an_ordinary_post_is_not_flagged() -> None:
    assert semantic.flagged(semantic.words(ORDINARY)) == []


def test_with_rule_evidence_only_the_backed_categories_can_flag() -> None:
    hateful = semantic.words(RANTS["hate"])
    assert "hate" in semantic.flagged(hateful)
    # hate is left to the rules: the scorer read group names as hate on real posts
    assert semantic.flagged(hateful, supported={"hate"}) == []
    words = semantic.words(RANTS["politics"])
    assert semantic.flagged(words, supported={"politics"}) == ["politics"]
    assert semantic.flagged(words, supported=()) == []


def test_evidence_names_words_of_the_text_that_raised_the_category() -> None:
    words = semantic.words(RANTS["employer"])
    why = semantic.evidence(words, "employer", k=3)
    assert 1 <= len(why) <= 3
    assert set(why) <= set(words)
    assert "the" not in why


def test_words_outside_the_table_count_as_average_words() -> None:
    table = semantic.load()
    assert semantic.score([]) == dict(zip(table.categories, table.biases, strict=True))
    known = semantic.words(RANTS["politics"])
    padded = [*known, "zzqxv", "qqzzx"]
    for cat, value in semantic.score(padded).items():
        base = semantic.score(known)[cat]
        bias = table.biases[table.categories.index(cat)]
        # the same sum over two more words: the excess over the bias shrinks accordingly
        n = len(known) + table.smooth
        assert value - bias == pytest.approx((base - bias) * n / (n + 2))


def test_words_lowercases_and_decodes_like_the_engine() -> None:
    assert semantic.words("My B0SS is an IDIOT @dave #WorstJob") == [
        "my",
        "boss",
        "is",
        "an",
        "idiot",
        "worstjob",
        "worst",
        "job",
    ]


def test_a_table_of_another_format_is_refused(tmp_path: Path) -> None:
    for name in ("semantic.json", "semantic.bin"):
        shutil.copy(semantic.DATA / name, tmp_path / name)
    meta = json.loads((tmp_path / "semantic.json").read_text())
    meta["format"] = semantic.FORMAT + 1
    (tmp_path / "semantic.json").write_text(json.dumps(meta))
    with pytest.raises(semantic.SemanticFormatError, match="format"):
        semantic.load(tmp_path)


def test_a_truncated_table_is_refused(tmp_path: Path) -> None:
    shutil.copy(semantic.DATA / "semantic.json", tmp_path / "semantic.json")
    blob = (semantic.DATA / "semantic.bin").read_bytes()
    (tmp_path / "semantic.bin").write_bytes(blob[:-5])
    with pytest.raises(semantic.SemanticFormatError, match="size"):
        semantic.load(tmp_path)


def test_it_imports_only_the_checklist_and_the_vocabulary() -> None:
    tree = ast.parse(Path(semantic.__file__).read_text(encoding="utf-8"))
    imported = [
        node.module or ""
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.level == 0
    ] + [a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names]
    assert not [m for m in imported if m.startswith("selfwatch")]
    assert not {"numpy", "onnxruntime", "tokenizers"} & {m.split(".")[0] for m in imported}


def test_linting_a_plain_text_never_loads_the_table() -> None:
    # Cold `selfwatch lint` must not pay for the table (~20 ms) when nothing calls for it.
    code = (
        "import sys; from selfwatch import lint_text; lint_text('Lunch with the team.'); "
        "print('selfwatch.checklist.semantic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


VOUCHED = (
    "torturing the lad who nicked my bike would be the highlight of my year. "
    "I've already thought about the pliers."
)
"""A violent verb without the intent the rules know, where the support model is unsure."""


def test_the_table_vouches_for_a_rule_term_the_support_model_is_unsure_of() -> None:
    from selfwatch.checklist.engine import Engine, default_engine

    engine = default_engine()
    found = [f for f in engine.lint(VOUCHED).findings if f.category == "violence"]
    assert [f.rule for f in found] == ["violence.threat_person"]
    assert found[0].level == Level.WARNING
    assert "(word vectors;" in found[0].why
    # The same engine without the table: the rule's term alone decides nothing
    plain = Engine(engine.checklist, None, engine.classifier)
    plain.semantic = None
    assert not [f for f in plain.lint(VOUCHED).findings if f.category == "violence"]


def test_the_table_never_vouches_for_a_quoted_term() -> None:
    from selfwatch import lint_text

    quoted = f'My flatmate texted "{VOUCHED}" and I told him to get help'
    assert not [
        f for f in lint_text(quoted).findings if f.category == "violence" and "vectors" in f.why
    ]
