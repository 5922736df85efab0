"""Tests for the own-archive audit: real exports, the real engine, a real SQLite store."""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import os
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from profiles import EXAMPLE_PROFILE

from selfwatch.actions import Action
from selfwatch.archive import read_archive
from selfwatch.audit import (
    CHUNK,
    CSV_FIELDS,
    AuditEntry,
    AuditResult,
    audit,
    csv_report,
    json_report,
    lint_batches,
    lint_posts,
    rank,
    render_text,
    write_csv,
    write_json,
)
from selfwatch.checklist import verdict_key
from selfwatch.checklist.engine import Engine, default_engine
from selfwatch.errors import InputError, SelfwatchError
from selfwatch.model import ChecklistSettings, Finding, Level, Post, Verdict
from selfwatch.store import MEMO_DAYS, MEMO_ENGINES, Store

FIXTURES = Path(__file__).parent / "fixtures" / "archives"
NOW = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
EXPORTS = ("twitter", "mastodon", "facebook", "reddit", "linkedin")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "state" / "selfwatch.db") as db:
        yield db


@pytest.fixture(scope="module")
def engine() -> Engine:
    return default_engine(EXAMPLE_PROFILE)


@pytest.fixture
def exports(tmp_path: Path) -> list[Path]:
    return [Path(shutil.copytree(FIXTURES / name, tmp_path / "in" / name)) for name in EXPORTS]


def run(paths: list[Path], store: Store, engine: Engine, **kw: object) -> AuditResult:
    return audit(paths, EXAMPLE_PROFILE, store=store, engine=engine, now=NOW, **kw)  # type: ignore[arg-type]


def test_audit_counts_skips_reposts_and_ranks_the_risky_posts(
    exports: list[Path], store: Store, engine: Engine
) -> None:
    result = run(exports, store, engine)
    assert result.read == 5 + 4 + 3 + 4 + 4
    assert result.reposts == 2  # one retweet, one boost
    assert result.linted == result.read - 2
    assert result.new == result.linted
    assert dict(result.sources) == {
        "twitter": 4, "mastodon": 3, "facebook": 3, "reddit": 4, "linkedin": 4,
    }  # fmt: skip
    assert all(e.verdict.flagged for e in result.entries)
    assert not any(e.post.text.startswith("RT @") for e in result.entries)

    scores = [e.verdict.score for e in result.entries]
    assert scores == sorted(scores, reverse=True)
    top = [(e.item.source, e.post.text[:20]) for e in result.entries[:2]]
    # Both errors (70): the newer codename leak first, then the phone number.
    assert top == [("linkedin", "Sneak peek: Project "), ("facebook", "Call me at +1 503 55")]
    dated = [e.post.published for e in result.entries if e.verdict.score == 40]
    assert None not in dated
    assert dated == sorted(
        (d for d in dated if d), reverse=True
    )  # same score and level: newest first


def test_audit_suggests_actions_for_own_posts(
    exports: list[Path], store: Store, engine: Engine
) -> None:
    result = run(exports, store, engine)
    action = {e.post.text[:25]: e.action.kind for e in result.entries}
    assert action["Call me at +1 503 555 014"] == "delete"  # personal data
    assert action["Sneak peek: Project Blueb"] == "delete"  # confidential
    assert action["My boss at Acme Corp is a"] == "edit"  # employer
    assert action["what the fuck is wrong wi"] == "edit"  # profanity
    assert action["@samwrites smoked a joint"] == "make_private"  # substance


def test_audit_records_every_post_as_the_persons_own(
    exports: list[Path], store: Store, engine: Engine
) -> None:
    result = run(exports, store, engine)
    stored = store.posts("jane")
    assert len(stored) == result.linted
    assert {s.identity.confidence for s in stored} == {"me"}
    assert {s.identity.role for s in stored} == {"author"}
    assert {s.identity.reason for s in stored} == {"your own archive"}
    assert {s.seen_at for s in stored} == {NOW}
    assert {f for s in stored for f in s.feeds} == {f"archive:{name}" for name in EXPORTS}
    flagged = {s.id for s in store.posts("jane", flagged=True)}
    assert flagged == {e.post.id for e in result.entries}


