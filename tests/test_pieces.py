"""A long text's pattern stage: the one-scan plan and the child process change no answer."""

from __future__ import annotations

import os
import random
import time

import pytest
from test_fast_paths import corpus_texts

from selfwatch.checklist import engine as engine_module
from selfwatch.checklist.classifier import load_classifier
from selfwatch.checklist.engine import PLANNED_PIECES, Engine, _pieces, builtin_checklist
from selfwatch.checklist.pieces import can_fork, in_child, shared
from selfwatch.checklist.tokens import sentence_bounds


@pytest.fixture(scope="module")
def engine() -> Engine:
    """A built-in engine of this module's own: a plan reads every pattern's needle at once,
    which the shared default engine's tests of first reads must not see."""
    return Engine(builtin_checklist(), None, load_classifier())


def long_text(size: int) -> str:
    """Return about ``size`` characters of the corpora's posts (risky, ordinary, non-ASCII,
    with ſ and the Kelvin sign that only a regex reads) in a fixed order."""
    texts = corpus_texts()
    rng = random.Random(7)
    parts: list[str] = []
    while sum(map(len, parts)) < size:
        parts.append(rng.choice(texts))
    return "\n\n".join(parts)


def test_the_plan_opens_and_sifts_each_piece_as_the_piece_itself_does(engine: Engine) -> None:
    text = long_text(120_000)
    pieces = _pieces(text, sentence_bounds(text))
    assert len(pieces) >= PLANNED_PIECES
    planned = [(r.id, m.span()) for r, m in engine._piece_matches(text, pieces)]
    each = [(r.id, m.span()) for a, b in pieces for r, m in engine._matches(text, a, b)]
    assert planned == each
    assert len(planned) > 100


def test_word_gates_are_literal_lists_that_one_scan_answers(engine: Engine) -> None:
    # A prefilter with a regex in it ("reviews?", "hires? (?:you|him)") is searched in every
    # piece on its own; written as plain alternatives, the piece plan's one scan answers it
    searched = [g.source for g in engine.gates.gates if g is not None and g.literals is None]
    assert searched and all("\\d" in source for source in searched), searched


def test_short_posts_use_the_plan_once_enough_pieces_were_matched() -> None:
    import pickle

    engine = Engine(builtin_checklist(), None, load_classifier())
    posts = corpus_texts()
    engine.lint(posts[0])
    assert engine.plan is None  # a one-off lint of a short draft builds nothing more
    each = [[(r.id, m.span()) for r, m in engine._matches(p, 0, len(p))] for p in posts]
    planned = [
        [(r.id, m.span()) for r, m in engine._piece_matches(p, [(0, len(p))])] for p in posts
    ]
    assert engine.plan is not None  # built after PLANNED_PIECES posts
    assert planned == each and sum(map(len, each)) > 50
    assert pickle.loads(pickle.dumps(engine)).plan is None  # each process builds its own


# 64 pieces a chunk: two chunks of this draft; 3: ~30 chunks for the two processes to share
@pytest.mark.parametrize("chunk", [64, 3])
def test_a_draft_matched_with_a_child_process_gets_the_same_verdict(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    text = long_text(60_000)
    monkeypatch.setattr(engine_module, "PARALLEL_TEXT", 10**9)
    alone = engine.lint(text)
    monkeypatch.setattr(engine_module, "PARALLEL_TEXT", 50_000)
    monkeypatch.setattr(engine_module, "SHARED_PIECES", chunk)
    assert engine.lint(text) == alone
    assert alone.findings


def _busy(i: int) -> tuple[int, int, int]:
    """A few milliseconds of work."""
    return i, sum(range(150_000)) % 7, os.getpid()


def test_shared_work_is_done_once_each_in_order_by_both_processes() -> None:
    import select

    parent = os.getpid()
    fds = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else 0
    # Each process, at its first item, says so and waits (30 s at most) to hear the other has
    # one too: both take items however the machine schedules them
    child_said, parent_said = os.pipe(), os.pipe()
    started: set[int] = set()

    def work(i: int) -> tuple[int, int, int]:
        me = os.getpid()
        if me not in started and can_fork():
            started.add(me)
            mine, theirs = (parent_said, child_said) if me == parent else (child_said, parent_said)
            os.write(mine[1], b".")
            select.select([theirs[0]], [], [], 30)
        return _busy(i)

    try:
        got = shared(80, work)()
    finally:
        for fd in (*child_said, *parent_said):
            os.close(fd)
    assert [g[0] for g in got] == list(range(80))  # every item once, in order
    assert {g[1] for g in got} == {_busy(0)[1]}
    workers = {g[2] for g in got}
    if can_fork():
        assert parent in workers and len(workers) == 2  # the child took some, this one the rest
    else:
        assert workers == {parent}
    assert shared(0, _busy)() == []
    if fds:
        assert len(os.listdir("/proc/self/fd")) == fds  # the queue's pipe is closed


def test_shared_work_a_failed_child_left_is_done_here() -> None:
    parent = os.getpid()

    def fails_in_child(i: int) -> int:
        if os.getpid() != parent:
            raise RuntimeError("the child dies")
        return i * i

    assert shared(40, fails_in_child)() == [i * i for i in range(40)]


def test_shared_work_is_done_here_when_the_queue_cannot_be_filled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A pipe the system made small takes part of the numbers: no queue, no child, no hang
    write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: write(fd, bytes(data)[:2]))
    got = shared(50, _busy)()
    assert [g[0] for g in got] == list(range(50)) and {g[2] for g in got} == {os.getpid()}


def test_a_child_hands_back_its_result_or_none_when_it_fails() -> None:
    parent = os.getpid()
    got = in_child(lambda: [1, "a", os.getpid()])()
    if can_fork():
        assert got is not None and got[:2] == [1, "a"] and got[2] != parent
    else:
        assert got is None  # no fork here: the caller works alone

    def boom() -> None:
        raise RuntimeError("boom")

    assert in_child(boom)() is None
    assert in_child(lambda: object())() is None  # not plain data: marshal refuses it


def test_a_child_nobody_asks_is_ended_when_dropped() -> None:
    if not can_fork():
        pytest.skip("no fork here: nothing is started")
    ask = in_child(lambda: time.sleep(60))
    pid = ask.__self__.pid  # type: ignore[attr-defined]
    del ask  # as when the caller fails before asking
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # killed and reaped already
