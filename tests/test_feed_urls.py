"""Feed URLs and the password file are checked when the config loads, every problem at once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from selfwatch.cli import cli
from selfwatch.config import feed_url_problem, load_config

BAD_FEEDS = """
[[profiles]]
name = "Jordan Avery"
search = false
feeds = [
  "http://[::1",
  "htp:/x",
  "javascript:alert(1)",
  "example.com/feed.xml",
  "ftp://example.com/feed.xml",
  "http://",
  "https://example.com/ok.xml",
]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_bad_feed_url_is_reported_at_load_with_its_key(tmp_path: Path) -> None:
    path = write(tmp_path, BAD_FEEDS)
    for command in (["check"], ["feeds"], ["run", "--once"], ["status"]):
        result = CliRunner().invoke(cli, ["--config", str(path), *command])
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
        assert result.output.splitlines() == [
            f"Error: {path}: 6 problems in the config:",
            "  - profiles[0].feeds[0].url: not a valid URL: 'http://[::1' (Invalid IPv6 URL)",
            "  - profiles[0].feeds[1].url: unsupported scheme 'htp' in 'htp:/x' "
            "(did you mean 'http'?); use http, https or file",
            "  - profiles[0].feeds[2].url: unsupported scheme 'javascript' in "
            "'javascript:alert(1)'; use http, https or file",
            "  - profiles[0].feeds[3].url: 'example.com/feed.xml' looks like a web address "
            "without its scheme; write 'https://example.com/feed.xml' (or give the path of a "
            "file that exists)",
            "  - profiles[0].feeds[4].url: unsupported scheme 'ftp' in "
            "'ftp://example.com/feed.xml'; use http, https or file",
            "  - profiles[0].feeds[5].url: 'http://' has no host; write it like "
            "'https://example.com/feed.xml'",
        ]


@pytest.mark.parametrize(
    "url",
    [
        "https://news.google.com/rss/search?q=%22Jordan+Avery%22",
        "http://127.0.0.1:8080/feed.xml",
        "http://[::1]:8080/feed.xml",
        "file:///var/feeds/me.xml",
        "/var/feeds/me.xml",
        "~/feeds/me.xml",
        "feeds/me.xml",
        "me.xml",
    ],
)
def test_good_feed_urls_and_paths_pass(url: str) -> None:
    assert feed_url_problem(url) is None


def test_a_file_named_like_a_host_is_a_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "example.com").mkdir()
    (tmp_path / "example.com" / "feed.xml").write_text("<rss/>", encoding="utf-8")
    assert feed_url_problem("example.com/feed.xml") is None


SMTP = """
[smtp]
host = "localhost"
security = "none"
sender = "selfwatch <me@example.com>"
username = "me"
password_file = "{path}"
"""


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_password_file_readable_by_others_is_a_config_error(tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("hunter2\n", encoding="utf-8")
    secret.chmod(0o644)
    path = write(tmp_path, SMTP.format(path=secret))
    result = CliRunner().invoke(cli, ["--config", str(path), "status"])
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"Error: {path}: smtp.password_file: {secret} has mode 0644, so others can read it; "
        f"make it 0600 or stricter (chmod 600 {secret})"
    )
    secret.chmod(0o600)
    assert load_config(path).extra["smtp"].password_file == secret


def test_missing_password_file_is_a_config_error(tmp_path: Path) -> None:
    path = write(tmp_path, SMTP.format(path=tmp_path / "nope"))
    result = CliRunner().invoke(cli, ["--config", str(path), "status"])
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"Error: {path}: smtp.password_file: cannot read {tmp_path / 'nope'}: "
        "No such file or directory"
    )
