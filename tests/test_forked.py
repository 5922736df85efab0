"""The forked child processes and their sockets, as the scoring workers use them: real forks."""

from __future__ import annotations

import os
import sys
import time

import pytest

from selfwatch.forked import CHUNK, Channel, Child, ChildGone

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the workers fork on Linux only")


def _echo(channel: Channel) -> None:
    """Send back each message until told to stop."""
    while (message := channel.recv()) is not None:
        channel.send(message)


def _wait_for_end(channel: Channel) -> None:
    """Leave only when the parent's end is closed."""
    try:
        channel.recv()
    except ChildGone:
        return


def _hang(channel: Channel) -> None:
    time.sleep(600)


def _fail(channel: Channel) -> None:
    raise RuntimeError("broken")


def test_messages_of_every_size_come_back_whole_and_in_order() -> None:
    child = Child.start(_echo, ())
    try:
        messages = [b"", "x", list(range(10)), b"y" * (3 * CHUNK + 7), {"k": ("v",) * 1000}]
        for message in messages:
            child.channel.send(message)
        assert [child.channel.recv() for _ in messages] == messages
        child.channel.send(None)
        assert child.join(10)
        assert child.exitcode == 0
    finally:
        child.kill()


def test_a_burst_of_small_answers_is_read_in_one_go_and_all_handed_out() -> None:
    here, there = Channel.pair()
    for n in range(50):
        there.send(n)
    assert here.recv() == 0
    assert here.pending()  # the rest came with the first read
    got = [here.recv() for _ in range(49)]
    assert got == list(range(1, 50))
    assert not here.pending()
    here.close()
    there.close()


def test_the_end_of_the_other_side_is_told_apart_from_a_message() -> None:
    child = Child.start(_fail, ())
    with pytest.raises(ChildGone):
        child.channel.recv()  # the child died: its end closed with it
    assert child.join(10)
    assert child.exitcode == 1


def test_a_child_that_will_not_leave_is_waited_for_then_killed() -> None:
    child = Child.start(_hang, ())
    started = time.monotonic()
    assert not child.join(0.2)
    assert time.monotonic() - started < 5
    assert child.alive()
    child.kill()
    assert not child.alive()
    assert child.exitcode == -9
    with pytest.raises(ProcessLookupError):
        os.kill(child.pid, 0)  # reaped: no zombie left behind


def test_a_child_does_not_hold_open_the_ends_of_those_forked_before_it() -> None:
    first = Child.start(_wait_for_end, ())
    second = Child.start(_hang, (), close=[first.channel])
    try:
        first.channel.close()  # as when the parent dies: the first child must see its end
        assert first.join(10), "the second child kept the first one's socket open"
        assert first.exitcode == 0
    finally:
        second.kill()
        first.kill()


def _answer_in_one_burst(channel: Channel, jobs: int) -> None:
    """Read ``jobs`` jobs, then answer them all in a single write, as a fast worker may."""
    import pickle

    from selfwatch.forked import HEADER

    answers = bytearray()
    for _ in range(jobs):
        job, _work = channel.recv()  # type: ignore[misc]
        data = pickle.dumps((job, f"done {job}"))
        answers += len(data).to_bytes(HEADER, "big") + data
    channel.sock.sendall(answers)
    channel.recv()  # the signal to leave


def test_the_scoring_workers_hand_out_every_answer_of_one_read() -> None:
    import mmap

    from selfwatch.scorer import _Workers

    jobs = 40
    child = Child.start(_answer_in_one_burst, (jobs,))
    workers = _Workers([child], memoryview(mmap.mmap(-1, 8)).cast("q"))
    try:
        futures = [workers.submit((None, False)) for _ in range(jobs)]  # type: ignore[arg-type]
        got = [f.result(timeout=10) for f in futures if f is not None]
        assert got == [f"done {n}" for n in range(jobs)]
    finally:
        workers.close()
    assert child.join(10)  # reaped in a thread of its own, once it has exited
    assert child.exitcode == 0


def _answer_once_let_in(channel: Channel, gate: int) -> None:
    """Read nothing until the gate opens, then answer every job with its payload's size."""
    os.read(gate, 1)
    while (message := channel.recv()) is not None:
        job, (payload, _own) = message  # type: ignore[misc]
        channel.send((job, len(payload)))


