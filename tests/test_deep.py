"""The deep checklist: the packaged MiniLM encoder and heads, run for real (no stand-ins)."""

from __future__ import annotations

import itertools
import json
import pickle
from pathlib import Path

import pytest
from click.testing import CliRunner

np = pytest.importorskip("numpy")
pytest.importorskip("tokenizers")

from selfwatch.checklist import deep  # noqa: E402
from selfwatch.checklist.engine import default_engine  # noqa: E402
from selfwatch.cli import cli  # noqa: E402
from selfwatch.model import ChecklistSettings, Level  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"
# Risky posts with no listed word or phrase of their category: the rules find nothing in them
UNLISTED = {
    "violence": "Next time that guy cuts me off I'm following him home and he's going to regret "
    "it for the rest of his life.",
    "harassment": "@kim_r everyone can see how desperate and sad you are, maybe log off before "
    "you embarrass yourself again",
    "sexual": "She kept her heels on and nothing else, best night of my life, details in my DMs",
}


@pytest.fixture(scope="module")
def engines() -> tuple[object, object]:
    return default_engine(), default_engine(settings=ChecklistSettings(deep=True))


def _deep_findings(verdict: object) -> list[object]:
    return [f for f in verdict.findings if f.rule.endswith(".deep")]  # type: ignore[attr-defined]


def test_quantised_rows_stay_within_half_a_step() -> None:
    rng = np.random.default_rng(0)
    w = rng.normal(size=(8, 16)).astype(np.float32)
    packed = deep.quantise({"m": w, "b": np.ones(16, dtype=np.float32)})
    back = packed["m.q"].astype(np.float32) * packed["m.s"][:, None]
    step = np.abs(w).max(axis=1) / 127
    assert (np.abs(back - w) <= step[:, None] / 2 + 1e-7).all()
    assert packed["b"].dtype == np.float32 and "b.q" not in packed


def test_packaged_encoder_keeps_meaning() -> None:
    model = deep.load()
    v = model.encoder.embed(
        ["The cat sat on the mat.", "A cat was sitting on a rug.", "Quarterly revenue rose 4%."]
    )
    assert v.shape == (3, 384)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert float(v[0] @ v[1]) > float(v[0] @ v[2]) + 0.3


@pytest.mark.parametrize("category", sorted(UNLISTED))
def test_deep_flags_what_no_rule_lists(engines: tuple[object, object], category: str) -> None:
    plain, with_deep = engines
    text = UNLISTED[category]
    assert not [f for f in plain.lint(text).findings if f.category == category]  # type: ignore[attr-defined]
    found = [f for f in _deep_findings(with_deep.lint(text)) if f.category == category]  # type: ignore[attr-defined]
    assert len(found) == 1
    f = found[0]
    assert f.rule == f"{category}.deep" and f.level == Level.WARNING
    assert "deep checklist, MiniLM: p=" in f.why and "the words that weigh most: '" in f.why
    assert text[f.start : f.end] == f.matched and f.matched


def test_deep_is_off_by_default_and_quiet_on_ordinary_posts(
    engines: tuple[object, object],
) -> None:
    plain, with_deep = engines
    assert not plain.deep  # type: ignore[attr-defined]
    lines = (FIXTURES / "ordinary_posts.txt").read_text(encoding="utf-8").splitlines()
    posts = [ln for ln in lines if ln.strip() and not ln.startswith("#")]
    alarms = [p for p in posts if _deep_findings(with_deep.lint(p))]  # type: ignore[attr-defined]
    # The thresholds sit above every ordinary dev post scored by heads trained without it
    assert len(alarms) <= len(posts) // 100, alarms


def test_rules_speak_first(engines: tuple[object, object]) -> None:
    _, with_deep = engines
    verdict = with_deep.lint("My boss is a useless clown and this job sucks.")  # type: ignore[attr-defined]
    assert any(f.category == "employer" for f in verdict.findings)
    assert not [f for f in _deep_findings(verdict) if f.category == "employer"]


def test_a_long_text_is_read_in_passages() -> None:
    model = deep.load()
    filler = "We reviewed the quarterly plan and agreed on the next steps for the team. " * 60
    text = filler + UNLISTED["violence"]
    passages = model.passages(text)
    assert len(passages) > 5
    assert all(len(ids) <= deep.WINDOW for _, _, ids in passages)
    assert passages[0][0] == 0 and passages[-1][1] == len(text)
    assert all(a[0] < b[0] <= a[1] for a, b in itertools.pairwise(passages))
    # The risky sentence at the end of a long text is read in a passage of its own
    alone = model.scores(UNLISTED["violence"])["deep.violence"]
    assert model.scores(text)["deep.violence"] >= alone - 0.05


def test_the_hate_head_reads_no_negated_or_kind_words_about_a_group() -> None:
    # Trained with the suite's non-hateful cases as negatives, so "I don't hate" is not hate
    model = deep.load()
    assert "hate.deep" in {r.id for r in model.rules()}
    assert model.scores("I despise gay people, they are vermin")["deep.hate"] > 0.9
    for text in (
        "I don't hate immigrants at all, my best friends moved here from Poland",
        "Proud of my gay brother and his husband, they run the best bakery in town",
    ):
        hate = next(h for h in model.heads if h.category == "hate")
        assert model.scores(text)["deep.hate"] < hate.threshold


def test_too_short_to_read() -> None:
    model = deep.load()
    assert max(model.scores("@someone PREACH???").values()) == 0.0


def test_engine_with_deep_pickles_by_name(engines: tuple[object, object]) -> None:
    _, with_deep = engines
    copy = pickle.loads(pickle.dumps(with_deep))
    assert copy.deep is deep.load()  # type: ignore[attr-defined]


def test_lint_deep_flag(tmp_path: Path) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_text(UNLISTED["harassment"] + "\n", encoding="utf-8")
    runner = CliRunner()
    plain = runner.invoke(cli, ["lint", "--format", "json", str(draft)])
    deeper = runner.invoke(cli, ["lint", "--deep", "--format", "json", str(draft)])
    rules = {f["rule"] for f in json.loads(deeper.output)[0]["findings"]}
    assert "harassment.deep" in rules
    assert "harassment.deep" not in {f["rule"] for f in json.loads(plain.output)[0]["findings"]}
    assert deeper.exit_code == 1


def test_config_deep_must_be_a_bool(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[checklist]\ndeep = "yes"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(config), "lint", "-"], input="hello\n")
    assert result.exit_code == 2 or result.exit_code == 3
    assert str(config) in result.output and "checklist.deep" in result.output
    assert "expected bool" in result.output and "Traceback" not in result.output


def test_config_deep_without_the_extra_is_refused_at_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As on an install without numpy or tokenizers (the finder is what config asks)
    import selfwatch.config

    monkeypatch.setattr(selfwatch.config, "deep_installed", lambda: False)
    config = tmp_path / "config.toml"
    config.write_text("[checklist]\ndeep = true\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(config), "lint", "-"], input="hello\n")
    assert result.exit_code in (2, 3)
    assert str(config) in result.output and "checklist.deep" in result.output
    assert "pip install 'selfwatch[deep]'" in result.output and "Traceback" not in result.output
