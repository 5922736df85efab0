"""audit and report work on an archive alone, with no config file at all."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from selfwatch.cli import cli

ARCHIVES = Path(__file__).parent / "fixtures" / "archives"


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_audit_and_report_need_no_config_with_a_name(tmp_path: Path) -> None:
    audited = invoke("audit", str(ARCHIVES / "twitter"), "--name", "Jane Doe")
    assert audited.exit_code == 0, audited.output
    assert "config file not found" not in audited.output
    out = tmp_path / "r.html"
    made = invoke("report", "--name", "Jane Doe", "--out", str(out))
    assert made.exit_code == 0, made.output
    html = out.read_text()
    assert "Pre-screen report: Jane Doe" in html and "X/Twitter archive" in html
    history = invoke("history", "--profile", "jane-doe")
    assert history.exit_code == 2 and "config file not found" in history.output


def test_audit_and_report_without_a_name_use_the_anonymous_profile(tmp_path: Path) -> None:
    audited = invoke("audit", str(ARCHIVES / "twitter"))
    assert audited.exit_code == 0, audited.output
    made = invoke("report", "--out", str(tmp_path / "r.html"))
    assert made.exit_code == 0, made.output
    html = (tmp_path / "r.html").read_text()
    assert "Pre-screen report: Anonymous" in html and "--profile me" in html