def test_posting_to_a_worker_whose_socket_is_full_never_waits_for_it() -> None:
    """A busy worker's full socket is left to the sending thread: the cycle goes on.

    The worker reads nothing until every job is posted: had posting waited for it, the jobs
    (four times what a socket holds) could never all be posted. Every job still reaches the
    worker whole and in order, partly written here and the rest by the sending thread.
    """
    import mmap
    import threading

    from selfwatch.scorer import _Workers

    gate_out, gate_in = os.pipe()
    child = Child.start(_answer_once_let_in, (gate_out,))
    workers = _Workers([child], memoryview(mmap.mmap(-1, 8)).cast("q"))
    sizes = [100_000 + n for n in range(40)]
    futures: list[object] = []
    try:
        poster = threading.Thread(
            target=lambda: futures.extend(workers.submit((b"x" * n, False)) for n in sizes)  # type: ignore[arg-type]
        )
        poster.start()
        poster.join(30)
        assert not poster.is_alive(), "posting waited for a worker that reads nothing yet"
        os.write(gate_in, b"!")
        assert [f.result(timeout=30) for f in futures] == sizes  # type: ignore[attr-defined]
    finally:
        os.write(gate_in, b"!")
        workers.close()
        os.close(gate_in)
        os.close(gate_out)
    assert child.join(10)
    assert child.exitcode == 0


def test_a_released_child_is_reaped_when_it_exits() -> None:
    child = Child.start(_wait_for_end, ())
    child.release()  # the parent goes on; a thread waits for the child
    assert child.alive()
    child.channel.close()
    assert child.join(10)
    assert child.exitcode == 0
    with pytest.raises(ChildProcessError):
        os.waitpid(child.pid, os.WNOHANG)  # no zombie left behind


def test_a_scoring_worker_that_will_not_leave_is_killed() -> None:
    import mmap

    from selfwatch.scorer import _Workers

    child = Child.start(_hang, ())
    workers = _Workers([child], memoryview(mmap.mmap(-1, 8)).cast("q"))
    workers.leave_timeout = 0.2
    workers.close()  # told to leave, it never reads the message
    assert child.join(10)
    assert child.exitcode == -9


def test_workers_of_a_cycle_given_up_on_are_killed_at_once() -> None:
    """Ctrl-C, or a failing cycle: the jobs a worker still has are not waited for."""
    import mmap
    import threading

    from selfwatch.scorer import _Workers

    child = Child.start(_hang, ())  # as busy as a worker with a long backlog
    workers = _Workers([child], memoryview(mmap.mmap(-1, 8)).cast("q"))
    workers.leave_timeout = 600  # were it told to leave and waited for, the test would hang
    closing = threading.Thread(target=lambda: workers.close(abandon=True))
    closing.start()
    closing.join(30)
    assert not closing.is_alive(), "the workers were waited for"
    assert child.join(10)
    assert child.exitcode == -9


REAPED_THEN_FORKED = """
import time
from datetime import UTC, datetime
from selfwatch.forked import Child
from selfwatch.match import Feedback
from selfwatch.model import Profile
from selfwatch.scorer import _Work, _Workers

def linger(channel):  # leaves a moment after the parent's end closes, as a worker freeing memory
    try:
        channel.recv()
    except EOFError:
        time.sleep(0.3)

leaving = Child.start(linger, ())
leaving.channel.close()
leaving.release()  # reaped by a thread of this process, once it has exited
person = Profile(key="jordan", name="Jordan Avery")
work = _Work(lambda: None, person, Feedback(), datetime.now(UTC))
workers = _Workers.start(work)
print(workers is not None, leaving.exitcode)
if workers is not None:
    workers.close()
"""


def test_a_cycle_right_after_another_waits_for_its_workers_to_be_reaped_then_forks() -> None:
    """``check`` of several profiles: the last cycle's workers may still be on their way out.

    Their reaping thread is a thread of the process, and workers are forked only from a
    process without any: the next cycle waits for it rather than scoring without workers.
    """
    import subprocess

    done = subprocess.run(
        [sys.executable, "-c", REAPED_THEN_FORKED], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "0"]
