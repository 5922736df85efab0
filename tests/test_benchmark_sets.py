"""The benchmark guards never read a scored or blind set (only their totals are ever printed)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.fixture(scope="module")
def guard():  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import checklist
        import ordinary_findings

        yield checklist, ordinary_findings
    finally:
        sys.path.remove(str(BENCHMARKS))


def test_the_ordinary_findings_guard_reads_no_scored_or_blind_set(guard) -> None:  # type: ignore[no-untyped-def]
    checklist, ordinary_findings = guard
    kept_away = {ordinary for name, _, ordinary in checklist.SETS if name in ("scored", "blind")}
    development = {
        ordinary for name, _, ordinary in checklist.SETS if name not in ("scored", "blind")
    }
    assert kept_away and development
    read = {path for _, path in ordinary_findings.sources()}
    assert read.isdisjoint(kept_away)
    assert development <= read
    assert any("train_data" in str(path) for path in read)
