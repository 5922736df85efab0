"""The futures one thread hands a result to another with (look-ups, workers' verdicts)."""

from __future__ import annotations

import threading

import pytest

from selfwatch.future import Future, InvalidStateError


def test_a_result_handed_over_wakes_the_thread_waiting_for_it() -> None:
    future: Future[int] = Future()
    got: list[int] = []
    waiter = threading.Thread(target=lambda: got.append(future.result(timeout=30)))
    waiter.start()
    assert not future.done()
    future.set_result(42)
    waiter.join(30)
    assert got == [42]
    assert future.done()
    assert future.exception() is None


def test_an_exception_is_raised_to_whoever_asks_for_the_result() -> None:
    future: Future[int] = Future()
    future.set_exception(OSError("no route"))
    with pytest.raises(OSError, match="no route"):
        future.result()
    assert isinstance(future.exception(), OSError)


def test_waiting_past_the_timeout_is_a_timeout_error() -> None:
    future: Future[int] = Future()
    with pytest.raises(TimeoutError):
        future.result(timeout=0.01)
    with pytest.raises(TimeoutError):
        future.exception(timeout=0)


def test_an_outcome_is_handed_over_once() -> None:
    future: Future[int] = Future()
    future.set_result(1)
    with pytest.raises(InvalidStateError):
        future.set_result(2)
    with pytest.raises(InvalidStateError):
        future.set_exception(ValueError())
    assert future.result() == 1


def test_callbacks_run_once_done_whenever_they_were_added() -> None:
    future: Future[str] = Future()
    seen: list[str] = []
    future.add_done_callback(lambda f: seen.append(f"before {f.result()}"))
    assert seen == []
    future.set_result("x")
    future.add_done_callback(lambda f: seen.append(f"after {f.result()}"))
    assert seen == ["before x", "after x"]
