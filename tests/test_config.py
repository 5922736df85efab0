"""Config loading: every problem at once, with the file, dotted key and a fix; no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from selfwatch.checklist.load import load_builtin
from selfwatch.cli import cli
from selfwatch.config import load_config, parse_config, slug, state_dir, user_config_path
from selfwatch.errors import ConfigError
from selfwatch.model import Level

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_loads_with_the_real_loader():
    config = load_config(ROOT / "config.example.toml")
    assert config.profiles and config.profiles[0].name
    assert config.lint.fail_on in tuple(Level)
    assert load_builtin().rules


def test_all_problems_reported_at_once_with_keys_and_hints(tmp_path):
    path = write(
        tmp_path,
        """
[lint]
fail_onn = "error"
format = "xml"

[checklist]
threshold = 140
[checklist.categories.profanty]
enabled = false
[checklist.categories.employer]
level = "severe"
terms = { "crunch" = "high" }

[[profiles]]
name = "Jane Doe"
timezone = "Mars/Olympus"
emails = ["not-an-email"]
feeds = [{ url = "https://example.com/feed", kind = "rss2" }]
""",
    )
    with pytest.raises(ConfigError) as err:
        load_config(path)
    text = str(err.value)
    assert text.startswith(f"{path}: ")
    for expected in (
        "lint.fail_onn: unknown key (did you mean 'fail_on'?)",
        "lint.format: must be 'text' or 'json'",
        "checklist.threshold: must be between 0 and 100",
        "checklist.categories.profanty: unknown key (did you mean 'profanity'?)",
        "checklist.categories.employer.level: unknown level 'severe'",
        "checklist.categories.employer.terms.crunch: weight must be a number",
        "profiles[0].timezone: unknown time zone 'Mars/Olympus'",
        "profiles[0].emails[0]: not an email address",
        "profiles[0].feeds[0].kind: unknown feed kind 'rss2'",
    ):
        assert expected in text, text


def test_invalid_toml_names_the_file(tmp_path):
    path = write(tmp_path, "[lint\nfail_on = 1")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path)


def test_cli_prints_error_lines_without_traceback(tmp_path):
    path = write(tmp_path, '[lint]\nfail_on = "loud"\n')
    result = CliRunner().invoke(cli, ["--config", str(path), "lint", "-"], input="hi")
    assert result.exit_code == 2
    assert (
        result.output.strip()
        == f"Error: {path}: lint.fail_on: unknown level 'loud' (use info, warning or error)"
    )
    assert "Traceback" not in result.output


def test_missing_explicit_config_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml")


def test_missing_default_config_gives_defaults():
    config = load_config()
    assert config.profiles == () and config.lint.fail_on == Level.WARNING


def test_paths_follow_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SELFWATCH_CONFIG", str(tmp_path / "c.toml"))
    monkeypatch.setenv("SELFWATCH_HOME", str(tmp_path / "home"))
    assert user_config_path() == tmp_path / "c.toml"
    assert state_dir() == tmp_path / "home"


def test_profiles_keys_and_duplicates():
    config = parse_config({"profiles": [{"name": "Jane Doe"}, {"name": "Sam Lee", "key": "sam"}]})
    assert [p.key for p in config.profiles] == ["jane-doe", "sam"]
    with pytest.raises(ConfigError, match="duplicate profile key 'sam'"):
        parse_config({"profiles": [{"name": "A", "key": "sam"}, {"name": "B", "key": "sam"}]})


def test_profile_selection():
    config = parse_config({"profiles": [{"name": "Jane Doe"}, {"name": "Sam Lee"}]})
    with pytest.raises(ConfigError, match="pick one with --profile"):
        config.profile(None)
    assert config.profile("sam-lee").name == "Sam Lee"


def test_custom_rules_are_validated():
    with pytest.raises(ConfigError) as err:
        parse_config(
            {"checklist": {"rules": [{"id": "x", "category": "employer", "patterns": ["("]}]}}
        )
    assert "checklist.rules[0].id: must be a dotted id" in str(err.value)
    assert "checklist.rules[0].patterns[0]: invalid regular expression" in str(err.value)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Jane Doe", "jane-doe"),
        ("José Núñez", "jose-nunez"),
        ("Zoë Ørsted-Smith", "zoe-orsted-smith"),
        ("Łukasz Żółć", "lukasz-zolc"),
        ("李小龍", "李小龍"),
        ("Dr. Mary O'Neil", "dr-mary-o-neil"),
    ],
)
def test_profile_keys_keep_accented_letters_readable(name: str, key: str) -> None:
    assert slug(name) == key
