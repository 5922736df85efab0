"""Bad input is refused up front: init writes nothing invalid, and config names only real things."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from selfwatch.checklist.load import builtin_rule_ids, load_builtin
from selfwatch.cli import cli
from selfwatch.config import HANDLE_SITES, load_config
from selfwatch.errors import ConfigError
from selfwatch.model import CATEGORIES
from selfwatch.sources import FEED_SITES, feeds_for

KNOWN_SITES = ", ".join(HANDLE_SITES)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --- init ------------------------------------------------------------------------------------


def test_init_with_a_bad_handle_writes_nothing_and_names_file_and_key(tmp_path):
    path = tmp_path / "qa" / "c4.toml"
    result = run("--config", str(path), "init", "--name", "A B", "--handle", "youtube=UCabc")
    assert result.exit_code == 2
    assert result.output.startswith(
        f"Error: {path} (not written): profiles[0].handles.youtube: "
        "not a YouTube channel id: 'UCabc' (expected the 24-character id"
    )
    assert "wrote" not in result.output
    assert not path.exists() and not path.parent.exists()
    # Nothing was left behind, so a corrected run needs no --force.
    good = run("--config", str(path), "init", "--name", "A B", "--handle", "github=ab")
    assert good.exit_code == 0, good.output
    assert load_config(path).profiles[0].handles == (("github", "ab"),)


def test_init_validates_everything_the_loader_does(tmp_path):
    path = tmp_path / "c.toml"
    result = run("--config", str(path), "init", "--name", "A B", "--timezone", "Mars/Olympus")
    assert result.exit_code == 2
    assert result.output == (
        f"Error: {path} (not written): profiles[0].timezone: "
        "unknown time zone 'Mars/Olympus' (e.g. 'Europe/Berlin')\n"
    )
    assert not path.exists()


def test_init_refuses_an_unknown_handle_site_with_a_hint(tmp_path):
    path = tmp_path / "c.toml"
    result = run("--config", str(path), "init", "--name", "Jane Doe", "--handle", "githib=janedoe")
    assert result.exit_code == 2
    assert result.output == (
        f"Error: {path} (not written): profiles[0].handles.githib: unknown site 'githib' "
        f"(did you mean 'github'?); known sites: {KNOWN_SITES}\n"
    )
    assert not path.exists()
    other = run("--config", str(path), "init", "--name", "Jane Doe", "--handle", "foo=bar")
    assert other.exit_code == 2
    assert f"profiles[0].handles.foo: unknown site 'foo'; known sites: {KNOWN_SITES}" in (
        other.output
    )
    assert not path.exists()


def test_init_failing_to_write_is_one_error_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    path = blocker / "c.toml"
    result = run("--config", str(path), "init", "--name", "Jane Doe")
    assert result.exit_code == 3
    assert result.output.startswith(f"Error: {path}: cannot write the config: ")


# --- handles in the config file ----------------------------------------------------------------


def test_unknown_handle_sites_in_the_config_are_errors(tmp_path):
    path = write(
        tmp_path,
        '[[profiles]]\nname = "Jane Doe"\nhandles = { githib = "janedoe", foo = "bar" }\n',
    )
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value) == (
        f"{path}: 2 problems in the config:\n"
        "  - profiles[0].handles.githib: unknown site 'githib' (did you mean 'github'?); "
        f"known sites: {KNOWN_SITES}\n"
        f"  - profiles[0].handles.foo: unknown site 'foo'; known sites: {KNOWN_SITES}"
    )


def test_every_command_reports_an_unknown_handle_site(tmp_path):
    path = write(tmp_path, '[[profiles]]\nname = "Jane Doe"\nhandles = { githib = "janedoe" }\n')
    result = CliRunner().invoke(cli, ["--config", str(path), "lint", "-"], input="hi")
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {path}: profiles[0].handles.githib: unknown site")


def test_sites_without_a_feed_are_accepted_and_sites_compare_lower_case(tmp_path):
    path = write(
        tmp_path,
        '[[profiles]]\nname = "Jane Doe"\nsearch = false\n'
        'handles = { x = "@jane", linkedin = "janedoe", GitHub = "janedoe" }\n',
    )
    (profile,) = load_config(path).profiles
    assert profile.handles == (("x", "@jane"), ("linkedin", "janedoe"), ("github", "janedoe"))
    assert [f.url for f in feeds_for(profile)] == ["https://github.com/janedoe.atom"]


def test_a_malformed_handle_in_a_config_file_is_an_error_when_loaded(tmp_path):
    path = write(
        tmp_path,
        '[[profiles]]\nname = "Jane Doe"\nhandles = { youtube = "UCabc", github = "jane doe" }\n',
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert str(path) in message
    assert "profiles[0].handles.youtube: not a YouTube channel id" in message
    assert "profiles[0].handles.github" in message  # every problem at once
    assert set(FEED_SITES) <= set(HANDLE_SITES)


def test_loading_a_config_with_handles_does_not_import_feedparser(tmp_path):
    path = write(tmp_path, '[[profiles]]\nname = "Jane Doe"\nhandles = { github = "jane" }\n')
    code = (
        "import sys\nfrom pathlib import Path\nfrom selfwatch.config import load_config\n"
        f"load_config(Path({str(path)!r}))\nprint('feedparser' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- rule ids in checklist overrides ------------------------------------------------------------


def test_builtin_rule_ids_are_those_of_the_loaded_checklist():
    assert builtin_rule_ids() == {r.id for r in load_builtin().rules}


def test_unknown_disabled_rules_are_errors_with_a_hint(tmp_path):
    path = write(
        tmp_path,
        """
