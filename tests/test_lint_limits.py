"""`lint` refuses what is not a draft: files over the size limit and binary files (exit 3)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from selfwatch.cli import cli


def lint(*args: str, stdin: bytes | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["lint", *args], input=stdin)
    return result.exit_code, result.output


def test_a_file_over_the_limit_is_refused_before_linting(tmp_path: Path) -> None:
    big = tmp_path / "big.md"
    big.write_text("my boss is a clown. " * 150_000, encoding="utf-8")  # 3 MB
    code, output = lint(str(big))
    assert code == 3
    assert output.strip() == (
        f"Error: {big}: the file is over the lint limit of 2,000,000 bytes (3,000,000 or more); "
        "lint it in parts, or raise [lint] max_bytes or --max-bytes"
    )
    small = tmp_path / "small.md"
    small.write_text("my boss is a clown. " * 10, encoding="utf-8")  # 200 bytes
    code, output = lint("--max-bytes", "199", str(small))
    assert code == 3 and "over the lint limit of 199 bytes (200 or more)" in output
    code, output = lint("--max-bytes", "200", str(small))
    assert code == 1 and " employer." in output


def test_the_limit_comes_from_the_config_and_covers_stdin(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[lint]\nmax_bytes = 100\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["--config", str(config), "lint", "-"], input=b"my boss is a clown. " * 10
    )
    assert result.exit_code == 3  # 200 bytes
    result = CliRunner().invoke(
        cli, ["--config", str(config), "lint", "-"], input=b"my boss is a clown. " * 5
    )
    assert result.exit_code == 1  # 100 bytes: at the limit is fine
    result = CliRunner().invoke(
        cli, ["--config", str(config), "lint", "-"], input=b"my boss is a clown. " * 11
    )
    assert result.exit_code == 3
    assert result.output.strip() == (
        "Error: -: standard input is over the lint limit of 100 bytes (101 or more); "
        "lint it in parts, or raise [lint] max_bytes or --max-bytes"
    )


def test_a_bad_limit_is_a_config_error(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[lint]\nmax_bytes = 0\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(config), "lint", "-"], input="hi")
    assert result.exit_code == 2
    assert (
        result.output.strip() == f"Error: {config}: lint.max_bytes: must be greater than 0, got 0"
    )


def test_binary_files_are_refused_with_exit_3(tmp_path: Path) -> None:
    blob = tmp_path / "photo.jpg"
    blob.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 100)
    code, output = lint(str(blob))
    assert code == 3
    assert output.strip() == (
        f"Error: {blob}: this looks like a binary file, not a draft; lint reads plain text, "
        "Markdown and HTML"
    )
    code, output = lint("-", stdin=b"\x7fELF\x02\x01\x01\x00\x00\x00" * 50)
    assert code == 3 and output.startswith("Error: -: this looks like a binary file")


def test_text_in_other_encodings_is_still_text(tmp_path: Path) -> None:
    utf16 = tmp_path / "utf16.txt"
    utf16.write_bytes("my boss is a clown".encode("utf-16"))
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Café: my boss is a clown".encode("latin-1"))
    for path in (utf16, latin1):
        code, output = lint(str(path))
        assert code == 1 and " employer." in output, output
