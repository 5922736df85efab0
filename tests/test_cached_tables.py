"""The checklist's disk cache keeps reference tables: built once, read back while their sources
are unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from selfwatch import clues
from selfwatch.checklist import cached_table
from selfwatch.checklist.cache import TABLE_KEEP, cache_dir


def test_a_table_is_built_once_and_read_back(tmp_path: Path) -> None:
    source = tmp_path / "source.txt"
    source.write_text("a b c", encoding="utf-8")
    built: list[int] = []

    def build() -> dict[str, tuple[int, ...]]:
        built.append(1)
        return {word: (len(word), 1) for word in source.read_text(encoding="utf-8").split()}

    first = cached_table("words", [source], build)
    again = cached_table("words", [source], build)
    assert first == again == {"a": (1, 1), "b": (1, 1), "c": (1, 1)}
    assert built == [1]
    assert [p.name.partition("-")[0] for p in cache_dir().glob("*.marshal")] == ["words"]


def test_a_changed_source_or_a_damaged_file_builds_the_table_again(tmp_path: Path) -> None:
    source = tmp_path / "source.txt"
    source.write_text("one", encoding="utf-8")

    def build() -> tuple[str, ...]:
        return tuple(source.read_text(encoding="utf-8").split())

    assert cached_table("words", [source], build) == ("one",)
    source.write_text("one two", encoding="utf-8")
    assert cached_table("words", [source], build) == ("one", "two")
    for entry in cache_dir().glob("words-*.marshal"):
        entry.write_bytes(b"\x00damaged")
    assert cached_table("words", [source], build) == ("one", "two")  # rebuilt, not misread
    assert cached_table("words", [source], lambda: pytest.fail("rebuilt")) == ("one", "two")
    assert len(list(cache_dir().glob("words-*.marshal"))) <= TABLE_KEEP  # old keys are pruned


def test_an_unwritable_cache_only_costs_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv("SELFWATCH_CACHE", str(blocked / "cache"))  # under a file: no folder
    assert cached_table("words", [], lambda: {"x": 1}) == {"x": 1}


def test_the_clue_tables_read_back_are_the_ones_built_from_the_shipped_data() -> None:
    built = clues._build_reference()
    stored = cached_table("clues", clues._reference_sources(), clues._build_reference)
    read_back = cached_table("clues", clues._reference_sources(), lambda: pytest.fail("rebuilt"))
    assert read_back == stored == built
    places, big, titles, given = read_back
    assert places == clues._sized() and len(places) > 30_000
    assert "tampa" in big and "wadowice" not in big
    assert {"doctor", "judge"} <= titles and given