[checklist]
disabled_rules = ["profanity.obscen", "politics.topic", "profanity"]

[[profiles]]
name = "Jane Doe"
[profiles.checklist]
disabled_rules = "harassment.insullt"
""",
    )
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert err.value.path == str(path)
    assert err.value.problems == [
        "checklist.disabled_rules[0]: unknown rule 'profanity.obscen' "
        "(did you mean 'profanity.obscene'?); 'selfwatch rules' lists them",
        "checklist.disabled_rules[2]: 'profanity' is a category, not a rule; "
        "use [checklist.categories.profanity] enabled = false",
        "profiles[0].checklist.disabled_rules: unknown rule 'harassment.insullt' "
        "(did you mean 'harassment.insult'?); 'selfwatch rules' lists them",
    ]


def test_the_users_own_rules_may_be_disabled(tmp_path):
    path = write(
        tmp_path,
        """
[checklist]
disabled_rules = ["custom.crunch"]
[[checklist.rules]]
id = "custom.crunch"
category = "employer"
terms = ["crunch time"]
[[checklist.rules]]
id = "custom.overtime"
category = "employer"
terms = ["overtime"]

[[profiles]]
name = "Jane Doe"
[profiles.checklist]
disabled_rules = ["custom.overtime", "custom.mine", "profanity.obscene"]
[[profiles.checklist.rules]]
id = "custom.mine"
category = "employer"
terms = ["standup"]
""",
    )
    config = load_config(path)
    assert config.profiles[0].checklist.disabled_rules == (
        "custom.overtime",
        "custom.mine",
        "profanity.obscene",
    )
    # A profile may not name a rule only another profile has.
    path.write_text(
        path.read_text(encoding="utf-8")
        + '\n[[profiles]]\nname = "Sam Lee"\n[profiles.checklist]\n'
        'disabled_rules = ["custom.mine"]\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"profiles\[1\]\.checklist\.disabled_rules\[0\]: "):
        load_config(path)


def test_a_broken_custom_rule_is_reported_once(tmp_path):
    path = write(
        tmp_path,
        '[checklist]\ndisabled_rules = ["custom.x"]\n'
        '[[checklist.rules]]\nid = "custom.x"\ncategory = "employr"\nterms = ["x"]\n',
    )
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert [p.split(":")[0] for p in err.value.problems] == ["checklist.rules[0].category"]


def test_a_disabled_rule_is_off_in_the_rules_listing(tmp_path):
    path = write(tmp_path, '[checklist]\ndisabled_rules = ["profanity.obscene"]\n')
    result = run("--config", str(path), "rules", "--category", "profanity")
    assert result.exit_code == 0, result.output
    assert "profanity.obscene" not in result.output
    assert "profanity.obscene" in run("rules", "--category", "profanity").output


# --- rules --category ---------------------------------------------------------------------------


def test_rules_with_an_unknown_category_is_a_usage_error():
    result = run("rules", "--category", "nosuch")
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        "Error: Invalid value for '--category': unknown category 'nosuch'; "
        f"categories: {', '.join(CATEGORIES)}"
    )
    hinted = run("rules", "--category", "employr")
    assert hinted.exit_code == 2 and "(did you mean 'employer'?)" in hinted.output


# --- report --out -------------------------------------------------------------------------------


def test_report_creates_the_folder_of_out(tmp_path):
    path = write(tmp_path, '[[profiles]]\nname = "Jane Doe"\n')
    out = tmp_path / "rep" / "deeper" / "r.html"
    result = run("--config", str(path), "report", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.output == f"{out}\n"
    assert out.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")