def test_rerun_on_the_same_archive_adds_nothing(
    exports: list[Path], store: Store, engine: Engine
) -> None:
    first = run(exports, store, engine)
    second = audit(
        exports, EXAMPLE_PROFILE, store=store, engine=engine, now=NOW + timedelta(days=3)
    )
    assert second.new == 0
    assert len(store.posts("jane")) == first.linted
    assert [e.post.id for e in second.entries] == [e.post.id for e in first.entries]
    assert {s.seen_at for s in store.posts("jane")} == {NOW}


def test_the_same_export_twice_in_one_run_is_linted_once(
    store: Store, engine: Engine, tmp_path: Path
) -> None:
    folder = Path(shutil.copytree(FIXTURES / "twitter", tmp_path / "twitter"))
    archive = tmp_path / "twitter.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in folder.rglob("*.js"):
            z.write(path, path.relative_to(folder).as_posix())
    result = run([folder, archive], store, engine)
    assert result.read == 10
    assert result.duplicates == 4 and result.reposts == 2
    assert result.linted == 4


def test_progress_is_reported_after_each_stored_batch(
    store: Store, engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "notes.jsonl"
    lines = (json.dumps({"id": n, "text": f"Note {n} on query planners"}) for n in range(600))
    path.write_text("\n".join(lines), encoding="utf-8")
    calls: list[tuple[int, bool]] = []
    result = run([path], store, engine, batch=250, progress=lambda *a: calls.append(a))
    assert calls == [(250, False), (500, False), (600, True)]
    assert result.new == 600 and len(store.posts("jane")) == 600


def test_unreadable_input_stores_nothing(
    exports: list[Path], store: Store, engine: Engine, tmp_path: Path
) -> None:
    bad = tmp_path / "photo.jpg"
    bad.write_bytes(b"\xff\xd8\xff")
    with pytest.raises(InputError, match="unknown export format"):
        run([*exports, bad], store, engine)
    assert store.posts("jane") == []


def test_parallel_lint_gives_the_same_verdicts_as_serial(engine: Engine) -> None:
    posts = [i.post for name in EXPORTS for i in read_archive(FIXTURES / name)]
    serial = lint_posts(engine, posts, workers=1)
    parallel = lint_posts(engine, posts, workers=2)
    assert parallel == serial
    assert any(v.flagged for v in serial)


class DyingEngine(Engine):
    """An engine whose lint kills the process it runs in, unless that is the main process."""

    def lint(self, text: str) -> Verdict:
        if multiprocessing.parent_process() is not None:
            os._exit(1)  # a worker dies without a word, as an OOM kill would
        return super().lint(text)


def test_lint_finishes_here_when_the_workers_die(engine: Engine) -> None:
    dying = DyingEngine.__new__(DyingEngine)
    dying.__dict__.update(engine.__dict__)
    posts = [Post(str(n), "", "", f"what the fuck {n}") for n in range(CHUNK * 3)]

    verdicts = lint_posts(dying, posts, workers=2)

    assert len(verdicts) == len(posts)
    assert all(v.flagged for v in verdicts)


def _entry(item_text: str, score: int, level: Level, when: datetime | None) -> AuditEntry:
    item = next(read_archive(FIXTURES / "generic" / "old_posts.txt"))
    post = replace(item.post, id=item_text, text=item_text, published=when)
    finding = Finding("x.rule", "profanity", level, 0, 1, 1, 1, "x", "m", "s")
    return AuditEntry(
        replace(item, post=post), Verdict(score, True, (finding,)), Action("edit", "Edit", "")
    )


def test_rank_orders_by_score_then_level_then_newest_with_undated_last() -> None:
    t = datetime(2020, 1, 1, tzinfo=UTC)
    entries = [
        _entry("a", 40, Level.WARNING, t),
        _entry("b", 40, Level.ERROR, t - timedelta(days=9)),
        _entry("c", 40, Level.WARNING, None),
        _entry("d", 40, Level.WARNING, t + timedelta(days=1)),
        _entry("e", 70, Level.WARNING, None),
    ]
    assert [e.post.id for e in rank(entries)] == ["e", "b", "d", "a", "c"]


# --- output ---------------------------------------------------------------------------------


def test_csv_has_one_row_per_risky_post(
    exports: list[Path], store: Store, engine: Engine, tmp_path: Path
) -> None:
    result = run(exports, store, engine)
    out = tmp_path / "actions.csv"
    write_csv(result, out)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM, so spreadsheet programs read UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert tuple(rows[0]) == CSV_FIELDS
    assert len(rows) == len(result.entries)
    first = rows[0]
    assert first["rank"] == "1"
    assert first["date"] == "2023-09-01T08:02:10+00:00"
    assert first["source"] == "linkedin" and first["kind"] == "post"
    assert first["score"] == "70" and first["level"] == "error"
    assert first["categories"] == "confidential"
    assert first["rules"] == "confidential.codename"
    assert first["matched"] == "Bluebird"
    assert first["action"] == "delete"
    assert first["why"].startswith("It contains confidential")
    assert first["excerpt"].startswith("Sneak peek: Project Bluebird")
    assert first["url"].startswith("https://www.linkedin.com/feed/update/")
    boss = next(r for r in rows if r["excerpt"].startswith("My boss"))
    assert boss["url"] == "https://x.com/janedoe_pdx/status/1050118621198921728"
    assert boss["action"] == "edit" and boss["categories"] == "employer"
    # A leading @ starts a formula in spreadsheets, so the cell is quoted.
    reply = next(r for r in rows if r["excerpt"].startswith("'@pdxeats So wasted"))
    assert reply["kind"] == "reply"


def test_csv_cells_that_look_like_formulas_are_quoted(
    store: Store, engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "posts.jsonl"
    path.write_text('{"text": "=HYPERLINK(1) what the fuck is this"}\n', encoding="utf-8")
    result = run([path], store, engine)
    [row] = list(csv.DictReader(io.StringIO(csv_report(result))))
    assert row["excerpt"] == "'=HYPERLINK(1) what the fuck is this"


def test_json_report_has_summary_and_findings(
    exports: list[Path], store: Store, engine: Engine, tmp_path: Path
) -> None:
    result = run(exports, store, engine)
    out = tmp_path / "audit.json"
    write_json(result, out)
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["profile"] == "jane"
    assert doc["generated_at"] == "2026-01-01T09:00:00+00:00"
    assert doc["summary"]["linted"] == result.linted
    assert doc["summary"]["reposts_skipped"] == 2
    assert doc["summary"]["risky"] == len(doc["posts"]) == len(result.entries)
    first = doc["posts"][0]
    assert first["title"] == "Delete it"
    assert first["findings"][0]["rule"] == "confidential.codename"
    assert first["findings"][0]["level"] == "error"
    assert json.loads(json_report(result)) == doc
    assert "\\u" not in json_report(result)  # non-ASCII text stays readable


def test_text_report_escapes_control_characters(
    store: Store, engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "posts.jsonl"
    line = {"text": "what the fuck \x1b[2J\x1b[31mred", "url": "https://e.example/\x1b]8;;"}
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    result = run([path], store, engine)
    text = render_text(result)
    assert "\x1b" not in text
    assert "\\x1b[2J" in text
    assert text.splitlines()[-1] == (
        "1 posts audited (1 jsonl); 1 risky; 0 reposts skipped; 1 new in the store."
    )


def test_text_report_lists_findings_and_actions_and_honours_limit(
    exports: list[Path], store: Store, engine: Engine
) -> None:
    result = run(exports, store, engine)
    text = render_text(result, limit=2)
    assert text.startswith("  1. score  70  2023-09-01  linkedin  https://www.linkedin.com/")
    assert "error confidential.codename:" in text
    assert "-> Delete it:" in text
    assert f"... and {len(result.entries) - 2} more" in text


def test_write_to_a_missing_directory_is_a_clear_error(
    exports: list[Path], store: Store, engine: Engine, tmp_path: Path
) -> None:
    result = run(exports, store, engine)
    with pytest.raises(SelfwatchError, match="cannot write the audit report"):
        write_csv(result, tmp_path / "no" / "such" / "dir.csv")


class CountingEngine(Engine):
    """The engine, counting the texts it is asked to lint (in this process)."""

    asked = 0

    def lint(self, text: str, author: str = "self") -> Verdict:  # type: ignore[override]
        CountingEngine.asked += 1
        return super().lint(text, author)  # type: ignore[arg-type]


def _counting(engine: Engine) -> CountingEngine:
    counting = CountingEngine.__new__(CountingEngine)
    counting.__dict__.update(engine.__dict__)
    CountingEngine.asked = 0
    return counting


def test_a_rerun_reads_the_same_checklists_verdicts_back_instead_of_linting(
    exports: list[Path], store: Store, engine: Engine
) -> None:
    counting = _counting(engine)
    first = run(exports, store, counting, memo="checklist-1")
    assert CountingEngine.asked == first.linted and first.remembered == 0
    second = run(exports, store, counting, memo="checklist-1")
    assert CountingEngine.asked == first.linted  # nothing linted again
    assert second.remembered == second.linted == first.linted
    assert second.entries == first.entries  # the same verdicts, actions and order
    assert "judged by this same checklist on an earlier run" in render_text(second)
    # Another checklist (a rule edited, selfwatch upgraded) has said nothing yet: all linted.
    third = run(exports, store, counting, memo="checklist-2")
    assert third.remembered == 0 and CountingEngine.asked == 2 * first.linted


def test_a_grown_export_lints_only_its_new_posts(
    store: Store, engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "notes.jsonl"
    notes = [json.dumps({"id": n, "text": f"Note {n}: the CEO is an idiot"}) for n in range(30)]
    path.write_text("\n".join(notes[:20]), encoding="utf-8")
    counting = _counting(engine)
    run([path], store, counting, memo="checklist-1")
    path.write_text("\n".join(notes), encoding="utf-8")
    grown = run([path], store, counting, memo="checklist-1")
    assert (grown.linted, grown.remembered, CountingEngine.asked) == (30, 20, 30)
    assert len(grown.entries) == 30  # the remembered verdicts flag as the fresh ones do


def test_remembered_verdicts_are_the_verdicts(store: Store, engine: Engine) -> None:
    texts = (Path(__file__).parent / "fixtures" / "risky_posts.txt").read_text().splitlines()
    texts = [t for t in texts if t.strip() and not t.startswith("#")][:150]
    fresh = [engine.lint(t) for t in texts]
    store.remember("k", [(str(n), v) for n, v in enumerate(fresh)])
    back = store.remembered("k", [str(n) for n in range(len(texts))])
    assert [back[str(n)] for n in range(len(texts))] == fresh
    assert sum(1 for v in fresh if v.findings) > 100


def test_only_recent_engines_verdicts_are_kept(store: Store) -> None:
    verdict = Verdict(0, False, ())
    for n in range(MEMO_ENGINES + 2):
        store.use_engine(f"e{n}", NOW + timedelta(minutes=n))
        store.remember(f"e{n}", [("text", verdict)])
    kept = {n for n in range(MEMO_ENGINES + 2) if store.remembered(f"e{n}", ["text"])}
    assert kept == set(range(2, MEMO_ENGINES + 2))  # the last MEMO_ENGINES used
    store.use_engine("e2", NOW + timedelta(hours=1))  # used again: the newest now
    store.use_engine("new", NOW + timedelta(hours=2))
    assert store.remembered("e2", ["text"]) and not store.remembered("e3", ["text"])
    # Unused for MEMO_DAYS: forgotten whatever the count
    store.use_engine("later", NOW + timedelta(days=MEMO_DAYS, minutes=40))
    assert store.remembered("e2", ["text"])
    assert not store.remembered(f"e{MEMO_ENGINES + 1}", ["text"])


def test_workers_start_only_for_texts_to_lint(engine: Engine) -> None:
    before = set(multiprocessing.active_children())
    assert list(lint_batches(engine, iter([[], [], []]), 2)) == [[], [], []]
    assert set(multiprocessing.active_children()) == before


def test_the_verdict_key_follows_the_checklist() -> None:
    base = verdict_key(EXAMPLE_PROFILE, None)
    assert verdict_key(EXAMPLE_PROFILE, None) == base
    assert verdict_key(EXAMPLE_PROFILE, ChecklistSettings(deep=True)) != base
    assert verdict_key(replace(EXAMPLE_PROFILE, employers=("Initech",)), None) != base
