"""`selfwatch audit` end to end: real export fixtures, a real SQLite file, the digest after it."""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from selfwatch.cli import cli
from selfwatch.config import load_config
from selfwatch.deliver import compose
from selfwatch.watch import open_store

FIXTURES = Path(__file__).parent / "fixtures" / "archives"
NOW = datetime(2026, 3, 20, 8, 0, tzinfo=UTC)
EXPORTS = ("twitter", "mastodon", "facebook", "reddit", "linkedin")


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        """
[[profiles]]
key = "jane"
name = "Jane Doe"
search = false
emails = ["jane.doe@example.com"]
phones = ["+1 503 555 0142"]
employers = ["Acme Corp"]
confidential_terms = ["Bluebird"]
handles = { x = "@janedoe" }

[[profiles]]
key = "sam"
name = "Sam Lee"
search = false
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def exports(tmp_path: Path) -> list[str]:
    return [str(shutil.copytree(FIXTURES / n, tmp_path / "in" / n)) for n in EXPORTS]


def invoke(config_path: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--config", str(config_path), "audit", *args])
    return result.exit_code, result.stdout, result.stderr


def test_audit_prints_the_risky_posts_with_actions_and_a_summary(
    config_path: Path, exports: list[str]
) -> None:
    code, out, _ = invoke(config_path, *exports, "--profile", "jane")
    assert code == 0, out
    assert out.splitlines()[0].startswith("  1. score  70")  # the codename leak comes first
    assert "confidential" in out and "-> Delete it" in out
    assert "https://x.com/janedoe/status/" in out  # the handle from account.js
    assert out.rstrip().endswith("2 reposts skipped; 18 new in the store.")
    assert "18 posts audited" in out


def test_audit_stores_posts_as_the_persons_own_and_a_rerun_adds_nothing(
    config_path: Path, exports: list[str]
) -> None:
    code, first, _ = invoke(config_path, *exports, "--profile", "jane")
    assert code == 0 and "earlier run" not in first
    code, out, _ = invoke(config_path, *exports, "--profile", "jane")
    assert code == 0 and out.rstrip().endswith("0 new in the store.")
    # Nothing linted again: every verdict is the one the same checklist gave the first time.
    assert ", 18 of them judged by this same checklist on an earlier run; " in out
    assert out.split("\n")[:-2] == first.split("\n")[:-2]  # the same list, word for word
    with open_store() as store:
        posts = store.posts("jane", limit=100)
        assert len(posts) == 18
        assert {sp.identity.role for sp in posts} == {"author"}
        assert store.posts("sam", limit=100) == []  # one client's archive is not another's
    history = CliRunner().invoke(cli, ["--config", str(config_path), "history", "--flagged"])
    assert "jane: " in history.output and "Sneak peek" in history.output


def test_digest_after_an_audit_lists_flagged_archive_posts_only(
    config_path: Path, exports: list[str]
) -> None:
    code, out, _ = invoke(config_path, *exports, "--profile", "jane", "--format", "json")
    assert code == 0
    risky = json.loads(out)["summary"]["risky"]
    config = load_config(config_path)
    with open_store() as store:
        composed = compose(config, config.profile("jane"), store, now=NOW)
    shown = composed.digest.items
    assert len(shown) == risky and all(i.verdict.flagged for i in shown)
    assert len(composed.posts) == 18  # the rest are marked delivered with it, never listed
    assert "via X/Twitter archive" in composed.text
    assert "archive:" not in composed.text


def test_csv_and_json_go_to_a_file(config_path: Path, exports: list[str], tmp_path: Path) -> None:
    target = tmp_path / "to-fix.csv"
    code, out, _ = invoke(config_path, *exports, "--profile", "jane", "--format", "csv",
                          "--out", str(target))  # fmt: skip
    assert code == 0 and str(target) in out
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert [r["rank"] for r in rows] == [str(n) for n in range(1, len(rows) + 1)]
    assert rows[0]["action"] == "delete" and "Bluebird" in rows[0]["excerpt"]

    code, out, _ = invoke(config_path, exports[0], "--profile", "jane", "--format", "json")
    doc = json.loads(out)
    assert doc["profile"] == "jane" and doc["summary"]["sources"] == {"twitter": 4}


def test_limit_caps_the_printed_list(config_path: Path, exports: list[str]) -> None:
    code, out, _ = invoke(config_path, *exports, "--profile", "jane", "--format", "json")
    risky = json.loads(out)["summary"]["risky"]
    code, out, _ = invoke(config_path, *exports, "--profile", "jane", "--limit", "2")
    assert code == 0
    assert "  2. score" in out and "  3. score" not in out
    assert f"... and {risky - 2} more" in out


def test_long_audits_report_progress_on_stderr(config_path: Path, tmp_path: Path) -> None:
    posts = tmp_path / "posts.jsonl"
    lines = [json.dumps({"text": f"Shipped version {n} of the data pipeline"}) for n in range(6000)]
    posts.write_text("\n".join(lines), encoding="utf-8")
    code, out, err = invoke(config_path, str(posts), "--profile", "jane", "--workers", "1")
    assert code == 0, out
    assert "audited 1,000 posts so far" in err
    assert "audited 6,000 posts in all" in err
    assert "audited 1," not in out
    small = tmp_path / "small.jsonl"
    small.write_text("\n".join(lines[:900]), encoding="utf-8")
    code, out, err = invoke(config_path, str(small), "--profile", "jane", "--workers", "1")
    assert code == 0 and "audited" not in err  # one batch: done at once, nothing to report


def test_bad_usage_and_bad_input_are_clear_errors(config_path: Path, tmp_path: Path) -> None:
    code, _, err = invoke(config_path, str(FIXTURES / "twitter"), "--profile", "jane",
                            "--out", str(tmp_path / "x.txt"))  # fmt: skip
    assert code == 2 and "Error: --out needs --format csv or --format json" in err
    code, _, err = invoke(config_path, str(FIXTURES / "twitter"))
    assert code == 2 and err.startswith("Error: ") and "--profile" in err
    broken = tmp_path / "tweets.js"
    broken.write_text("window.YTD.tweets.part0 = [{not json", encoding="utf-8")
    code, _, err = invoke(config_path, str(broken), "--profile", "jane")
    assert code != 0 and err.startswith("Error: ") and "tweets.js" in err
    assert "Traceback" not in err
