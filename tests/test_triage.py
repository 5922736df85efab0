"""Triage (ack, ignore, ignore --rule) and the coach's profile list, with a real SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from selfwatch.cli import cli
from selfwatch.config import load_config
from selfwatch.deliver import compose
from selfwatch.errors import NotFoundError
from selfwatch.triage import ack, ignore
from selfwatch.watch import open_store, run_cycle

NOW = datetime(2026, 3, 20, 8, 0, tzinfo=UTC)

FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>{name}</title><link>https://social.example/@x</link>
<item><title>{name}</title><link>https://social.example/@x/1-{key}</link>
<description>My boss is a clueless clown, what a shitshow of a job</description>
<guid>https://social.example/@x/1-{key}</guid></item>
<item><title>{name}</title><link>https://social.example/@x/2-{key}</link>
<description>Gave a talk at the meetup tonight</description>
<guid>https://social.example/@x/2-{key}</guid></item>
</channel></rss>"""


@pytest.fixture
def config_path(tmp_path):
    for key, name in (("jane", "Jane Doe"), ("sam", "Sam Lee")):
        (tmp_path / f"{key}.rss").write_text(FEED.format(name=name, key=key), encoding="utf-8")
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[[profiles]]
key = "jane"
name = "Jane Doe"
search = false
feeds = [{{ url = "{tmp_path / "jane.rss"}", own = true }}]

[[profiles]]
key = "sam"
name = "Sam Lee"
search = false
feeds = [{{ url = "{tmp_path / "sam.rss"}", own = true }}]
""",
        encoding="utf-8",
    )
    return path


def _flagged_id(store, profile: str) -> str:
    return store.posts(profile, flagged=True)[0].id


def test_ack_and_ignore_persist_and_shape_the_digest(config_path):
    config = load_config(config_path)
    jane = config.profile("jane")
    with open_store() as store:
        run_cycle(config, jane, store, now=NOW)
        post_id = _flagged_id(store, "jane")
        assert ack(store, post_id[:6], None).status == "acked"
        ignored = ignore(store, post_id, "jane", threshold=40, now=NOW)
        assert ignored.status == "ignored"
        assert post_id not in {sp.id for sp in compose(config, jane, store, now=NOW).posts}
    with open_store() as store:  # persisted
        assert store.get(post_id, "jane").status == "ignored"


def test_ignore_one_rule_recomputes_the_score(config_path):
    config = load_config(config_path)
    with open_store() as store:
        run_cycle(config, config.profile("jane"), store, now=NOW)
        post_id = _flagged_id(store, "jane")
        before = store.get(post_id, "jane").verdict
        assert {"employer", "profanity"} <= set(before.categories)
        after = ignore(store, post_id, "jane", rule="profanity", threshold=40, now=NOW).verdict
        assert "profanity" not in after.categories and after.score < before.score
        assert store.ignored_rules("jane", post_id) == {"profanity.obscene"}
        with pytest.raises(NotFoundError, match="no finding for 'sexual'"):
            ignore(store, post_id, "jane", rule="sexual", threshold=40, now=NOW)
        with pytest.raises(NotFoundError, match=r"did you mean 'employer\.badmouthing'"):
            ignore(store, post_id, "jane", rule="employer.badmouting", threshold=40, now=NOW)


def test_commands_and_clients_stay_apart(config_path):
    runner = CliRunner()
    base = ["--config", str(config_path)]
    assert runner.invoke(cli, [*base, "check"]).exit_code == 0
    listing = runner.invoke(cli, [*base, "profiles"])
    assert listing.exit_code == 0
    lines = listing.output.splitlines()
    assert lines[1].startswith("jane") and lines[2].startswith("sam")
    assert all(line.split()[-7] == "1" for line in lines[1:])  # one open flag each
    with open_store() as store:
        jane_post = _flagged_id(store, "jane")
        sam_post = _flagged_id(store, "sam")
    # an id that belongs to one client only cannot be acked under the other
    wrong = runner.invoke(cli, [*base, "ack", sam_post, "--profile", "jane"])
    assert wrong.exit_code == 2 and wrong.output.startswith("Error: ")
    assert runner.invoke(cli, [*base, "ack", jane_post]).exit_code == 0
    result = runner.invoke(cli, [*base, "ignore", sam_post, "--rule", "employer.badmouthing"])
    assert result.exit_code == 0 and "score now" in result.output
    after = runner.invoke(cli, [*base, "profiles"]).output.splitlines()
    assert after[1].split()[-7] == "0"  # jane's flag was acked
    preview = runner.invoke(cli, [*base, "digest", "--profile", "jane"])
    assert "Sam Lee" not in preview.output


def test_history_marks_handled_and_ignored_posts(config_path):
    runner = CliRunner()
    base = ["--config", str(config_path)]
    assert runner.invoke(cli, [*base, "check", "--profile", "jane"]).exit_code == 0
    with open_store() as store:
        post_id = _flagged_id(store, "jane")
    before = runner.invoke(cli, [*base, "history", "--profile", "jane", "--flagged"]).output
    row = next(line for line in before.splitlines() if line.startswith(post_id[:10]))
    assert row.split()[2] == "FLAG"
    runner.invoke(cli, [*base, "ack", post_id])
    acked = runner.invoke(cli, [*base, "history", "--profile", "jane", "--flagged"]).output
    row = next(line for line in acked.splitlines() if line.startswith(post_id[:10]))
    assert row.split()[2] == "ack"
    runner.invoke(cli, [*base, "ignore", post_id])
    ignored = runner.invoke(cli, [*base, "history", "--profile", "jane", "--flagged"]).output
    row = next(line for line in ignored.splitlines() if line.startswith(post_id[:10]))
    assert row.split()[2] == "ign"
