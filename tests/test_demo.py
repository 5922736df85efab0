"""``selfwatch demo``: bundled feeds, the verdict on each sample post, the digest, the mail."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path

import pytest
from click.testing import CliRunner
from smtpserver import SmtpServer

from selfwatch.checklist.engine import default_engine
from selfwatch.cli import cli
from selfwatch.config import parse_config
from selfwatch.demo import (
    DEMO_FEEDS,
    FEEDS_DIR,
    DemoResult,
    demo_config,
    mail_target,
    run_demo,
    unpack_feeds,
)
from selfwatch.digest import linted_text
from selfwatch.errors import ConfigError, MailError
from selfwatch.identity import identify
from selfwatch.parse import parse_feed
from selfwatch.watch import score

NOW = datetime(2026, 3, 12, 14, 0, tzinfo=UTC)
SUBJECT = "selfwatch: 3 flagged, 8 new mentions of Alex Rivera"

# Each sample post, found by a phrase of its text: who it is about and what the checklist says.
INTENDED: dict[str, tuple[str, bool, set[str]]] = {
    "My manager at Northwind is clueless": ("me", True, {"employer"}),
    "still drunk in standup": ("me", True, {"substance"}),
    "text him at 720-555-0134": ("me", True, {"personal_data"}),
    "Slides from my talk at Rocky Mountain Data Summit": ("me", False, {"expertise"}),
    "Huge thanks to Alex Rivera": ("me", False, {"praise", "expertise"}),
    "why Denver's data teams are hiring again": ("me", False, set()),
    "wrote up their Airflow to Dagster move": ("me", False, set()),
    "Sourdough attempt #4": ("me", False, set()),
    "stops Okafor in the sixth": ("not_me", False, set()),
    "Miami welterweight keeps his belt": ("not_me", False, set()),
    "most underrated welterweight in boxing": ("not_me", False, set()),
}
BOXER = ("Okafor", "welterweight", "boxing", "boxer")


def sections(text: str) -> dict[str, str]:
    """Split a plain-text digest into its sections by their underlined headings."""
    parts = re.split(r"^(Flagged|Good news|Mentions) \(\d+\)\n-+\n", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


@pytest.fixture
def demo(tmp_path: Path) -> DemoResult:
    """Run the demo into a fresh directory."""
    return run_demo(tmp_path / "out", now=NOW)


def test_bundled_feeds_ship_inside_the_package() -> None:
    bundled = files("selfwatch").joinpath(FEEDS_DIR)
    for name, *_ in DEMO_FEEDS:
        assert bundled.joinpath(name).is_file(), name
        assert parse_feed(bundled.joinpath(name).read_bytes(), name), name


def test_demo_config_is_valid_and_reads_only_local_files(tmp_path: Path) -> None:
    config = demo_config(unpack_feeds(tmp_path / "feeds"))
    [profile] = config.profiles
    assert profile.name == "Alex Rivera"
    assert not profile.search
    assert [f.kind for f in profile.feeds] == [kind for _, kind, _, _ in DEMO_FEEDS]
    assert all(Path(f.url).is_file() for f in profile.feeds)
    assert [f.own for f in profile.feeds].count(True) == 1


def test_each_sample_post_gets_the_intended_identity_and_verdict(tmp_path: Path) -> None:
    profile = demo_config(unpack_feeds(tmp_path)).profiles[0]
    engine = default_engine(profile)
    seen = set()
    for spec in profile.feeds:
        for post in parse_feed(Path(spec.url).read_bytes(), spec.url):
            text = linted_text(post)
            [key] = [k for k in INTENDED if k in text]
            confidence, flagged, categories = INTENDED[key]
            verdict = score(engine, post)
            assert identify(post, profile, own=spec.own).confidence == confidence, key
            assert verdict.flagged is flagged, key
            assert set(verdict.categories) == categories, (key, verdict.findings)
            seen.add(key)
    assert seen == set(INTENDED)


def test_demo_writes_the_digest_with_the_right_sections(demo: DemoResult) -> None:
    assert demo.html.is_file() and demo.text.is_file()
    assert demo.html.parent == demo.text.parent
    text = demo.text.read_text(encoding="utf-8")
    assert text.splitlines()[0] == SUBJECT == demo.subject
    found = sections(text)
    assert set(found) == {"Flagged", "Good news", "Mentions"}
    flagged = found["Flagged"]
    for phrase in ("My manager at Northwind is", "still drunk in standup", "720-555-0134"):
        assert phrase in flagged
    assert len(re.findall(r"^\* ", flagged, flags=re.MULTILINE)) == 3
    assert "Slides from my talk" in found["Good news"]
    assert "Recap: March Denver Data Engineering meetup" in found["Good news"]
    assert "Sourdough attempt #4" in found["Mentions"]
    for word in BOXER:
        assert word not in text
        assert word not in demo.html.read_text(encoding="utf-8")


def test_the_phone_number_is_a_personal_data_finding_on_the_carpool_post(
    demo: DemoResult,
) -> None:
    flagged = sections(demo.text.read_text(encoding="utf-8"))["Flagged"]
    card = next(c for c in flagged.split("\n* ") if "Carpool from Boulder" in c)
    assert "[ERROR] personal data (personal_data.own_contact)" in card
    assert "**720-555-0134**" in card


def test_demo_counts_add_up(demo: DemoResult) -> None:
    assert (demo.posts, demo.flagged, demo.good_news, demo.mentions, demo.not_me) == (
        11, 3, 2, 3, 3,
    )  # fmt: skip
    assert demo.posts == demo.flagged + demo.good_news + demo.mentions + demo.not_me
    assert demo.summary == (
        "11 posts: 3 flagged, 2 good news, 3 other mentions, 3 about a namesake (left out)"
    )
    assert demo.sent_to == ()


def test_demo_touches_nothing_but_its_output_dir(tmp_path: Path, isolated_home: Path) -> None:
    result = run_demo(tmp_path / "out", now=NOW)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        [result.html.name, result.text.name]
    )
    assert result.html.name == "alex-rivera-20260312T140000Z.html"
    assert not list(isolated_home.rglob("*.db"))
    assert not (isolated_home / "state").exists()


def test_demo_is_deterministic_and_never_overwrites(tmp_path: Path) -> None:
    first = run_demo(tmp_path / "out", now=NOW)
    second = run_demo(tmp_path / "out", now=NOW)
    assert second.text != first.text
    assert second.text.read_bytes() == first.text.read_bytes()
    assert second.html.read_bytes() == first.html.read_bytes()


def _config_with_smtp(port: int, recipients: list[str] | None = None) -> dict[str, object]:
    smtp = {"host": "127.0.0.1", "port": port, "security": "none", "sender": "sw@example.com"}
    raw: dict[str, object] = {"smtp": smtp}
    if recipients is not None:
        raw["profiles"] = [{"name": "Sam Lee", "recipients": recipients}]
    return raw


def test_send_mails_the_same_digest_through_a_real_smtp_server(tmp_path: Path) -> None:
    with SmtpServer() as server:
        config = parse_config(_config_with_smtp(server.port, ["sam@example.com"]))
        target = mail_target(config)
        result = run_demo(tmp_path / "out", now=NOW, send=target, env={})
    assert result.sent_to == ("sam@example.com",)
    [got] = server.messages
    assert got.rcpt_tos == ["sam@example.com"]
    message = got.message
    assert message["Subject"] == SUBJECT
    assert message["From"] == "sw@example.com"
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.iter_parts()
    assert text.get_content_type() == "text/plain"
    assert html.get_content_type() == "text/html"
    assert text.get_content().replace("\r\n", "\n") == result.text.read_text(encoding="utf-8")


def test_send_refused_keeps_the_files_and_says_where(tmp_path: Path) -> None:
    with SmtpServer(refuse_data=True) as server:
        target = mail_target(parse_config(_config_with_smtp(server.port)), "sam@example.com")
        with pytest.raises(MailError, match="refused the message") as caught:
            run_demo(tmp_path / "out", now=NOW, send=target, env={})
    [html] = (tmp_path / "out").glob("*.html")
    assert str(html) in str(caught.value)


def test_mail_target_prefers_to_then_the_first_profile() -> None:
    config = parse_config(_config_with_smtp(2525, ["sam@example.com"]))
    assert mail_target(config, "me@example.org").to == ("me@example.org",)
    assert mail_target(config).to == ("sam@example.com",)
    assert mail_target(config).smtp.port == 2525


def test_mail_target_says_what_is_missing() -> None:
    with pytest.raises(ConfigError, match=r"no \[smtp\] section"):
        mail_target(parse_config({}), "me@example.org")
    with pytest.raises(ConfigError, match="pass --to EMAIL, or set recipients"):
        mail_target(parse_config(_config_with_smtp(2525)))
    with pytest.raises(ConfigError, match="--to: not an email address"):
        mail_target(parse_config(_config_with_smtp(2525)), "not-an-address")


needs_command = pytest.mark.skipif("demo" not in cli.commands, reason="cli.py has no demo yet")


@needs_command
def test_cli_demo_needs_no_config_and_prints_the_paths(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["demo", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == SUBJECT
    [html, text] = sorted((tmp_path / "out").iterdir())
    assert f"  wrote {html}" in lines and f"  wrote {text}" in lines


@needs_command
def test_cli_demo_send_without_a_config_says_so(tmp_path: Path, isolated_home: Path) -> None:
    result = CliRunner().invoke(cli, ["demo", "--send", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    path = isolated_home / "config" / "selfwatch" / "config.toml"
    assert result.output == (
        f"Error: {path}: config file not found; create one with 'selfwatch init' "
        "or copy config.example.toml\n"
    )
    assert not (tmp_path / "out").exists()
